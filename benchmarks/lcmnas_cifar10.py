"""LCMNAS macro search on the shared CIFAR-10 (docs/lcmnas.md), against two baselines at the same
budget: uniform random walks (LCMNAS's own random-search baseline: the same loop with parents,
successors and values drawn uniformly) and the best zoo model (each zoo model at 32x32 with 10
classes, random init, scored by the same mixed fitness; models above ``max_madds`` are excluded).

Per method: the search (``population`` networks x ``generations``, mixed fitness 0.75 * LCMNAS
score + 0.25 * accuracy in percent after ``search_epochs`` on a stratified 8 % / 2 % split of the
training set), then the ``top`` best networks retrained for ``retrain_epochs`` on the same 8 %
and re-validated on the 2 %, and the best of them trained for ``final_epochs`` on the whole
training split and tested on the 10,000 test images (``final_epochs = 0``: the retrained network
is tested as it is). Each method's result is printed as one JSON line when it is done (params,
MAdds, fitness, test accuracy, search/train seconds), then the whole result as one JSON object.

    python benchmarks/lcmnas_cifar10.py --plan cpu --threads 1     # <= 90 min on the 2-core CPU
    python benchmarks/lcmnas_cifar10.py --plan gpu --device cuda   # sized for <= 9 min on one H100/H200
    python benchmarks/lcmnas_cifar10.py --plan cpu --population 4 --generations 1 ...  # smaller

Every plan key can be overridden by the flag of the same name.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from autospace.data import get_dataset
from autospace.evaluators.base import Candidate
from autospace.evaluators.lcmnas_score import lcmnas_score
from autospace.evaluators.low_fidelity import LowFidelityEvaluator
from autospace.evaluators.mixed import MixedEvaluator
from autospace.evaluators.zero_cost import ZeroCostEvaluator, proxy_batches
from autospace.evolve import evolve_space
from autospace.macro import macro_cost
from autospace.macro.build import build_macro
from autospace.macro.space import MacroSettings, MacroSpace
from autospace.macro.walk import WalkSettings
from autospace.nn.network import measure_cost
from autospace.train.device import resolve_device, seeded
from autospace.train.loop import StandaloneTrainer, accuracy
from autospace.train.recipe import ScoringRecipe

PLANS: dict[str, dict[str, Any]] = {
    # 2-core CPU, <= 90 min for the three methods: small networks (channels / 8, <= 40 layers, <= 20M MAdds)
    "cpu": {"population": 10, "generations": 4, "search_epochs": 2, "top": 3, "retrain_epochs": 4,
            "final_epochs": 5, "width": 0.125, "max_length": 40, "max_madds": 20e6,
            "zoo_baseline": "shufflenet_v2_x0_5,mnasnet0_5,squeezenet1_1,mobilenet_v2,resnet18"},
    # one H100/H200, <= 9 min (planned, not run here): the paper's recipe with a shorter search
    "gpu": {"population": 20, "generations": 8, "search_epochs": 4, "top": 10, "retrain_epochs": 10,
            "final_epochs": 30, "width": 0.5, "max_length": 100, "max_madds": 300e6,
            "zoo_baseline": "resnet18,mobilenet_v2,shufflenet_v2_x1_0,mnasnet1_0,squeezenet1_1,vgg11_bn,densenet121"},
}
METHODS = ("lcmnas", "random_walk", "zoo")


def recipe(epochs: int, seed: int) -> ScoringRecipe:
    """LCMNAS's search recipe: SGD lr 0.001, momentum 0.9, weight decay 3e-4, batch 96."""
    return ScoringRecipe(epochs=epochs, batch_size=96, lr=0.001, momentum=0.9, weight_decay=3e-4, seed=seed)


def train_and_test(net: nn.Module, data: Any, epochs: int, seed: int, device: torch.device) -> tuple[float, float]:
    """Test accuracy after ``epochs`` on the whole training split (cosine lr from 0.025, the
    LCMNAS final-training rate; none for 0), and the seconds it took."""
    start = time.perf_counter()
    if epochs:
        final = replace(recipe(epochs, seed), lr=0.025)
        with seeded(seed):
            StandaloneTrainer(net, data.train, final, device).fit()
    return accuracy(net, data.test, device), time.perf_counter() - start


def search(method: str, plan: dict[str, Any], data: Any, mixed: MixedEvaluator, seed: int) -> dict[str, Any]:
    space = MacroSpace(MacroSettings(input_shape=tuple(data.input_shape), num_classes=data.num_classes,
                                     max_madds=plan["max_madds"]),
                       WalkSettings(mode="weighted" if method == "lcmnas" else "uniform",
                                    max_length=plan["max_length"], width=plan["width"]))
    start = time.perf_counter()
    run = evolve_space(space, mixed, "lcmnas", population=plan["population"], rounds=plan["generations"],
                       seed=seed, top_k=plan["top"], max_tries=1000)
    searched = time.perf_counter() - start
    history = [r["best"][0] for r in run.history.records]
    return {"genomes": [r.genome for r in run.learned_space.layers[0]], "search_seconds": searched,
            "best_fitness_per_generation": history, "networks_scored": run.engine.distinct_queries,
            "history": run.history.records}


