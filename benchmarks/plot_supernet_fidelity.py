"""The tau curves of `nb201_supernet_fidelity.py --out` result files in one figure, one panel per
sample of cells (``--cells``, ``--seed``): Kendall tau against test200 over the training steps of
the learned alpha of every run on that sample (labelled by the settings that differ from the
main job's), the one-shot accuracy of its first run, and the same cells' ``params`` tau as a
horizontal line.

    python benchmarks/plot_supernet_fidelity.py seed0.json seed1.json seed1_nocomp.json --out tau_curves.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from matplotlib.figure import Figure

# the main job's settings (the benchmark's defaults); a run is labelled by what differs
MAIN_JOB = {"steps": 40, "alpha_lr": 0.05, "alpha_optimizer": "adam", "gate_mode": "two", "weight_sampling": "uniform",
            "no_compensate": False, "alpha_warmup": 0, "momentum": 0.9, "weight_lr": 0.1}
FLAGS = {"no_compensate": "--no-compensate"}


def settings_label(settings: dict) -> str:
    """The run's settings that differ from the main job's, as flags ("defaults" if none)."""
    flags = [FLAGS.get(k) or f"--{k.replace('_', '-')} {settings[k]}" for k, v in MAIN_JOB.items()
             if k in settings and settings[k] != v]
    return " ".join(flags) or "defaults"


def tau_figure(results: list[dict]) -> Figure:
    """One panel per sample of cells: tau(alpha) of each run, tau(one-shot) of the first, tau(params)."""
    samples: dict[tuple[int, int], list[dict]] = {}
    for result in results:
        samples.setdefault((result["settings"]["cells"], result["settings"]["seed"]), []).append(result)
    fig = Figure(figsize=(5.0 * len(samples), 3.6), layout="constrained")
    for ax, ((cells, seed), runs) in zip(fig.subplots(1, len(samples), squeeze=False)[0], samples.items()):
        for result in runs:
            steps = [c["step"] for c in result["curve"]]
            ax.plot(steps, [c["tau_alpha"] for c in result["curve"]], marker="o", label=f"alpha, {settings_label(result['settings'])}")
        first = runs[0]["curve"]
        if all("tau_oneshot" in c for c in first):
            ax.plot([c["step"] for c in first], [c["tau_oneshot"] for c in first], marker="s", ls=":", c="black",
                    label=f"one-shot accuracy, {settings_label(runs[0]['settings'])}")
        ax.axhline(runs[0]["tau_static"]["params"], ls="--", c="grey", label="params")
        ax.axhline(0.0, lw=0.5, c="black")
        ax.set(title=f"N={cells} cells, seed {seed}", xlabel="weight + alpha step pairs",
               ylabel="Kendall tau vs test200", ylim=(-1, 1))
        ax.legend(fontsize=7)
    return fig


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", type=Path, help="--out files of nb201_supernet_fidelity.py")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    args = ap.parse_args(argv)
    results = [json.loads(path.read_text()) for path in args.results]
    tau_figure(results).savefig(args.out, dpi=120)


if __name__ == "__main__":
    main()
