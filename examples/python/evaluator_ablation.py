"""An evaluator ablation: the same search on NAS-Bench-201 scored four ways — the table itself
(`tabular`), a zero-cost proxy at initialisation (`zero_cost`, synflow), a short standalone
training (`low_fidelity`) and the paper's supernet (`supernet`) — with the cells each search keeps
looked up in the NAS-Bench-201 table afterwards. One table of results.

Data: the NAS-Bench-201 CIFAR-10 table and the CIFAR-10 archive under ``$AUTOSPACE_DATA``
(default: ``../shared/data`` beside the repository root), as ``nb201/cifar10.csv`` and
``cifar10/cifar10-jpeg.tar.gz``. Without them the script says so and exits (status 0). The first
run decodes the archive once into ``$AUTOSPACE_CACHE``. Tiny settings: a few tens of seconds on one
core; raise ``--rounds`` and the sizes below for a real ablation.

    python examples/python/evaluator_ablation.py [--rounds 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import autospace
from autospace.evaluators import TabularEvaluator
from autospace.train.device import torch_threads

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("AUTOSPACE_DATA") or REPO.parent / "shared" / "data")
TABLE = DATA / "nb201" / "cifar10.csv"
CIFAR10 = DATA / "cifar10" / "cifar10-jpeg.tar.gz"

# the `[evaluator]` keys of each evaluator: real CIFAR-10 images on NAS-Bench-201's own network
IMAGES = {"skeleton": "nb201", "data": "cifar10", "data_root": str(CIFAR10)}
EVALUATORS: dict[str, dict[str, Any]] = {
    "tabular": {"path": str(TABLE)},  # val12, the table's own validation accuracy
    "zero_cost": {"proxy": "synflow", "split": "nb201", "build_rule": "all", **IMAGES},
    "low_fidelity": {"train_size": 128, "val_size": 128, "epochs": 1, **IMAGES},
    "supernet": {"steps": 4, "batch_size": 32, "threads": 1, **IMAGES},
}


def search(name: str, keys: dict[str, Any], rounds: int, seed: int) -> autospace.LearnedSpace:
    """The same AutoSpace search on the `nb201` space, scored by evaluator ``name``."""
    space = autospace.get_space("nb201")
    evaluator = autospace.create_evaluator(name, space=space, **keys)
    run = autospace.evolve_space(space, evaluator, "autospace", population=6, sample_size=3, rounds=rounds,
                                 top_k=3, seed=seed)
    return run.learned_space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    missing = [str(path) for path in (TABLE, CIFAR10) if not path.is_file()]
    if missing:
        print(f"skipped: data not found ({', '.join(missing)}); set AUTOSPACE_DATA to the folder holding "
              "nb201/cifar10.csv and cifar10/cifar10-jpeg.tar.gz")
        return
    table = TabularEvaluator.from_csv(TABLE)  # the ground truth: test200 of every cell
    print(f"the autospace strategy on NAS-Bench-201, {args.rounds} rounds, seed {args.seed}; "
          "test200 (%) from the table")
    print(f"{'evaluator':<13} {'best cell (by its score)':<96} {'test200':>7} {'mean top-3':>10} {'s':>5}")
    for name, keys in EVALUATORS.items():
        start = time.perf_counter()
        with torch_threads(1):  # small networks: one thread is fastest on a shared machine
            learned = search(name, keys, args.rounds, args.seed)
        seconds = time.perf_counter() - start
        cells = [ranked.genome for ranked in learned.layers[0]]  # best first
        truth = [table.report(cell) for cell in cells]
        print(f"{name:<13} {cells[0].to_nb201():<96} {truth[0]:>7.2f} {statistics.fmean(truth):>10.2f} "
              f"{seconds:>5.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
