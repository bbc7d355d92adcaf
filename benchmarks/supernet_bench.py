"""Supernet cost: binary-gated vs standalone vs naive all-paths training, on the ``cifar`` skeleton.

For N in {2, 4, 9} random non-zero cells per layer, each within the MAdds of a MobileNetV2 block
(e6, k3) at its layer (batch 64, random 32x32 inputs), measures the time per
training step and the peak memory of
  * gated: the AutoSpace supernet (binary gates, two-path alpha estimate): ``--steps`` weight
    steps and as many alpha steps, alternating; the time is the mean over all of them;
  * standalone: the network of the paths that the gated run sampled, step by step (for an alpha
    step its active paths), trained by plain SGD: the same sequence of sampled networks, so the
    ratio measures the gating's own cost and not which cells happened to be drawn;
  * naive: every path of every layer runs each step, mixed by softmax(alpha) (DARTS-style);
and reports gated / standalone (also split into weight and alpha steps) and naive / standalone
ratios, plus the ratio of scored cells per second to sequential evaluation (one standalone
training of the same length per cell): ``N * layers * t_standalone / t_gated``.

Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` over the measured steps minus the memory
held before them; on CPU the growth of the process's peak RSS (``resource.getrusage``,
``ru_maxrss``) from before the two warm-up steps, each configuration in a fresh subprocess
(tracemalloc does not see torch's allocator). Before the baseline is taken, the weights of every
path and their SGD momentum buffers exist (any supernet holds them); what is measured is what a
training step adds: activations and gradients. Times exclude the warm-up: two steps, and on CUDA
first one forward/backward and one no-grad forward through every path (a real run trains for
thousands of steps, so the first use of each path's kernels is not part of its steady state).

    python benchmarks/supernet_bench.py [--json] [--device cpu|cuda] [--steps 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from autospace.genome import Genome, get_space
from autospace.nn import assemble, build_cell, cell_cost, get_skeleton
from autospace.supernet.gates import UniformPaths
from autospace.supernet.mixed_layer import MixedPathLayer
from autospace.supernet.trainer import AlphaStepper, SupernetConfig, WeightStepper
from autospace.train.device import autocast

SIZES = (2, 4, 9)
BATCH = 64


class NaiveMixed(nn.Module):
    """All paths, weighted by ``softmax(alpha)``: the contrast to binary gates."""

    def __init__(self, paths: list[nn.Module]) -> None:
        super().__init__()
        self.paths = nn.ModuleList(paths)
        self.alpha = nn.Parameter(torch.zeros(len(paths)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.softmax(self.alpha, 0)
        return sum(w[k] * p(x) for k, p in enumerate(self.paths))


def _cells(n: int, seed: int = 0) -> list[list]:
    """N random cells per layer, each within the MAdds of the MobileNetV2 block (e6, k3) there."""
    space, sk = get_space("autospace"), get_skeleton("cifar")
    ref = Genome(space, {(1, 4): "dwconv3x3"}, 6)
    rng = np.random.default_rng(seed)
    rows = []
    for s in sk.layers:
        cap = cell_cost(ref, s.c_in, s.c_out, s.hw, s.stride)[0]
        row: list[Genome] = []
        while len(row) < n:
            g = space.sample(rng)
            if not g.is_zero and cell_cost(g, s.c_in, s.c_out, s.hw, s.stride)[0] <= cap:
                row.append(g)
        rows.append(row)
    return rows


def gated_steppers(
    net: nn.Module, layers: list[MixedPathLayer], n: int, device: torch.device
) -> tuple[WeightStepper, AlphaStepper, UniformPaths]:
    """The supernet's weight and alpha steppers (constant weight lr 0.05) and its uniform paths."""
    config, gen = SupernetConfig(lr_schedule="constant"), torch.Generator().manual_seed(0)
    alphas = [torch.zeros(n, requires_grad=True) for _ in layers]
    weights = WeightStepper(net, layers, config, device, horizon=1)
    return weights, AlphaStepper(net, layers, alphas, config, device, gen), UniformPaths([n] * len(layers), gen)


