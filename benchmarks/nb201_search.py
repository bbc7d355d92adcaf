"""NAS-Bench-201 search benchmark: every strategy through the same evolution engine.

Protocol (NAS-Bench-201 paper): a strategy sees only ``val12``; the architecture it returns
(the best ``val12`` it queried) is scored by its ``test200``. Budget = number of distinct
architectures queried (the engine never queries a canonical class twice with an exact
evaluator, and stops exactly at the budget). Every (strategy, budget, seed) is its own run.

    python benchmarks/nb201_search.py --data ../shared/data/nb201/cifar10.csv \\
        --seeds 100 --budgets 50,100,150,300 [--json]

Overhead: the engine's CPU time per query (ask + score + tell, all strategies and runs) divided by
the time per query of a bare loop that, per query, draws a random row index with numpy and
reads that row's val12 / test200 from the table (keeping the best), over the same budgets.

Settings (this benchmark's, not the engine's defaults, which target the paper's supernet
setting: population 64, 9 cells per round, tau 2): NAS-Bench-201 budgets are a few hundred
queries, so every strategy uses a population of 20, 10 cells per round and tournaments of 5;
the reference constraint uses tau = 3 for the first half of the budget (the best val12 cell is 3
edits from the ResNet cell: inside the radius-3 ball, 670 canonical classes, and outside the
radius-2 ball, 162). Local search scores every untried neighbour per round.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from autospace.evaluators import TabularEvaluator
from autospace.evolve import Engine, EvolveConfig
from autospace.genome import Genome, get_space

RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
STRATEGIES: dict[str, dict[str, object]] = {
    "random": {"strategy": "random", "sample_size": 10, "population": 20},
    "regularized": {"strategy": "regularized", "population": 20, "sample_size": 10, "tournament_size": 5},
    "local": {"strategy": "local", "sample_size": 10, "population": 20},
    "autospace": {"strategy": "autospace", "population": 20, "sample_size": 10, "tournament_size": 5},
    "autospace+ref": {
        "strategy": "autospace",
        "population": 20,
        "sample_size": 10,
        "tournament_size": 5,
        "tau": 3,
        "constraint_fraction": 0.5,
        "reference": True,
    },
}


def run_engine(
    evaluator: TabularEvaluator, settings: dict, budget: int, seed: int, reference: Genome
) -> tuple[float, int]:
    """test200 of the best-val12 architecture found, and the number of queries."""
    settings = dict(settings)
    ref = reference if settings.pop("reference", False) else None
    config = EvolveConfig(seed=seed, budget=budget, rounds=100 * budget, **settings)
    engine = Engine(evaluator.space, config, exact=True, reference=ref)
    while not engine.done:
        batch = engine.ask()
        engine.tell(evaluator.score(batch))
    best = engine.best[0]
    assert best is not None and engine.distinct_queries == budget
    return evaluator.report(best.genome), engine.queries


def bare_loop(val: list[float], test: list[float], budget: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    n = len(val)
    best, report = -1.0, 0.0
    for _ in range(budget):
        i = int(rng.integers(n))
        if val[i] > best:
            best, report = val[i], test[i]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="NB201 CSV (arch, val12, test200)")
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--budgets", default="50,100,150,300")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    budgets = [int(b) for b in args.budgets.split(",")]
    names = args.strategies.split(",")
    evaluator = TabularEvaluator.from_csv(args.data)
    reference = Genome.from_nb201(RESNET, get_space("nb201"))
    rows = list(evaluator.table.values())
    val, test = [r[0] for r in rows], [r[1] for r in rows]

    results: dict[str, dict[str, dict[str, float]]] = {}
    engine_seconds, engine_queries, bare_seconds, bare_queries = 0.0, 0, 0.0, 0
    per_strategy: dict[str, float] = {}
    for name in names:
        results[name] = {}
        seconds_before, queries_before = engine_seconds, engine_queries
        for budget in budgets:
            scores = []
            for seed in range(args.seeds):
                start = time.process_time()
                score, queries = run_engine(evaluator, STRATEGIES[name], budget, seed, reference)
                engine_seconds += time.process_time() - start
                engine_queries += queries
                scores.append(score)
                start = time.process_time()
                bare_loop(val, test, budget, seed)
                bare_seconds += time.process_time() - start
                bare_queries += budget
            results[name][str(budget)] = {
                "mean": float(np.mean(scores)),
                "std": float(np.std(scores)),
                "n": len(scores),
            }
            if not args.json:
                print(
                    f"{name:>14} budget {budget:>4}: test200 {np.mean(scores):.3f} +- {np.std(scores):.3f}",
                    file=sys.stderr,
                )
        per_strategy[name] = (engine_seconds - seconds_before) / (engine_queries - queries_before)
    overhead = (engine_seconds / engine_queries) / (bare_seconds / bare_queries)
    output = dict(results)
    output["overhead"] = overhead  # type: ignore[assignment]
    if args.json:
        print(json.dumps(output))
        return 0
    print(f"\n{'strategy':>14} " + " ".join(f"{b:>16}" for b in budgets))
    for name in names:
        cells = [f"{results[name][str(b)]['mean']:.2f} +- {results[name][str(b)]['std']:.2f}" for b in budgets]
        print(f"{name:>14} " + " ".join(f"{c:>16}" for c in cells))
    print(
        f"\noverhead: {overhead:.1f}x  (engine {1e6 * engine_seconds / engine_queries:.1f} us/query, "
        f"bare loop {1e6 * bare_seconds / bare_queries:.2f} us/query)"
    )
    print("engine us/query by strategy: " + ", ".join(f"{k} {1e6 * v:.1f}" for k, v in per_strategy.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