def zoo_search(plan: dict[str, Any], data: Any, mixed: MixedEvaluator, seed: int, device: torch.device
               ) -> dict[str, Any]:
    """The mixed fitness of each baseline zoo model (torchvision, 10 classes, random init) within the
    searches' ``max_madds`` (a model above it is listed as excluded: not the same budget)."""
    from torchvision import models

    batch = proxy_batches(data.train, 256, True, 1, seed)[0]
    low = mixed.low_fidelity
    start, rows, excluded = time.perf_counter(), [], []
    for name in plan["zoo_baseline"].split(","):
        with seeded(seed):
            net = models.get_model(name, weights=None, num_classes=data.num_classes)
        madds = measure_cost(net, data.input_shape)[0]
        if plan["max_madds"] and madds > plan["max_madds"]:
            excluded.append({"model": name, "madds": madds})
            continue
        with seeded(seed):
            score = lcmnas_score(net.to(device).train(), batch[0].to(device), batch[1])
            net = models.get_model(name, weights=None, num_classes=data.num_classes)
            StandaloneTrainer(net, low.train, low.recipe, device).fit()
        acc = accuracy(net, low.val, device)
        fitness = mixed.lam * score + (1 - mixed.lam) * 100 * acc
        rows.append({"model": name, "score": score, "val_accuracy": acc, "fitness": fitness})
    if not rows:
        raise SystemExit(f"no zoo baseline model within max_madds={plan['max_madds']:g}: {excluded}")
    return {"models": rows, "excluded": excluded, "search_seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", default="../shared/data/cifar10/cifar10-jpeg.tar.gz", help="CIFAR-10 root/archive")
    ap.add_argument("--plan", choices=sorted(PLANS), default="cpu")
    for key, value in PLANS["cpu"].items():
        ap.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=None)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--figures", type=Path, help="folder for the figures (WDGs, distributions, chain, fitness)")
    args = ap.parse_args(argv)
    plan = {k: (getattr(args, k) if getattr(args, k) is not None else v) for k, v in PLANS[args.plan].items()}
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    data = get_dataset("cifar10", args.images, seed=args.seed)
    zc = ZeroCostEvaluator("lcmnas", "macro", data, batch_size=256, seed=args.seed)
    lf = LowFidelityEvaluator("macro", data, recipe=recipe(plan["search_epochs"], args.seed), train_fraction=0.08,
                              val_fraction=0.02, cutout=16, device=args.device, seed=args.seed)
    out: dict[str, Any] = {"plan": args.plan, "settings": plan, "seed": args.seed, "device": str(device),
                           "threads": torch.get_num_threads(), "methods": {}}
    for method in args.methods.split(","):
        mixed = MixedEvaluator(zc, lf, 0.75, "raw")
        if method == "zoo":
            found = zoo_search(plan, data, mixed, args.seed, device)
            best = max(found["models"], key=lambda r: r["fitness"])
            from torchvision import models

            with seeded(args.seed):
                net = models.get_model(best["model"], weights=None, num_classes=data.num_classes)
            madds, params = measure_cost(net, data.input_shape)
            if not plan["final_epochs"]:  # as the found networks: retrained on the 8 % split
                with seeded(args.seed):
                    StandaloneTrainer(net, lf.train, recipe(plan["retrain_epochs"], args.seed), device).fit()
            test, seconds = train_and_test(net, data, plan["final_epochs"], args.seed, device)
            out["methods"][method] = {**found, "best": best["model"], "madds": madds, "params": params,
                                      "test_accuracy": test, "final_train_seconds": seconds}
            print(json.dumps({method: out["methods"][method]}), flush=True)
            continue
        found = search(method, plan, data, mixed, args.seed)
        history = found.pop("history")
        retrain = LowFidelityEvaluator("macro", data, recipe=recipe(plan["retrain_epochs"], args.seed),
                                       train_fraction=0.08, val_fraction=0.02, cutout=16, device=args.device, seed=args.seed)
        start = time.perf_counter()
        retrained = [(retrain.score_one(Candidate(0, g)), g) for g in found.pop("genomes")]
        retrain_seconds = time.perf_counter() - start
        genome = max(retrained, key=lambda pair: pair[0])[1]
        if plan["final_epochs"]:
            with seeded(args.seed):
                net = build_macro(genome)
        else:  # the retrained network itself
            net = retrain.builder.network(Candidate(0, genome))
            with seeded(args.seed):
                StandaloneTrainer(net, retrain.train, retrain.recipe, device).fit()
        test, seconds = train_and_test(net, data, plan["final_epochs"], args.seed, device)
        madds, params = macro_cost(genome)
        out["methods"][method] = {**found, "retrain_val_accuracy": [v for v, _ in retrained],
                                  "retrain_seconds": retrain_seconds, "best": genome.to_dict(), "layers": len(genome),
                                  "madds": madds, "params": params, "test_accuracy": test,
                                  "final_train_seconds": seconds}
        print(json.dumps({method: out["methods"][method]}), flush=True)
        if args.figures is not None:
            save_figures(args.figures, method, genome, history)
    print(json.dumps(out, indent=1))


def save_figures(folder: Path, method: str, genome: Any, history: list[dict[str, Any]]) -> None:
    """The WDG of a source model (resnet18) and of the found network, their hyper-parameter
    counts, the found chain with shapes and costs, and the fitness over generations."""
    from autospace.macro.space import zoo_wdgs
    from autospace.macro.wdg import WDG
    from autospace.viz import fitness_curves
    from autospace.viz.macro import draw_chain, draw_param_distributions, draw_wdg

    folder.mkdir(parents=True, exist_ok=True)
    (source,) = zoo_wdgs(("resnet18",))
    found = WDG.from_genome(genome, f"{method} best")
    figures = {"wdg_resnet18": draw_wdg(source), "params_resnet18": draw_param_distributions(source),
               f"wdg_{method}": draw_wdg(found), f"params_{method}": draw_param_distributions(found),
               f"chain_{method}": draw_chain(genome), f"fitness_{method}": fitness_curves(history)}
    for name, fig in figures.items():
        fig.savefig(folder / f"{name}.png", dpi=120)


if __name__ == "__main__":
    main()
