"""Figures of a search run (``autospace search``): the found architecture, one cell per
searchable layer, and the search curves of ``history.jsonl``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autospace.errors import VizError
from autospace.genome import Genome
from autospace.nn import Architecture, SearchableLayer, layer_cost
from autospace.viz.cells import cell_extent, describe_cell, draw_cell, figure_legend, labelled_scale
from autospace.viz.io import is_number
from autospace.viz.style import INK

X_KEYS = ("step", "generation", "round", "epoch")
"""The keys a history record is plotted against: the first of these the record holds as a number."""
BUDGET_GID = "budget"
WINDOW_GID = "budget-window"

Series = tuple[str, str, np.ndarray, np.ndarray]
"""(key, x key, x values, y values) of one search curve."""


def is_skip(layer: SearchableLayer, genome: Genome) -> bool:
    """Whether ``genome`` in ``layer`` is the skip choice: a zero cell where the layer can be the identity."""
    return genome.is_zero and layer.stride == 1 and layer.c_in == layer.c_out


def layer_caption(index: int, layer: SearchableLayer, genome: Genome) -> str:
    """``L3: 16→24, stride 2 · e=6`` and the cell's MAdds and params in that layer."""
    madds, params = layer_cost(layer, genome)
    kind = "skip (identity)" if is_skip(layer, genome) else describe_cell(genome)
    head = " \u00b7 ".join(filter(None, [f"L{index}: {layer.c_in}\u2192{layer.c_out}, stride {layer.stride}", kind]))
    return f"{head}\n{madds:,} MAdds \u00b7 {params:,} params"


def budget_text(budget: float, tolerance: float | None = None) -> str:
    """``100,000 (±10%)``: the MAdds budget and its tolerance."""
    return f"{budget:,.0f}" + (f" (\u00b1{tolerance:.0%})" if tolerance else "")


def architecture_figure(
    arch: Architecture, budget: float | None = None, tolerance: float | None = None, cols: int = 4
) -> Figure:
    """The found architecture: a grid of one panel per searchable layer (axes gid ``layer-<i>``), each
    cell captioned with its layer's shape and cost; the title gives the total MAdds and params
    against the budget.

    Args:
        arch: the architecture.
        budget: the MAdds budget, if any.
        tolerance: its relative tolerance.
        cols: panels per row.

    Returns:
        The figure.
    """
    if cols < 1:
        raise VizError(f"architecture: cols must be >= 1, got {cols}")
    layers, genomes = arch.skeleton.layers, arch.genomes
    cols = min(cols, len(genomes))
    rows = -(-len(genomes) // cols)
    space = genomes[0].space
    xmin, xmax, ymin, ymax = cell_extent(space)
    scale = labelled_scale(space)
    fig = Figure(figsize=(cols * (xmax - xmin) * scale, rows * (ymax - ymin + 1.4) * scale + 1.2), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, (layer, genome, ax) in enumerate(zip(layers, genomes, axes)):
        draw_cell(genome, ax, title=layer_caption(i, layer, genome), legend=False)
        ax.title.set_fontsize(9)
        ax.set_gid(f"layer-{i}")
    for ax in axes[len(genomes) :]:
        ax.set_axis_off()
    vs_budget = f"budget {budget_text(budget, tolerance)}" if budget is not None else ""
    cost = " \u00b7 ".join(filter(None, [f"{arch.madds:,} MAdds", vs_budget, f"{arch.params:,} params"]))
    fig.suptitle(f"Found architecture ({_provenance(arch)}, {len(genomes)} layers)\n{cost}")
    figure_legend(fig, genomes)
    return fig


def _provenance(arch: Architecture) -> str:
    """``proxyless-g on irb, skeleton tiny`` from what the architecture knows."""
    algo, space = arch.search.get("algo"), arch.search.get("space")
    where = f"on {Path(str(space)).name}" if space else ""
    return ", ".join(filter(None, [" ".join(filter(None, [algo, where])), f"skeleton {arch.skeleton.name}"]))


def x_key(record: Mapping[str, Any]) -> str | None:
    """The key ``record`` is plotted against (see `X_KEYS`); None when it has none."""
    return next((key for key in X_KEYS if is_number(record.get(key))), None)


def curve_series(history: Sequence[Mapping[str, Any]]) -> list[Series]:
    """One series per numeric key of the records that have an x key (`x_key`), in first-seen
    order, over the records with that x key; a record with null or without the key leaves a gap (NaN)."""
    keyed = [(i, x_key(record), record) for i, record in enumerate(history)]
    names = dict.fromkeys(
        (key, x) for _, x, record in keyed if x for key, value in record.items() if key != x and is_number(value)
    )
    series = []
    for key, x in names:
        xy = [(record[x], _value(record, key, i)) for i, rx, record in keyed if rx == x]
        series.append((key, x, *np.array(xy, dtype=float).T))
    return series


def _value(record: Mapping[str, Any], key: str, index: int) -> float:
    value = record.get(key)
    if value is None:
        return np.nan
    if not is_number(value):
        raise VizError(f"history record {index}: field {key!r} must be a number or null, got {value!r:.80}")
    return value


def search_curves(history: Sequence[Mapping[str, Any]], budget: float | None = None, tolerance: float | None = None,
                  title: str = "Search curves", cols: int = 3) -> Figure:
    """Every numeric key of the search history against its x key (`curve_series`), one panel per key
    (line gid ``curve-<key>``); panels of MAdds keys (``*madds``) draw the budget as a horizontal line
    (gid ``budget``) and its tolerance window as a band (gid ``budget-window``).

    Args:
        history: the search's ``history.jsonl`` records.
        budget: the MAdds budget, if any.
        tolerance: its relative tolerance.
        title: the figure's title.
        cols: panels per row.

    Returns:
        The figure.
    """
    series = curve_series(history)
    if not series:
        raise VizError(f"search curves: no history record has a numeric field and one of {', '.join(X_KEYS)}")
    cols = min(cols, len(series))
    rows = -(-len(series) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.0 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for (key, x, xs, ys), ax in zip(series, axes):
        ax.plot(xs, ys, marker="o", ms=3, lw=1.5, gid=f"curve-{key}")
        if key.endswith("madds") and budget is not None:
            _draw_budget(ax, budget, tolerance)
        ax.set_title(key)
        ax.set_xlabel(x)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    for ax in axes[len(series) :]:
        ax.set_axis_off()
    fig.suptitle(title)
    return fig


def _draw_budget(ax: Axes, budget: float, tolerance: float | None) -> None:
    ax.axhline(budget, color=INK, ls="--", lw=1, label=f"budget {budget_text(budget)}", gid=BUDGET_GID)
    if tolerance:
        low, high = (1 - tolerance) * budget, (1 + tolerance) * budget
        ax.axhspan(low, high, color=INK, alpha=0.08, label=f"\u00b1{tolerance:.0%} window", gid=WINDOW_GID)
    ax.legend(fontsize=8, frameon=False)
