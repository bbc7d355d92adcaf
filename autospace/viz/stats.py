"""Cell statistics of a learned space: op frequency, expansion ratio and cost per layer."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autospace.errors import VizError
from autospace.evolve.learned import LearnedSpace
from autospace.nn import get_skeleton, layer_cost
from autospace.viz.io import LearnedLike, as_learned_space
from autospace.viz.style import DEAD_COLOR, INK, op_color

ZERO_LABEL = "zero"


def op_frequency(learned: LearnedLike) -> np.ndarray:
    """The share of each layer's top-K edges that carry each op.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.

    Returns:
        A ``(layers, ops)`` matrix (ops in ``space.ops`` order, zero op included); rows sum to 1.
    """
    learned = as_learned_space(learned)
    ops = learned.space.ops
    counts = np.zeros((len(learned.layers), len(ops)))
    for layer, entries in enumerate(learned.layers):
        for cell in entries:
            for op in cell.genome.ops:
                counts[layer, ops.index(op)] += 1
    return counts / counts.sum(axis=1, keepdims=True)


def op_heatmap(learned: LearnedLike) -> Figure:
    """Heatmap of op frequency per layer (rows: layers, columns: ops), annotated in percent.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.

    Returns:
        The figure.
    """
    learned = as_learned_space(learned)
    freq = op_frequency(learned)
    ops = learned.space.ops
    fig = Figure(figsize=(1.1 * len(ops) + 2.2, 0.32 * len(learned.layers) + 1.8), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(freq, cmap="Blues", vmin=0.0, vmax=max(float(freq.max()), 1e-9), aspect="auto")
    for (layer, j), value in np.ndenumerate(freq):
        color = "white" if value > 0.6 * freq.max() else INK
        ax.text(j, layer, f"{100 * value:.0f}", ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(ops)), ops, rotation=30, ha="right")
    for label, op in zip(ax.get_xticklabels(), ops):
        label.set_color(op_color(op) if op != learned.space.zero_op else "#777777")
    ax.set_yticks(range(len(learned.layers)))
    ax.set_ylabel("layer")
    ax.set_title(f"Op frequency in each layer's top-{_k(learned)} (% of edges)")
    fig.colorbar(image, ax=ax, label="share of edges", shrink=0.8)
    return fig


def _k(learned: LearnedSpace) -> int:
    return learned.top_k or max(len(entries) for entries in learned.layers)


def ratio_counts(learned: LearnedLike) -> tuple[list[str], np.ndarray]:
    """How often each expansion ratio occurs in each layer's top-K cells.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.

    Returns:
        Category labels (each ratio, then ``zero``) and a ``(layers, categories)`` count matrix;
        zero cells count as ``zero``.
    """
    learned = as_learned_space(learned)
    space = learned.space
    if not space.has_ratio:
        raise VizError(f"space {space.name!r} has no expansion ratio (ratios={space.ratios})")
    labels = [f"e={r}" for r in space.ratios] + [ZERO_LABEL]
    counts = np.zeros((len(learned.layers), len(labels)), dtype=int)
    for layer, entries in enumerate(learned.layers):
        for cell in entries:
            column = len(space.ratios) if cell.genome.is_zero else space.ratios.index(cell.genome.ratio)
            counts[layer, column] += 1
    return labels, counts


def ratio_per_layer(learned: LearnedLike) -> Figure:
    """Stacked bars: how many of each layer's top-K cells take each expansion ratio, with the best
    cell's ratio marked.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.

    Returns:
        The figure.
    """
    learned = as_learned_space(learned)
    labels, counts = ratio_counts(learned)
    ratios = learned.space.ratios
    fig = Figure(figsize=(max(5.0, 0.35 * len(learned.layers) + 2.5), 3.6), layout="constrained")
    ax = fig.subplots()
    layers = np.arange(len(learned.layers))
    cmap = colormaps["viridis"]
    bottom = np.zeros(len(learned.layers))
    for j, label in enumerate(labels):
        color = DEAD_COLOR if label == ZERO_LABEL else cmap(0.15 + 0.8 * j / max(1, len(ratios) - 1))
        ax.bar(layers, counts[:, j], bottom=bottom, color=color, label=label, width=0.8)
        bottom += counts[:, j]
    best = [entries[0].genome for entries in learned.layers]
    for layer, g in enumerate(best):
        if not g.is_zero:
            column = ratios.index(g.ratio)
            y = counts[layer, :column].sum() + counts[layer, column] / 2
            ax.plot(layer, y, marker="*", color="white", markeredgecolor=INK, markersize=10, gid=f"best-{layer}")
    ax.plot([], [], marker="*", ls="none", color="white", markeredgecolor=INK, markersize=10, label="best cell")
    ax.set_xticks(layers)
    ax.set_xlabel("layer")
    ax.set_ylabel(f"cells in top-{_k(learned)}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Expansion ratio per layer")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right upper", fontsize=8, frameon=False)
    return fig


def cost_unavailable(learned: LearnedSpace, skeleton: str | None = None) -> str | None:
    """Why the cost figure cannot be drawn for ``learned`` (None when it can)."""
    if not (skeleton or learned.skeleton):
        return "the learned space has no skeleton (skeleton=null) and none was given"
    return None


def topk_costs(learned: LearnedLike, skeleton: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MAdds and params of every top-K cell placed in its layer of ``skeleton`` (default: the
    learned space's). Two ``(layers, K)`` arrays, NaN where a layer has fewer than K cells."""
    learned = as_learned_space(learned)
    reason = cost_unavailable(learned, skeleton)
    if reason:
        raise VizError(f"cost per layer: {reason}")
    name = skeleton or learned.skeleton
    layers = get_skeleton(name).layers
    if len(layers) != len(learned.layers):
        raise VizError(
            f"skeleton {name!r} has {len(layers)} searchable layers, the learned space has {len(learned.layers)}"
        )
    k = max(len(entries) for entries in learned.layers)
    madds = np.full((len(learned.layers), k), np.nan)
    params = np.full((len(learned.layers), k), np.nan)
    for i, (entries, layer) in enumerate(zip(learned.layers, layers)):
        for j, cell in enumerate(entries):
            madds[i, j], params[i, j] = layer_cost(layer, cell.genome)
    return madds, params


