"""The paper's comparisons in miniature: MNIST on the ``tiny`` skeleton, or real CIFAR-10 on ``cifar``.

    python benchmarks/paper_tables.py [--data mnist|cifar10] [--plan cpu|gpu] [--json] [--seeds 0 1 2] [--quick]
    python benchmarks/paper_tables.py --render results.json [--figure fig3.png]   # the tables of a --json run

``--data cifar10`` (the shared JPEG archive, ``--images``): the ``cifar`` skeleton (11 searchable
layers); search (phase 1 and phase 2) on the 45,000 / 5,000 split (seeded subsets of it under
``--plan cpu``), every found architecture trained from scratch on the 45,000 (a subset under
``--plan cpu``) and its top-1 measured on the 10,000 test images. ``--plan gpu`` keeps 32x32;
``--plan cpu`` average-pools every image 2x2 to 16x16 (the skeleton at ``input_size=16``), since a
32x32 training step is ~9x slower on this CPU. The two MAdds budgets are the skeleton's MobileNetV2
cost (the dwconv3x3 e=6 block at every layer) times 300/300 and 400/300, the ratio of the paper's
300M+ and 400M+ groups to MobileNetV2's 300M. A space with no architecture in a budget's window
(+-10 %) is reported as out of reach for it; Tables 2 and 4 use the largest budget that every
space of every seed reaches. `PLANS` holds every size.

Protocol with ``--data mnist`` (the default; see `Plan` for every size):

* Data: the 10,000 MNIST test images of ``../shared/data/mnist``, split 8,000 / 2,000 with seed 0
  (`autospace.data.get_dataset`), average-pooled 2x2 to 14x14 (28x28 depthwise convolutions are
  ~5x slower on CPU and would not fit the time budget). The 2,000 are the *test* images: only
  final top-1 is measured on them. Search (phase 1 and phase 2) sees only the 8,000, split again
  6,000 train / 2,000 validation with seed 1.
* Phase 1 (learned space): `autospace.evolve.evolve_space` on the open space with the
  `SupernetEvaluator` (binary gates, Eq. 3-4; fitness momentum Eq. 5), strategy ``autospace``,
  reference cell = MobileNetV2's block (dwconv3x3, e=6) as an open-space cell with ``tau=4`` for
  the first half of the rounds, per-layer MAdds cap = the layer's largest ``irb`` block, top-5.
  Run once per seed with the reference and once without (Fig. 3 / Table 5 analog); the run with
  the reference gives that seed's learned space.
* Table 3 analog: ``proxyless-g`` on the learned space vs ``irb`` at two MAdds budgets.
  Table 4 analog: ``rl`` and ``spos`` on both spaces at the larger budget.
  Table 2 analog: the direct EA on the full open space (``ea``) vs ``proxyless-g`` on the
  learned space (and on ``irb``) at the larger budget.
  Every found architecture is trained from scratch (`autospace.train.train_architecture`, same recipe for
  all) on the 8,000 images; params and MAdds are analytic.
* Fig. 3 / Table 5 analog: the supernet's validation cross-entropy per round (moving average of
  3 rounds) with and without the reference constraint; target = the level both runs reach (the
  larger of the two minima); cost = rounds and seconds until each run first reaches it;
  reported as the ratio without / with (the paper: 5000 / 960 GPU hours = 5.2x).

Prints markdown tables (mean +- std over seeds), or everything as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F
from torch.utils.data import TensorDataset

from autospace.data import DataSplit, ImageTensors, get_dataset
from autospace.evaluators import SupernetEvaluator
from autospace.evolve import evolve_space
from autospace.nn import Architecture, Skeleton, fixed_cost, get_skeleton, layer_cost
from autospace.search.base import SearchContext
from autospace.search.budget import Budget, cost_span, reaches
from autospace.search.ea import irb_as_open_cell
from autospace.search.runner import execute, prepare
from autospace.search.space import learned_space, manual_space
from autospace.supernet import SupernetConfig
from autospace.train import TrainRecipe, train_architecture
from autospace.train.device import resolve_device

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Plan:
    """Every size of the benchmark (the MNIST default is chosen so the whole run stays near 20 minutes
    on 2 cores). ``budgets`` are MAdds, or with ``budget_ratios`` set, multiples of the skeleton's
    MobileNetV2 cost; image counts of ``None`` mean the whole split."""

    data: str = "mnist"
    skeleton: str = "tiny"
    input_size: int = 14
    device: str = "cpu"
    threads: int = 1
    seeds: tuple[int, ...] = (0, 1, 2)
    budgets: tuple[float, ...] = (400_000.0, 700_000.0)
    budget_ratios: tuple[float, ...] | None = None
    search_train: int | None = None
    search_val: int | None = None
    final_train: int | None = None
    batch_size: int = 64
    # phase 1
    population: int = 12
    sample_size: int = 4
    rounds: int = 20
    round_steps: int = 80
    grad_clip: float | None = None  # phase 1's weight-gradient norm clip (SupernetConfig.grad_clip)
    top_k: int = 5
    tau: int = 4  # tau=2 around this one-edge cell holds only 25-30 canonical cells per layer
    # phase 2
    proxyless: tuple[tuple[str, Any], ...] = (("warmup_steps", 40), ("steps", 60), ("adapt_every", 10))
    rl: tuple[tuple[str, Any], ...] = (("warmup_steps", 40), ("steps", 60), ("samples", 2), ("log_every", 10))
    spos: tuple[tuple[str, Any], ...] = (("steps", 100), ("population", 8), ("generations", 2), ("parents", 3),
                                         ("bn_batches", 2), ("eval_batches", 2))
    ea: tuple[tuple[str, Any], ...] = (("population", 6), ("rounds", 4), ("sample_size", 3), ("train_steps", 20),
                                       ("eval_batches", 2))
    # final training
    train_epochs: int = 2

    def quick(self) -> Plan:
        """A smoke-sized plan (one seed, few steps, 512 / 256 search and 512 training images on CIFAR-10;
        the MNIST plan ignores the image counts) to check the script end to end."""
        return replace(self, seeds=self.seeds[:1], rounds=3, round_steps=5,
                       proxyless=(("warmup_steps", 5), ("steps", 10), ("adapt_every", 5)),
                       rl=(("warmup_steps", 5), ("steps", 5), ("samples", 1), ("log_every", 5)),
                       spos=(("steps", 10), ("population", 4), ("generations", 1), ("parents", 2),
                             ("bn_batches", 1), ("eval_batches", 1)),
                       ea=(("population", 3), ("rounds", 2), ("sample_size", 2), ("train_steps", 3),
                           ("eval_batches", 1)), search_train=512, search_val=256, final_train=512, train_epochs=1)


PLANS: dict[str, Plan] = {
    "mnist": Plan(),
    # CIFAR-10 on this 2-core CPU within 90 minutes: the real images average-pooled to 16x16 (a 32x32
    # training step costs ~9x a 16x16 one on this CPU: 36 vs 338 images/s, one thread), 10,000 / 2,000
    # search images, 10,000 training images for 1 epoch; phase 1 with 12 rounds of 100 steps (at 30 the
    # supernet's validation loss stayed at chance, 2.32-2.38 against ln 10 = 2.30) and gradients clipped
    # at norm 5 (unclipped, seed 1's supernet diverged to non-finite losses in its first rounds)
    "cpu": Plan(data="cifar10", skeleton="cifar", input_size=16, threads=1, budgets=(), budget_ratios=(1.0, 4 / 3),
                search_train=10000, search_val=2000, final_train=10000, rounds=12, round_steps=100, population=12,
                grad_clip=5.0,
                proxyless=(("warmup_steps", 20), ("steps", 30), ("adapt_every", 10)),
                rl=(("warmup_steps", 20), ("steps", 30), ("samples", 2), ("log_every", 10)),
                spos=(("steps", 50), ("population", 6), ("generations", 2), ("parents", 3), ("bn_batches", 2),
                      ("eval_batches", 2)),
                ea=(("population", 4), ("rounds", 3), ("sample_size", 2), ("train_steps", 10), ("eval_batches", 2)),
                train_epochs=1),
    # full CIFAR-10 on one H100/H200 within 9 minutes (sizes chosen, not yet measured on a GPU)
    "gpu": Plan(data="cifar10", skeleton="cifar", input_size=32, device="cuda", budgets=(), grad_clip=5.0,
                budget_ratios=(1.0, 4 / 3), batch_size=256, rounds=20, round_steps=60, population=16,
                proxyless=(("warmup_steps", 60), ("steps", 120), ("adapt_every", 10)),
                rl=(("warmup_steps", 60), ("steps", 120), ("samples", 2), ("log_every", 20)),
                spos=(("steps", 200), ("population", 8), ("generations", 3), ("parents", 3), ("bn_batches", 4),
                      ("eval_batches", 4)),
                ea=(("population", 6), ("rounds", 4), ("sample_size", 3), ("train_steps", 40), ("eval_batches", 4)),
                train_epochs=5),
}


# ----------------------------------------------------------------------------- data
def _pooled(dataset: TensorDataset) -> TensorDataset:
    x, y = dataset.tensors
    return TensorDataset(F.avg_pool2d(x, 2), y)


def load_splits(plan: Plan, images: Path) -> tuple[DataSplit, DataSplit]:
    """``(final, search)``: the training set and the test images to measure top-1 on, and the search
    split (train / validation); see the module docstring for each data set."""
    if plan.data == "cifar10":
        full = get_dataset("cifar10", images, seed=0)
        assert full.test is not None
        shape = (3, plan.input_size, plan.input_size)
        final = DataSplit("cifar10-final", _subset(full.train, plan.final_train, 2, plan.input_size),
                          _subset(full.test, None, 0, plan.input_size), 10, shape)
        search = DataSplit("cifar10-search", _subset(full.train, plan.search_train, 3, plan.input_size),
                           _subset(full.val, plan.search_val, 4, plan.input_size), 10, shape)
        return final, search
    full = get_dataset("mnist", SHARED / "mnist", val_fraction=0.2, seed=0)
    train, test = _pooled(full.train), _pooled(full.val)
    final = DataSplit("mnist14", train, test, 10, (1, 14, 14))
    x, y = train.tensors
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(1))
    search = DataSplit("mnist14-search", TensorDataset(x[perm[2000:]], y[perm[2000:]]),
                       TensorDataset(x[perm[:2000]], y[perm[:2000]]), 10, (1, 14, 14))
    return final, search


def _subset(images: ImageTensors | TensorDataset, size: int | None, seed: int, pixels: int
            ) -> ImageTensors | TensorDataset:
    """A seeded random subset of ``size`` images (all when ``size`` is None), average-pooled to
    ``pixels`` x ``pixels``: uint8 training images with the crop padding scaled with them
    (augmentation kept), or already-normalised evaluation images (pooling commutes with the
    per-channel normalisation)."""
    x, y = (images.images, images.labels) if isinstance(images, ImageTensors) else images.tensors
    if size is not None and size < len(y):
        idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))[:size]
        x, y = x[idx], y[idx]
    factor = x.shape[-1] // pixels
    if factor > 1:
        x = F.avg_pool2d(x.float(), factor)
    if not isinstance(images, ImageTensors):
        return TensorDataset(x, y)
    transform = replace(images.transform, padding=images.transform.padding // factor)
    return ImageTensors(x.round().to(torch.uint8), y, transform)


def skeleton_of(plan: Plan) -> Skeleton:
    return get_skeleton(plan.skeleton, input_size=plan.input_size)


def budgets_of(plan: Plan, num_classes: int) -> tuple[float, ...]:
    """The plan's MAdds budgets (``budget_ratios`` x the skeleton's MobileNetV2 cost when set)."""
    if plan.budget_ratios is None:
        return plan.budgets
    skeleton, block = skeleton_of(plan), irb_as_open_cell(6)
    mbv2 = fixed_cost(skeleton, num_classes)[0] + sum(layer_cost(spec, block)[0] for spec in skeleton.layers)
    return tuple(round(r * mbv2) for r in plan.budget_ratios)


# ----------------------------------------------------------------------------- phase 1
def phase1(plan: Plan, data: DataSplit, seed: int, with_reference: bool, out: Path) -> dict[str, Any]:
    """One space evolution; its learned space file and its per-round supernet losses and seconds."""
    skeleton = skeleton_of(plan)
    caps = tuple(float(max(layer_cost(spec, g)[0] for g in cands))
                 for spec, cands in zip(skeleton.layers, manual_space(skeleton).candidates))
    evaluator = SupernetEvaluator(skeleton, data, device=plan.device, threads=plan.threads, seed=seed,
                                  config=SupernetConfig(steps=plan.round_steps, batch_size=plan.batch_size,
                                                        total_steps=plan.rounds * plan.round_steps,
                                                        grad_clip=plan.grad_clip))
    start = time.perf_counter()
    result = evolve_space("autospace", evaluator, "autospace", reference=irb_as_open_cell(6) if with_reference else None,
                    tau=plan.tau, population=plan.population, rounds=plan.rounds, sample_size=plan.sample_size,
                    top_k=plan.top_k, seed=seed, layers=skeleton.num_layers, madds_cap=caps,
                    layer_cost=lambda layer, genome: float(layer_cost(skeleton.layers[layer], genome)[0]),
                    init="reference" if with_reference else "random")
    seconds = time.perf_counter() - start
    learned = replace(result.learned_space, skeleton=plan.skeleton)
    path = out / f"learned_space_seed{seed}_{'ref' if with_reference else 'noref'}.json"
    learned.save(path)
    return {"path": str(path), "val_loss": [r["val_loss"] for r in evaluator.rounds],
            "round_seconds": [r["seconds"] for r in result.history], "seconds": seconds}


def convergence(with_ref: dict[str, Any], without: dict[str, Any]) -> dict[str, Any]:
    """Rounds and seconds each run needs to reach the loss level both reach (3-round moving mean)."""
    def smooth(xs: list[float]) -> list[float]:
        return [statistics.fmean(xs[max(0, i - 2): i + 1]) for i in range(len(xs))]

    a, b = smooth(with_ref["val_loss"]), smooth(without["val_loss"])
    target = max(min(a), min(b))
    ra = next(i for i, v in enumerate(a) if v <= target)
    rb = next(i for i, v in enumerate(b) if v <= target)
    sa, sb = with_ref["round_seconds"][ra], without["round_seconds"][rb]
    return {"target_val_loss": target, "rounds_with_ref": ra + 1, "rounds_without_ref": rb + 1,
            "seconds_with_ref": sa, "seconds_without_ref": sb,
            "round_ratio": (rb + 1) / (ra + 1), "seconds_ratio": sb / sa}


# ----------------------------------------------------------------------------- phase 2 + training
def space_range(plan: Plan, space: str, num_classes: int) -> tuple[int, int] | None:
    """The least and most MAdds of any architecture of ``space`` (``irb`` or a learned space file) on
    the plan's skeleton; None for the open space (the direct EA samples it under the budget)."""
    if space == "open":
        return None
    skeleton = skeleton_of(plan)
    layers = manual_space(skeleton) if space == "irb" else learned_space(space, skeleton)
    costs = [[layer_cost(spec, g)[0] for g in cands] for spec, cands in zip(skeleton.layers, layers.candidates)]
    return cost_span(costs, fixed_cost(skeleton, num_classes)[0])


