"""Analytic cost model: MAdds and parameters from a genome, without building modules (no torch).

MAdds are FlopCounterMode's FLOPs / 2 for ONE image: a conv counts ``h_out * w_out * c_out *
(c_in / groups) * k * k``, a linear layer ``in * out``; BatchNorm, activations, pooling, sums and
padding count zero. Parameters are those of the built module (BatchNorm's affine ones included).
Both equal what `autospace.nn.measure_cost` measures, exactly, under either build rule
(``build_rule="live"`` or ``"all"``, `autospace.nn.plan`); the tests check it for every space.

NAS-Bench-201 publishes FLOPs that count the classifier's bias additions too: its figure for the
``nb201`` skeleton under ``build_rule="all"`` is our MAdds + ``num_classes``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

import numpy as np

from autospace.errors import ConfigError, GenomeError
from autospace.genome import CellSpace, Genome
from autospace.nn.ops import Cost, conv_cost, get_op, out_size, positive_int
from autospace.nn.plan import built_edges, built_mask, check_widths, edge_widths, inner_width
from autospace.nn.skeleton import SearchableLayer, Skeleton, check_genomes, genomes_per_position, get_skeleton


def _pair(hw: int | tuple[int, int]) -> tuple[int, int]:
    h, w = (hw, hw) if isinstance(hw, int) else tuple(hw)
    for value in (h, w):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"hw must be a positive int or (h, w) pair of them, got hw={hw!r}")
    return h, w


def cell_cost(genome: Genome, c_in: int, c_out: int, hw: int | tuple[int, int], stride: int = 1,
              build_rule: str = "live") -> Cost:
    """The exact cost of ``build_cell(genome, c_in, c_out, stride, build_rule)``, without building it.

    Args:
        genome: the cell.
        c_in: input channels.
        c_out: output channels.
        hw: the input's spatial size: an int for a square grid, or ``(h, w)``.
        stride: the stride of the edges leaving the source.
        build_rule: ``"live"`` or ``"all"``, as in `build_cell`.

    Returns:
        ``(madds, params)``: multiply-adds of conv and linear layers, and every parameter (BN
        included).

    Raises:
        GenomeError: ``genome`` is not a `Genome`.
        ConfigError: a bad ``hw`` or ``build_rule``.
    """
    if not isinstance(genome, Genome):
        raise GenomeError(f"cell_cost needs a Genome, got genome={genome!r}")
    check_widths(c_in, c_out, stride)
    h, w = _pair(hw)
    live = built_edges(genome, build_rule)
    if not live:
        return 0, 0
    space, ops = genome.space, genome.ops
    h_out, w_out = out_size(h, stride), out_size(w, stride)
    (a_in, a_out), (b_in, b_out) = edge_widths(space, genome.ratio, c_in, c_out)
    madds, params = _io_cost(space, genome.ratio, c_in, c_out, (h, w), stride)
    for i, u, _ in live:
        if u == space.source:
            m, n = get_op(ops[i]).cost(a_in, a_out, h, w, stride)
        else:
            m, n = get_op(ops[i]).cost(b_in, b_out, h_out, w_out, 1)
        madds += m
        params += n
    return madds, params


def _io_cost(space: CellSpace, ratio: int | None, c_in: int, c_out: int, hw: tuple[int, int], stride: int) -> Cost:
    """``(madds, params)`` of the fixed expand and project convs of an AutoSpace-family cell
    with built edges; ``(0, 0)`` for spaces without IO nodes."""
    if not space.io_nodes:
        return 0, 0
    h, w = hw
    m = inner_width(ratio, c_in)
    madds, params = conv_cost(m, c_out, out_size(h, stride), out_size(w, stride), 1)  # project
    if m != c_in:  # expand
        expand = conv_cost(c_in, m, h, w, 1)
        madds, params = madds + expand[0], params + expand[1]
    return madds, params


def cell_costs(space: CellSpace, genomes: Sequence[Genome] | np.ndarray, c_in: int, c_out: int,
               hw: int | tuple[int, int], stride: int = 1, build_rule: str = "live") -> np.ndarray:
    """`cell_cost` of many genomes of ``space`` at once, vectorised with numpy.

    Each op's cost is looked up in a table per (ratio, edge kind, op), and summed over the
    edges built (live ones found per zero pattern), so the result equals `cell_cost` row by row.

    Args:
        space: the genomes' space.
        genomes: `Genome` objects, or rows of ``space.encode``.
        c_in: input channels.
        c_out: output channels.
        hw: the input's spatial size, as in `cell_cost`.
        stride: the stride of the edges leaving the source.
        build_rule: ``"live"`` or ``"all"``.

    Returns:
        An ``(n, 2)`` int64 array of ``(madds, params)``.

    Raises:
        GenomeError: encoded rows of the wrong width or outside the space's alphabet.
    """
    check_widths(c_in, c_out, stride)
    h, w = _pair(hw)
    encoded = _check_encoded(space, genomes if isinstance(genomes, np.ndarray) else space.encode(genomes))
    ops = encoded[:, : space.num_edges]
    ratio_index = encoded[:, space.num_edges] if space.has_ratio else np.zeros(len(encoded), dtype=np.intp)
    live = built_mask(space, ops, build_rule)
    table, errors = _op_cost_table(space, c_in, c_out, (h, w), stride)
    from_source = np.array([u == space.source for u, _ in space.edges], dtype=np.intp)
    rows = ratio_index[:, None]
    looked_up = table[rows, from_source[None, :], ops]  # (n, edges, 2)
    failed = errors[rows, from_source[None, :], ops] & live
    if failed.any():
        row = int(np.argwhere(failed)[0, 0])
        cell_cost(space.decode(encoded[row])[0], c_in, c_out, (h, w), stride, build_rule)  # raises the op's error
    io = np.array([_io_cost(space, r, c_in, c_out, (h, w), stride) for r in space.ratios or (None,)], dtype=np.int64)
    return (looked_up * live[:, :, None]).sum(axis=1) + io[ratio_index] * live.any(axis=1)[:, None]


def _check_encoded(space: CellSpace, encoded: np.ndarray) -> np.ndarray:
    encoded = np.atleast_2d(np.asarray(encoded, dtype=np.intp))
    if encoded.ndim != 2 or encoded.shape[1] != space.encoding_width:
        raise GenomeError(
            f"space {space.name!r}: encoded genomes must have {space.encoding_width} columns, got shape {encoded.shape}"
        )
    highs = [len(space.ops)] * space.num_edges + ([len(space.ratios)] if space.has_ratio else [])
    if len(encoded) and ((encoded < 0).any() or (encoded >= np.array(highs)).any()):
        raise GenomeError(f"space {space.name!r}: encoded genomes hold indices outside the op/ratio alphabet")
    return encoded


def _op_cost_table(
    space: CellSpace, c_in: int, c_out: int, hw: tuple[int, int], stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cost of each op by ``[ratio index, leaves the source, op index]`` (last axis madds,
    params), and where the op cannot take those widths (or has no builder)."""
    h, w = hw
    grids = ((out_size(h, stride), out_size(w, stride), 1), (h, w, stride))  # inner edge, source edge
    ratios = space.ratios or (None,)
    table = np.zeros((len(ratios), 2, len(space.ops), 2), dtype=np.int64)
    errors = np.zeros(table.shape[:3], dtype=bool)
    for r, ratio in enumerate(ratios):
        widths = edge_widths(space, ratio, c_in, c_out)[::-1]  # inner edge, source edge
        for kind, ((a, b), (gh, gw, s)) in enumerate(zip(widths, grids)):
            for k, op in enumerate(space.ops):
                if op == space.zero_op:
                    continue
                try:
                    table[r, kind, k] = get_op(op).cost(a, b, gh, gw, s)
                except GenomeError:
                    errors[r, kind, k] = True
    return table, errors


