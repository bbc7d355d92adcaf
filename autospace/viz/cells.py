"""Drawing one cell (or one motif of cells): a layered DAG, edges coloured and labelled by op, dead parts greyed.

Nodes sit at the topological generations of the space's full graph, so every cell of a space is
drawn on the same grid; edges that skip generations are arcs, alternately above and below.
Artists carry a ``gid`` (``node-N``, ``edge-U-V``, ``label-U-V``) so tests and users can find them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Rectangle
from matplotlib.path import Path

from autospace.genome import CellSpace, Genome, live_nodes
from autospace.genome.motifs import Motif
from autospace.viz.style import DEAD_COLOR, INK, INNER_COLOR, INPUT_COLOR, OUTPUT_COLOR, op_color

NODE_RADIUS = 0.22
GAP = 1.6  # horizontal distance between generations
FIXED_LABEL = "expand / project (fixed)"
DEAD_LABEL = "dead node (no path in \u2192 out)"

Point = tuple[float, float]


def layered_positions(dag: nx.DiGraph) -> dict[int, Point]:
    """Node -> (x, y): x is the node's topological generation in ``dag``, y centres each generation."""
    positions: dict[int, Point] = {}
    for x, generation in enumerate(nx.topological_generations(dag)):
        nodes = sorted(generation)
        for i, node in enumerate(nodes):
            positions[node] = (GAP * x, (len(nodes) - 1) / 2 - i)
    return positions


def node_positions(space: CellSpace) -> dict[int, Point]:
    """Node -> (x, y) on the space's full graph (`layered_positions`), the same for every cell."""
    return layered_positions(space.dag())


def arc_heights(dag: nx.DiGraph, positions: dict[int, Point]) -> dict[tuple[int, int], float]:
    """Edge -> signed height of its arc (0 for neighbouring generations; > 0 above)."""
    heights: dict[tuple[int, int], float] = {}
    seen_per_span: dict[int, int] = {}
    spans = {(u, v): round((positions[v][0] - positions[u][0]) / GAP) for u, v in dag.edges}
    for edge in sorted(spans, key=lambda e: (spans[e], e)):
        span = spans[edge]
        if span <= 1:
            heights[edge] = 0.0
            continue
        index = seen_per_span.get(span, 0)
        seen_per_span[span] = index + 1
        heights[edge] = (0.35 + 0.35 * (span - 1)) * (1 if index % 2 == 0 else -1)
    return heights


def describe_cell(genome: Genome) -> str:
    """A short caption of a cell.

    Args:
        genome: the cell.

    Returns:
        ``e=6``, ``zero cell``, or ``''`` for a space without ratios.
    """
    if genome.is_zero:
        return "zero cell"
    return f"e={genome.ratio}" if genome.ratio is not None else ""


def legend_handles(ops: Iterable[str], *, fixed: bool = False, dead: bool = False) -> list[Line2D | Patch]:
    """Legend entries for ``ops`` (in the given order), the fixed edges and dead nodes."""
    handles: list[Line2D | Patch] = [Line2D([], [], color=op_color(op), lw=2.5, label=op) for op in ops]
    if fixed:
        handles.append(Line2D([], [], color=op_color("expand"), lw=1.2, ls=(0, (4, 2)), label=FIXED_LABEL))
    if dead:
        handles.append(Patch(facecolor=DEAD_COLOR, edgecolor=DEAD_COLOR, label=DEAD_LABEL))
    return handles


def figure_legend(fig: Figure, genomes: Iterable[Genome]) -> None:
    """One legend below ``fig`` for cells drawn without their own: the ops they show (in their
    spaces' order), the fixed edges and dead nodes when any cell has them."""
    genomes = list(genomes)
    present = {op for g in genomes for op in drawn_ops(g)}
    spaces = list({g.space.name: g.space for g in genomes}.values())
    ops = list(dict.fromkeys(op for space in spaces for op in space.ops if op in present))
    fixed = any(space.fixed_edges() for space in spaces)
    dead = any(len(live_nodes(g)) < g.space.num_nodes for g in genomes)
    handles = legend_handles(ops, fixed=fixed, dead=dead)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), frameon=False, fontsize=9)


def drawn_ops(genome: Genome) -> list[str]:
    """The ops a drawing of ``genome`` shows (its non-zero searchable ops), in space order."""
    present = set(genome.ops) - {genome.space.zero_op}
    return [op for op in genome.space.ops if op in present]


