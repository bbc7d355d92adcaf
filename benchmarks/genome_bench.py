"""Genome toolkit throughput, measured in one run.

1. Canonicalisation of every genome of the NB201 and autospace spaces (fresh `Genome` objects,
   so no cached key is reused).
2. Pairwise Hamming distance of 2,000 x 2,000 autospace genomes: vectorised
   (`pairwise_hamming` on `space.encode`) vs a per-pair Python loop over `hamming` (the loop is
   timed on the first ``--loop-rows`` rows and scaled to 2,000).
3. Analytic cost of 10,000 autospace genomes, one by one (`cell_cost`) and vectorised
   (`cell_costs`, from the `Genome` objects, encoding included), vs build + FlopCounterMode
   (`build_cell` + `measure_cost`) of 100, per genome, in two searchable layers: the smallest
   layer of the ``tiny`` skeleton and a ProxylessNAS layer.

Timed work runs ``--repeats`` times and the best pass is kept (shared machines are noisy); the
analytic cost's first pass starts with its live-edge memo cleared and is reported too.

Usage: ``python benchmarks/genome_bench.py [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from autospace.genome import get_space, hamming, pairwise_hamming
from autospace.genome.liveness import live_pattern  # to time the analytic cost cold
from autospace.nn import build_cell, cell_cost, cell_costs, get_skeleton, measure_cost

TARGETS = {"autospace_canonical_s": 30.0, "hamming_speedup": 50.0, "cost_speedup": 1000.0}


def bench_canonical(space_name: str) -> dict[str, Any]:
    space = get_space(space_name)
    genomes = list(space.enumerate())  # fresh objects: no key computed yet
    start = time.perf_counter()
    keys = {g.key for g in genomes}
    seconds = time.perf_counter() - start
    return {
        "space": space_name,
        "genomes": len(genomes),
        "distinct_keys": len(keys),
        "seconds": seconds,
        "genomes_per_s": len(genomes) / seconds,
    }


def _timed(repeats: int, fn: Callable[[], Any]) -> tuple[list[float], Any]:
    """Seconds of each of ``repeats`` calls of ``fn``, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def bench_hamming(n: int, loop_rows: int, seed: int, repeats: int) -> dict[str, Any]:
    space = get_space("autospace")
    rng = np.random.default_rng(seed)
    a = [space.sample(rng) for _ in range(n)]
    b = [space.sample(rng) for _ in range(n)]
    (encode_s,), (enc_a, enc_b) = _timed(1, lambda: (space.encode(a), space.encode(b)))
    vector_times, matrix = _timed(repeats, lambda: pairwise_hamming(enc_a, enc_b))
    (loop_subset_s,), loop = _timed(1, lambda: [[hamming(x, y) for y in b] for x in a[:loop_rows]])
    if not np.array_equal(np.asarray(loop), matrix[:loop_rows]):
        raise AssertionError("vectorised and looped Hamming distances differ")
    vector_s, loop_s = min(vector_times), loop_subset_s * n / loop_rows
    return {
        "pairs": n * n,
        "encode_s": encode_s,
        "vectorised_s_best": vector_s,
        "loop_rows_timed": loop_rows,
        "loop_s_scaled": loop_s,
        "speedup": loop_s / vector_s,
        "speedup_with_encode": loop_s / (vector_s + encode_s),
    }


