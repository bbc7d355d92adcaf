"""AutoSpace end to end on NAS-Bench-201 with the supernet fitness on real CIFAR-10 (issue 23, §2 and T3/T4),
against the same engine with cheaper fitness signals, scored by the table the runs never see.

For every seed, ``autospace evolve`` runs the config (default ``examples/nb201_supernet.toml``: the ``nb201``
space, the supernet evaluator on a reduced NB201 proxy and real CIFAR-10, the ResNet cell as reference) in
its own run directory (evolve.seed and evaluator.seed set to the seed). From the run's
``learned_space.json`` and ``scored_cells.json``: the best and the mean ``test200`` of the learned space's
top-5, Kendall tau between the final fitness and ``test200`` over every distinct cell the run scored, and
the run's CPU and wall seconds. ``--no-reference`` runs the same config without its ``[reference]`` too (T4:
the seconds each run takes until the population's fittest cell reaches the test200 that the run without
the reference ends with).

Baselines (``--baselines``): the same engine and ``[evolve]`` settings at the same number of distinct cells
as that seed's supernet run, with the fitness replaced by an exact score: ``params`` (NB201's network),
``synflow`` (the ``zero_cost`` evaluator on NB201's network, its published batch), ``prior`` (the config's
training-free prior alone, without the supernet: each cell's standing when first scored), ``low_fidelity``
(standalone short training on the supernet's proxy and data, ``--low-fidelity`` recipe; by default at the
supernet run's CPU time, i.e. as many distinct cells as that buys, ``low_fidelity@time``), ``random`` scores,
and the table's ``val12`` (an upper bound: 12 epochs of full training). ``--equal-time`` also runs the cheap
ones (params, synflow, random, val12) with a budget of ``--equal-time`` distinct cells.

    python benchmarks/nb201_fitness_end_to_end.py --seeds 5-9 --out-dir runs/e2e [--config F.toml] \\
        [--set evaluator.KEY=VALUE ...] [--no-reference] [--baselines params,synflow,prior,low_fidelity,random,val12] \\
        [--equal-time 1000] [--threads 1]

Scores of the deterministic baselines are memoised per cell across seeds. Results: ``<out-dir>/result.json``
(written after every run; a finished run directory is read back instead of run again).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from common import CIFAR10, NB201_TABLE, REPO, ResultFile, machine, read_nb201
from nb201_zero_cost_search import MemoisedScores

from autospace.config import write_toml
from autospace.data import get_dataset
from autospace.evaluators import Candidate, TabularEvaluator
from autospace.evaluators.base import Evaluator
from autospace.evaluators.cost import CostEvaluator
from autospace.evaluators.low_fidelity import LowFidelityEvaluator
from autospace.evaluators.prior import CellPrior
from autospace.evaluators.supernet import SupernetEvaluator
from autospace.evaluators.ranking import bootstrap_mean_ci, kendall_tau
from autospace.evaluators.zero_cost import ZeroCostEvaluator
from autospace.evolve import evolve_space
from autospace.evolve.runconfig import RunConfig, load_run_config
from autospace.genome import Genome
from autospace.train.device import torch_threads
from autospace.train.recipe import ScoringRecipe

CONFIG = REPO / "examples" / "nb201_supernet.toml"
BASELINES = ("params", "synflow", "prior", "low_fidelity", "random", "val12")


class RandomScores(Evaluator):
    """An exact evaluator whose score is a seeded hash of the cell: random, but the same for a cell."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed

    def score_one(self, candidate: Candidate) -> float:
        digest = hashlib.sha256(f"{self.seed}:{candidate.genome.key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def describe(self) -> dict[str, Any]:
        return {"name": "random", "seed": self.seed}


class PriorAlone(Evaluator):
    """The supernet's training-free prior without the supernet, as an exact score: each cell's standing
    (`CellPrior.standing`, among every cell valued so far) when it is first scored. The control for what the
    supernet adds end to end."""

    independent = False

    def __init__(self, prior: CellPrior) -> None:
        super().__init__()
        self.prior = prior

    def evaluate(self, batch: Sequence[Candidate]) -> list[float]:
        return [self.prior.standing(c.layer, [c.genome])[0] for c in batch]

    def describe(self) -> dict[str, Any]:
        return {"name": "prior", "kind": self.prior.kind}


def parse_seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_supernet(run: RunConfig, seed: int, overrides: list[str], reference: bool, out: Path) -> dict[str, Any]:
    """``autospace evolve`` on the config (seeded, with or without its reference) in ``out``; its cost."""
    tables = run.to_tables()
    tables["evolve"]["seed"] = seed
    tables["evaluator"]["seed"] = seed
    if not reference:
        tables.pop("reference", None)
    config = out.parent / f"{out.name}.toml"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_toml(config, tables)
    if (out / "learned_space.json").exists():
        return json.loads((out.parent / f"{out.name}.cost.json").read_text())
    command = [sys.executable, "-m", "autospace.cli", "evolve", "--config", str(config), "--out", str(out), "--quiet",
               *(arg for item in overrides for arg in ("--set", item))]
    cpu, wall = children_cpu(), time.perf_counter()
    subprocess.run(command, check=True)
    cost = {"cpu_s": round(children_cpu() - cpu, 1), "wall_s": round(time.perf_counter() - wall, 1)}
    (out.parent / f"{out.name}.cost.json").write_text(json.dumps(cost))
    return cost


def outcome(table: dict[str, Any], learned: list[Genome], scored: list[tuple[Genome, float]]) -> dict[str, Any]:
    """The learned top-5's test200 and the fitness's tau over the scored cells."""
    test = [table[g.to_nb201()].test200 for g in learned]
    fitness, truth = [f for _, f in scored], [table[g.to_nb201()].test200 for g, _ in scored]
    return {"top5_test200": test, "best_test200": max(test), "mean_test200": float(np.mean(test)),
            "first_test200": test[0], "tau_scored": kendall_tau(fitness, truth), "distinct": len(scored)}


def read_run(out: Path, table: dict[str, Any]) -> dict[str, Any]:
    """A finished run's outcome, and its curve: per round, the seconds so far and the test200 of the
    population's fittest cell."""
    learned = json.loads((out / "learned_space.json").read_text())["layers"][0]
    scored = json.loads((out / "scored_cells.json").read_text())["cells"]
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines() if line]
    curve = [[round(r["seconds"], 1), table[Genome.from_dict(r["best_genomes"][0]).to_nb201()].test200] for r in history]
    return outcome(table, [Genome.from_dict(c["genome"]) for c in learned],
                   [(Genome.from_dict(c["genome"]), c["fitness"]) for c in scored]) | {"curve": curve}