def cell_extent(space: CellSpace) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` of any cell of ``space`` drawn at the origin, arcs included."""
    pos = node_positions(space)
    heights = arc_heights(space.dag(), pos).values()
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    margin = NODE_RADIUS + 0.15
    low, high = min(0.0, *heights), max(0.0, *heights)
    return min(xs) - margin, max(xs) + margin, min(ys) + low - margin, max(ys) + high + margin


def labelled_scale(space: CellSpace, fontsize: float = 7.0) -> float:
    """Inches per data unit at which the longest op name fills at most 3/4 of the room between
    two neighbouring nodes."""
    longest = max(len(op) for op in space.ops)
    label_inches = 0.6 * fontsize / 72 * longest
    return max(0.5, label_inches / (0.75 * (GAP - 2 * NODE_RADIUS)))


def add_cell(ax: Axes, genome: Genome, *, origin: Point = (0.0, 0.0), labels: bool = True,
             gid_prefix: str = "", highlight: Collection[tuple[int, int]] | None = None) -> None:
    """Add the nodes and edges of ``genome`` to ``ax``.

    Zero edges are omitted; edges that touch a dead node are faded and dashed; dead nodes are grey.

    Args:
        ax: the axes.
        genome: the cell.
        origin: shift of the drawing (to lay out many cells on one axes).
        labels: write the op names on the edges.
        gid_prefix: prefix of the artists' gids.
        highlight: searchable edges to highlight; every other edge is drawn thin and faded.
    """
    space = genome.space
    pos = {n: (x + origin[0], y + origin[1]) for n, (x, y) in node_positions(space).items()}
    heights = arc_heights(space.dag(), node_positions(space))
    live = live_nodes(genome)
    roles = space.node_roles()
    for n, xy in pos.items():
        _draw_node(ax, n, xy, roles[n], n in live, 8 if labels else 6, gid_prefix)
    edges = [(u, v, op, False) for (u, v), op in genome.edge_ops.items() if op != space.zero_op]
    edges += [(u, v, op, True) for u, v, op in space.fixed_edges()]
    for u, v, op, fixed in edges:
        if fixed and op == "expand":
            text = f"expand \u00d7{genome.ratio}" if genome.ratio and genome.ratio > 1 else "(no expand)"
        else:
            text = op
        alive = u in live and v in live
        faded = highlight is not None and (fixed or (u, v) not in highlight)
        _draw_edge(ax, (u, v), pos, heights[(u, v)], op, text, fixed, alive, labels, gid_prefix, faded)


def draw_cell(
    genome: Genome, ax: Axes | None = None, *, title: str | None = None, labels: bool = True, legend: bool = True
) -> Figure:
    """Draw ``genome`` as a layered DAG (see `add_cell`).

    Args:
        genome: the cell.
        ax: the axes to draw on (None: a new figure).
        title: the title (default: the space name and the expansion ratio).
        labels: write the op names on the edges (False for small panels).
        legend: add the op legend (False: leave it to the caller, see `legend_handles`).

    Returns:
        The figure.
    """
    space = genome.space
    xmin, xmax, ymin, ymax = cell_extent(space)
    if ax is None:
        scale = max(0.85, labelled_scale(space))
        size = (scale * (xmax - xmin) + 0.4, scale * (ymax - ymin) + 1.2)
        ax = Figure(figsize=size, layout="constrained").subplots()
    add_cell(ax, genome, labels=labels)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    caption = describe_cell(genome)
    ax.set_title(title if title is not None else " \u00b7 ".join(filter(None, [f"{space.name} cell", caption])))
    if legend:
        dead = len(live_nodes(genome)) < space.num_nodes
        handles = legend_handles(drawn_ops(genome), fixed=bool(space.fixed_edges()), dead=dead)
        ncol = len(handles) if len(handles) <= 4 else -(-len(handles) // 2)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol, frameon=False, fontsize=8)
    return ax.figure


def motif_positions(motif: Motif) -> dict[int, Point]:
    """Node -> (x, y) of a motif drawing: its own topological generations (`layered_positions`)."""
    return layered_positions(motif.graph)


def motif_extent(motif: Motif) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` of `add_motif`'s drawing of ``motif`` at the origin."""
    pos = motif_positions(motif)
    heights = arc_heights(motif.graph, pos).values()
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    margin = NODE_RADIUS + 0.15
    return min(xs) - margin, max(xs) + margin, min(ys) + min(0.0, *heights) - margin, max(ys) + max(0.0, *heights) + margin


