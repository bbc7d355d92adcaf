"""The supernet fitness on fixed populations of NAS-Bench-201 cells (issue 23, §2): a powered protocol.

A *sample* is 30 seeded NB201 cells with distinct canonical keys, drawn ``uniform`` over the table or
from its ``top`` quartile (test200 >= 92.19); samples of one kind are disjoint (``common.draw_samples``).
A sample is scored the way ``autospace evolve`` scores a population: the evolution engine with the
``autospace`` strategy's sampling (each round ``--paths`` cells, unscored ones first, then random scored
ones) but without evolution (no truncation, no offspring), the ``supernet`` evaluator on real CIFAR-10
(``split = "nb201"``: weights on the train half, alpha and evaluation on the valid half), the fitness
blended across rounds by Eq. 5. ``--paths 30`` trains one supernet of all the cells every round instead.

After every round the benchmark also reads out, on the same shared weights, each path's one-shot
validation loss and accuracy after BatchNorm re-estimation (`SupernetEvaluator.one_shot`, exactly what
``fitness = "val_loss"`` computes), so that every fitness read-out can be formed afterwards from one
training run (`nb201_fitness_report.py`); with uniform weight sampling the weights do not depend on
alpha, so the read-outs are those the evaluator would return. Every ``--eval-every`` rounds all 30 cells
are evaluated one-shot on the current weights (the SPOS protocol, for contrast). Beside them: ``params``
(NB201's network, every edge built, and the proxy's), ``synflow`` (the proxy's network and NB201's) and
the table's ``val12``.

    python benchmarks/nb201_fitness_protocol.py --kind uniform --samples 0,1,2,3,4 \\
        --out-dir runs/protocol/uniform [--rounds 40 --paths 9] \\
        [--set steps=50 --set alpha_every=1 ...] [--threads 1]

``--set KEY=VALUE`` sets any ``[evaluator]`` key of the ``supernet`` evaluator (the defaults below are
the protocol's proxy: ``skeleton = "nb201-c8n1"``, ``image_size = 16``). One JSON per sample,
``<out-dir>/sample<i>.json``, written after every round; a killed run started again resumes its samples
from scratch but skips finished ones.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from common import (CIFAR10, NB201_TABLE, Nb201Cell, ResultFile, cpu_seconds, draw_samples, machine, nb201_proxy,
                    read_nb201)

from autospace.data import get_dataset, pool_split
from autospace.evaluators import Candidate
from autospace.evaluators.ranking import kendall_tau
from autospace.evaluators.registry import parse_evaluator
from autospace.evaluators.supernet import SupernetEvaluator
from autospace.evaluators.zero_cost import ZeroCostEvaluator
from autospace.evolve import Engine, EvolveConfig
from autospace.evolve.individual import Individual
from autospace.evolve.strategies import AutoSpaceStrategy
from autospace.genome import Genome, get_space
from autospace.nn import get_skeleton, network_cost
from autospace.train.device import torch_threads

DATA_SEED = 0  # the train / valid halves, as in every NB201 benchmark
SAMPLE_SEEDS = {"uniform": 1000, "top": 2000}
"""The permutation each kind's disjoint samples are cut from (sample i = the i-th block of 30)."""
PROTOCOL = {"skeleton": "nb201-c8n1", "image_size": 16, "data": "cifar10", "split": "nb201", "device": "cpu",
            "steps": 50, "batch_size": 64, "weight_lr": 0.1, "lr_schedule": "cosine", "alpha_lr": 0.05}
"""The supernet settings every run starts from (``--set`` changes them); ``total_steps`` is set to
``rounds x steps`` (one cosine over the run) unless given."""


class FixedPopulation(AutoSpaceStrategy):
    """The ``autospace`` strategy's sampling over a fixed population: the given cells, never truncated,
    no offspring."""

    def __init__(self, cells: list[Genome]) -> None:
        self.cells = cells

    def ask(self, engine: Engine) -> list[tuple[int, Individual]]:
        if not engine.populations[0]:
            engine.populations[0] = [Individual(g, engine.round) for g in self.cells]
        return super().ask(engine)

    def tell(self, engine: Engine, scored: list[tuple[int, Individual]]) -> None:
        """No evolution: the population stays the sample."""