def _add(a: Cost, b: Cost) -> Cost:
    return a[0] + b[0], a[1] + b[1]


def layer_cost(layer: SearchableLayer, genome: Genome, build_rule: str = "live") -> Cost:
    """The cost of ``genome`` in one searchable layer of a skeleton, summed over its cell positions.

    Args:
        layer: the layer (``skeleton.layers[i]``).
        genome: its cell.
        build_rule: ``"live"`` or ``"all"``.

    Returns:
        ``(madds, params)``.
    """
    total = (0, 0)
    for p in layer.positions:
        total = _add(total, cell_cost(genome, p.c_in, p.c_out, p.hw, p.stride, build_rule))
    return total


def layer_costs(skeleton: Skeleton | str, genomes_per_layer: Sequence[Genome], build_rule: str = "live") -> list[Cost]:
    """The cost of each searchable layer of a network.

    Args:
        skeleton: a `Skeleton` or a registered name.
        genomes_per_layer: one cell per searchable layer.
        build_rule: ``"live"`` or ``"all"``.

    Returns:
        ``(madds, params)`` per layer.
    """
    skeleton = get_skeleton(skeleton) if isinstance(skeleton, str) else skeleton
    check_genomes(skeleton, genomes_per_layer)
    return [layer_cost(layer, g, build_rule) for layer, g in zip(skeleton.layers, genomes_per_layer)]


