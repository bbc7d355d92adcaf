"""Figures of the learned space's cells: the motifs (the paper's Fig. 4) and the top-K grid."""

from __future__ import annotations

import math

from matplotlib.figure import Figure, SubFigure

from autospace.errors import VizError
from autospace.evolve.learned import LearnedSpace
from autospace.genome import live_nodes
from autospace.genome.motifs import Motif, MotifTable, mine_motifs
from autospace.viz.cells import (
    add_cell,
    add_motif,
    cell_extent,
    describe_cell,
    drawn_ops,
    figure_legend,
    labelled_scale,
    legend_handles,
    motif_extent,
)
from autospace.viz.io import LearnedLike, as_learned_space

CELL_SCALE = 0.32  # inches per data unit of the unlabelled cells of panel (d) and the top-K grid


def learned_motifs(learned: LearnedLike, *, max_edges: int = 3, random_cells: int = 1000, seed: int = 0) -> MotifTable:
    """`mine_motifs` over all layers' top-K cells of a learned space.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.
        max_edges: the largest motif, in edges.
        random_cells: the size of the random baseline sample of the space.
        seed: the seed of the random sample.

    Returns:
        The motif table.
    """
    learned = as_learned_space(learned)
    layers = [[cell.genome for cell in entries] for entries in learned.layers]
    return mine_motifs(layers, max_edges=max_edges, random_cells=random_cells, seed=seed)


def enrichment_text(motif: Motif) -> str:
    """``x1.8`` (``x17`` from 10 on), or ``only learned`` when no random cell holds the motif."""
    if math.isinf(motif.enrichment):
        return "only learned"
    return f"\u00d7{motif.enrichment:.1f}" if motif.enrichment < 10 else f"\u00d7{motif.enrichment:.0f}"


def motif_caption(motif: Motif, layers: int) -> str:
    """A motif panel's title: its support in cells and layers, its random share and enrichment."""
    return (f"{motif.cells}/{motif.total} cells, {len(motif.layers)}/{layers} layers\n"
            f"random {motif.random_share:.1%}, enrichment {enrichment_text(motif)}")


def headline_motif(table: MotifTable) -> Motif:
    """The motif whose cells the last row of `motifs` shows: the most frequent one among those
    with the most edges (ties: the higher enrichment)."""
    largest = max(m.size for m in table.motifs)
    return table.of_size(largest)[0]


