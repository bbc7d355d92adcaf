"""Our zero-cost proxies against NASLib's published per-cell values on NAS-Bench-201 CIFAR-10 (issue 23,
"grasp"), and against themselves under another seed or batch.

NASLib (automl/NASLib) published one computation of six proxies per cell for 491 NB201 cells
(``naslib/data/zc_nasbench201.json``, first version, commit 22280f71, May 2022: NASLib's own NB201
network, PyTorch's default initialisation, one batch of 64 CIFAR-10 *test* images without augmentation,
train-mode BatchNorm). For ``--cells`` of them this script computes each proxy with our code under
several conventions and prints the Spearman correlation of every variant with NASLib's values (and with
``test200``):

* ``ours``: our benchmark's convention (``nb201_fidelity.py``): 64 augmented images of the train half,
  network and batch from ``--seed``;
* ``ours_seed+1``: the same with the next seed (another initialisation and batch): how well the proxy
  agrees with itself;
* ``test_batch``: NASLib's data convention: 64 test images without augmentation (our archive's test set
  is ordered by class, so a seeded random 64 rather than the first 64);
* ``grasp_zero_floor``: grasp with 0 instead of our floor for a network without gradient signal (the
  published code's value).

NASLib's own Spearman correlation with ``test200`` over all its cells is printed first (``--cells 0``: only that).

    python benchmarks/nb201_proxy_agreement.py --naslib zc_nasbench201.json [--cells 150] [--seed 0] \\
        [--proxies grasp,snip,grad_norm,fisher,synflow,jacob_cov] [--json out.json]

``--naslib`` is the JSON file of that commit (not shipped here:
``git show 22280f71:naslib/data/zc_nasbench201.json`` in a NASLib clone).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from common import CIFAR10, NB201_TABLE, read_nb201

from autospace.data import get_dataset
from autospace.evaluators.proxies import FLOOR, STANDARD_PROXIES, get_proxy
from autospace.evaluators.ranking import spearman_rho
from autospace.evaluators.zero_cost import proxy_batches
from autospace.genome import Genome
from autospace.nn import build_network, get_skeleton
from autospace.train.device import seeded, torch_threads

NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
"""NASLib's op indices (``OP_NAMES`` of naslib/search_spaces/nasbench201/conversions.py)."""
NASLIB_NAMES = {"jacob_cov": "jacov"}


def naslib_arch(indices: tuple[int, ...]) -> str:
    """NASLib's op-index tuple (edges (1,2) (1,3) (1,4) (2,3) (2,4) (3,4)) as an NB201 arch string."""
    e12, e13, e14, e23, e24, e34 = (NASLIB_OPS[i] for i in indices)
    return f"|{e12}~0|+|{e13}~0|{e23}~1|+|{e14}~0|{e24}~1|{e34}~2|"


def score(proxy: str, genome: Genome, x: torch.Tensor, y: torch.Tensor, seed: int) -> float:
    with seeded(seed):
        net = build_network(get_skeleton("nb201"), genome, 10, build_rule="all").train()
    return get_proxy(proxy).score(net, x, y)


def run(args: argparse.Namespace) -> dict[str, Any]:
    published = json.loads(args.naslib.read_text())["nasbench201"]["cifar10"]
    rng = np.random.default_rng(args.seed)
    keys = sorted(published)
    picked = [keys[i] for i in rng.choice(len(keys), size=min(args.cells, len(keys)), replace=False)]
    table = {r.arch: r for r in read_nb201(args.table)}
    arch = {k: naslib_arch(tuple(int(v) for v in k.strip("()").split(","))) for k in keys}
    every = [table[arch[k]].test200 for k in keys]
    naslib_all = {proxy: spearman_rho([float(published[k][NASLIB_NAMES.get(proxy, proxy)]) for k in keys], every)
                  for proxy in args.proxies}
    for proxy, rho in naslib_all.items():  # NASLib's own computation over all its cells: no proxy computed here
        print(f"{proxy:10s} naslib, all {len(keys)} cells  rho_test200 {rho:+.3f}", flush=True)
    if args.cells == 0:
        return {"naslib_all": naslib_all}
    archs = [arch[k] for k in picked]
    truth = [table[a].test200 for a in archs]
    data = get_dataset("cifar10", args.images, split="nb201", seed=0)
    assert data.test is not None
    test_idx = torch.randperm(len(data.test), generator=torch.Generator().manual_seed(args.seed))[:64]
    test_batch = (data.test.tensors[0][test_idx], data.test.tensors[1][test_idx])
    out: dict[str, Any] = {"cells": archs, "naslib_keys": picked, "naslib_all": naslib_all, "proxies": {}}
    for proxy in args.proxies:
        conv = get_proxy(proxy)
        batches = {s: proxy_batches(data.train, conv.batch_size, conv.augment, 1, s)[0] for s in (args.seed, args.seed + 1)}
        theirs = [float(published[k][NASLIB_NAMES.get(proxy, proxy)]) for k in picked]
        variants = {
            "ours": [score(proxy, g, *batches[args.seed], args.seed) for g in map(Genome.from_nb201, archs)],
            "ours_seed+1": [score(proxy, g, *batches[args.seed + 1], args.seed + 1) for g in map(Genome.from_nb201, archs)],
        }
        if conv.batch_size == 64:
            variants["test_batch"] = [score(proxy, g, *test_batch, args.seed) for g in map(Genome.from_nb201, archs)]
        if proxy == "grasp":
            variants["grasp_zero_floor"] = [0.0 if v == FLOOR else v for v in variants["ours"]]
        rows = {name: {"rho_naslib": spearman_rho(v, theirs), "rho_test200": spearman_rho(v, truth)}
                for name, v in variants.items()}
        rows["ours"]["rho_ours_seed+1"] = spearman_rho(variants["ours"], variants["ours_seed+1"])
        rows["naslib"] = {"rho_test200": spearman_rho(theirs, truth)}
        out["proxies"][proxy] = {"rows": rows, "values": variants, "naslib": theirs}
        for name, row in rows.items():
            print(f"{proxy:10s} {name:18s} " + "  ".join(f"{k} {v:+.3f}" for k, v in row.items()), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--naslib", type=Path, required=True, help="NASLib's zc_nasbench201.json (commit 22280f71)")
    ap.add_argument("--table", type=Path, default=NB201_TABLE)
    ap.add_argument("--images", type=Path, default=CIFAR10)
    ap.add_argument("--cells", type=int, default=150, help="cells to compute our proxies on (0: only NASLib's own "
                    "correlation with test200 over all its cells)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--proxies", type=lambda s: s.split(","), default=["grasp", "snip", "grad_norm", "fisher",
                                                                      "synflow", "jacob_cov"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with torch_threads(args.threads):
        result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
