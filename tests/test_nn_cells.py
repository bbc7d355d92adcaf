"""Cells as modules: shapes for every space and stride, zero cells, dead nodes, the op registry."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from autospace.errors import ConfigError, GenomeError, UnknownNameError
from autospace.genome import AUTOSPACE, IRB, MBCONV, NB201, CellSpace, Genome, live_edges
from autospace.nn import Cell, ZeroCell, build_cell, get_op, register_op

SPACES = [AUTOSPACE, NB201, IRB, MBCONV]


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def run(module: nn.Module, c_in: int, hw: int = 7, batch: int = 2) -> torch.Tensor:
    torch.manual_seed(0)
    return module(torch.randn(batch, c_in, hw, hw))


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.name)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("widths", [(8, 8), (8, 12)])
def test_sampled_cells_map_shapes(space: CellSpace, stride: int, widths: tuple[int, int]) -> None:
    c_in, c_out = widths
    rng = np.random.default_rng(0)
    for _ in range(12):
        genome = space.sample(rng)
        out = run(build_cell(genome, c_in, c_out, stride), c_in, hw=7)
        assert out.shape == (2, c_out, 4 if stride == 2 else 7, 4 if stride == 2 else 7), genome


@pytest.mark.parametrize("stride", [1, 2])
def test_every_irb_genome_builds_and_runs(stride: int) -> None:
    genomes = list(IRB.enumerate())
    assert len(genomes) == 7
    for genome in genomes:
        for c_in, c_out in ((6, 6), (6, 10)):
            module = build_cell(genome, c_in, c_out, stride)
            out = run(module, c_in, hw=9)
            assert out.shape == (2, c_out, 5 if stride == 2 else 9, 5 if stride == 2 else 9)
            assert out.isfinite().all()


def test_irb_cell_is_mobilenet_v2_block() -> None:
    """expand 1x1 (c -> 6c) + BN + ReLU6, depthwise k with the stride, project 1x1 + BN."""
    genome = Genome(IRB, ["dwconv5x5"], 6)
    cell = build_cell(genome, 16, 24, 2)
    convs = [m for m in cell.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.groups) for c in convs] == [
        (16, 96, (1, 1), (1, 1), 1),
        (96, 96, (5, 5), (2, 2), 96),
        (96, 24, (1, 1), (1, 1), 1),
    ]
    assert sum(isinstance(m, nn.ReLU6) for m in cell.modules()) == 2  # project is linear
    assert isinstance(cell, Cell) and not cell.residual
    assert build_cell(genome, 16, 16, 1).residual


def test_ratio_one_skips_the_expand_conv() -> None:
    cell = build_cell(Genome(MBCONV, ["dwconv3x3"], 1), 32, 16, 1)
    assert cell.expand is None
    assert n_params(cell) == 32 * 9 + 2 * 32 + 32 * 16 + 2 * 16


def test_residual_adds_the_input() -> None:
    cell = build_cell(Genome(IRB, ["dwconv3x3"], 3), 4, 4, 1).eval()
    with torch.no_grad():
        cell.project[1].weight.zero_()  # BN of the projection: the DAG now contributes 0
        cell.project[1].bias.zero_()
        x = torch.randn(2, 4, 5, 5)
        assert torch.equal(cell(x), x)


def test_zero_cell_is_a_skip_or_zeros_without_parameters() -> None:
    zero_irb = Genome(IRB, ["zero"], 6)
    assert zero_irb.is_zero
    skip = build_cell(zero_irb, 8, 8, 1)
    assert isinstance(skip, nn.Identity) and n_params(skip) == 0
    x = torch.randn(2, 8, 6, 6)
    assert torch.equal(skip(x), x)
    for c_out, stride in ((8, 2), (12, 1), (12, 2)):
        zero = build_cell(zero_irb, 8, c_out, stride)
        assert isinstance(zero, ZeroCell) and n_params(zero) == 0
        out = zero(x)
        assert out.shape == (2, c_out, 6 // stride, 6 // stride) and not out.any()


def test_nb201_zero_cell_outputs_zeros_as_nb201() -> None:
    """NB201 cells have no residual, so a cell that computes zero outputs zeros at any shape."""
    genome = Genome.from_nb201("|none~0|+|skip_connect~0|none~1|+|none~0|none~1|none~2|")
    assert genome.is_zero
    out = run(build_cell(genome, 8, 8, 1), 8)
    assert out.shape == (2, 8, 7, 7) and not out.any()


def test_dead_nodes_are_not_built() -> None:
    # node 2 feeds only node 3, which does not reach the sink 4: edges 1-2 and 2-3 are dead
    genome = AUTOSPACE.genome(["conv3x3", "conv3x3", "dwconv3x3", "conv1x1", "zero", "zero"], 2)
    assert live_edges(genome) == ((1, 4, "dwconv3x3"),)
    cell = build_cell(genome, 4, 4, 1)
    assert list(cell.edges) == ["1_4"]
    assert n_params(cell) == (4 * 8 + 16) + (8 * 9 + 16) + (8 * 4 + 8)


def test_unreached_nodes_are_not_built() -> None:
    # NB201 node 1 gets no input (edge 0-1 is none): everything leaving it is dead
    genome = Genome.from_nb201("|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|")
    assert live_edges(genome) == ((0, 2, "nor_conv_3x3"), (2, 3, "skip_connect"))
    assert sorted(build_cell(genome, 4, 4, 1).edges) == ["0_2", "2_3"]


def test_live_edges_agree_with_the_canonical_zero_over_nb201() -> None:
    mismatches = [g for g in NB201.enumerate() if (not live_edges(g)) != g.is_zero]
    assert mismatches == []


def test_live_edges_agree_with_the_canonical_zero_over_autospace() -> None:
    genomes = [g for g in AUTOSPACE.enumerate() if g.ratio == 1]
    assert len(genomes) == 15_625
    assert [g for g in genomes if (not live_edges(g)) != g.is_zero] == []


def test_stride_acts_on_edges_leaving_the_source() -> None:
    genome = AUTOSPACE.genome(["conv3x3", "zero", "identity", "zero", "conv1x1", "zero"], 1)
    cell = build_cell(genome, 4, 4, 2)
    assert cell.edges["1_2"][0].stride == (2, 2)
    assert cell.edges["2_4"][0].stride == (1, 1)
    x = torch.randn(1, 4, 8, 8)
    assert torch.equal(cell.edges["1_4"](x), x[:, :, ::2, ::2])  # strided identity subsamples


def test_nb201_cell_edges_follow_infercell() -> None:
    genome = Genome.from_nb201(
        "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"
    )
    cell = build_cell(genome, 4, 8, 2)
    first = cell.edges["0_1"]
    assert isinstance(first[0], nn.ReLU) and not first[0].inplace
    assert (first[1].in_channels, first[1].out_channels, first[1].stride) == (4, 8, (2, 2))
    assert type(cell.edges["0_2"]).__name__ == "FactorizedReduce"
    assert isinstance(cell.edges["2_3"], nn.Identity)  # c_out -> c_out at stride 1
    assert isinstance(cell.edges["1_2"].preprocess, nn.Identity)


def test_nb201_cell_sums_its_edges() -> None:
    genome = Genome.from_nb201("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|none~1|skip_connect~2|")
    x = torch.randn(2, 3, 4, 4)
    assert torch.equal(build_cell(genome, 3, 3, 1)(x), x + x)


def test_build_is_deterministic_under_a_seed() -> None:
    genome = AUTOSPACE.sample(3)
    torch.manual_seed(7)
    a = build_cell(genome, 4, 4, 1).state_dict()
    torch.manual_seed(7)
    b = build_cell(genome, 4, 4, 1).state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_user_space_with_own_ops_builds() -> None:
    space = CellSpace(
        name="user-test-chain",
        num_nodes=5,
        edges=((1, 2), (2, 3)),
        ops=("conv1x1", "dwconv7x7", "identity", "zero"),
        ratios=(2, 4),
        source=1,
        sink=3,
        io_nodes=True,
        zero_op="zero",
        identity_op="identity",
    )
    genome = space.genome(["dwconv7x7", "conv1x1"], 4)
    out = run(build_cell(genome, 3, 5, 2), 3, hw=9)
    assert out.shape == (2, 5, 5, 5)


def test_registered_op_is_used() -> None:
    from autospace.nn.layers import conv_bn
    from autospace.nn.ops import OpSpec

    register_op(
        OpSpec("test_conv5x5", lambda ci, co, s: conv_bn(ci, co, 5, s), lambda ci, co, h, w, s: (0, 0)), overwrite=True
    )
    space = CellSpace(name="user-test-op", num_nodes=2, edges=((0, 1),), ops=("test_conv5x5",))
    cell = build_cell(space.genome(["test_conv5x5"]), 3, 4, 1)
    assert cell.edges["0_1"][0].kernel_size == (5, 5)


def test_unknown_op_names_the_op() -> None:
    space = CellSpace(name="user-test-unknown", num_nodes=2, edges=((0, 1),), ops=("warp_drive",))
    with pytest.raises(UnknownNameError, match="op='warp_drive' is not a known op; choose one of"):
        build_cell(space.genome(["warp_drive"]), 3, 3, 1)
    with pytest.raises(UnknownNameError, match="no_such_op"):
        get_op("no_such_op")


def test_width_keeping_op_rejects_a_width_change() -> None:
    space = CellSpace(name="user-test-dw", num_nodes=2, edges=((0, 1),), ops=("dwconv3x3",))
    with pytest.raises(GenomeError, match="c_in=3"):
        build_cell(space.genome(["dwconv3x3"]), 3, 5, 1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"stride": 3}, "stride=3"), ({"c_in": 0}, "c_in=0"), ({"c_out": 2.5}, "c_out=2.5")],
)
def test_bad_widths_and_strides_name_the_field(kwargs: dict, field: str) -> None:
    args = {"c_in": 4, "c_out": 4, "stride": 1} | kwargs
    with pytest.raises(ConfigError, match=field):
        build_cell(IRB.sample(0), **args)


def test_build_cell_needs_a_genome() -> None:
    with pytest.raises(GenomeError, match="genome="):
        build_cell("irb", 4, 4, 1)  # type: ignore[arg-type]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cell_runs_on_cuda() -> None:
    genome = AUTOSPACE.genome(["conv3x3", "dwconv3x3", "identity", "conv1x1", "zero", "identity"], 6)
    cell = build_cell(genome, 16, 16, 2).cuda()
    out = cell(torch.randn(4, 16, 32, 32, device="cuda"))
    assert out.shape == (4, 16, 16, 16) and out.is_cuda
