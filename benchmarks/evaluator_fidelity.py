"""How well does each evaluator rank cells? Kendall tau against standalone training on MNIST.

30 random non-zero cells of the open AutoSpace space (each within the MAdds of a MobileNetV2 block
e6 k3 at the first layer) are each repeated in all 4 layers of the ``tiny`` skeleton at 28x28
and trained standalone with a fixed recipe (the reference: `RECIPE`, on the 8,000 training images
of the ``../shared/data/mnist`` split, accuracy on its 2,000 validation images). Every evaluator
scores the same 30 cells; the table is ``scipy.stats.kendalltau(scores, accuracy)``:
  * the five zero-cost proxies (one batch of 64 at init);
  * low-fidelity (`LOW_FIDELITY`: at most 1/4 of the reference's example-passes; ``--lowfi-*``);
  * mixed (LCMNAS: 0.75 * rank(jacob_cov) + 0.25 * rank(low-fidelity));
  * supernet: the 30 cells as 30 paths of every layer, trained for ``--supernet-steps`` weight +
    alpha steps; a cell's score is its mean alpha over the layers.

``--truth-cache PATH`` keeps the reference accuracies in a JSON file, keyed by everything they
depend on (recipe, init seed, skeleton, a fingerprint of the data split, the cells, torch
version), so the reference is trained once per setting. ``--only NAME[,NAME]`` scores only some
evaluators. ``--self-tau`` also trains the reference with another training seed (init and batch
order) and reports the tau between the two runs (the reference's own noise level) and every
evaluator's tau against that second run (`kendall_tau_other_seed`): the evaluators build their
networks from ``--seed``, the reference's init seed, so they share its init noise.

    python benchmarks/evaluator_fidelity.py [--json] [--cells 30] [--mnist ../shared/data/mnist]
        [--truth-cache PATH] [--only low_fidelity,mixed] [--self-tau]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import kendalltau

from autospace.atomic import write_json
from autospace.data import DataSplit, get_dataset
from autospace.evaluators import Candidate, LowFidelityEvaluator, MixedEvaluator, SupernetEvaluator
from autospace.evaluators.proxies import STANDARD_PROXIES
from autospace.evaluators.zero_cost import ZeroCostEvaluator
from autospace.genome import Genome, get_space
from autospace.nn import Skeleton, build_network, cell_cost, get_skeleton
from autospace.supernet import SupernetConfig
from autospace.train import ScoringRecipe, StandaloneTrainer, TrainRecipe, accuracy

RECIPE = ScoringRecipe(epochs=2, batch_size=128, lr=0.1, seed=0)
# A quarter of RECIPE's example-passes: the best of the recipes tried at that budget on two cell
# samples (--seed 0 and 1). Under ~60 SGD steps (batch 128, or 1 epoch of 2,000 at batch 64) the
# low-fidelity score ranks worse than chance.
LOW_FIDELITY = {"epochs": 1, "batch_size": 32, "lr": 0.1, "train_size": 4000}
EVALUATORS = (*STANDARD_PROXIES, "low_fidelity", "mixed", "supernet")
CACHE_SCHEMA = "autospace.benchmarks.evaluator_fidelity.truth/1"


def sample_cells(count: int, seed: int) -> list[Genome]:
    space, layer = get_space("autospace"), get_skeleton("tiny", input_size=28).layers[0]
    cap = cell_cost(Genome(space, {(1, 4): "dwconv3x3"}, 6), layer.c_in, layer.c_out, layer.hw, layer.stride)[0]
    rng, cells = np.random.default_rng(seed), []
    while len(cells) < count:
        g = space.sample(rng)
        if not g.is_zero and g not in cells and cell_cost(g, layer.c_in, layer.c_out, layer.hw, layer.stride)[0] <= cap:
            cells.append(g)
    return cells


def data_fingerprint(data: DataSplit) -> str:
    """sha256 of the split's tensors (train, then validation): another split never matches."""
    digest = hashlib.sha256()
    for part in (data.train, data.val):
        for tensor in part.tensors:  # type: ignore[attr-defined]
            digest.update(str((tuple(tensor.shape), str(tensor.dtype))).encode())
            digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def truth_key(
    cells: list[Genome], skeleton: Skeleton, data: DataSplit, fingerprint: str, recipe: TrainRecipe, init_seed: int
) -> dict[str, Any]:
    """Everything the reference accuracies depend on, as plain JSON data."""
    key = {
        "recipe": recipe.to_dict(),
        "init_seed": init_seed,
        "skeleton": dataclasses.asdict(skeleton),
        "data": {**data.describe(), "sha256": fingerprint},
        "cells": [{"key": g.key, "genome": g.to_dict()} for g in cells],
        "torch": torch.__version__,
    }
    return json.loads(json.dumps(key))