def cost_per_layer(learned: LearnedLike, skeleton: str | None = None) -> Figure:
    """MAdds and params per layer (analytic cost model of `autospace.nn`): the best cell as a bar, every
    other top-K cell as a dot.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.
        skeleton: the skeleton to cost the cells on (default: the learned space's).

    Returns:
        The figure.

    Raises:
        VizError: no skeleton given or recorded, or cells the skeleton cannot take.
    """
    learned = as_learned_space(learned)
    madds, params = topk_costs(learned, skeleton)
    layers = np.arange(len(learned.layers))
    fig = Figure(figsize=(max(6.5, 0.35 * len(learned.layers) + 2.0), 5.2), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    for ax, values, unit in zip(axes, (madds, params), ("MAdds", "params")):
        ax.bar(layers, values[:, 0], color="#4c72b0", width=0.7, label="best cell")
        others = values[:, 1:]
        xs = np.repeat(layers, others.shape[1])
        ax.scatter(xs, others.ravel(), s=14, color=INK, alpha=0.6, zorder=3, label=f"other top-{values.shape[1]} cells")
        ax.set_ylabel(unit)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 3))
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i] != "best cell")
    axes[0].legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8, frameon=False)
    total = f"best cells in all layers: {np.nansum(madds[:, 0]):.3g} MAdds, {np.nansum(params[:, 0]):.3g} params"
    fig.suptitle(f"Cost per layer in skeleton {skeleton or learned.skeleton!r}")
    axes[0].set_title(total, fontsize=9)
    axes[1].set_xticks(layers)
    axes[1].set_xlabel("layer")
    return fig