def _peak(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux -> MiB


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def worker(mode: str, n: int, device: torch.device, steps: int, replay: list[list[int]] | None = None) -> dict[str, object]:
    """Times per step (s), peak memory growth (MiB) and, for ``gated``, the active path of every
    layer at every measured step (what ``standalone`` replays)."""
    torch.manual_seed(0)
    sk, cells = get_skeleton("cifar"), _cells(n)
    x = torch.randn(BATCH, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (BATCH,), device=device)
    layers = [MixedPathLayer([build_cell(g, s.c_in, s.c_out, s.stride) for g in row]) for s, row in zip(sk.layers, cells)]
    if mode == "naive":
        layers = [NaiveMixed(list(layer.paths)) for layer in layers]
    net = assemble(sk, layers, 10).to(device)
    if mode == "gated":
        weights, arch, policy = gated_steppers(net, layers, n, device)
        opt = weights.optimizer

        def step(i: int) -> None:
            if i % 2 == 0:
                weights.step((x, y), policy())
            else:
                arch.step((x, y))

        count = 2 * steps
    else:
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        count = len(replay) if replay is not None else steps

        def step(i: int) -> None:
            with autocast(device):
                loss = nn.functional.cross_entropy(net(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    for p in net.parameters():
        opt.state[p]["momentum_buffer"] = torch.zeros_like(p)

    def choose(i: int) -> None:  # the standalone network of step i's paths (outside the timing)
        if replay is not None:
            for layer, k in zip(layers, replay[i]):
                layer.use_path(k)

    base = _peak(device)
    if device.type == "cuda":  # every path once: first-use costs (lazy kernel loading, cuDNN
        _warm_every_path(net, layers, x, y)  # heuristics) are paid once per path in a real run
    for i in range(2):  # warm-up: a weight and an alpha step (lazy state, optimiser buffers)
        choose(i % count)
        step(i)
    _sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device) / 2**20
    times, paths = [], []
    for i in range(count):
        choose(i)
        _sync(device)
        start = time.perf_counter()
        step(i)
        _sync(device)
        times.append(time.perf_counter() - start)
        if mode == "gated":
            paths.append([layer.active for layer in layers])
    return {"times": times, "mem": max(_peak(device) - base, 1e-3), "paths": paths}


def _warm_every_path(net: nn.Module, layers: list[nn.Module], x: torch.Tensor, y: torch.Tensor) -> None:
    """Forward and backward through path k of every layer, for every k (gradients discarded)."""
    mixed = [layer for layer in layers if isinstance(layer, MixedPathLayer)]
    for k in range(max((len(layer.paths) for layer in mixed), default=0)):
        for layer in mixed:
            layer.use_path(k % len(layer.paths))
        with autocast(x.device):
            nn.functional.cross_entropy(net(x), y).backward()
        with torch.no_grad(), autocast(x.device):
            net(x)
    net.zero_grad(set_to_none=True)


def _run(mode: str, n: int, device: str, steps: int, threads: int, replay: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, "--n", str(n), "--device", device,
           "--steps", str(steps), "--threads", str(threads)] + (["--replay", replay] if replay else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(device: str, steps: int, threads: int) -> dict[str, object]:
    result: dict[str, object] = {"device": _device_name(device), "batch": BATCH, "skeleton": "cifar", "steps": steps}
    layers = get_skeleton("cifar").num_layers
    for n in SIZES:
        gated = _run("gated", n, device, steps, threads)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(gated["paths"], f)
        try:
            base = _run("standalone", n, device, steps, threads, replay=f.name)
        finally:
            os.unlink(f.name)
        naive = _run("naive", n, device, steps, threads)
        t_base, t_gated = statistics.mean(base["times"]), statistics.mean(gated["times"])
        result[str(n)] = {
            "gated_time_ratio": round(t_gated / t_base, 3),
            "gated_mem_ratio": round(gated["mem"] / base["mem"], 3),
            "naive_time_ratio": round(statistics.mean(naive["times"]) / t_base, 3),
            "naive_mem_ratio": round(naive["mem"] / base["mem"], 3),
            "weight_step_time_ratio": round(sum(gated["times"][0::2]) / sum(base["times"][0::2]), 3),
            "alpha_step_time_ratio": round(sum(gated["times"][1::2]) / sum(base["times"][1::2]), 3),
            "cells_per_s_ratio": round(n * layers * t_base / t_gated, 2),
            "standalone_step_s": round(t_base, 4),
            "standalone_mem_mib": round(base["mem"], 1),
        }
    return result


def _device_name(device: str) -> str:
    if device.startswith("cuda"):
        return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"
    return f"cpu ({torch.get_num_threads()} thread{'s' if torch.get_num_threads() > 1 else ''})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker", choices=("standalone", "gated", "naive"))
    parser.add_argument("--n", type=int)
    parser.add_argument("--replay", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.worker:
        replay = json.loads(Path(args.replay).read_text()) if args.replay else None
        print(json.dumps(worker(args.worker, args.n, torch.device(args.device), args.steps, replay)))
        return 0
    result = measure(args.device, args.steps, args.threads)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"supernet_bench on {result['device']} (cifar skeleton, batch {BATCH}, ratios to standalone)")
    print(f"{'N':>3} {'gated t':>8} {'(weight':>8} {'alpha)':>7} {'gated mem':>10} {'naive t':>8} {'naive mem':>10} "
          f"{'cells/s vs seq':>15} {'standalone s':>13}")
    for n in SIZES:
        r = result[str(n)]
        print(f"{n:>3} {r['gated_time_ratio']:>8} {r['weight_step_time_ratio']:>8} {r['alpha_step_time_ratio']:>7} "
              f"{r['gated_mem_ratio']:>10} {r['naive_time_ratio']:>8} {r['naive_mem_ratio']:>10} "
              f"{r['cells_per_s_ratio']:>15} {r['standalone_step_s']:>13}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
