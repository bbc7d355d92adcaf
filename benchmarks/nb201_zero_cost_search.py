"""Training-free search on real CIFAR-10: the engine with a zero-cost evaluator over NAS-Bench-201.

Every strategy runs through the same evolution engine with the ``zero_cost`` evaluator (NAS-Bench-201's
exact network, ``skeleton="nb201"``, every edge built, scored at initialisation on a batch of the
CIFAR-10 training half, ``split="nb201"``). The table is never seen by a search: the cell a run returns
(the best-scoring cell it queried) is looked up in the NB201 CSV afterwards and reported by its
``test200``. Budget N = distinct cells queried (the engine never queries a canonical class twice).

    python benchmarks/nb201_zero_cost_search.py --data ../shared/data/nb201/cifar10.csv \\
        --images ../shared/data/cifar10/cifar10-jpeg.tar.gz --proxy synflow \\
        [--budgets 10,100,1000] [--seeds 20] [--strategies random,regularized,autospace+ref] \\
        [--score-cache F.json] [--mixed-seeds 0] [--threads 1] [--json]

Strategies: ``random`` samples N cells and keeps the best score (NASWOT's own protocol, Mellor et
al. 2021, Table 2); ``regularized`` and ``autospace+ref`` (the ResNet cell as reference) use the
settings of ``benchmarks/nb201_search.py``. ``--mixed-seeds K`` adds ``mixed`` (LCMNAS's
``lam * rank(proxy) + (1 - lam) * rank(short training)`` within each batch, regularized evolution)
with the short training on real CIFAR-10 images (``--mixed-train`` images of the training half,
``--mixed-epochs`` epochs; accuracy on ``--mixed-val`` images of the validation half), over K seeds.

Scores are a deterministic function of the cell (the proxy's batch and the network init come from
``--proxy-seed``, the same for every search seed), so they are memoised across runs: every run sees
exactly the scores it would compute itself. ``--score-cache`` keeps them in a JSON file between
invocations; it is refused when it was written by an evaluator with other settings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from nb201_search import RESNET, STRATEGIES

from autospace.atomic import write_json
from autospace.data import get_dataset
from autospace.evaluators import TabularEvaluator
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.low_fidelity import LowFidelityEvaluator
from autospace.evaluators.mixed import MixedEvaluator
from autospace.evaluators.proxies import STANDARD_PROXIES
from autospace.evaluators.zero_cost import ZeroCostEvaluator
from autospace.evolve import Engine, EvolveConfig
from autospace.genome import Genome, get_space
from autospace.train.device import torch_threads
from autospace.train.recipe import ScoringRecipe

NASWOT_PUBLISHED = {10: (92.44, 1.13), 100: (92.81, 0.99), 1000: (92.96, 0.81)}
"""Mellor et al. 2021, Table 2: NASWOT on NAS-Bench-201 CIFAR-10 (test accuracy, 500 runs)."""
CEILING = 94.37
"""The best test200 in the NAS-Bench-201 CIFAR-10 table."""


class MemoisedScores(Evaluator):
    """An exact evaluator's scores memoised by NB201 arch string (queries and seconds counted only
    for cells actually scored)."""

    def __init__(self, inner: Evaluator, scores: dict[str, float] | None = None) -> None:
        super().__init__()
        self.inner, self.scores = inner, dict(scores or {})

    def score_one(self, candidate: Candidate) -> float:
        arch = candidate.genome.to_nb201()
        if arch not in self.scores:
            self.scores[arch] = self.inner.score([candidate])[0]
        return self.scores[arch]

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()


def load_cache(path: Path | None, evaluator: Evaluator) -> dict[str, float]:
    if path is None or not path.exists():
        return {}
    saved = json.loads(path.read_text())
    if saved["evaluator"] != json.loads(json.dumps(evaluator.describe())):
        sys.exit(f"{path}: written by an evaluator with other settings; delete it or give another --score-cache")
    return {k: float(v) for k, v in saved["scores"].items()}


def save_cache(path: Path | None, memo: MemoisedScores) -> None:
    if path is not None:
        write_json(path, {"evaluator": memo.describe(), "scores": memo.scores})


def run_search(evaluator: Evaluator, settings: dict[str, Any], budget: int, seed: int, exact: bool) -> Genome:
    """The best-scoring cell of one engine run of ``budget`` distinct queries."""
    settings = dict(settings)
    reference = Genome.from_nb201(RESNET, get_space("nb201")) if settings.pop("reference", False) else None
    config = EvolveConfig(seed=seed, budget=budget, rounds=100 * budget, **settings)
    engine = Engine(get_space("nb201"), config, exact=exact, reference=reference)
    while not engine.done:
        batch = engine.ask()
        engine.tell(evaluator.score(batch))
    best = engine.best[0]
    assert best is not None and engine.distinct_queries == budget
    return best.genome


def summarise(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nb201/cifar10.csv"), help="NB201 table")
    ap.add_argument("--images", default="../shared/data/cifar10/cifar10-jpeg.tar.gz", help="CIFAR-10 root/archive")
    ap.add_argument("--proxy", default="synflow", choices=sorted(STANDARD_PROXIES))
    ap.add_argument("--proxy-seed", type=int, default=0, help="the proxy's batch and network init")
    ap.add_argument("--budgets", default="10,100,1000")
    ap.add_argument("--seeds", type=int, default=20, help="search seeds per (strategy, budget)")
    ap.add_argument("--strategies", default="random,regularized,autospace+ref")
    ap.add_argument("--score-cache", type=Path, help="JSON file memoising the proxy's scores between runs")
    ap.add_argument("--mixed-seeds", type=int, default=0, help="seeds of the mixed evaluator (0: not run)")
    ap.add_argument("--mixed-budgets", default="10,100")
    ap.add_argument("--mixed-train", type=int, default=1000, help="training images of the short training")
    ap.add_argument("--mixed-val", type=int, default=1000, help="validation images of the short training")
    ap.add_argument("--mixed-epochs", type=int, default=1)
    ap.add_argument("--lam", type=float, default=0.75, help="the mixed evaluator's proxy weight")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    budgets = [int(b) for b in args.budgets.split(",")]
    names = [s for s in args.strategies.split(",") if s]
    unknown = [s for s in names if s not in ("random", "regularized", "autospace+ref")]
    if unknown:
        ap.error(f"--strategies: unknown {unknown}")
    table = TabularEvaluator.from_csv(args.data)
    data = get_dataset("cifar10", args.images, split="nb201", seed=args.proxy_seed)
    zero_cost = ZeroCostEvaluator(args.proxy, "nb201", data, build_rule="all", seed=args.proxy_seed)
    memo = MemoisedScores(zero_cost, load_cache(args.score_cache, zero_cost))
    results: dict[str, dict[str, dict[str, float]]] = {}
    start = time.perf_counter()
    with torch_threads(args.threads):
        for name in names:
            results[name] = {}
            for budget in budgets:
                found = [table.report(run_search(memo, STRATEGIES[name], budget, seed, True))
                         for seed in range(args.seeds)]
                results[name][str(budget)] = summarise(found)
                save_cache(args.score_cache, memo)
                print(f"{name:>14} N={budget:>4}: test200 {np.mean(found):.2f} +- {np.std(found):.2f} "
                      f"({len(memo.scores)} cells scored, {time.perf_counter() - start:.0f} s)", file=sys.stderr)
        if args.mixed_seeds:
            # one short-training evaluator for every run: its scores, like the proxy's, depend only on the cell
            low = LowFidelityEvaluator("nb201", data, recipe=ScoringRecipe(epochs=args.mixed_epochs, seed=args.proxy_seed),
                                       train_size=args.mixed_train, val_size=args.mixed_val, seed=args.proxy_seed)
            mixed = MixedEvaluator(memo, low, args.lam)
            results["mixed"] = {}
            for budget in (int(b) for b in args.mixed_budgets.split(",")):
                found = [table.report(run_search(mixed, STRATEGIES["regularized"], budget, seed, False))
                         for seed in range(args.mixed_seeds)]
                results["mixed"][str(budget)] = summarise(found)
                print(f"{'mixed':>14} N={budget:>4}: test200 {np.mean(found):.2f} +- {np.std(found):.2f} "
                      f"({low.cost.queries} cells trained, {time.perf_counter() - start:.0f} s)", file=sys.stderr)
    cost = {"proxy_seconds_per_cell": zero_cost.cost.seconds / max(1, zero_cost.cost.queries),
            "cells_scored": len(memo.scores), "wall_seconds": time.perf_counter() - start}
    if args.mixed_seeds:
        cost["training_seconds_per_cell"] = low.cost.seconds / max(1, low.cost.queries)
    output = {"proxy": args.proxy, "results": results, "cost": cost,
              "naswot_published": {str(k): v for k, v in NASWOT_PUBLISHED.items()}, "ceiling": CEILING}
    if args.json:
        print(json.dumps(output, indent=2))
        return 0
    print(f"NAS-Bench-201 CIFAR-10, proxy {args.proxy}: test200 of the returned cell, mean +- std over seeds")
    cols = sorted({b for r in results.values() for b in r}, key=int)
    print(f"{'strategy':>16} " + " ".join(f"{'N=' + b:>16}" for b in cols))
    published = {str(b): {"mean": m, "std": s} for b, (m, s) in NASWOT_PUBLISHED.items()}
    for name, by_budget in {"NASWOT (pub.)": published, **results}.items():
        cells = (f"{by_budget[b]['mean']:.2f} +- {by_budget[b]['std']:.2f}" if b in by_budget else "-" for b in cols)
        print(f"{name:>16} " + " ".join(f"{c:>16}" for c in cells))
    print(f"ceiling {CEILING}; {cost['cells_scored']} cells scored, {cost['proxy_seconds_per_cell']:.3f} s per cell "
          f"(build + proxy), {cost['wall_seconds']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