def fixed_cost(skeleton: Skeleton | str, num_classes: int) -> Cost:
    """The cost of the parts no genome changes: the stem (with its fixed cells), the stages' entry
    blocks and the head.

    Args:
        skeleton: a `Skeleton` or a registered name.
        num_classes: the classifier's outputs.

    Returns:
        ``(madds, params)``.
    """
    skeleton = get_skeleton(skeleton) if isinstance(skeleton, str) else skeleton
    positive_int("num_classes", num_classes)
    stem, head = skeleton.stem, skeleton.head
    size = skeleton.input_size
    total = conv_cost(skeleton.in_channels, stem.channels, size, size, stem.stride, stem.kernel)
    c, size = stem.channels, out_size(size, stem.stride)
    for genome, c_out in stem.cells:
        total = _add(total, cell_cost(genome, c, c_out, size, 1))
        c = c_out
    for entry in skeleton.entries:
        p = entry.position
        total = _add(total, get_op(entry.op).cost(p.c_in, p.c_out, p.hw, p.hw, p.stride))
    last = skeleton.positions[-1]
    c, size = last.c_out, last.hw_out
    if head.channels is not None:
        total = _add(total, conv_cost(c, head.channels, size, size, 1))
        c = head.channels
    if head.bn_relu:
        total = _add(total, (0, 2 * c))
    return _add(total, (c * num_classes, c * num_classes + num_classes))  # linear: weight and bias


def network_cost(skeleton: Skeleton | str, genomes_per_layer: Genome | Sequence[Genome], num_classes: int,
                 build_rule: str = "live") -> Cost:
    """The exact cost of ``build_network(skeleton, genomes_per_layer, num_classes, build_rule)``,
    without building it.

    Args:
        skeleton: a `Skeleton` or a registered name.
        genomes_per_layer: one cell per searchable layer (a single `Genome`: the same cell everywhere).
        num_classes: the classifier's outputs.
        build_rule: ``"live"`` or ``"all"``.

    Returns:
        ``(madds, params)`` of the whole network.
    """
    skeleton = get_skeleton(skeleton) if isinstance(skeleton, str) else skeleton
    total = fixed_cost(skeleton, num_classes)
    for p, genome in zip(skeleton.positions, genomes_per_position(skeleton, genomes_per_layer)):
        total = _add(total, cell_cost(genome, p.c_in, p.c_out, p.hw, p.stride, build_rule))
    return total


def network_costs(skeleton: Skeleton | str, space: CellSpace, genomes: Sequence[Genome] | np.ndarray,
                  num_classes: int, build_rule: str = "live") -> np.ndarray:
    """`network_cost` of many networks at once, each with one genome of ``space`` at every cell
    position (NAS-Bench-201's one cell for the whole network), vectorised with `cell_costs`.

    Args:
        skeleton: a `Skeleton` or a registered name.
        space: the genomes' space.
        genomes: `Genome` objects, or rows of ``space.encode``.
        num_classes: the classifier's outputs.
        build_rule: ``"live"`` or ``"all"``.

    Returns:
        An ``(n, 2)`` int64 array of ``(madds, params)``.
    """
    skeleton = get_skeleton(skeleton) if isinstance(skeleton, str) else skeleton
    encoded = _check_encoded(space, genomes if isinstance(genomes, np.ndarray) else space.encode(genomes))
    total = np.tile(np.array(fixed_cost(skeleton, num_classes), dtype=np.int64), (len(encoded), 1))
    for (c_in, c_out, stride, hw), count in Counter(dataclasses.astuple(p) for p in skeleton.positions).items():
        total += count * cell_costs(space, encoded, c_in, c_out, hw, stride, build_rule)
    return total