def bench_cost(
    skeleton_name: str, layer_index: int, analytic_n: int, built_n: int, seed: int, repeats: int
) -> dict[str, Any]:
    space = get_space("autospace")
    layer = get_skeleton(skeleton_name).layers[layer_index]
    rng = np.random.default_rng(seed)
    genomes = [space.sample(rng) for _ in range(analytic_n)]
    live_pattern.cache_clear()  # the first pass starts cold
    analytic_times, analytic = _timed(
        repeats, lambda: [cell_cost(g, layer.c_in, layer.c_out, layer.hw, layer.stride) for g in genomes]
    )
    vector_times, vector = _timed(
        repeats, lambda: cell_costs(space, genomes, layer.c_in, layer.c_out, layer.hw, layer.stride)
    )
    if not np.array_equal(vector, np.array(analytic)):
        raise AssertionError("cell_costs and cell_cost differ")
    torch.manual_seed(seed)
    shape = (layer.c_in, layer.hw, layer.hw)
    built_times, built = _timed(
        repeats,
        lambda: [measure_cost(build_cell(g, layer.c_in, layer.c_out, layer.stride), shape) for g in genomes[:built_n]],
    )
    if built != analytic[:built_n]:
        raise AssertionError("analytic and measured costs differ")
    per_analytic, per_built = min(analytic_times) / analytic_n, min(built_times) / built_n
    per_vector = min(vector_times) / analytic_n
    return {
        "layer": f"{skeleton_name}[{layer_index}] "
        f"c_in={layer.c_in} c_out={layer.c_out} hw={layer.hw} stride={layer.stride}",
        "analytic_genomes": analytic_n,
        "analytic_us_per_genome": per_analytic * 1e6,
        "analytic_first_pass_us_per_genome": analytic_times[0] / analytic_n * 1e6,
        "vectorised_us_per_genome": per_vector * 1e6,
        "built_genomes": built_n,
        "built_ms_per_genome": per_built * 1e3,
        "speedup": per_built / per_analytic,
        "vectorised_speedup": per_built / per_vector,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(args.torch_threads)
    canonical = [bench_canonical("nb201"), bench_canonical("autospace")]
    ham = bench_hamming(args.hamming_n, args.loop_rows, args.seed, args.repeats)
    cost = [
        bench_cost("tiny", 2, 10_000, 100, args.seed, args.repeats),
        bench_cost("proxyless", 13, 10_000, 100, args.seed, args.repeats),
    ]
    return {
        "machine": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "repeats": args.repeats,
        },
        "canonicalisation": canonical,
        "hamming": ham,
        "cost": cost,
        "targets": TARGETS,
        "targets_met": {
            "autospace_canonical_s": canonical[1]["seconds"] < TARGETS["autospace_canonical_s"],
            "hamming_speedup": ham["speedup"] >= TARGETS["hamming_speedup"],
            **{f"cost_speedup {c['layer'].split()[0]}": c["speedup"] >= TARGETS["cost_speedup"] for c in cost},
            **{
                f"cost_speedup_vectorised {c['layer'].split()[0]}": c["vectorised_speedup"] >= TARGETS["cost_speedup"]
                for c in cost
            },
        },
    }


def print_text(result: dict[str, Any]) -> None:
    m = result["machine"]
    print(f"python {m['python']}, torch {m['torch']}, {m['cpus']} CPUs, torch threads {m['torch_threads']}")
    for c in result["canonicalisation"]:
        print(
            f"canonical keys  {c['space']:>9}: {c['genomes']:>6} genomes -> {c['distinct_keys']} keys in "
            f"{c['seconds']:.2f} s ({c['genomes_per_s']:,.0f} genomes/s)"
        )
    h = result["hamming"]
    print(
        f"hamming 2000x2000: vectorised {h['vectorised_s_best'] * 1e3:.1f} ms (+ encode {h['encode_s'] * 1e3:.1f} ms), "
        f"loop {h['loop_s_scaled']:.2f} s (timed on {h['loop_rows_timed']} rows, scaled): "
        f"{h['speedup']:.0f}x ({h['speedup_with_encode']:.0f}x counting encode)"
    )
    for c in result["cost"]:
        print(
            f"cost {c['layer']}: analytic {c['analytic_us_per_genome']:.1f} us/genome "
            f"(cold first pass {c['analytic_first_pass_us_per_genome']:.1f}; {c['analytic_genomes']} genomes), "
            f"build+FlopCounterMode {c['built_ms_per_genome']:.2f} ms/genome ({c['built_genomes']}): "
            f"{c['speedup']:,.0f}x; "
            f"vectorised cell_costs {c['vectorised_us_per_genome']:.2f} us/genome: {c['vectorised_speedup']:,.0f}x"
        )
    print("targets met:", ", ".join(f"{k}={v}" for k, v in result["targets_met"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--hamming-n", type=int, default=2000)
    parser.add_argument("--loop-rows", type=int, default=250, help="rows of the Python loop actually timed")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the best is kept")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result))
    else:
        print_text(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
