"""Where a supernet step's time goes: standalone vs gated weight vs gated alpha step, profiled.

Builds the ``cifar``-skeleton supernet of `supernet_bench` (N paths per layer, batch 64), runs
``--steps`` gated weight/alpha step pairs and, for the same sampled paths, standalone SGD steps,
and prints per step kind: wall time, device-kernel time (CUDA) and the counts of kernel launches,
memory copies and synchronisations from ``torch.profiler``, then the top operators.

    python benchmarks/supernet_profile.py [--device cuda] [--n 4] [--steps 5] [--top 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from supernet_bench import BATCH, _cells, _sync, _warm_every_path, gated_steppers
from torch import nn
from torch.profiler import ProfilerActivity, profile

from autospace.nn import assemble, build_cell, get_skeleton
from autospace.supernet.mixed_layer import MixedPathLayer
from autospace.train.device import autocast

RUNTIME_CALLS = ("cudaLaunchKernel", "cudaMemcpyAsync", "cudaStreamSynchronize", "cudaDeviceSynchronize")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    sk, cells = get_skeleton("cifar"), _cells(args.n)
    x = torch.randn(BATCH, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (BATCH,), device=device)
    layers = [MixedPathLayer([build_cell(g, s.c_in, s.c_out, s.stride) for g in row]) for s, row in zip(sk.layers, cells)]
    net = assemble(sk, layers, 10).to(device)
    weights, arch, paths = gated_steppers(net, layers, args.n, device)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

    def standalone() -> None:
        with autocast(device):
            loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    steps = {
        "weight": lambda: weights.step((x, y), paths()),
        "alpha": lambda: arch.step((x, y)),
        "standalone": standalone,
    }
    _warm_every_path(net, layers, x, y)
    for fn in steps.values():  # warm-up
        fn()
    walls: dict[str, list[float]] = {k: [] for k in steps}
    profiles = {}
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    replay: list[list[int]] = []
    for kind in ("weight", "alpha", "standalone"):
        with profile(activities=activities) as prof:
            for i in range(args.steps):
                if kind == "standalone":  # the network of the paths the alpha steps made active
                    for layer, k in zip(layers, replay[i]):
                        layer.use_path(k)
                _sync(device)
                start = time.perf_counter()
                steps[kind]()
                _sync(device)
                walls[kind].append(time.perf_counter() - start)
                if kind == "alpha":
                    replay.append([layer.active for layer in layers])
        profiles[kind] = prof
    print(f"device {device}, N={args.n}, {args.steps} steps each (standalone: the alpha steps' active paths)")
    for kind, times in walls.items():
        print(f"{kind:>10}: {statistics.median(times) * 1e3:8.2f} ms median wall")
    for kind, prof in profiles.items():
        events = prof.key_averages()
        counts = {name: sum(e.count for e in events if e.key == name) for name in RUNTIME_CALLS}
        device_ms = sum(e.self_device_time_total for e in events) / 1e3 / args.steps if device.type == "cuda" else 0.0
        print(f"\n[{kind}]",
              f"device-kernel time {device_ms:.2f} ms/step;",
              ", ".join(f"{k} {v / args.steps:.0f}/step" for k, v in counts.items()))
        sort = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
        print(events.table(sort_by=sort, row_limit=args.top, max_name_column_width=50))
        print(events.table(sort_by="self_cpu_time_total", row_limit=args.top, max_name_column_width=50))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