def _key_id(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def load_cache(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {"schema": CACHE_SCHEMA, "entries": {}}
    try:
        cache = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"--truth-cache {str(path)!r} is not readable JSON ({exc}); refusing to overwrite it")
    if not isinstance(cache, dict) or cache.get("schema") != CACHE_SCHEMA or not isinstance(cache.get("entries"), dict):
        raise SystemExit(f"--truth-cache {str(path)!r} is not a {CACHE_SCHEMA} file; refusing to overwrite it")
    return cache


def reference(
    cells: list[Genome], skeleton: Skeleton, data: DataSplit, recipe: TrainRecipe, init_seed: int, device: torch.device
) -> list[float]:
    """Validation accuracy of every cell repeated in all layers, trained standalone with ``recipe``."""
    truth = []
    for g in cells:
        torch.manual_seed(init_seed)
        net = build_network(skeleton, [g] * skeleton.num_layers, data.num_classes)
        StandaloneTrainer(net, data.train, recipe, device).fit()
        truth.append(accuracy(net, data.val, device))
    return truth


def cached_reference(
    cache: dict[str, Any], path: Path | None, key: dict[str, Any], compute: Any
) -> tuple[list[float], float, bool]:
    """(accuracies, seconds they took to compute, cache hit) for ``key``; computes and stores on a miss."""
    entry = cache["entries"].get(_key_id(key))
    if entry is not None and entry.get("key") == key and len(entry.get("accuracy", ())) == len(key["cells"]):
        return [float(a) for a in entry["accuracy"]], float(entry["seconds"]), True
    start = time.perf_counter()
    truth = compute()
    seconds = time.perf_counter() - start
    if path is not None:
        cache = load_cache(path)  # re-read: another run may have added entries meanwhile
        cache["entries"][_key_id(key)] = {"key": key, "accuracy": truth, "seconds": round(seconds, 1)}
        write_json(path, cache)
    return truth, seconds, False


def tau(scores: list[float], truth: list[float]) -> float:
    return round(float(kendalltau(scores, truth).statistic), 3)


def parse_only(text: str | None) -> list[str]:
    if text is None:
        return list(EVALUATORS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in EVALUATORS]
    if unknown or not names:
        raise SystemExit(f"--only: unknown evaluator(s) {unknown or text!r}; choose from {', '.join(EVALUATORS)}")
    return [n for n in EVALUATORS if n in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cells", type=int, default=30)
    parser.add_argument("--mnist", default=None, help="MNIST IDX folder (default ../shared/data/mnist)")
    parser.add_argument("--supernet-steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truth-cache", type=Path, default=None, help="JSON file of reference accuracies (reused or written)")
    parser.add_argument("--only", default=None, help=f"comma-separated evaluators to score (of {', '.join(EVALUATORS)})")
    parser.add_argument("--self-tau", action="store_true", help="also train the reference with another seed; report their tau")
    parser.add_argument("--lowfi-epochs", type=int, default=LOW_FIDELITY["epochs"])
    parser.add_argument("--lowfi-batch-size", type=int, default=LOW_FIDELITY["batch_size"])
    parser.add_argument("--lowfi-lr", type=float, default=LOW_FIDELITY["lr"])
    parser.add_argument("--lowfi-train-size", type=int, default=LOW_FIDELITY["train_size"])
    args = parser.parse_args()
    only = parse_only(args.only)
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    data = get_dataset("mnist", args.mnist, seed=args.seed)
    skeleton = get_skeleton("tiny", input_size=28)
    cells = sample_cells(args.cells, args.seed)
    cands = [Candidate(0, g) for g in cells]
    seconds: dict[str, float] = {}
    cache = load_cache(args.truth_cache)
    fingerprint = data_fingerprint(data)

    def ref(recipe: TrainRecipe, init_seed: int) -> tuple[list[float], float, bool]:
        key = truth_key(cells, skeleton, data, fingerprint, recipe, init_seed)
        return cached_reference(
            cache, args.truth_cache, key, lambda: reference(cells, skeleton, data, recipe, init_seed, device)
        )

    truth, seconds["standalone"], hit = ref(RECIPE, args.seed)
    self_tau = None
    if args.self_tau:
        other = dataclasses.replace(RECIPE, seed=RECIPE.seed + 1)
        truth2, seconds["standalone_other_seed"], hit2 = ref(other, args.seed + 1)
        self_tau = {
            "tau": tau(truth2, truth),
            "other_init_seed": args.seed + 1,
            "other_recipe_seed": other.seed,
            "accuracy": {"min": min(truth2), "max": max(truth2), "mean": float(np.mean(truth2))},
            "cached": hit2,
        }

    scores: dict[str, list[float]] = {}
    for proxy in STANDARD_PROXIES:
        if proxy in only:
            start = time.perf_counter()
            scores[proxy] = ZeroCostEvaluator(proxy, skeleton, data, seed=args.seed).score(cands)
            seconds[proxy] = time.perf_counter() - start
    lowfi_recipe = ScoringRecipe(epochs=args.lowfi_epochs, batch_size=args.lowfi_batch_size,
                                       lr=args.lowfi_lr)
    lowfi = LowFidelityEvaluator(skeleton, data, recipe=lowfi_recipe, train_size=args.lowfi_train_size, seed=args.seed)
    if "low_fidelity" in only:
        start = time.perf_counter()
        scores["low_fidelity"] = lowfi.score(cands)
        seconds["low_fidelity"] = time.perf_counter() - start
    if "mixed" in only:
        start = time.perf_counter()
        mixed = MixedEvaluator(ZeroCostEvaluator("jacob_cov", skeleton, data, seed=args.seed), lowfi, lam=0.75)
        scores["mixed"] = mixed.score(cands)
        seconds["mixed"] = time.perf_counter() - start

    if "supernet" in only:
        start = time.perf_counter()
        config = SupernetConfig(steps=args.supernet_steps, batch_size=64, alpha_lr=0.05, lr_schedule="cosine")
        supernet = SupernetEvaluator(skeleton, data, device="cpu", seed=args.seed, config=config)
        batch = [Candidate(layer, g, 0.0) for layer in range(skeleton.num_layers) for g in cells]
        alphas = np.array(supernet.score(batch)).reshape(skeleton.num_layers, len(cells))
        scores["supernet"] = alphas.mean(0).tolist()
        seconds["supernet"] = time.perf_counter() - start

    result: dict[str, Any] = {
        "cells": len(cells),
        "data": data.describe(),
        "recipe": RECIPE.to_dict(),
        "accuracy": {"min": min(truth), "max": max(truth), "mean": float(np.mean(truth))},
        "kendall_tau": {name: tau(s, truth) for name, s in scores.items()},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "low_fidelity": {
            "recipe": lowfi_recipe.to_dict(),
            "train_size": len(lowfi.train),
            "example_passes": lowfi_recipe.epochs * len(lowfi.train),
            "reference_example_passes": RECIPE.epochs * len(data.train),  # type: ignore[arg-type]
        },
    }
    if self_tau is not None:
        result["reference_self_tau"] = self_tau
        # The evaluators share the reference's init seed; against the other seed's run they cannot
        # profit from that shared init noise.
        result["kendall_tau_other_seed"] = {name: tau(s, truth2) for name, s in scores.items()}
    if args.truth_cache is not None:
        result["truth_cache"] = {"path": str(args.truth_cache), "hit": hit}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"evaluator fidelity: {len(cells)} cells, MNIST, standalone recipe {RECIPE.to_dict()}")
        print(f"standalone accuracy {result['accuracy']}" + (" (cached)" if hit else ""))
        if self_tau is not None:
            print(f"  reference self-tau (init seed {args.seed + 1}, recipe seed {self_tau['other_recipe_seed']}): "
                  f"{self_tau['tau']:+.3f}")
            print(f"  tau against that run: {result['kendall_tau_other_seed']}")
        print(f"low-fidelity: {result['low_fidelity']}")
        for name, value in result["kendall_tau"].items():
            print(f"  {name:<13} tau={value:+.3f}  ({result['seconds'][name]} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
