"""Scoring backends on one machine, measured in one run: 64 distinct candidates of the ``autospace``
space, scored serially, on a process pool and on a local Ray (``--workers`` each), by

* ``zero_cost`` (naswot at initialisation, ``tiny`` skeleton, digits: sklearn's 8x8 digits, on disk),
  a real independent evaluator: the speed-up of each backend over the serial map;
* ``analytic`` (a formula, microseconds per candidate): the per-candidate overhead of each backend
  over a bare ``score_one`` loop.

Every backend's scores are checked equal to the bare loop's. Each backend is timed on its start
(``make_map``: starting Ray; a process pool spawns lazily), its first batch (worker start,
evaluator shipping, imports) and its best of ``--repeats`` later batches (steady state), the
bare loop and the backends taking turns. Torch runs one thread per process (``OMP_NUM_THREADS=1``, set before torch is
imported, inherited by the workers), so the backends compare processes, not thread pools.

Usage: ``python benchmarks/parallel_bench.py [--workers 2] [--repeats 3] [--json out.json]``
(Ray: ``pip install -e ".[ray]"``; without it the ray rows are left out).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import time
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

from autospace.evaluators import Candidate, Evaluator, create_evaluator
from autospace.evolve.parallel import make_map
from autospace.genome import get_space

CANDIDATES = 64
LAYERS = 4  # the searchable layers of the ``tiny`` skeleton


def candidates(count: int, seed: int = 0) -> list[Candidate]:
    """``count`` candidates with distinct canonical keys, drawn from the seed, over the `LAYERS` layers."""
    space, rng, seen, out = get_space("autospace"), np.random.default_rng(seed), set(), []
    while len(out) < count:
        genome = space.sample(rng)
        if genome.key not in seen:
            seen.add(genome.key)
            out.append(Candidate(len(out) % LAYERS, genome))
    return out


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench(evaluator: Evaluator, batch: list[Candidate], backends: list[str], workers: int,
          repeats: int) -> dict[str, Any]:
    """Start every backend, score one batch on each, then ``repeats`` rounds of the bare loop and
    every backend in turn (interleaved, so a load change on a shared machine hits all alike)."""
    bare_call = lambda: [evaluator.score_one(c) for c in batch]
    bare = bare_call()
    rows: dict[str, Any] = {"bare": {}}
    maps = {}
    try:
        for backend in backends:
            start_s, maps[backend] = timed(lambda backend=backend: make_map(evaluator, backend, workers))
            first_s, first = timed(lambda scoring=maps[backend]: scoring(evaluator.score_one, batch))
            if first != bare:
                raise AssertionError(f"{backend}: scores differ from the bare loop's")
            rows[backend] = {"start_s": start_s, "first_batch_s": first_s}
        times: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(repeats):
            times["bare"].append(timed(bare_call)[0])
            for backend, scoring in maps.items():
                seconds, scores = timed(lambda scoring=scoring: scoring(evaluator.score_one, batch))
                if scores != bare:
                    raise AssertionError(f"{backend}: scores differ from the bare loop's")
                times[backend].append(seconds)
    finally:
        for scoring in maps.values():
            scoring.close()
    for name, row in rows.items():
        row["steady_s"] = min(times[name])
        row["overhead_ms_per_candidate"] = 1e3 * (row["steady_s"] - min(times["bare"])) / len(batch)
    for row in rows.values():
        row["speedup_vs_serial"] = rows["serial"]["steady_s"] / row["steady_s"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    backends = ["serial", "process", *(["ray"] if importlib.util.find_spec("ray") else [])]
    batch = candidates(CANDIDATES)
    space = get_space("autospace")
    evaluators = {
        "zero_cost": create_evaluator("zero_cost", space=space, layers=LAYERS, proxy="naswot", skeleton="tiny",
                                      data="digits"),
        "analytic": create_evaluator("analytic", space=space, layers=LAYERS),
    }
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (os.cpu_count), torch {torch.__version__}, "
                   f"{torch.get_num_threads()} torch thread(s) per process",
        "candidates": CANDIDATES, "workers": args.workers, "repeats": args.repeats,
    }
    for name, evaluator in evaluators.items():
        results[name] = bench(evaluator, batch, backends, args.workers, args.repeats)
    print(results["machine"], f"| {CANDIDATES} candidates | workers={args.workers} | best of {args.repeats}")
    print(f"{'evaluator':<10} {'backend':<8} {'start s':>8} {'1st batch s':>11} {'batch s':>8} "
          f"{'speed-up':>8} {'overhead ms/cand':>16}")
    for name in evaluators:
        for backend, row in results[name].items():
            cells = [f"{row[k]:.3f}" if k in row else "-" for k in ("start_s", "first_batch_s", "steady_s")]
            overhead = f"{row['overhead_ms_per_candidate']:.2f}" if "overhead_ms_per_candidate" in row else "-"
            print(f"{name:<10} {backend:<8} {cells[0]:>8} {cells[1]:>11} {cells[2]:>8} "
                  f"{row['speedup_vs_serial']:>7.2f}x {overhead:>16}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
