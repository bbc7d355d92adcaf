"""`build_cell`: a genome as a PyTorch module (widths and stride: `autospace.nn.plan`).

AutoSpace-family cells (IO nodes): 1x1 expand ``c_in -> e*c_in`` + BN + ReLU6 (none when ``e == 1``),
the inner DAG at width ``e*c_in``, 1x1 linear project to ``c_out`` + BN, plus the input when
``stride == 1 and c_in == c_out`` (an ``irb`` cell is exactly MobileNetV2's inverted residual).
NAS-Bench-201-family cells: the DAG alone, as NB201's ``InferCell``. A strided ``identity`` keeps
every second pixel (no parameters, no MAdds). Zero edges are never built, dead edges not under the
default build rule (``build_rule="all"`` builds them, as NAS-Bench-201: `autospace.nn.plan`); a
cell without built edges is the skip (``nn.Identity``) when it has a residual, else a zero tensor
of the output shape.
"""

from __future__ import annotations

import torch
from torch import nn

from autospace.errors import GenomeError
from autospace.genome import Genome
from autospace.nn.layers import conv_bn
from autospace.nn.ops import get_op, out_size
from autospace.nn.plan import built_edges, check_widths, edge_widths, has_residual, inner_width


class Cell(nn.Module):
    """A built cell: optional expand, the built edges of the DAG, optional project and residual.

    A node's value is the sum of its incoming edges' outputs, or ``zeros(source value)`` for a node
    no built edge enters (only under ``build_rule="all"``, which passes ``zeros``).

    Args:
        source: the DAG's source node.
        sink: the DAG's sink node.
        edges: one module per built edge, under the key ``(u, v)`` (stored as ``"u_v"``).
        expand: the 1x1 expansion before the DAG, if any.
        project: the 1x1 projection after it, if any.
        residual: add the cell's input to its output.
        zeros: the zero source for nodes no built edge enters.
    """

    def __init__(self, source: int, sink: int, edges: dict[tuple[int, int], nn.Module], expand: nn.Module | None = None,
                 project: nn.Module | None = None, residual: bool = False, zeros: ZeroCell | None = None) -> None:
        super().__init__()
        self.source, self.sink, self.residual = source, sink, residual
        self.expand = expand
        self.edges = nn.ModuleDict({f"{u}_{v}": module for (u, v), module in edges.items()})
        self.project = project
        self.zeros = zeros
        incoming: dict[int, list[tuple[int, str]]] = {}
        for u, v in edges:
            incoming.setdefault(v, []).append((u, f"{u}_{v}"))
        self._schedule = sorted(incoming.items())

    def _value(self, values: dict[int, torch.Tensor], node: int) -> torch.Tensor:
        if node not in values:
            assert self.zeros is not None, f"node {node} has no built input edge"
            values[node] = self.zeros(values[self.source])
        return values[node]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {self.source: self.expand(x) if self.expand is not None else x}
        for node, inputs in self._schedule:
            terms = [self.edges[key](self._value(values, u)) for u, key in inputs]
            values[node] = sum(terms[1:], terms[0])
        out = self._value(values, self.sink)
        if self.project is not None:
            out = self.project(out)
        return out + x if self.residual else out


class ZeroCell(nn.Module):
    """A cell that computes zero: zeros of shape ``(N, c_out, ceil(h/stride), ceil(w/stride))``.

    Args:
        c_out: output channels.
        stride: the cell's stride.
    """

    def __init__(self, c_out: int, stride: int) -> None:
        super().__init__()
        self.c_out, self.stride = c_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        return x.new_zeros((n, self.c_out, out_size(h, self.stride), out_size(w, self.stride)))

    def extra_repr(self) -> str:
        return f"c_out={self.c_out}, stride={self.stride}"


def build_cell(genome: Genome, c_in: int, c_out: int, stride: int = 1, build_rule: str = "live") -> nn.Module:
    """The module of one cell.

    Args:
        genome: the cell.
        c_in: input channels.
        c_out: output channels.
        stride: the stride of the edges leaving the source.
        build_rule: which edges are built: ``"live"`` (those on a source-to-sink path, the default)
            or ``"all"`` (every non-zero edge, as NAS-Bench-201); `autospace.nn.plan`.

    Returns:
        A module mapping ``(N, c_in, h, w) -> (N, c_out, ceil(h/s), ceil(w/s))``.

    Raises:
        GenomeError: ``genome`` is not a `Genome`.
        ConfigError: an unknown ``build_rule``.
    """
    if not isinstance(genome, Genome):
        raise GenomeError(f"build_cell needs a Genome, got genome={genome!r}")
    check_widths(c_in, c_out, stride)
    residual = has_residual(genome, c_in, c_out, stride)
    built = built_edges(genome, build_rule)
    if not built:
        return nn.Identity() if residual else ZeroCell(c_out, stride)
    space, ops = genome.space, genome.ops
    from_source, inner = edge_widths(space, genome.ratio, c_in, c_out)
    edges = {
        (u, v): get_op(ops[i]).build(*from_source, stride) if u == space.source else get_op(ops[i]).build(*inner, 1)
        for i, u, v in built
    }
    entered = {space.source} | {v for _, _, v in built}
    needs_zeros = any(u not in entered for _, u, _ in built) or space.sink not in entered
    zeros = ZeroCell(inner[1], stride) if needs_zeros else None
    if not space.io_nodes:
        return Cell(space.source, space.sink, edges, zeros=zeros)
    m = inner_width(genome.ratio, c_in)
    expand = conv_bn(c_in, m, 1) if m != c_in else None
    return Cell(space.source, space.sink, edges, expand, conv_bn(m, c_out, 1, relu6=False), residual, zeros)