def parse_set(items: list[str]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for item in items:
        key, eq, text = item.partition("=")
        if not eq or not key:
            raise SystemExit(f"--set {item!r} must have the form KEY=VALUE")
        try:
            keys[key] = tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            keys[key] = text
    return keys


def static_signals(cells: list[Nb201Cell], args: argparse.Namespace, keys: dict[str, Any], data: Any) -> dict[str, list[float]]:
    """Training-free signals of every cell: params of NB201's network and of the proxy, synflow of both."""
    genomes = [c.genome for c in cells]
    proxy = get_skeleton(keys["skeleton"], input_size=keys["image_size"])
    out = {"params": [float(network_cost(get_skeleton("nb201"), g, 10, build_rule="all")[1]) for g in genomes],
           "params_proxy": [float(network_cost(proxy, g, 10)[1]) for g in genomes]}
    for name, skeleton, split, rule in (("synflow_proxy", proxy.name, data["proxy"], "live"),
                                        ("synflow", "nb201", data["full"], "all")):
        zc = ZeroCostEvaluator("synflow", skeleton, split, build_rule=rule, seed=args.sample)
        out[name] = [zc.score_one(Candidate(0, g)) for g in genomes]
    out["val12"] = [c.val12 for c in cells]
    return out


def run_sample(args: argparse.Namespace, cells: list[Nb201Cell], keys: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    genomes = [c.genome for c in cells]
    truth = [c.test200 for c in cells]
    if keys["seed"] == "sample":
        keys = keys | {"seed": args.sample}
    header = {"kind": args.kind, "sample": args.sample, "cells": [c.arch for c in cells], "test200": truth,
              "rounds": args.rounds, "paths": args.paths, "momentum": args.momentum, "evaluator": keys}
    out = args.out_dir / f"sample{args.sample}.json"
    result = ResultFile(out, header)
    if result.data.get("done"):
        print(f"{out}: done, skipped", flush=True)
        return result.data
    result.data.update(machine=machine(), signals=static_signals(cells, args, keys, data), rounds_log=[], checkpoints=[])
    signals = result.data["signals"]
    print(f"{args.kind} sample {args.sample}: tau vs test200 " +
          ", ".join(f"{k} {kendall_tau(v, truth):+.3f}" for k, v in signals.items()), flush=True)
    settings, config = parse_evaluator({"name": "supernet", **keys}).settings
    ev = SupernetEvaluator(settings.skeleton, data["proxy"], device=settings.device, seed=settings.seed,
                           threads=settings.threads, config=config)  # on the split loaded once, as the evaluator reads it
    evolve = EvolveConfig(population=len(cells), sample_size=args.paths, rounds=args.rounds, seed=args.sample,
                          fitness_momentum=args.momentum, top_k=5)
    engine = Engine(get_space("nb201"), evolve, exact=False)
    engine.strategy = FixedPopulation(genomes)
    index = {g: i for i, g in enumerate(genomes)}
    train_cpu = readout_cpu = 0.0
    while not engine.done:
        candidates = engine.ask()
        start = cpu_seconds()
        scores = ev.score(candidates)
        train_cpu += cpu_seconds() - start
        engine.tell(scores, ev.cost)
        start = cpu_seconds()
        readout = ev.one_shot(candidates) if ev.config.fitness == "alpha" else dict(ev.last_scores)
        readout_cpu += cpu_seconds() - start if ev.config.fitness == "alpha" else 0.0
        result.data["rounds_log"].append({
            "paths": [index[c.genome] for c in candidates], "scores": scores,
            "alpha": ev.last_scores.get("alpha"), "val_loss": readout["val_loss"], "val_accuracy": readout["val_accuracy"],
            "train_loss": ev.rounds[-1]["train_loss"], "train_cpu_s": round(train_cpu, 2), "readout_cpu_s": round(readout_cpu, 2)})
        if engine.round % args.eval_every == 0 or engine.done:
            start = cpu_seconds()
            one_shot = ev.one_shot([Candidate(0, g) for g in genomes])
            fitness = [ind.value for ind in sorted(engine.populations[0], key=lambda ind: index[ind.genome])]
            point = {"round": engine.round, "step": engine.round * ev.config.steps, "train_cpu_s": round(train_cpu, 2),
                     "readout_cpu_s": round(readout_cpu, 2), "eval_cpu_s": round(cpu_seconds() - start, 2),
                     "fitness": fitness, **{f"all_{k}": v for k, v in one_shot.items()}}
            result.data["checkpoints"].append(point)
            scored = [(f, t) for f, t in zip(fitness, truth) if f is not None]
            print(f"round {engine.round:3d} step {point['step']:5d}  train {train_cpu:6.0f} CPU-s  "
                  f"tau(fitness, {len(scored)} scored) {kendall_tau(*zip(*scored)) if len(scored) > 1 else 0.0:+.3f}  "
                  f"tau(one-shot loss, all) {kendall_tau([-v for v in one_shot['val_loss']], truth):+.3f}  "
                  f"acc {sum(one_shot['val_accuracy']) / len(cells):.3f}", flush=True)
        result.save()
    result.data["done"] = True
    result.save()
    return result.data


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", type=Path, default=NB201_TABLE, help="NAS-Bench-201 CIFAR-10 table")
    ap.add_argument("--images", type=Path, default=CIFAR10, help="CIFAR-10 archive")
    ap.add_argument("--kind", choices=sorted(SAMPLE_SEEDS), required=True, help="uniform or top-quartile samples")
    ap.add_argument("--samples", type=lambda s: [int(x) for x in s.split(",")], required=True,
                    help="sample numbers, comma-separated (0-4 tune, 5-9 confirm)")
    ap.add_argument("--cells", type=int, default=30, help="cells per sample")
    ap.add_argument("--paths", type=int, default=9, help="cells per round's supernet (the paper's N; = --cells: all)")
    ap.add_argument("--rounds", type=int, default=40, help="supernet rounds")
    ap.add_argument("--momentum", type=float, default=0.9, help="Eq. 5's m")
    ap.add_argument("--eval-every", type=int, default=10, help="rounds between one-shot evaluations of all cells")
    ap.add_argument("--set", action="append", default=[], dest="keys", metavar="KEY=VALUE",
                    help="an [evaluator] key of the supernet evaluator (repeatable)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--out-dir", type=Path, required=True, help="one JSON per sample goes here")
    args = ap.parse_args(argv)
    if not 2 <= args.paths <= args.cells:
        ap.error("--paths must be in [2, --cells]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    keys = PROTOCOL | {"data_root": str(args.images)} | parse_set(args.keys)
    nb201_proxy(keys["skeleton"])
    keys.setdefault("total_steps", args.rounds * keys["steps"])
    keys.setdefault("seed", "sample")  # each sample's weights, batches and gates from its own number
    args.out_dir.mkdir(parents=True, exist_ok=True)
    samples = draw_samples(read_nb201(args.table), args.kind, max(args.samples) + 1, args.cells, SAMPLE_SEEDS[args.kind])
    full = get_dataset("cifar10", args.images, split="nb201", seed=DATA_SEED)
    data = {"full": full, "proxy": pool_split(full, keys["image_size"])}
    with torch_threads(args.threads):
        for number in args.samples:
            args.sample = number
            run_sample(args, samples[number], keys, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