def add_motif(ax: Axes, motif: Motif, *, origin: Point = (0.0, 0.0), labels: bool = True, gid_prefix: str = "") -> None:
    """Add a motif (`autospace.genome.motifs`) to ``ax`` in the cells' style: its ``in`` and ``out``
    nodes (the cell's source and sink) as squares, inner nodes as circles named a, b, ... as in
    `Motif.describe`, edges coloured (and with ``labels``, labelled) by op.

    Args:
        ax: the axes.
        motif: the motif.
        origin: shift of the drawing.
        labels: write the op names on the edges.
        gid_prefix: prefix of the artists' gids.
    """
    graph = motif.graph
    base = motif_positions(motif)
    pos = {n: (x + origin[0], y + origin[1]) for n, (x, y) in base.items()}
    heights = arc_heights(graph, base)
    inner = iter("abcdefghijklmnopqrstuvwxyz")
    for n, role in enumerate(motif.roles):
        shape = {"in": "input", "out": "output"}.get(role, "inner")
        _draw_node(ax, n, pos[n], shape, True, 8 if labels else 6, gid_prefix, None if role != "inner" else next(inner))
    for u, v, op in motif.edges:
        _draw_edge(ax, (u, v), pos, heights[(u, v)], op, op, False, True, labels, gid_prefix)


def _draw_node(ax: Axes, node: int, xy: Point, role: str, alive: bool, fontsize: float, gid_prefix: str,
               name: str | None = None) -> None:
    """A node: inner ones are circles showing ``name`` (default: the node number), input and
    output ones squares showing ``in`` / ``out``."""
    fill = {"input": INPUT_COLOR, "output": OUTPUT_COLOR}.get(role, INNER_COLOR)
    edge = INK if alive else DEAD_COLOR
    if not alive:
        fill = DEAD_COLOR
    if role == "inner":
        patch: Circle | Rectangle = Circle(xy, NODE_RADIUS, facecolor=fill, edgecolor=edge, lw=1.2, zorder=3)
        text = str(node) if name is None else name
    else:
        corner, side = (xy[0] - NODE_RADIUS, xy[1] - NODE_RADIUS), 2 * NODE_RADIUS
        patch = Rectangle(corner, side, side, facecolor=fill, edgecolor=edge, lw=1.6, zorder=3)
        text = "in" if role == "input" else "out"
    patch.set_gid(f"{gid_prefix}node-{node}")
    ax.add_patch(patch)
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, color=INK if alive else "#777777", zorder=4)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.hypot(*vector)), 1e-9)


def _draw_edge(ax: Axes, edge: tuple[int, int], pos: dict[int, Point], height: float, op: str, text: str,
               fixed: bool, alive: bool, labels: bool, gid_prefix: str, faded: bool = False) -> None:
    """A quadratic Bezier from node ``u`` to node ``v`` whose apex is ``height`` to the left of
    the straight line, trimmed so it starts and ends at the node outlines; ``faded``: thin and
    pale (not part of a highlighted motif)."""
    u, v = edge
    p0, p2 = np.array(pos[u]), np.array(pos[v])
    direction = _unit(p2 - p0)
    normal = np.array([-direction[1], direction[0]])
    control = (p0 + p2) / 2 + 2 * height * normal
    trim = NODE_RADIUS + 0.04
    start = p0 + trim * _unit(control - p0)
    end = p2 + trim * _unit(control - p2)
    color = op_color(op)
    arrow = FancyArrowPatch(
        path=Path([start, control, end], [Path.MOVETO, Path.CURVE3, Path.CURVE3]),
        arrowstyle="-|>",
        mutation_scale=10,
        color=color,
        lw=1.2 if fixed or faded else 2.2,
        linestyle=(0, (4, 2)) if fixed or not alive else "-",
        alpha=0.25 if faded else 1.0 if alive else 0.35,
        zorder=2,
    )
    arrow.set_gid(f"{gid_prefix}edge-{u}-{v}")
    ax.add_artist(arrow)
    if not labels:
        return
    # on an arc's apex; beside a straight edge, so the label does not hide the arrow
    mx, my = 0.25 * start + 0.5 * control + 0.25 * end + (0.0 if height else 0.14) * normal
    box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    label = ax.text(mx, my, text, ha="center", va="center", fontsize=7, color=color,
                    alpha=0.4 if faded else 1.0 if alive else 0.5,
                    zorder=5, bbox=box)
    label.set_gid(f"{gid_prefix}label-{u}-{v}")