def reaches_budget(span: tuple[int, int] | None, budget: float) -> bool:
    """Whether a space spanning ``span`` MAdds (None: the open space) has architectures in the budget window."""
    return span is None or reaches(Budget(budget), span)


def find(plan: Plan, data: DataSplit, space: str, algo: str, budget: float, seed: int) -> Architecture:
    """One phase-2 search on the search split."""
    sections = {"search": {"seed": seed, "batch_size": plan.batch_size}, algo: dict(getattr(plan, _attr(algo)))}
    run = prepare(space, algo, budget, sections)
    skeleton = skeleton_of(plan)
    layer_space = None
    if algo != "ea":
        layer_space = manual_space(skeleton) if space == "irb" else learned_space(space, skeleton)
    ctx = SearchContext(skeleton, layer_space, data, Budget(budget), seed, resolve_device(plan.device), plan.batch_size)
    return execute(run, ctx)[0]


def _attr(algo: str) -> str:
    return "proxyless" if algo == "proxyless-g" else algo


def score(plan: Plan, arch: Architecture, data: DataSplit, seed: int) -> dict[str, Any]:
    """Train ``arch`` from scratch on ``data.train``; top-1 on ``data.val`` (the test images)."""
    with tempfile.TemporaryDirectory() as tmp:
        recipe = TrainRecipe(epochs=plan.train_epochs, batch_size=plan.batch_size, seed=seed, warmup_epochs=0)
        metrics = train_architecture(arch, data, recipe, Path(tmp), device=plan.device, progress=False)
    return {"top1": 100 * metrics["top1"], "params": arch.params, "madds": arch.madds,
            "search_seconds": arch.search["seconds"]}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Mean and std over the seeds whose space reaches the budget of each numeric column (None if none does)."""
    rows = [r for r in rows if "out_of_reach" not in r]
    if not rows:
        return None
    out: dict[str, Any] = {"seeds": len(rows)}
    for key in ("top1", "params", "madds", "search_seconds"):
        values = [r[key] for r in rows]
        out[key] = (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
    return out


# ----------------------------------------------------------------------------- report
def _fmt(cell: tuple[float, float], scale: float = 1.0, digits: int = 2) -> str:
    return f"{cell[0] / scale:.{digits}f} ± {cell[1] / scale:.{digits}f}"


def markdown(results: dict[str, Any]) -> str:
    p = results["plan"]
    where = f"{'MNIST' if p['data'] == 'mnist' else 'CIFAR-10'} {p['input_size']}x{p['input_size']}"
    head = (f"Seeds {p['seeds']}; {where}, {p['skeleton']} skeleton, {p['device']}; budgets "
            f"{[round(b / 1e3) for b in results['budgets']]}k MAdds; total {results['seconds']:.0f} s.")
    lines = [head, ""]
    groups = results["groups"]
    for title, keys in (
        ("Table 3 analog — proxyless-g, learned vs manual space", [k for k in groups if k.startswith("T3")]),
        ("Table 4 analog — rl and spos", [k for k in groups if k.startswith("T4")]),
        ("Table 2 analog — direct EA on the open space vs search on the learned / manual space",
         [k for k in groups if k.startswith("T2")]),
    ):
        lines += [f"### {title}", "", "| budget (k MAdds) | space | algo | params (k) | MAdds (k) | top-1 (%) | search (s) |",
                  "|---|---|---|---|---|---|---|"]
        for key in keys:
            g = groups[key]
            s = g["summary"]
            if s is None:
                top = max(r["out_of_reach"][1] for r in g["rows"])
                lines.append(f"| {g['budget'] / 1e3:.0f} | {g['space']} | {g['algo']} | out of reach: the space's "
                             f"largest network has {top / 1e3:.0f}k MAdds | | | |")
                continue
            seeds = "" if s["seeds"] == len(g["rows"]) else f" ({s['seeds']} of {len(g['rows'])} seeds reach it)"
            lines.append(f"| {g['budget'] / 1e3:.0f} | {g['space']} | {g['algo']} | {_fmt(s['params'], 1e3)} | "
                         f"{_fmt(s['madds'], 1e3, 1)} | {_fmt(s['top1'])}{seeds} | {_fmt(s['search_seconds'], 1, 0)} |")
        lines.append("")
    conv = results["convergence"]
    lines += ["### Fig. 3 / Table 5 analog — space evolution with vs without the reference constraint", "",
              "| seed | target val CE | rounds w/ ref | rounds w/o ref | s w/ ref | s w/o ref | ratio (rounds) | ratio (s) |",
              "|---|---|---|---|---|---|---|---|"]
    for seed, c in conv["per_seed"].items():
        lines.append(f"| {seed} | {c['target_val_loss']:.3f} | {c['rounds_with_ref']} | {c['rounds_without_ref']} | "
                     f"{c['seconds_with_ref']:.0f} | {c['seconds_without_ref']:.0f} | {c['round_ratio']:.2f} | "
                     f"{c['seconds_ratio']:.2f} |")
    lines.append(f"| mean | | | | | | {conv['round_ratio'][0]:.2f} ± {conv['round_ratio'][1]:.2f} | "
                 f"{conv['seconds_ratio'][0]:.2f} ± {conv['seconds_ratio'][1]:.2f} |")
    lines.append("")
    lines.append("Paper (ImageNet): 5000 -> 960 GPU hours with the reference constraint, a 5.2x ratio.")
    return "\n".join(lines)


def run(plan: Plan, images: Path, log=print, spaces_out: Path | None = None) -> dict[str, Any]:
    """The whole benchmark; the learned spaces are kept in ``spaces_out`` when given."""
    torch.set_num_threads(plan.threads)
    start = time.perf_counter()
    final, search = load_splits(plan, images)
    budgets = budgets_of(plan, final.num_classes)
    groups: dict[str, dict[str, Any]] = {}
    conv: dict[int, dict[str, Any]] = {}
    learned: dict[int, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) if spaces_out is None else spaces_out
        folder.mkdir(parents=True, exist_ok=True)
        for seed in plan.seeds:
            with_ref = phase1(plan, search, seed, True, folder)
            without = phase1(plan, search, seed, False, folder)
            learned[seed] = with_ref["path"]
            conv[seed] = {**convergence(with_ref, without), "val_loss_with_ref": with_ref["val_loss"],
                          "val_loss_without_ref": without["val_loss"]}
            log(f"phase 1 seed {seed}: {with_ref['seconds']:.0f} s with ref, {without['seconds']:.0f} s without; "
                f"{conv[seed]}")
        spans = {seed: {s: space_range(plan, learned[seed] if s == "learned" else s, final.num_classes)
                        for s in ("learned", "irb", "open")} for seed in plan.seeds}
        # Tables 2 and 4 at the largest budget every space of every seed reaches
        common = max((b for b in budgets if all(reaches_budget(span, b) for per in spans.values() for span in per.values())),
                     default=min(budgets))
        jobs = [(f"T3 {b:.0f} {s}", s, "proxyless-g", b) for b in budgets for s in ("learned", "irb")]
        jobs += [(f"T4 {a} {s}", s, a, common) for a in ("rl", "spos") for s in ("learned", "irb")]
        jobs += [("T2 ea open", "open", "ea", common)]
        for key, space, algo, budget in jobs:
            rows = []
            for seed in plan.seeds:
                span = spans[seed][space]
                if not reaches_budget(span, budget):
                    rows.append({"out_of_reach": span})
                else:
                    arg = learned[seed] if space == "learned" else space
                    rows.append(score(plan, find(plan, search, arg, algo, budget, seed), final, seed))
                log(f"{key} seed {seed}: {rows[-1]}")
            groups[key] = {"space": space, "algo": algo, "budget": budget, "rows": rows, "summary": summarise(rows)}
    for key in [k for k in groups if k.startswith(f"T3 {common:.0f} ")]:
        groups[key.replace(f"T3 {common:.0f}", "T2")] = groups[key]
    ratios = [c["round_ratio"] for c in conv.values()]
    secs = [c["seconds_ratio"] for c in conv.values()]
    spread = lambda xs: (statistics.fmean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0)
    return {"plan": asdict(plan), "budgets": budgets, "groups": groups, "seconds": time.perf_counter() - start,
            "convergence": {"per_seed": conv, "round_ratio": spread(ratios), "seconds_ratio": spread(secs)}}


def convergence_figure(results: dict[str, Any]):  # -> matplotlib Figure
    """Fig. 3 analog: phase 1's supernet validation loss per round, with and without the reference
    constraint, one panel per seed (the dotted line: the target loss both runs reach)."""
    from matplotlib.figure import Figure

    per_seed = results["convergence"]["per_seed"]
    fig = Figure(figsize=(4 * len(per_seed), 3.2), layout="constrained")
    for ax, (seed, c) in zip(fig.subplots(1, len(per_seed), squeeze=False)[0], per_seed.items()):
        for key, label in (("val_loss_with_ref", "with reference"), ("val_loss_without_ref", "without")):
            ax.plot(range(1, len(c[key]) + 1), c[key], marker="o", ms=3, label=label)
        ax.axhline(c["target_val_loss"], ls=":", c="grey", label="target (3-round mean)")
        ax.set(title=f"seed {seed}", xlabel="round", ylabel="supernet validation CE")
        ax.legend(fontsize=8)
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print all results as JSON")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds (default 0 1 2)")
    parser.add_argument("--quick", action="store_true", help="smoke-sized run of the whole script")
    parser.add_argument("--data", choices=("mnist", "cifar10"), default="mnist")
    parser.add_argument("--plan", choices=("cpu", "gpu"), default="cpu", help="the CIFAR-10 plan (PLANS)")
    parser.add_argument("--images", type=Path, default=SHARED / "cifar10" / "cifar10-jpeg.tar.gz",
                        help="CIFAR-10 root or archive")
    parser.add_argument("--device", help="override the plan's device (e.g. --plan gpu --quick --device cpu: a CPU smoke "
                        "run of the GPU plan's code path before spending device time)")
    parser.add_argument("--spaces-out", type=Path, help="folder to keep the learned spaces in")
    parser.add_argument("--render", type=Path, help="print the tables of a --json result file (runs nothing)")
    parser.add_argument("--figure", type=Path, help="with --render: save the Fig. 3 analog (phase-1 loss per round) here")
    args = parser.parse_args(argv)
    if args.render is not None:
        results = json.loads(args.render.read_text())
        print(markdown(results))
        if args.figure is not None:
            convergence_figure(results).savefig(args.figure, dpi=120)
        return 0
    plan = PLANS["mnist" if args.data == "mnist" else args.plan]
    if args.quick:
        plan = plan.quick()
    if args.seeds:
        plan = replace(plan, seeds=tuple(args.seeds))
    if args.device:
        plan = replace(plan, device=args.device)
    results = run(plan, args.images, log=lambda msg: print(msg, file=sys.stderr), spaces_out=args.spaces_out)
    print(json.dumps(results, indent=1) if args.json else markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