def motifs(learned: LearnedLike, *, per_size: int = 4, cells: int = 4, max_edges: int = 3, random_cells: int = 1000,
           seed: int = 0) -> Figure:
    """The paper's Fig. 4 as mined motifs (`autospace.genome.motifs`).

    A row per motif size, (a) 1 edge, (b) 2, (c) 3, ..., with the most frequent motifs of that size
    across all layers' top-K cells, each titled with its support (cells, layers), its share among the
    random cells, and its enrichment; then a last row of learned cells holding the headline motif
    (`headline_motif`), its edges highlighted. Artists' gids: ``M<row><i>/...`` for motifs,
    ``C<i>/...`` for cells.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.
        per_size: motifs shown per size.
        cells: learned cells shown in the last row.
        max_edges: the largest motif, in edges.
        random_cells: the size of the random baseline sample of the space.
        seed: the seed of the random sample.

    Returns:
        The figure.
    """
    if min(per_size, cells, max_edges, random_cells) < 1:
        raise VizError(f"motifs: per_size, cells, max_edges and random_cells must be >= 1, got per_size={per_size}, "
                       f"cells={cells}, max_edges={max_edges}, random_cells={random_cells}")
    learned = as_learned_space(learned)
    space = learned.space
    table = learned_motifs(learned, max_edges=max_edges, random_cells=random_cells, seed=seed)
    if not table.motifs:
        raise VizError(f"motifs: no cell of the learned space ({space.name}) has a live edge")
    rows = [table.of_size(size)[:per_size] for size in range(1, max_edges + 1) if table.of_size(size)]
    headline = headline_motif(table)
    holders = headline.found_in[:cells]
    extents = [motif_extent(m) for row in rows for m in row]
    box = (min(e[0] for e in extents), max(e[1] for e in extents), min(e[2] for e in extents),
           max(e[3] for e in extents))
    motif_scale = labelled_scale(space)
    cxmin, cxmax, cymin, cymax = cell_extent(space)
    motif_w, motif_h = (box[1] - box[0]) * motif_scale, (box[3] - box[2]) * motif_scale + 0.75
    cell_w, cell_h = (cxmax - cxmin) * CELL_SCALE, (cymax - cymin) * CELL_SCALE + 0.5
    heights = [motif_h + 0.35] * len(rows) + [cell_h + 0.35]
    width = max(per_size * motif_w, cells * cell_w) + 0.4
    fig = Figure(figsize=(width, sum(heights) + 1.2), layout="constrained")
    subfigs = fig.subfigures(len(heights), 1, height_ratios=heights)
    for index, (row, sub) in enumerate(zip(rows, subfigs)):
        size = row[0].size
        sub.suptitle(f"({_row_name(index)}) most frequent {size}-edge motif" + ("s" if len(row) > 1 else ""),
                     fontsize=10, x=0.01, ha="left")
        for i, (motif, ax) in enumerate(zip(row, sub.subplots(1, per_size, squeeze=False).ravel()), start=1):
            add_motif(ax, motif, gid_prefix=f"M{_row_name(index)}{i}/")
            ax.set_xlim(box[0], box[1])
            ax.set_ylim(box[2], box[3])
            ax.set_aspect("equal")
            ax.set_axis_off()
            ax.set_title(motif_caption(motif, table.layers), fontsize=8)
        for ax in sub.axes[len(row):]:
            ax.set_axis_off()
    _draw_holders(subfigs[-1], learned, headline, holders, cells, len(rows))
    title = (f"Learned motifs ({space.name}, {table.layers} layers x top-{learned.top_k}: {table.cells} cells; "
             f"random baseline: {table.random_cells} cells of the open space, seed {table.seed})")
    if space.io_nodes:
        title += f"\nin / out: the searchable DAG's source and sink (nodes {space.source} and {space.sink} in (d))"
    fig.suptitle(title, fontsize=11)
    genomes = [learned.layers[layer][rank].genome for layer, rank, _ in holders]
    ops = {op for row in rows for m in row for _, _, op in m.edges} | {op for g in genomes for op in drawn_ops(g)}
    dead = any(len(live_nodes(g)) < space.num_nodes for g in genomes)
    handles = legend_handles([op for op in space.ops if op in ops], fixed=bool(space.fixed_edges()), dead=dead)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), frameon=False, fontsize=9)
    return fig


def _draw_holders(sub: SubFigure, learned: LearnedSpace, motif: Motif,
                  holders: tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...], cells: int, row: int) -> None:
    """Row ``row`` (after the motif rows; (d) for 3-edge motifs): the learned cells holding
    ``motif``, the top motif of row ``row - 1``, its edges highlighted."""
    xmin, xmax, ymin, ymax = cell_extent(learned.space)
    sub.suptitle(f"({_row_name(row)}) {len(holders)} of the {motif.cells} learned cells holding ({_row_name(row - 1)}) #1: "
                 f"{motif.describe()}", fontsize=10, x=0.01, ha="left")
    for i, ((layer, rank, edges), ax) in enumerate(zip(holders, sub.subplots(1, cells, squeeze=False).ravel())):
        genome = learned.layers[layer][rank].genome
        add_cell(ax, genome, labels=False, gid_prefix=f"C{i}/", highlight=set(edges))
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal")
        ax.set_axis_off()
        fitness = learned.layers[layer][rank].fitness
        caption = [f"layer {layer} #{rank + 1}", describe_cell(genome), f"f={fitness:.3g}"]
        ax.set_title(" \u00b7 ".join(filter(None, caption)), fontsize=8)
    for ax in sub.axes[len(holders):]:
        ax.set_axis_off()


def _row_name(index: int) -> str:
    """``a``, ``b``, ... for row ``index`` of the motif figure."""
    return chr(ord("a") + index)


def topk_grid(learned: LearnedLike) -> Figure:
    """The learned space on one axes: a row per layer, its top-K cells best first, each captioned with
    layer, rank, ratio and fitness (artists' gids start with ``L<layer>#<rank>/``).

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.

    Returns:
        The figure.
    """
    learned = as_learned_space(learned)
    space = learned.space
    cols = max(len(entries) for entries in learned.layers)
    rows = len(learned.layers)
    xmin, xmax, ymin, ymax = cell_extent(space)
    step_x, step_y = (xmax - xmin) * 1.08, (ymax - ymin) + 0.9
    scale = CELL_SCALE
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
