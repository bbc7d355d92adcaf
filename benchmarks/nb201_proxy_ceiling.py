"""What a cheap proxy of the NAS-Bench-201 network can rank at all (issue 23, §1).

Each cell of a seeded uniform sample of NAS-Bench-201 cells (distinct canonical keys) is trained alone
by the ``low_fidelity`` evaluator on a *proxy*: a skeleton (``nb201`` itself or a reduced form such as
``nb201-c8n1``: width C, N cells per stage) on real CIFAR-10 images average-pooled to a side, for a
*budget* of training images x epochs (and a learning rate, default the `ScoringRecipe`'s) taken from the
25,000-image train half (``split="nb201"``), then scored by its accuracy (and, beside it, its loss) on
``--val-images`` images of the valid half. Against the table's ``test200``:
Kendall tau, Spearman rho, top-5 precision, and the CPU-seconds per cell (build + train + validate,
process time: another busy core does not inflate it). This is the ceiling any supernet trained on that
proxy can reach. ``params`` (NB201's network, every edge built) and ``val12`` are printed on the same
cells for reference.

    python benchmarks/nb201_proxy_ceiling.py --proxies nb201-c8n1@16,nb201-c8n2@16 \\
        --budgets 10000x2,25000x2,25000x2@0.2 [--cells 60] [--seed 100] [--val-images 2000] [--threads 1] \\
        [--out results.json]

Every (proxy, budget) pair is run over every cell; with ``--out`` the result is written after each
cell, and a killed run started again with the same ``--out`` continues where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch
from common import CIFAR10, NB201_TABLE, ResultFile, cpu_seconds, draw_samples, machine, nb201_proxy, read_nb201

from autospace.data import get_dataset, pool_split
from autospace.data.batches import epoch_batches
from autospace.evaluators import Candidate
from autospace.evaluators.low_fidelity import LowFidelityEvaluator
from autospace.evaluators.ranking import kendall_tau, spearman_rho, top_k_precision
from autospace.nn import get_skeleton, network_cost
from autospace.train.device import seeded, torch_threads
from autospace.train.loop import StandaloneTrainer, loss_and_accuracy
from autospace.train.recipe import ScoringRecipe

DATA_SEED = 0  # the train / valid halves, as in every NB201 benchmark
LR = ScoringRecipe().lr


def parse_proxy(text: str) -> tuple[str, int]:
    name, _, size = text.partition("@")
    try:
        nb201_proxy(name)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    if not size.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected SKELETON@SIZE, e.g. nb201-c8n3@16")
    return name, int(size)


def parse_budget(text: str) -> tuple[int, int, float]:
    budget, _, lr = text.partition("@")
    images, _, epochs = budget.partition("x")
    try:
        rate = float(lr) if lr else LR
    except ValueError:
        rate = -1.0
    if not (images.isdigit() and epochs.isdigit() and int(images) > 0 and int(epochs) > 0 and rate > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: expected IMAGESxEPOCHS[@LR], e.g. 10000x2 or 10000x2@0.2")
    return int(images), int(epochs), rate


def summary(scores: list[float], truth: list[float]) -> dict[str, float]:
    return {"tau": kendall_tau(scores, truth), "rho": spearman_rho(scores, truth),
            "top5": top_k_precision(scores, truth, 5)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    cells = draw_samples(read_nb201(args.table), "uniform", 1, args.cells, args.seed)[0]
    truth = [c.test200 for c in cells]
    params = [float(network_cost(get_skeleton("nb201"), c.genome, 10, build_rule="all")[1]) for c in cells]
    header = {"cells": [c.arch for c in cells], "test200": truth, "val_images": args.val_images,
              "data_seed": DATA_SEED, "seed": args.seed}
    result = ResultFile(args.out, header)
    result.data.setdefault("runs", {})
    result.data["reference"] = {"params": summary(params, truth), "val12": summary([c.val12 for c in cells], truth)}
    result.data["machine"] = machine()
    print(f"{len(cells)} cells (seed {args.seed}); tau vs test200: params {result.data['reference']['params']['tau']:.3f}, "
          f"val12 {result.data['reference']['val12']['tau']:.3f}", flush=True)
    full = get_dataset("cifar10", args.images, split="nb201", seed=DATA_SEED)
    for skeleton, size in args.proxies:
        data = pool_split(full, size)
        for images, epochs, lr in args.budgets:
            name = f"{skeleton}@{size} {images}x{epochs}" + ("" if lr == LR else f"@{lr:g}")
            entry = result.data["runs"].setdefault(name, {"skeleton": skeleton, "image_size": size, "train_images": images,
                                                          "epochs": epochs, "lr": lr, "accuracy": {}, "loss": {},
                                                          "cpu_s": {}})
            recipe = ScoringRecipe(epochs=epochs, lr=lr, seed=args.seed)
            ev = LowFidelityEvaluator(skeleton, data, recipe=recipe, train_size=images, val_size=args.val_images,
                                      seed=args.seed)
            val = list(epoch_batches(ev.val, 500, torch.Generator().manual_seed(0)))
            for cell in cells:
                if cell.arch in entry["accuracy"]:
                    continue
                start = cpu_seconds()
                net = ev.builder.network(Candidate(0, cell.genome))  # what ev.score_one does, keeping the loss too
                with seeded(ev.builder.seed):
                    StandaloneTrainer(net, ev.train, recipe, ev.device).fit()
                loss, acc = loss_and_accuracy(net, val, ev.device)
                entry["accuracy"][cell.arch], entry["loss"][cell.arch] = acc, loss
                entry["cpu_s"][cell.arch] = round(cpu_seconds() - start, 2)
                result.save()
            accs = [entry["accuracy"][c.arch] for c in cells]
            entry["summary"] = summary(accs, truth) | {"cpu_s_per_cell": sum(entry["cpu_s"].values()) / len(cells)}
            entry["summary_loss"] = summary([-entry["loss"][c.arch] for c in cells], truth)
            result.save()
            s = entry["summary"]
            print(f"{name:32s} tau {s['tau']:.3f} (loss {entry['summary_loss']['tau']:.3f})  rho {s['rho']:.3f}  "
                  f"top5 {s['top5']:.2f}  {s['cpu_s_per_cell']:.1f} CPU-s/cell", flush=True)
    return result.data


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", type=Path, default=NB201_TABLE, help="NAS-Bench-201 CIFAR-10 table")
    ap.add_argument("--images", type=Path, default=CIFAR10, help="CIFAR-10 archive")
    ap.add_argument("--proxies", type=lambda s: [parse_proxy(p) for p in s.split(",")], required=True,
                    help="comma-separated SKELETON@SIZE, e.g. nb201-c8n1@16,nb201@32")
    ap.add_argument("--budgets", type=lambda s: [parse_budget(b) for b in s.split(",")], required=True,
                    help="comma-separated IMAGESxEPOCHS[@LR] of the train half, e.g. 10000x2,10000x2@0.2")
    ap.add_argument("--cells", type=int, default=60, help="uniformly drawn cells, distinct canonical keys")
    ap.add_argument("--seed", type=int, default=100, help="the cell sample, the init and the batch order")
    ap.add_argument("--val-images", type=int, default=2000, help="valid-half images each cell is scored on")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--out", type=Path, help="JSON result, written after every cell (and resumed from)")
    args = ap.parse_args(argv)
    if args.cells < 5:
        ap.error("--cells must be >= 5")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with torch_threads(args.threads):
        run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
