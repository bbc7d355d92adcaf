"""LCMNAS figures (torch-free): a WDG with edge widths by transition count, the hyper-parameter
distributions of its node types, and a macro genome as its layer chain with shapes and costs.
Artists carry a ``gid`` (``node-T``, ``edge-U-V``, ``layer-I``; axes ``bars-T-F``) so tests can find them.
(Fitness over generations is `autospace.viz.evolution.fitness_curves` of the run's history.)"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from autospace.macro.cost import layer_cost
from autospace.macro.genome import MacroGenome
from autospace.macro.wdg import END, START, WDG
from autospace.viz.style import INK, INNER_COLOR, INPUT_COLOR, OUTPUT_COLOR, op_color

MAX_WIDTH = 6.0


def wdg_widths(wdg: WDG) -> dict[tuple[str, str], float]:
    """Edge line widths, proportional to the transition count (the largest drawn `MAX_WIDTH`).

    Args:
        wdg: the graph.

    Returns:
        ``{(u, v): width}``.
    """
    counts = {(u, v): c for u, out in wdg.transitions.items() for v, c in out.items()}
    top = max(counts.values())
    return {edge: max(0.4, MAX_WIDTH * c / top) for edge, c in counts.items()}


def draw_wdg(wdg: WDG) -> Figure:
    """The WDG as a circle of layer types, START and END; edge width by transition count.

    Args:
        wdg: the graph.

    Returns:
        The figure.
    """
    graph = wdg.graph
    inner = sorted(n for n in graph.nodes if n not in (START, END))
    pos = nx.circular_layout([START, *inner, END])
    fig = Figure(figsize=(7, 7))
    ax = fig.add_subplot()
    for (u, v), width in wdg_widths(wdg).items():
        arrow = FancyArrowPatch(pos[u], pos[v], arrowstyle="-|>", mutation_scale=12, linewidth=width,
                                color=INK, alpha=0.55, connectionstyle="arc3,rad=0.15" if u != v else "arc3,rad=2",
                                shrinkA=18, shrinkB=18)
        arrow.set_gid(f"edge-{u}-{v}")
        ax.add_patch(arrow)
    for node, (x, y) in pos.items():
        color = INPUT_COLOR if node == START else OUTPUT_COLOR if node == END else op_color(node)
        text = ax.text(x, y, node, ha="center", va="center", fontsize=8,
                       bbox={"boxstyle": "round", "facecolor": color, "edgecolor": INK})
        text.set_gid(f"node-{node}")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_axis_off()
    ax.set_title(f"WDG of {wdg.name} (edge width: transition count)")
    return fig


def draw_param_distributions(wdg: WDG) -> Figure:
    """One bar chart per node type and hyper-parameter: the frequency count of each value.

    Args:
        wdg: the graph.

    Returns:
        The figure.
    """
    panels = [(t, f, counts) for t, fields in sorted(wdg.params.items()) for f, counts in fields.items() if counts]
    cols = min(3, max(1, len(panels)))
    rows = max(1, math.ceil(len(panels) / cols))
    fig = Figure(figsize=(4 * cols, 2.8 * rows), layout="constrained")
    for i, (kind, field, counts) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        values = sorted(counts)
        ax.bar(range(len(values)), [counts[v] for v in values], color=op_color(kind))
        ax.set_gid(f"bars-{kind}-{field}")
        ax.set_xticks(range(len(values)), [f"{v:g}" for v in values], rotation=90 if len(values) > 8 else 0,
                      fontsize=7)
        ax.set_title(f"{kind}.{field}", fontsize=9)
        ax.set_ylabel("count")
    fig.suptitle(f"hyper-parameter counts of {wdg.name}")
    return fig


def chain_table(genome: MacroGenome) -> list[tuple[str, str, int, int]]:
    """The rows of a network's layer table.

    Args:
        genome: the network.

    Returns:
        Per layer: its label, output shape, MAdds and parameters (`autospace.macro.cost`).
    """
    rows, shape = [], genome.input_shape
    for layer, out in zip(genome.layers, genome.shapes):
        madds, params = layer_cost(layer, shape, out)
        rows.append((layer.label(), "x".join(map(str, out)), madds, params))
        shape = out
    return rows


def draw_chain(genome: MacroGenome) -> Figure:
    """The network as a vertical chain of layer boxes, each with its output shape and costs.

    Args:
        genome: the network.

    Returns:
        The figure.
    """
    rows = chain_table(genome)
    fig = Figure(figsize=(8, 0.42 * len(rows) + 1.2))
    ax = fig.add_subplot()
    n = len(rows)
    for i, (label, shape, madds, params) in enumerate(rows):
        y = n - 1 - i
        box = FancyBboxPatch((0, y - 0.35), 4.6, 0.7, boxstyle="round,pad=0.02", facecolor=INNER_COLOR,
                             edgecolor=op_color(genome.layers[i].type), linewidth=2)
        box.set_gid(f"layer-{i}")
        ax.add_patch(box)
        ax.text(0.1, y, f"{i}  {label}", va="center", fontsize=8)
        ax.text(4.8, y, f"{shape:>12}  {madds:>12,} MAdds  {params:>10,} params", va="center", fontsize=8,
                family="monospace")
    total = np.sum([[m, p] for _, _, m, p in rows], axis=0)
    ax.set_title(f"{n} layers on {'x'.join(map(str, genome.input_shape))}: "
                 f"{int(total[0]):,} MAdds, {int(total[1]):,} params")
    ax.set_xlim(-0.1, 10.5)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_axis_off()
    return fig
