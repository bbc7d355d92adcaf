"""Figures of the learned space's cells: the motifs (the paper's Fig. 4) and the top-K grid."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from matplotlib.figure import Figure

from autospace.genome import Genome, prune
from autospace.viz.cells import add_cell, cell_extent, describe_cell, draw_cell, figure_legend, labelled_scale
from autospace.viz.io import LearnedLike, VizError, as_learned_space


@dataclass(frozen=True)
class Motif:
    """A canonical cell (``key``) and how often it occurs across all layers' top-K."""

    key: str
    genome: Genome
    count: int
    share: float
    layers: tuple[int, ...]


def motif_counts(learned: LearnedLike) -> list[Motif]:
    """Canonical cells of the learned space, most frequent first (ties: first seen first).

    ``share`` is ``count`` over all top-K entries of all layers. ``genome`` shows the class: its
    first member with the dead edges removed (`prune`), so it carries only what it computes.
    """
    learned = as_learned_space(learned)
    cells = [(layer, cell.genome) for layer, entries in enumerate(learned.layers) for cell in entries]
    counts = Counter(g.key for _, g in cells)
    first: dict[str, int] = {}
    shown: dict[str, Genome] = {}
    layers: dict[str, list[int]] = {}
    for index, (layer, g) in enumerate(cells):
        if g.key not in first:
            first[g.key] = index
            shown[g.key] = prune(g)
        if layer not in layers.setdefault(g.key, []):
            layers[g.key].append(layer)
    order = sorted(counts, key=lambda k: (-counts[k], first[k]))
    return [Motif(k, shown[k], counts[k], counts[k] / len(cells), tuple(layers[k])) for k in order]


def _layer_list(layers: tuple[int, ...], limit: int = 8) -> str:
    shown = ", ".join(map(str, layers[:limit]))
    more = f", \u2026 (+{len(layers) - limit})" if len(layers) > limit else ""
    return ("layer " if len(layers) == 1 else "layers ") + shown + more


def motifs(learned: LearnedLike, top: int = 6, cols: int = 3) -> Figure:
    """The ``top`` most frequent canonical cells across all layers' top-K, with their count
    and share in each panel's title (the paper's Fig. 4)."""
    if top < 1 or cols < 1:
        raise VizError(f"motifs: top and cols must be >= 1, got top={top}, cols={cols}")
    learned = as_learned_space(learned)
    found = motif_counts(learned)[:top]
    cols = min(cols, len(found))
    rows = -(-len(found) // cols)
    total = sum(len(entries) for entries in learned.layers)
    xmin, xmax, ymin, ymax = cell_extent(learned.space)
    scale = labelled_scale(learned.space)  # inches per data unit
    fig = Figure(figsize=(cols * (xmax - xmin) * scale, rows * (ymax - ymin + 1.2) * scale + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, (motif, ax) in enumerate(zip(found, axes), start=1):
        caption = " \u00b7 ".join(
            filter(None, [f"#{i}: {motif.count} of {total} cells ({motif.share:.0%})", describe_cell(motif.genome)])
        )
        draw_cell(motif.genome, ax, title=f"{caption}\n{_layer_list(motif.layers)}", legend=False)
        ax.title.set_fontsize(9)
    for ax in axes[len(found) :]:
        ax.set_axis_off()
    layers = f"{len(learned.layers)} layer" + ("s" if len(learned.layers) > 1 else "")
    fig.suptitle(f"Most frequent learned cells ({learned.space.name}, {layers}, top-K)")
    figure_legend(fig, [m.genome for m in found])
    return fig


def topk_grid(learned: LearnedLike) -> Figure:
    """The learned space on one axes: a row per layer, its top-K cells best first, each
    captioned with layer, rank, ratio and fitness (artists' gids start with ``L<layer>#<rank>/``)."""
    learned = as_learned_space(learned)
    space = learned.space
    cols = max(len(entries) for entries in learned.layers)
    rows = len(learned.layers)
    xmin, xmax, ymin, ymax = cell_extent(space)
    step_x, step_y = (xmax - xmin) * 1.08, (ymax - ymin) + 0.9
    scale = 0.32  # inches per data unit
    fig = Figure(figsize=(cols * step_x * scale + 0.3, rows * step_y * scale + 1.2), layout="constrained")
    ax = fig.subplots()
    for layer, entries in enumerate(learned.layers):
        for rank, cell in enumerate(entries):
            origin = (rank * step_x, -layer * step_y)
            prefix = f"L{layer}#{rank + 1}/"
            add_cell(ax, cell.genome, origin=origin, labels=False, gid_prefix=prefix)
            parts = [f"L{layer} #{rank + 1}", describe_cell(cell.genome), f"f={cell.fitness:.3g}"]
            xy = (origin[0] + (xmin + xmax) / 2, origin[1] + ymax + 0.1)
            caption = ax.text(*xy, " \u00b7 ".join(filter(None, parts)), ha="center", va="bottom", fontsize=8)
            caption.set_gid(f"{prefix}caption")
    ax.set_xlim(xmin, (cols - 1) * step_x + xmax)
    ax.set_ylim(-(rows - 1) * step_y + ymin, ymax + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.suptitle(f"Learned space: top-{cols} cells per layer ({space.name})")
    figure_legend(fig, [cell.genome for entries in learned.layers for cell in entries])
    return fig
