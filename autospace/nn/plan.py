"""How a genome gets built: which edges, the widths and stride of each, the residual. Shared by
the builder and the cost model so the two cannot disagree (pure Python, no torch).

Build rules: ``"live"`` (the default) builds the live edges only; ``"all"`` builds every non-zero
edge (but one into the source, whose value is the cell's input), also one whose output no later
node uses or whose input no edge reaches (that input is zeros), as NAS-Bench-201 builds its
cells: the rule behind its published params and FLOPs.

The stride acts on the edges leaving the source node, and only there: every path from source to
sink starts with exactly one such edge, so every term reaching the sink is strided once. With IO
nodes (AutoSpace family) every inner edge maps ``e * c_in`` to itself; without (NAS-Bench-201
family, as its ``InferCell``) edges leaving the source map ``c_in -> c_out``, all others ``c_out -> c_out``.
"""

from __future__ import annotations

import numpy as np

from autospace.errors import ConfigError
from autospace.genome import CellSpace, Genome
from autospace.genome.liveness import LiveEdge, live_edge_indices, live_mask, nonzero_mask
from autospace.nn.ops import check_stride, positive_int

BUILD_RULES = ("live", "all")


def check_build_rule(build_rule: str) -> None:
    """``build_rule`` is one of `BUILD_RULES`."""
    if build_rule not in BUILD_RULES:
        raise ConfigError(f"build_rule must be one of {BUILD_RULES}, got build_rule={build_rule!r}")


def built_edges(genome: Genome, build_rule: str = "live") -> tuple[LiveEdge, ...]:
    """``(i, u, v)`` of each edge the builder builds under ``build_rule``, in topological order."""
    check_build_rule(build_rule)
    if build_rule == "live":
        return live_edge_indices(genome)
    space, ops = genome.space, genome.ops
    edges = [(i, u, v) for i, (u, v) in enumerate(space.edges) if ops[i] != space.zero_op and v != space.source]
    return tuple(sorted(edges, key=lambda e: (e[1], e[2])))


def built_mask(space: CellSpace, ops: np.ndarray, build_rule: str = "live") -> np.ndarray:
    """`built_edges` of many cells at once: ``(n, edges)`` bool from the op columns of ``space.encode`` rows."""
    check_build_rule(build_rule)
    if build_rule == "live":
        return live_mask(space, ops)
    into_source = np.array([v == space.source for _, v in space.edges])
    return nonzero_mask(space, ops) & ~into_source


def check_widths(c_in: int, c_out: int, stride: int) -> None:
    """Positive integer widths and a stride of 1 or 2."""
    positive_int("c_in", c_in)
    positive_int("c_out", c_out)
    check_stride(stride)


def inner_width(ratio: int | None, c_in: int) -> int:
    """Width of the inner DAG of an AutoSpace-family cell: ``e * c_in`` (``e = 1`` without ratio)."""
    return (ratio or 1) * c_in


def edge_widths(space: CellSpace, ratio: int | None, c_in: int, c_out: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """``(c_in, c_out)`` of the edges leaving the source (which take the cell's stride and
    input grid) and of all other edges (stride 1, output grid)."""
    if space.io_nodes:
        m = inner_width(ratio, c_in)
        return (m, m), (m, m)
    return (c_in, c_out), (c_out, c_out)


def has_residual(genome: Genome, c_in: int, c_out: int, stride: int) -> bool:
    """AutoSpace-family cells add their input when the shape is kept (MobileNetV2's rule)."""
    return genome.space.io_nodes and stride == 1 and c_in == c_out
