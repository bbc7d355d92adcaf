"""Which parts of a cell compute something: its live edges and nodes, scalar and vectorised.

An edge is *live* when the source node reaches it and it reaches the sink through non-zero edges
(the algebra of `autospace.genome.canonical`); a cell without live edges computes zero. The
canonical key, the network builder, the cost model and the cell drawings all read liveness here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from autospace.genome.genome import Genome
    from autospace.genome.space import CellSpace

LiveEdge = tuple[int, int, int]
"""``(i, u, v)``: edge ``space.edges[i] == (u, v)``."""


@lru_cache(maxsize=1 << 14)
def live_pattern(space: CellSpace, nonzero: tuple[bool, ...]) -> tuple[LiveEdge, ...]:
    """The live edges ``(i, u, v)`` in topological order, from the zero pattern alone
    (``nonzero[i]``: edge ``i`` carries a non-zero op). Memoised: 64 patterns for 6 edges."""
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


def live_edge_indices(genome: Genome) -> tuple[LiveEdge, ...]:
    """``(i, u, v)`` of each live edge of ``genome`` (``i`` indexes ``genome.ops``), in topological order."""
    zero = genome.space.zero_op
    return live_pattern(genome.space, tuple([op != zero for op in genome.ops]))


def live_edges(genome: Genome) -> tuple[tuple[int, int, str], ...]:
    """The live edges of a cell: those on a source-to-sink path of non-zero edges.

    Args:
        genome: a cell.

    Returns:
        The live edges ``(u, v, op)`` in topological order; empty when the cell computes zero.
    """
    ops = genome.ops
    return tuple((u, v, ops[i]) for i, u, v in live_edge_indices(genome))


def live_nodes(genome: Genome) -> set[int]:
    """The live nodes of a cell; every other node is dead.

    Args:
        genome: a cell.

    Returns:
        The nodes on a path from the source to the sink through non-zero edges, plus the fixed
        input/output nodes when the cell is not zero.
    """
    live = {node for _, u, v in live_edge_indices(genome) for node in (u, v)}
    if live and genome.space.io_nodes:
        live |= {0, genome.space.num_nodes - 1}
    return live


def nonzero_mask(space: CellSpace, ops: np.ndarray) -> np.ndarray:
    """``(n, edges)`` bool: which edges carry an op other than the space's zero op, from the op
    columns of ``space.encode`` rows."""
    zero = space.ops.index(space.zero_op) if space.zero_op is not None else -1
    return np.asarray(ops) != zero


def live_mask(space: CellSpace, ops: np.ndarray) -> np.ndarray:
    """`live_edge_indices` of many cells at once: ``(n, edges)`` bool from the op columns of
    ``space.encode`` rows (one `live_pattern` per distinct zero pattern)."""
    nonzero = nonzero_mask(space, ops)
    bits = np.array([1 << i for i in range(space.num_edges)], dtype=np.int64 if space.num_edges < 63 else object)
    patterns, first, inverse = np.unique(nonzero @ bits, return_index=True, return_inverse=True)
    mask = np.zeros((len(patterns), space.num_edges), dtype=bool)
    for row, index in enumerate(first):
        for i, _, _ in live_pattern(space, tuple(nonzero[index].tolist())):
            mask[row, i] = True
    return mask[inverse]


def prune(genome: Genome) -> Genome:
    """The same function without its dead edges.

    Args:
        genome: a cell.

    Returns:
        The genome with every edge that is not live set to the zero op.
    """
    space = genome.space
    if space.zero_op is None:
        return genome
    live = {i for i, _, _ in live_edge_indices(genome)}
    return space.genome([op if i in live else space.zero_op for i, op in enumerate(genome.ops)], genome.ratio)
