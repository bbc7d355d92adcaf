"""The tau curves of `nb201_supernet_fidelity.py --out` result files in one figure, one panel per
sample of cells (``--cells``, ``--seed``): Kendall tau against test200 over the training steps of
the learned alpha of every run on that sample (labelled by the settings that differ from the
main job's), the one-shot accuracy of every run with weights of its own (dotted), and the same
cells' ``params`` tau as a horizontal line.

    python benchmarks/plot_supernet_fidelity.py seed0.json seed1.json seed1_nocomp.json --out tau_curves.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from matplotlib.figure import Figure
from nb201_supernet_fidelity import parse_args

# the training settings a run is labelled by where they differ from the benchmark's defaults (the main job's)
DEFAULTS = vars(parse_args([]))
MAIN_JOB = {k: DEFAULTS[k] for k in ("rounds", "steps", "alpha_lr", "alpha_optimizer", "gate_mode", "weight_sampling",
                                     "no_compensate", "alpha_warmup", "momentum", "weight_lr")}
FLAGS = {"no_compensate": "--no-compensate"}


def settings_label(settings: dict) -> str:
    """The run's settings that differ from the main job's, as flags ("defaults" if none)."""
    flags = [FLAGS.get(k) or f"--{k.replace('_', '-')} {settings[k]}" for k, v in MAIN_JOB.items()
             if k in settings and settings[k] != v]
    return " ".join(flags) or "defaults"


def tau_figure(results: list[dict]) -> Figure:
    """One panel per sample of cells: tau(alpha) and tau(one-shot) of each run, tau(params)."""
    samples: dict[tuple[int, int], list[dict]] = {}
    for result in results:
        samples.setdefault((result["settings"]["cells"], result["settings"]["seed"]), []).append(result)
    entries = max(2 * len(runs) + 1 for runs in samples.values())  # legend rows below each panel, at most
    fig = Figure(figsize=(5.5 * len(samples), 3.4 + 0.09 * entries), layout="constrained")
    for ax, ((cells, seed), runs) in zip(fig.subplots(1, len(samples), squeeze=False)[0], samples.items()):
        drawn: list[list[tuple[int, float]]] = []
        for result in runs:
            steps = [c["step"] for c in result["curve"]]
            (line,) = ax.plot(steps, [c["tau_alpha"] for c in result["curve"]], marker="o",
                              label=f"alpha, {settings_label(result['settings'])}")
            oneshot = [(c["step"], c["tau_oneshot"]) for c in result["curve"] if "tau_oneshot" in c]
            if oneshot and oneshot not in drawn:  # runs with the same weights share one curve
                drawn.append(oneshot)
                ax.plot(*zip(*oneshot), marker="s", ls=":", c=line.get_color(),
                        label=f"one-shot accuracy, {settings_label(result['settings'])}")
        ax.axhline(runs[0]["tau_static"]["params"], ls="--", c="grey", label="params")
        ax.axhline(0.0, lw=0.5, c="black")
        ax.set(title=f"N={cells} cells, seed {seed}", xlabel="weight + alpha step pairs",
               ylabel="Kendall tau vs test200", ylim=(-1, 1))
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
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
