"""How a genome gets built: the widths and stride of each live edge, the residual. Shared by the
builder and the cost model so the two cannot disagree (pure Python, no torch).

The stride acts on the edges leaving the source node, and only there: every path from source to
sink starts with exactly one such edge, so every term reaching the sink is strided once. With IO
nodes (AutoSpace family) every inner edge maps ``e * c_in`` to itself; without (NAS-Bench-201
family, as its ``InferCell``) edges leaving the source map ``c_in -> c_out``, all others ``c_out -> c_out``.
"""

from __future__ import annotations

from autospace.genome import CellSpace, Genome
from autospace.nn.ops import check_stride, positive_int


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
