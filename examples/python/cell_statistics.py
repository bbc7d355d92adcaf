"""Cell statistics of a learned space, as figures: the op frequency per layer, the Hamming spread of
each layer's learned cells against random cells, the mined motifs (the paper's Fig. 4) and their
enrichment over random cells.

    python examples/python/cell_statistics.py --space runs/digits/learned_space.json --out stats/

Without ``--space`` it first runs a tiny version of the digits main job (the supernet fitness on
the embedded digits set, a few seconds on one core) and uses its learned space.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import autospace
from autospace import viz
from autospace.genome import MotifTable, pairwise_hamming


def tiny_learned_space(out: Path) -> Path:
    """A small learned space: the digits main job's loop at a fraction of its rounds and steps."""
    space = autospace.get_space("autospace")
    evaluator = autospace.create_evaluator("supernet", space=space, layers=4, skeleton="tiny", data="digits",
                                           steps=8, threads=1, seed=0)
    autospace.evolve_space(space, evaluator, "autospace", skeleton="tiny", population=8, sample_size=4, rounds=4,
                           top_k=5, seed=0, out=out)
    return out / "learned_space.json"


def hamming_spread(learned: autospace.LearnedSpace, random_cells: int = 200, seed: int = 0) -> Figure:
    """Per layer: the distribution of Hamming distances (Eq. 2) between its learned cells, against
    the distances between cells drawn uniformly from the space."""
    space = learned.space
    rng = np.random.default_rng(seed)
    reference = space.encode([space.sample(rng) for _ in range(random_cells)])
    rows = np.triu_indices(random_cells, k=1)
    random_d = pairwise_hamming(reference, reference)[rows]
    fig = Figure(figsize=(2.6 * len(learned.layers), 2.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(learned.layers), sharey=True))
    bins = np.arange(space.encoding_width + 2) - 0.5
    for layer, (ax, cells) in enumerate(zip(axes, learned.layers)):
        encoded = space.encode([ranked.genome for ranked in cells])
        learned_d = pairwise_hamming(encoded, encoded)[np.triu_indices(len(cells), k=1)]
        ax.hist(random_d, bins=bins, density=True, color="#bbbbbb", label="random cells")
        ax.hist(learned_d, bins=bins, density=True, histtype="step", linewidth=2, color="#1f5fa8", label="learned")
        ax.set_title(f"layer {layer}: mean {learned_d.mean():.2f} vs {random_d.mean():.2f}", fontsize=9)
        ax.set_xlabel("Hamming distance")
    axes[0].set_ylabel("share of pairs")
    axes[0].legend(fontsize=8)
    return fig


def enrichment_bars(table: MotifTable, per_size: int = 4) -> Figure:
    """The ``per_size`` most frequent motifs of each size and their enrichment (log scale)."""
    motifs = [m for size in range(1, table.max_edges + 1) for m in table.of_size(size)[:per_size]]
    values = [m.enrichment if math.isfinite(m.enrichment) else float("nan") for m in motifs]
    fig = Figure(figsize=(8, 0.35 * len(motifs) + 1.2), layout="constrained")
    ax = fig.subplots()
    # bars start at 1 (as often as at random): enriched motifs extend right, depleted ones left
    ax.barh(range(len(motifs)), [v - 1.0 for v in values], left=1.0, color=[f"C{m.size - 1}" for m in motifs])
    ax.set_yticks(range(len(motifs)), [f"{m.describe()}  ({m.cells}/{m.total})" for m in motifs], fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel(f"enrichment over {table.random_cells} random cells (1 = as often as at random)")
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", type=Path, help="learned_space.json (default: make a tiny one)")
    parser.add_argument("--out", type=Path, default=Path("cell_statistics"), help="folder for the figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.space or tiny_learned_space(Path(tmp) / "run")
        learned = autospace.LearnedSpace.load(path)
    table = viz.learned_motifs(learned)  # mined motifs, with enrichment against 1,000 random cells
    args.out.mkdir(parents=True, exist_ok=True)
    figures = {
        "op_frequency.png": viz.op_heatmap(learned),
        "hamming_spread.png": hamming_spread(learned),
        "motifs.png": viz.motifs(learned),
        "enrichment.png": enrichment_bars(table),
    }
    for name, fig in figures.items():
        fig.savefig(args.out / name, dpi=110)
    print(f"{learned.space.name} space, {len(learned.layers)} layers, {table.cells} learned cells; "
          f"figures in {args.out}/")
    print(f"{'motif':<60} {'cells':>6} {'layers':>6} {'enrichment':>10}")
    for motif in table.motifs[:8]:
        print(f"{motif.describe():<60} {motif.cells:>6} {len(motif.layers):>6} {motif.enrichment:>10.2f}")


if __name__ == "__main__":
    main()
