"""The supernet fitness on real CIFAR-10 against NAS-Bench-201's ground truth (issue 12, §1).

N seeded NAS-Bench-201 cells become the N paths of a cell-tied supernet on the ``nb201`` skeleton
(one gate decision and one alpha vector for all 15 cell positions, weights per position), trained
by `SupernetEvaluator` exactly as the main job trains it: rounds of ``--steps`` weight / alpha step
pairs, weights on the 25,000-image train half, alpha on the valid half, alpha of each round
started from the fitness, fitness updated with momentum (Eq. 5). At every checkpoint the Kendall
tau against ``test200`` of (a) the fitness (the learned alpha), (b) each path's one-shot
validation accuracy with the shared weights (SPOS-style: BatchNorm re-estimated on training
batches through the path, then ``--eval-images`` valid images), printed as a curve over steps with
wall time; beside it (c) ``params`` and zero-cost proxies (default ``synflow``) on the same cells
and (d) the table's ``val12``.

    python benchmarks/nb201_supernet_fidelity.py --cells 9 --seed 0 [--rounds 40 --steps 40] \\
        [--alpha-lr 0.05 --alpha-optimizer adam --weight-sampling uniform --no-compensate \\
         --alpha-warmup 0 --momentum 0.9] [--threads 1] [--device cpu] [--json] [--out r.json]

``--table6``: the paper's Table 6 at real scale: three cells from the test200 tiers ``--tiers``
(94 / 90 / 85) as three paths, the paper's five alpha initialisations (``--inits``: a subset by row), one round of
``--epoch-steps`` step pairs per epoch (default: a full pass over the train half), alpha carried
over as it is (no momentum); reports the first epoch from which the ranking of alpha is correct.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import stats

from autospace.data import DataSplit, get_dataset
from autospace.data.batches import Batch, epoch_batches
from autospace.evaluators import Candidate, SupernetEvaluator
from autospace.evaluators.proxies import STANDARD_PROXIES, get_proxy
from autospace.evaluators.ranking_fidelity import PAPER_INITS, epochs_to_correct
from autospace.evaluators.zero_cost import proxy_batches
from autospace.evolve.momentum import momentum_update
from autospace.genome import Genome
from autospace.nn import build_network, get_skeleton, network_cost
from autospace.supernet import Supernet, SupernetConfig
from autospace.supernet.trainer import ALPHA_OPTIMIZERS, GATE_MODES, WEIGHT_SAMPLING
from autospace.train.device import resolve_device, seeded, torch_threads
from autospace.train.loop import accuracy, recalibrate_bn

SKELETON = get_skeleton("nb201")
DATA_SEED = 0  # the train / valid halves stay the same whatever --seed samples


def kendall(values: Sequence[float], truth: Sequence[float]) -> float:
    return float(stats.kendalltau(values, truth).statistic)


def read_table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def sample_cells(rows: list[dict[str, str]], n: int, seed: int) -> list[dict[str, str]]:
    pick = np.random.default_rng(seed).choice(len(rows), size=n, replace=False)
    return [rows[i] for i in pick]


def tier_cells(rows: list[dict[str, str]], tiers: Sequence[float], seed: int) -> list[dict[str, str]]:
    """One cell per test200 tier: a seeded pick among the 5 cells closest to it."""
    rng = np.random.default_rng(seed)
    chosen = []
    for tier in tiers:
        near = sorted(rows, key=lambda r: abs(float(r["test200"]) - tier))[:5]
        chosen.append(near[int(rng.integers(len(near)))])
    return chosen


def static_signals(cells: list[Genome], data: DataSplit, proxies: list[str], seed: int,
                   device: torch.device) -> dict[str, list[float]]:
    """``params`` (NB201's network, every edge built) and each zero-cost proxy, per cell."""
    out: dict[str, list[float]] = {"params": [float(network_cost(SKELETON, g, 10, build_rule="all")[1]) for g in cells]}
    for name in proxies:
        proxy = get_proxy(name)
        x, y = (t.to(device) for t in proxy_batches(data.train, proxy.batch_size, proxy.augment, 1, seed)[0])
        scores = []
        for g in cells:
            with seeded(seed):
                net = build_network(SKELETON, g, 10, build_rule="all").to(device).train()
            scores.append(proxy.score(net, x, y))
        out[name] = scores
    return out


def one_shot_accuracy(ev: SupernetEvaluator, cells: list[Genome], calib: list[Batch], val: list[Batch]) -> list[float]:
    """Validation accuracy of every path with the banked shared weights, BatchNorm re-estimated
    through the path on ``calib`` first (a rebuilt copy: the evaluator's bank is not touched)."""
    net = Supernet(SKELETON, [cells], 10, seed=0, device=ev.device, bank=ev.bank)
    accs = []
    with torch.no_grad():
        for k in range(len(cells)):
            net.use([k])
            recalibrate_bn(net.network, calib, ev.device)
            accs.append(accuracy(net.network, val, ev.device))
    return accs


def config_from(args: argparse.Namespace, steps: int, total: int) -> SupernetConfig:
    return SupernetConfig(steps=steps, batch_size=args.batch_size, gate_mode=args.gate_mode,
                          weight_sampling=args.weight_sampling, weight_lr=args.weight_lr, lr_schedule="cosine",
                          total_steps=total, alpha_lr=args.alpha_lr, alpha_optimizer=args.alpha_optimizer,
                          alpha_warmup=args.alpha_warmup, compensate=not args.no_compensate)


def fidelity(args: argparse.Namespace, rows: list[dict[str, str]], data: DataSplit, device: torch.device) -> dict[str, Any]:
    """τ curves of the fitness and the one-shot accuracy over rounds, and the static signals."""
    chosen = sample_cells(rows, args.cells, args.seed)
    cells = [Genome.from_nb201(r["arch"]) for r in chosen]
    truth = [float(r["test200"]) for r in chosen]
    signals = static_signals(cells, data, args.proxies, args.seed, device)
    signals["val12"] = [float(r["val12"]) for r in chosen]
    static = {name: kendall(v, truth) for name, v in signals.items()}
    print(f"N={len(cells)} cells (seed {args.seed}); tau vs test200: "
          + ", ".join(f"{k} {v:.3f}" for k, v in static.items()), flush=True)
    cfg = config_from(args, args.steps, args.rounds * args.steps)
    ev = SupernetEvaluator(SKELETON, data, device=str(device), seed=args.seed, threads=0, config=cfg)
    calib = list(epoch_batches(data.train, args.batch_size, torch.Generator().manual_seed(args.seed)))[: args.bn_batches]
    val = list(epoch_batches(data.val, 250, torch.Generator().manual_seed(args.seed + 1)))[: max(1, args.eval_images // 250)]
    fitness: list[float | None] = [None] * len(cells)
    curve = []
    start = time.perf_counter()
    for r in range(1, args.rounds + 1):
        alphas = ev.evaluate([Candidate(0, g, f) for g, f in zip(cells, fitness)])
        fitness = [momentum_update(f, a, args.momentum, exact=False) for f, a in zip(fitness, alphas)]
        if r % args.eval_every and r != args.rounds:
            continue
        train_s = time.perf_counter() - start
        point: dict[str, Any] = {"step": r * args.steps, "wall_s": round(train_s, 1),
                                 "tau_alpha": kendall(fitness, truth), "fitness": [round(float(f), 4) for f in fitness],  # type: ignore[arg-type]
                                 "tau_alpha_params": kendall(fitness, signals["params"])}  # type: ignore[arg-type]
        if args.eval_images:
            accs = one_shot_accuracy(ev, cells, calib, val)
            point.update(tau_oneshot=kendall(accs, truth), oneshot=[round(a, 4) for a in accs])
        point["eval_s"] = round(time.perf_counter() - start - train_s, 1)
        start += point["eval_s"]  # wall time counts training only
        curve.append(point)
        oneshot = f"  tau(one-shot) {point['tau_oneshot']:+.3f}" if "tau_oneshot" in point else ""
        print(f"step {point['step']:5d}  {train_s:7.0f}s  tau(alpha) {point['tau_alpha']:+.3f}{oneshot}"
              f"  tau(alpha, params) {point['tau_alpha_params']:+.3f}", flush=True)
    return {"mode": "fidelity", "cells": [r["arch"] for r in chosen], "test200": truth, "signals": signals,
            "tau_static": static, "curve": curve, "rounds": ev.rounds, "supernet": cfg.to_dict(),
            "settings": settings_of(args)}


def table6(args: argparse.Namespace, rows: list[dict[str, str]], data: DataSplit, device: torch.device) -> dict[str, Any]:
    """The paper's Table 6 on three NB201 tiers: epochs until the ranking of alpha is right."""
    chosen = tier_cells(rows, args.tiers, args.seed)
    cells = [Genome.from_nb201(r["arch"]) for r in chosen]
    truth = [float(r["test200"]) for r in chosen]
    steps = args.epoch_steps or len(data.train) // args.batch_size  # type: ignore[arg-type]
    cfg = config_from(args, steps, args.epochs * steps)
    params = [int(p) for p in static_signals(cells, data, [], args.seed, device)["params"]]  # no proxies: params only
    print(f"Table 6: test200 {truth}, params {params}; {args.epochs} epochs of {steps} steps", flush=True)
    runs = []
    for number in args.inits:
        init = PAPER_INITS[number - 1]
        ev = SupernetEvaluator(SKELETON, data, device=str(device), seed=args.seed, threads=0, config=cfg)
        alpha: list[float] = list(init)
        history = []
        start = time.perf_counter()
        for _ in range(args.epochs):
            alpha = ev.evaluate([Candidate(0, g, a) for g, a in zip(cells, alpha)])
            history.append([round(a, 4) for a in alpha])
        runs.append({"paper_row": number, "init": list(init), "epochs": history, "epochs_to_correct": epochs_to_correct(history, truth),
                     "wall_s": round(time.perf_counter() - start, 1)})
        print(f"init {number} {init}: alpha {history[-1]}  epochs to correct {runs[-1]['epochs_to_correct']}"
              f"  ({runs[-1]['wall_s']:.0f}s)", flush=True)
    return {"mode": "table6", "cells": [r["arch"] for r in chosen], "ground_truth": truth, "params": params,
            "epoch_steps": steps,
            "runs": runs, "supernet": cfg.to_dict(), "settings": settings_of(args)}


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in vars(args).items() if k not in ("json", "out")} | {
        "data": str(args.data), "tiers": list(args.tiers)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nb201/cifar10.csv"), help="NB201 table")
    ap.add_argument("--images", default="../shared/data/cifar10/cifar10-jpeg.tar.gz", help="CIFAR-10 archive")
    ap.add_argument("--cells", type=int, default=9, help="N sampled cells = supernet paths")
    ap.add_argument("--seed", type=int, default=0, help="cell sample, weights, batches and gates")
    ap.add_argument("--rounds", type=int, default=40, help="supernet rounds (the main job: 40)")
    ap.add_argument("--steps", type=int, default=40, help="weight + alpha step pairs per round (main job: 40)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--weight-lr", type=float, default=0.1, help="cosine over all rounds (main job: 0.1)")
    ap.add_argument("--alpha-lr", type=float, default=0.05, help="main job: 0.05")
    ap.add_argument("--alpha-optimizer", choices=ALPHA_OPTIMIZERS, default="adam")
    ap.add_argument("--gate-mode", choices=GATE_MODES, default="two")
    ap.add_argument("--weight-sampling", choices=WEIGHT_SAMPLING, default="uniform")
    ap.add_argument("--no-compensate", action="store_true", help="drop Eq. 4's T / T_k scaling")
    ap.add_argument("--alpha-warmup", type=int, default=0, help="weight-only steps before the first alpha step")
    ap.add_argument("--momentum", type=float, default=0.9, help="fitness momentum, Eq. 5 (main job: 0.9)")
    ap.add_argument("--eval-every", type=int, default=5, help="checkpoint every k rounds (and at the end)")
    ap.add_argument("--eval-images", type=int, default=1000, help="valid images for one-shot accuracy (0: skip)")
    ap.add_argument("--bn-batches", type=int, default=4, help="training batches to re-estimate BatchNorm per path")
    ap.add_argument("--proxies", type=lambda s: [p for p in s.split(",") if p], default=["synflow"],
                    help="zero-cost proxies on the same cells, comma-separated")
    ap.add_argument("--table6", action="store_true", help="the Table 6 mode instead")
    ap.add_argument("--tiers", type=lambda s: [float(t) for t in s.split(",")], default=[94.0, 90.0, 85.0])
    ap.add_argument("--epochs", type=int, default=6, help="Table 6 epochs")
    ap.add_argument("--inits", type=lambda s: [int(t) for t in s.split(",")], default=[1, 2, 3, 4, 5],
                    help="Table 6 initialisations to run, by the paper's row number (S/N 1-5), comma-separated")
    ap.add_argument("--epoch-steps", type=int, default=0, help="Table 6 steps per epoch (0: a pass over the train half)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--out", type=Path, help="write the result as JSON here")
    args = ap.parse_args(argv)
    unknown = [p for p in args.proxies if p not in STANDARD_PROXIES]
    if unknown:
        ap.error(f"--proxies: unknown {unknown}; choose from {list(STANDARD_PROXIES)}")
    for name in ("cells", "rounds", "steps", "eval_every", "epochs"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1")
    bad_inits = [n for n in args.inits if not 1 <= n <= len(PAPER_INITS)]
    if bad_inits:
        ap.error(f"--inits: {bad_inits} are not rows of the paper's Table 6 (1-{len(PAPER_INITS)})")
    if args.cells < 2 or not 0.0 <= args.momentum < 1.0:
        ap.error("--cells must be >= 2 and --momentum in [0, 1)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = read_table(args.data)
    data = get_dataset("cifar10", args.images, split="nb201", seed=DATA_SEED)
    device = resolve_device(args.device)
    with torch_threads(args.threads):
        result = (table6 if args.table6 else fidelity)(args, rows, data, device)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
