"""Tables of the end-to-end runs (issue 23, T3/T4) from one or more ``result.json`` files of
``nb201_fitness_end_to_end.py`` (seeds may have been run into separate ``--out-dir``s in parallel).

Per method (the supernet with and without the reference, and every baseline), over the seeds that have it:

* ``top-1``: ``test200`` of the learned space's first cell (the one its fitness ranks highest: what a user
  would take), mean with its 95 % bootstrap interval over seeds;
* ``best of top-5`` and ``mean of top-5``: the best and the mean ``test200`` of the learned space's 5 cells;
* ``tau``: Kendall tau between the final fitness and ``test200`` over every distinct cell the run scored;
* ``cells`` and ``CPU-s`` (process time of the run; 0 for a table or a parameter count).

T4 per seed: the rounds until the population's fittest cell first reaches the ``test200`` that the run
without the reference ends with, with and without the reference. Rounds cost the same in both runs (the
same steps per round), so their ratio is the CPU-time ratio; CPU-seconds are rounds x the run's CPU-s per
round.

    python benchmarks/nb201_fitness_end_to_end_report.py RUN_DIR [RUN_DIR ...] [--markdown F.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from autospace.evaluators.ranking import bootstrap_mean_ci

ORDER = ("supernet", "supernet_noref", "low_fidelity@time", "prior", "params", "synflow", "random", "val12",
         "prior@1000", "params@1000", "synflow@1000", "random@1000", "val12@1000")


def merge(paths: list[Path]) -> dict[str, dict[str, dict[str, Any]]]:
    """Every method's runs by seed, from the ``result.json`` of each directory (a seed in two files is an error)."""
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for path in paths:
        data = json.loads((path / "result.json").read_text())
        for name, by_seed in data.get("runs", {}).items():
            for seed, row in by_seed.items():
                if seed in runs.setdefault(name, {}):
                    raise SystemExit(f"{path}: seed {seed} of {name} is also in another directory")
                runs[name][seed] = row
    return runs


def interval(values: list[float], fmt: str = "{:.2f}") -> str:
    mean, low, high = bootstrap_mean_ci(values)
    return f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"


def method_table(runs: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = ["| method | seeds | top-1 test200 | best of top-5 | mean of top-5 | τ (fitness, test200) | cells | CPU-s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name in [n for n in ORDER if n in runs] + sorted(set(runs) - set(ORDER)):
        rows = [runs[name][seed] for seed in sorted(runs[name], key=int)]
        seeds = ",".join(sorted(runs[name], key=int))
        cpu = [r.get("cpu_s", 0.0) for r in rows]
        lines.append(f"| `{name}` | {seeds} | {interval([r['first_test200'] for r in rows])} "
                     f"| {interval([r['best_test200'] for r in rows])} | {interval([r['mean_test200'] for r in rows])} "
                     f"| {interval([r['tau_scored'] for r in rows], '{:+.3f}')} "
                     f"| {np.mean([r['distinct'] for r in rows]):.0f} | {np.mean(cpu):.0f} |")
    return "\n".join(lines) + "\n"


def rounds_to_reach(curve: list[list[float]], target: float) -> int | None:
    """The first round (1-based) whose fittest cell has ``test200`` >= ``target`` (None: never)."""
    return next((i + 1 for i, (_, test) in enumerate(curve) if test >= target), None)


def speedup_table(runs: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = ["| seed | no-reference final test200 | rounds with reference | rounds without | ratio "
             "| CPU-s with | CPU-s without |", "| --- | --- | --- | --- | --- | --- | --- |"]
    ratios = []
    for seed in sorted(runs.get("supernet_noref", {}), key=int):
        ref, noref = runs.get("supernet", {}).get(seed), runs["supernet_noref"][seed]
        if ref is None:
            continue
        target = noref["curve"][-1][1]
        with_ref, without = rounds_to_reach(ref["curve"], target), rounds_to_reach(noref["curve"], target)
        ratio = without / with_ref if with_ref and without else None
        if ratio is not None:
            ratios.append(ratio)
        per_round = (ref["cpu_s"] / len(ref["curve"]), noref["cpu_s"] / len(noref["curve"]))
        cells = [f"{with_ref * per_round[0]:.0f}" if with_ref else "never", f"{without * per_round[1]:.0f}"]
        lines.append(f"| {seed} | {target:.2f} | {with_ref or 'never'} | {without} | "
                     f"{'-' if ratio is None else f'{ratio:.2f}'} | {cells[0]} | {cells[1]} |")
    if ratios:
        lines.append(f"\nratio without / with over the {len(ratios)} seeds where both reach it: "
                     f"{interval(ratios)} (geometric mean {float(np.exp(np.mean(np.log(ratios)))):.2f})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+", help="--out-dir folders of nb201_fitness_end_to_end.py")
    ap.add_argument("--markdown", type=Path, help="also write both tables here")
    args = ap.parse_args(argv)
    runs = merge(args.runs)
    text = "T3: the learned spaces, scored by test200\n\n" + method_table(runs)
    text += "\nT4: the reference (Eq. 2), with against without\n\n" + speedup_table(runs)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
