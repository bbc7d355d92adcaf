"""Zero-cost proxies on real CIFAR-10 against NAS-Bench-201's trained accuracies.

For a seeded random sample of NAS-Bench-201 cells, every proxy of `autospace.evaluators.proxies`
(each on its published batch of the NB201 training half, `split="nb201"`, the network built
under NAS-Bench-201's rule, every edge, and initialised from ``--seed``), the cell's ``params``
and ``flops`` (NAS-Bench-201's convention: our MAdds + 10 classifier bias additions) and the
table's ``val12`` (12 epochs of training, the "cheap training" reference), ranked against
``test200`` by Spearman rho and Kendall tau, printed beside the published values.

    python benchmarks/nb201_fidelity.py --data ../shared/data/nb201/cifar10.csv \\
        --images ../shared/data/cifar10/cifar10-jpeg.tar.gz [--archs 1000 | --arch-file F | --all] \\
        [--seed 0] [--proxies a,b] [--device cpu] [--threads N] [--max-seconds S] \\
        [--scores-out scores.csv] [--json]

Cost: seconds per cell of each proxy (its own forward / backward passes on a freshly built
network; the build is not counted), and on every ``--step-every``-th cell one SGD training step
(forward, backward, update; lr 0.1, momentum 0.9, weight decay 5e-4) of the same network at the
proxy's batch size; ``step_ratio`` = the proxy's time / the step's time over those cells.
``--max-seconds`` stops sampling new cells after that much wall time (the report says N).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from autospace.data import get_dataset
from autospace.evaluators.proxies import STANDARD_PROXIES, get_proxy
from autospace.evaluators.zero_cost import proxy_batches
from autospace.genome import Genome
from autospace.nn import build_network, get_skeleton, network_cost
from autospace.train.device import resolve_device, seeded, torch_threads

PUBLISHED: dict[str, tuple[float | None, float | None]] = {
    "grad_norm": (0.594, None), "snip": (0.596, None), "grasp": (0.514, None), "fisher": (0.360, None),
    "synflow": (0.737, None), "jacob_cov": (0.731, None), "naswot": (None, 0.574), "params": (0.752, 0.578),
    "flops": (None, None), "val12": (None, None),
}
"""Published |rho| / tau on CIFAR-10: Abdelfattah et al. 2021 Table 1 (all 15,625 cells) for the
six proxies and params; NASWOT tau from Mellor et al. 2021 (~1,000 sampled cells)."""


def read_table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def choose_rows(rows: list[dict[str, str]], args: argparse.Namespace) -> list[dict[str, str]]:
    if args.arch_file:
        by_arch = {r["arch"]: r for r in rows}
        archs = [line.strip() for line in Path(args.arch_file).read_text().splitlines() if line.strip()]
        missing = [a for a in archs if a not in by_arch]
        if missing:
            sys.exit(f"{args.arch_file}: {len(missing)} arch strings not in the table, e.g. {missing[0]!r}")
        return [by_arch[a] for a in archs]
    if args.all:
        return rows
    pick = np.random.default_rng(args.seed).choice(len(rows), size=min(args.archs, len(rows)), replace=False)
    return [rows[i] for i in pick]


def timed(device: torch.device, fn: Callable[[], float]) -> tuple[float, float]:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    value = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return value, time.perf_counter() - start


def sgd_step(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def measure(rows: list[dict[str, str]], names: list[str], args: argparse.Namespace,
            device: torch.device) -> tuple[dict[str, list[float]], dict[str, float], dict[str, float]]:
    """Per-cell columns (test200, val12, params, flops, each proxy), total proxy seconds, and
    proxy / step seconds summed over the step cells (keys ``name`` and ``step:name``)."""
    skeleton = get_skeleton("nb201")
    data = get_dataset("cifar10", args.images, split="nb201", seed=args.seed)
    batch = {}
    for name in names:
        conv = get_proxy(name)
        x, y = proxy_batches(data.train, conv.batch_size, conv.augment, 1, args.seed)[0]
        batch[name] = (x.to(device), y.to(device))
    cols: dict[str, list[float]] = {k: [] for k in ("test200", "val12", "params", "flops", *names)}
    seconds = dict.fromkeys(names, 0.0)
    step_sums: dict[str, float] = {}
    start = time.perf_counter()

    def network(genome: Genome) -> torch.nn.Module:
        with seeded(args.seed):
            return build_network(skeleton, genome, 10, build_rule="all").to(device).train()

    for i, row in enumerate(rows):
        if args.max_seconds and time.perf_counter() - start > args.max_seconds:
            break
        genome = Genome.from_nb201(row["arch"])
        madds, params = network_cost(skeleton, genome, 10, build_rule="all")
        for key, value in (("test200", row["test200"]), ("val12", row["val12"]), ("params", params),
                           ("flops", madds + 10)):
            cols[key].append(float(value))
        step_seconds: dict[int, float] = {}
        for name in names:
            net, (x, y) = network(genome), batch[name]
            score, dt = timed(device, lambda: get_proxy(name).score(net, x, y))  # noqa: B023
            cols[name].append(score)
            seconds[name] += dt
            if i % args.step_every == 0:
                if len(x) not in step_seconds:
                    net = network(genome)
                    step_seconds[len(x)] = timed(device, lambda: sgd_step(net, x, y))[1]  # noqa: B023
                step_sums[name] = step_sums.get(name, 0.0) + dt
                step_sums[f"step:{name}"] = step_sums.get(f"step:{name}", 0.0) + step_seconds[len(x)]
        if (i + 1) % 25 == 0:
            elapsed = time.perf_counter() - start
            print(f"[{i + 1}/{len(rows)}] {elapsed:.0f}s, {elapsed / (i + 1):.2f}s/cell", file=sys.stderr, flush=True)
    return cols, seconds, step_sums


def report(cols: dict[str, list[float]], names: list[str], seconds: dict[str, float],
           step_sums: dict[str, float]) -> dict[str, object]:
    n = len(cols["test200"])
    truth = np.array(cols["test200"])
    out: dict[str, dict[str, float | None]] = {}
    for name in [*names, "params", "flops", "val12"]:
        values = np.array(cols[name])
        rho = float(stats.spearmanr(values, truth).statistic)
        tau = float(stats.kendalltau(values, truth).statistic)
        entry: dict[str, float | None] = {"spearman": rho, "kendall": tau,
                                          "seconds_per_cell": seconds[name] / n if name in seconds else None}
        if f"step:{name}" in step_sums:
            entry["step_ratio"] = step_sums[name] / step_sums[f"step:{name}"]
        out[name] = entry
    return {"n": n, "proxies": out}


def print_table(result: dict, file=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    def fmt(v: float | None) -> str:
        return "    -" if v is None else f"{v:6.3f}"

    print(f"NAS-Bench-201 CIFAR-10, N = {result['n']} cells; rank correlation with test200", file=file)
    print(f"{'signal':10} {'rho':>6} {'|rho| pub':>9} {'tau':>6} {'tau pub':>7}  {'s/cell':>7} {'x step':>6}", file=file)
    for name, e in result["proxies"].items():
        pub_rho, pub_tau = PUBLISHED[name]
        secs = "      -" if e["seconds_per_cell"] is None else f"{e['seconds_per_cell']:7.3f}"
        ratio = f"{e['step_ratio']:6.2f}" if "step_ratio" in e else "     -"
        print(f"{name:10} {fmt(e['spearman'])} {fmt(pub_rho):>9} {fmt(e['kendall'])} {fmt(pub_tau):>7}  {secs} {ratio}",
              file=file)


def write_scores(path: Path, cols: dict[str, list[float]], rows: list[dict[str, str]], names: list[str]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["arch", "test200", "params", "flops", *names])
        for i in range(len(cols["test200"])):
            writer.writerow([rows[i]["arch"], cols["test200"][i], int(cols["params"][i]), int(cols["flops"][i]),
                             *(repr(cols[name][i]) for name in names)])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nb201/cifar10.csv"), help="NB201 table")
    ap.add_argument("--images", default="../shared/data/cifar10/cifar10-jpeg.tar.gz", help="CIFAR-10 root/archive")
    pick = ap.add_mutually_exclusive_group()
    pick.add_argument("--archs", type=int, default=1000, help="random sample size")
    pick.add_argument("--arch-file", help="one NB201 arch string per line")
    pick.add_argument("--all", action="store_true", help="all 15,625 cells")
    ap.add_argument("--seed", type=int, default=0, help="sample, batches and network init")
    ap.add_argument("--proxies", default=",".join(STANDARD_PROXIES), help="comma-separated subset")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--step-every", type=int, default=10, help="time an SGD step on every k-th cell")
    ap.add_argument("--max-seconds", type=float, default=0.0, help="stop sampling new cells after this")
    ap.add_argument("--scores-out", type=Path, help="CSV of every cell's scores")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    names = [p for p in args.proxies.split(",") if p]
    unknown = [p for p in names if p not in STANDARD_PROXIES]
    if unknown:
        ap.error(f"--proxies: unknown {unknown}; choose from {list(STANDARD_PROXIES)}")
    if args.step_every < 1:
        ap.error("--step-every must be >= 1")
    rows = choose_rows(read_table(args.data), args)
    device = resolve_device(args.device)
    with torch_threads(args.threads):
        cols, seconds, step_sums = measure(rows, names, args, device)
    result = report(cols, names, seconds, step_sums)
    if args.scores_out:
        write_scores(args.scores_out, cols, rows, names)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