def time_to_reach(curve: list[list[float]], target: float) -> float | None:
    """Seconds until the fittest cell's test200 first reaches ``target`` (None: never)."""
    return next((seconds for seconds, test in curve if test >= target), None)


def reference_speedup(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """T4 per seed: seconds for the run with the reference and for the run without it to reach the latter's
    final quality (the test200 of its fittest cell at the end)."""
    out = {}
    for seed, noref in runs.get("supernet_noref", {}).items():
        ref = runs["supernet"].get(seed)
        if ref is None:
            continue
        target = noref["curve"][-1][1]
        with_ref, without = time_to_reach(ref["curve"], target), time_to_reach(noref["curve"], target)
        out[seed] = {"target_test200": target, "seconds_with_reference": with_ref, "seconds_without": without,
                     "speedup": None if not with_ref or without is None else without / with_ref}
    return out


def baseline_evaluators(args: argparse.Namespace, run: RunConfig) -> dict[str, Evaluator]:
    """The exact scorers, memoised per cell (their scores depend only on the cell)."""
    settings = {k: v for k, v in run.evaluator.to_table().items()} if run.evaluator else {}
    full = get_dataset("cifar10", args.images, split="nb201", seed=0)
    out: dict[str, Evaluator] = {}
    for name in args.baselines:
        if name == "params":
            out[name] = CostEvaluator("nb201", metric="params", minimize=False)
        elif name == "synflow":
            out[name] = MemoisedScores(ZeroCostEvaluator("synflow", "nb201", full, build_rule="all", seed=0))
        elif name == "low_fidelity":
            images, _, epochs = args.low_fidelity.partition("x")
            recipe = ScoringRecipe(epochs=int(epochs), seed=0)
            out[name] = MemoisedScores(LowFidelityEvaluator(
                settings["skeleton"], "cifar10", str(args.images), split="nb201", image_size=settings.get("image_size"),
                recipe=recipe, train_size=int(images), val_size=2000, seed=0))
        elif name == "val12":
            out[name] = TabularEvaluator.from_csv(args.table, search_metric="val12")
        elif name == "prior":  # the supernet's own prior (its skeleton fitted to its data); a fresh one per seed
            supernet = run.build_evaluator()
            if not isinstance(supernet, SupernetEvaluator) or supernet.prior is None:
                raise SystemExit(f"{args.config}: the 'prior' baseline needs a supernet evaluator with a prior")
            out[name] = PriorAlone(supernet.prior)
    return out


def low_fidelity_seconds(evaluator: Evaluator, run: RunConfig, seed: int, cells: int = 6) -> float:
    """CPU seconds per cell of the (memoised) low-fidelity evaluator, from ``cells`` seeded random cells."""
    rng = np.random.default_rng(seed)
    start = time.process_time()
    evaluator.score([Candidate(0, run.space.sample(rng)) for _ in range(cells)])
    return (time.process_time() - start) / cells


def run_baseline(evaluator: Evaluator, run: RunConfig, seed: int, budget: int, reference: bool,
                 table: dict[str, Any]) -> dict[str, Any]:
    """The same engine settings with an exact score, stopped at ``budget`` distinct cells."""
    settings = run.evolve.to_dict() | {"seed": seed, "budget": budget, "rounds": 100 * budget}
    start = time.process_time()
    result = evolve_space(run.space, evaluator, config=None, reference=run.reference if reference else None, **settings)
    engine = result.engine
    scored = [(c.genome, c.fitness) for c in engine.scored_cells()]
    return outcome(table, [r.genome for r in result.learned_space.layers[0]], scored) | {
        "cpu_s": round(time.process_time() - start, 1)}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"seeds": len(rows)}
    for key in ("best_test200", "mean_test200", "tau_scored", "cpu_s", "distinct"):
        values = [r[key] for r in rows if key in r]
        if values:
            mean, low, high = bootstrap_mean_ci(values)
            out[key] = {"mean": mean, "low": low, "high": high}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, default=CONFIG, help="the supernet run's config")
    ap.add_argument("--table", type=Path, default=NB201_TABLE)
    ap.add_argument("--images", type=Path, default=CIFAR10)
    ap.add_argument("--seeds", type=parse_seeds, required=True, help="e.g. 5-9")
    ap.add_argument("--set", action="append", default=[], dest="overrides", metavar="TABLE.KEY=VALUE",
                    help="passed to autospace evolve (repeatable)")
    ap.add_argument("--no-reference", action="store_true", help="also run the config without its reference (T4)")
    ap.add_argument("--baselines", type=lambda s: [b for b in s.split(",") if b], default=list(BASELINES))
    ap.add_argument("--low-fidelity", default="10000x2", help="the low_fidelity baseline's IMAGESxEPOCHS")
    ap.add_argument("--low-fidelity-cells", action="store_true",
                    help="also run low_fidelity at the supernet run's number of distinct cells (else only at its CPU time)")
    ap.add_argument("--equal-time", type=int, default=0, help="also run the cheap baselines at this budget")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    unknown = [b for b in args.baselines if b not in BASELINES]
    if unknown:
        ap.error(f"--baselines: unknown {unknown}; choose from {list(BASELINES)}")
    run = load_run_config(args.config)
    table = {r.arch: r for r in read_nb201(args.table)}
    header = {"config": run.to_tables(), "overrides": args.overrides, "low_fidelity": args.low_fidelity}
    result = ResultFile(args.out_dir / "result.json", json.loads(json.dumps(header, default=str)))
    result.data["machine"] = machine()
    runs = result.data.setdefault("runs", {})
    evaluators: dict[str, Evaluator] | None = None
    variants = [("supernet", True)] + ([("supernet_noref", False)] if args.no_reference else [])
    with torch_threads(args.threads):
        for seed in args.seeds:
            for name, reference in variants:
                out = args.out_dir / name / f"seed{seed}"
                cost = run_supernet(run, seed, args.overrides, reference, out)
                runs.setdefault(name, {})[str(seed)] = read_run(out, table) | cost
                result.save()
                row = runs[name][str(seed)]
                print(f"seed {seed} {name:16s} best {row['best_test200']:.2f}  mean top-5 {row['mean_test200']:.2f}  "
                      f"tau {row['tau_scored']:+.3f} over {row['distinct']} cells  {row['cpu_s']:.0f} CPU-s", flush=True)
            budget = runs["supernet"][str(seed)]["distinct"]
            if evaluators is None:
                evaluators = baseline_evaluators(args, run)
            evaluators["random"] = RandomScores(seed)
            if "prior" in evaluators:  # as in the supernet run: a new prior, seeded like its evaluator
                prior = evaluators["prior"].prior
                evaluators["prior"] = PriorAlone(CellPrior(prior.kind, prior.skeleton, prior.data, seed))
            plans = [(b, b, budget) for b in args.baselines if b != "low_fidelity" or args.low_fidelity_cells] + [
                (f"{b}@{args.equal_time}", b, args.equal_time) for b in args.baselines
                if args.equal_time and b != "low_fidelity"]
            if "low_fidelity" in args.baselines and str(seed) not in runs.get("low_fidelity@time", {}):
                per_cell = low_fidelity_seconds(evaluators["low_fidelity"], run, seed)  # as many cells as the time buys
                plans.append(("low_fidelity@time", "low_fidelity",
                              max(1, int(runs["supernet"][str(seed)]["cpu_s"] / per_cell))))
            for key, base, n in plans:
                if str(seed) in runs.get(key, {}):
                    continue
                runs.setdefault(key, {})[str(seed)] = run_baseline(evaluators[base], run, seed, n, True, table)
                result.save()
                row = runs[key][str(seed)]
                print(f"seed {seed} {key:16s} best {row['best_test200']:.2f}  mean top-5 {row['mean_test200']:.2f}  "
                      f"tau {row['tau_scored']:+.3f} over {row['distinct']} cells  {row['cpu_s']:.0f} CPU-s", flush=True)
    result.data["summary"] = {name: summary(list(by_seed.values())) for name, by_seed in runs.items()}
    result.data["reference_speedup"] = reference_speedup(runs)
    result.save()
    for seed, row in result.data["reference_speedup"].items():
        print(f"seed {seed}: the no-reference run's final {row['target_test200']:.2f} reached after "
              f"{row['seconds_with_reference']} s with the reference, {row['seconds_without']} s without")
    for name, s in result.data["summary"].items():
        best = s["best_test200"]
        print(f"{name:18s} best test200 {best['mean']:.2f} [{best['low']:.2f}, {best['high']:.2f}]  "
              f"tau {s['tau_scored']['mean']:+.3f}  ({s['seeds']} seeds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
