"""How well does each evaluator rank cells? Kendall tau against standalone training on MNIST.

30 random non-zero cells of the open AutoSpace space (each within the MAdds of a MobileNetV2 block
e6 k3 at the first layer) are each repeated in all 4 layers of the ``tiny`` skeleton at 28x28
and trained standalone with a fixed recipe (the reference: `RECIPE`, on the 8,000 training images
of the ``../shared/data/mnist`` split, accuracy on its 2,000 validation images). Every evaluator
scores the same 30 cells; the table is ``scipy.stats.kendalltau(scores, accuracy)``:
  * the five zero-cost proxies (one batch of 64 at init);
  * low-fidelity (1 epoch on 2,000 training images);
  * mixed (LCMNAS: 0.75 * rank(jacob_cov) + 0.25 * rank(low-fidelity));
  * supernet: the 30 cells as 30 paths of every layer, trained for ``--supernet-steps`` weight +
    alpha steps; a cell's score is its mean alpha over the layers.

    python benchmarks/evaluator_fidelity.py [--json] [--cells 30] [--mnist ../shared/data/mnist]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from scipy.stats import kendalltau

from autospace.data import get_dataset
from autospace.evaluators import Candidate, LowFidelityEvaluator, MixedEvaluator, SupernetConfig, SupernetEvaluator
from autospace.evaluators.training import TrainRecipe, accuracy, train_standalone
from autospace.evaluators.zero_cost import PROXIES, ZeroCostEvaluator
from autospace.genome import Genome, get_space
from autospace.nn import build_network, cell_cost, get_skeleton

RECIPE = TrainRecipe(epochs=2, batch_size=128, lr=0.1, momentum=0.9, weight_decay=5e-4, seed=0)


def sample_cells(count: int, seed: int) -> list[Genome]:
    space, layer = get_space("autospace"), get_skeleton("tiny", input_size=28).layers[0]
    cap = cell_cost(Genome(space, {(1, 4): "dwconv3x3"}, 6), layer.c_in, layer.c_out, layer.hw, layer.stride)[0]
    rng, cells = np.random.default_rng(seed), []
    while len(cells) < count:
        g = space.sample(rng)
        if not g.is_zero and g not in cells and cell_cost(g, layer.c_in, layer.c_out, layer.hw, layer.stride)[0] <= cap:
            cells.append(g)
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cells", type=int, default=30)
    parser.add_argument("--mnist", default=None, help="MNIST IDX folder (default ../shared/data/mnist)")
    parser.add_argument("--supernet-steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    data = get_dataset("mnist", args.mnist, seed=args.seed)
    skeleton = get_skeleton("tiny", input_size=28)
    cells = sample_cells(args.cells, args.seed)
    cands = [Candidate(0, g) for g in cells]
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    truth = []
    for g in cells:
        torch.manual_seed(args.seed)
        net = build_network(skeleton, [g] * skeleton.num_layers, data.num_classes)
        train_standalone(net, data.train, RECIPE, device)
        truth.append(accuracy(net, data.val, device))
    seconds["standalone"] = time.perf_counter() - start

    scores: dict[str, list[float]] = {}
    for proxy in PROXIES:
        start = time.perf_counter()
        scores[proxy] = ZeroCostEvaluator(proxy, skeleton, data, seed=args.seed).score(cands)
        seconds[proxy] = time.perf_counter() - start
    start = time.perf_counter()
    lowfi = LowFidelityEvaluator(skeleton, data, recipe=TrainRecipe(epochs=1, batch_size=64, lr=0.05), train_size=2000,
                                 seed=args.seed)
    scores["low_fidelity"] = lowfi.score(cands)
    seconds["low_fidelity"] = time.perf_counter() - start
    start = time.perf_counter()
    mixed = MixedEvaluator(ZeroCostEvaluator("jacob_cov", skeleton, data, seed=args.seed), lowfi, lam=0.75)
    scores["mixed"] = mixed.score(cands)
    seconds["mixed"] = time.perf_counter() - start

    start = time.perf_counter()
    config = SupernetConfig(steps=args.supernet_steps, batch_size=64, alpha_lr=0.05, lr_schedule="cosine")
    supernet = SupernetEvaluator(skeleton, data, device="cpu", seed=args.seed, config=config)
    batch = [Candidate(layer, g, 0.0) for layer in range(skeleton.num_layers) for g in cells]
    alphas = np.array(supernet.score(batch)).reshape(skeleton.num_layers, len(cells))
    scores["supernet"] = alphas.mean(0).tolist()
    seconds["supernet"] = time.perf_counter() - start

    result = {
        "cells": len(cells),
        "data": data.describe(),
        "recipe": RECIPE.to_dict(),
        "accuracy": {"min": min(truth), "max": max(truth), "mean": float(np.mean(truth))},
        "kendall_tau": {name: round(float(kendalltau(s, truth).statistic), 3) for name, s in scores.items()},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"evaluator fidelity: {len(cells)} cells, MNIST, standalone recipe {RECIPE.to_dict()}")
        print(f"standalone accuracy {result['accuracy']}")
        for name, tau in result["kendall_tau"].items():
            print(f"  {name:<13} tau={tau:+.3f}  ({result['seconds'][name]} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
