"""The tau curves of `nb201_supernet_fidelity.py --out` result files in one figure: Kendall tau of
the learned alpha and of the one-shot accuracy against test200 over the training steps, with the
same cells' ``params`` tau as a horizontal line, one panel per file.

    python benchmarks/plot_supernet_fidelity.py seed0.json seed1.json --out tau_curves.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from matplotlib.figure import Figure


def tau_figure(results: list[dict], titles: list[str]) -> Figure:
    """One panel per result: tau(alpha) and tau(one-shot) per checkpoint, tau(params) as a line."""
    fig = Figure(figsize=(4.2 * len(results), 3.2), layout="constrained")
    for ax, result, title in zip(fig.subplots(1, len(results), squeeze=False)[0], results, titles):
        steps = [c["step"] for c in result["curve"]]
        ax.plot(steps, [c["tau_alpha"] for c in result["curve"]], marker="o", label="alpha (fitness)")
        if all("tau_oneshot" in c for c in result["curve"]):
            ax.plot(steps, [c["tau_oneshot"] for c in result["curve"]], marker="s", label="one-shot accuracy")
        ax.axhline(result["tau_static"]["params"], ls="--", c="grey", label="params")
        ax.axhline(0.0, lw=0.5, c="black")
        ax.set(title=title, xlabel="weight + alpha step pairs", ylabel="Kendall tau vs test200", ylim=(-1, 1))
        ax.legend(fontsize=8)
    return fig


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", type=Path, help="--out files of nb201_supernet_fidelity.py")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    args = ap.parse_args(argv)
    results = [json.loads(path.read_text()) for path in args.results]
    titles = [f"N={r['settings']['cells']}, seed {r['settings']['seed']}" for r in results]
    tau_figure(results, titles).savefig(args.out, dpi=120)


if __name__ == "__main__":
    main()
