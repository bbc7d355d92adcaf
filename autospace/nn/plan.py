"""What of a genome gets built: its live edges, and the widths and stride of each.

Shared by the builder and the cost model so the two cannot disagree. Pure Python, no torch.

Semantics, following the canonical-key algebra of `autospace.genome.canonical`: only the
source node carries the cell's input; an edge with the space's zero op contributes nothing; an
edge is *live* when its source node is reached from the source through non-zero edges and its
target reaches the sink through non-zero edges. Only live edges are built; a cell without live
edges computes zero (``genome.is_zero``).

Where the stride acts: on the edges leaving the source node, and only there — every path from
the source to the sink starts with exactly one such edge, so every term reaching the sink is
strided exactly once. In spaces with IO nodes (AutoSpace family) every inner edge maps the
expanded width ``e * c_in`` to itself; in spaces without (NAS-Bench-201 family, as its
``InferCell``) edges leaving the source map ``c_in -> c_out`` and all others ``c_out -> c_out``.
"""

from __future__ import annotations

from functools import lru_cache

from autospace.genome import CellSpace, Genome


def live_edges(genome: Genome) -> tuple[tuple[int, int, str], ...]:
    """The edges ``(u, v, op)`` that are built, in topological order; empty when the cell
    computes zero."""
    ops = genome.ops
    return tuple((u, v, ops[i]) for i, u, v in live_edge_indices(genome))


def live_edge_indices(genome: Genome) -> tuple[tuple[int, int, int], ...]:
    """``(i, u, v)`` of each live edge, ``i`` indexing ``genome.ops``, in topological order.

    Liveness depends only on which edges are zero, so it is memoised per space and zero
    pattern (64 patterns for 6 edges): the cost model pays for it once.
    """
    zero = genome.space.zero_op
    return live_indices(genome.space, tuple([op != zero for op in genome.ops]))


@lru_cache(maxsize=1 << 14)
def live_indices(space: CellSpace, nonzero: tuple[bool, ...]) -> tuple[tuple[int, int, int], ...]:
    """`live_edge_indices` from the zero pattern alone: ``nonzero[i]`` says whether edge ``i``
    carries a non-zero op."""
    edges = sorted((u, v, i) for i, ((u, v), keep) in enumerate(zip(space.edges, nonzero)) if keep)
    reached = {space.source}
    for u, v, _ in edges:
        if u in reached:
            reached.add(v)
    if space.sink not in reached:
        return ()
    useful = {space.sink}
    for u, v, _ in reversed(edges):
        if v in useful:
            useful.add(u)
    return tuple((i, u, v) for u, v, i in edges if u in reached and v in useful)


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
