"""The ``nb201`` skeleton is NAS-Bench-201's network: its structure, and its published params and
FLOPs for every cell under NAS-Bench-201's build rule (``build_rule="all"``)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from autospace.errors import ConfigError
from autospace.genome import NB201, Genome
from autospace.genome.liveness import live_mask
from autospace.nn import (
    Head,
    Stage,
    build_cell,
    build_network,
    fixed_cost,
    get_skeleton,
    layer_cost,
    measure_cost,
    network_cost,
    network_costs,
)
from autospace.nn.layers import ResNetBasicBlock

NUM_CLASSES = 10
ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
# node 1 gets no input (edge 0-1 is none), so edges 1-2 and 1-3 are dead: NAS-Bench-201 builds
# them anyway, on a zero input; in SINK_UNREACHED no edge enters the sink, 0-1 and 1-2 are dead
DEAD_EDGES = "|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"
SINK_UNREACHED = "|nor_conv_3x3~0|+|nor_conv_1x1~1|none~0|+|none~0|none~1|none~2|"


def nb201_params(arch: str) -> int:
    return 73_306 + 243_040 * arch.count("nor_conv_3x3") + 28_000 * arch.count("nor_conv_1x1")


def nb201_flops(arch: str) -> int:
    """NAS-Bench-201's FLOPs, which count the classifier's 10 bias additions: our MAdds + 10."""
    return 7_783_050 + 35_389_440 * arch.count("nor_conv_3x3") + 3_932_160 * arch.count("nor_conv_1x1")


@pytest.fixture(scope="module")
def archs(nb201_csv: Path) -> list[str]:
    with open(nb201_csv, newline="") as f:
        return [row["arch"] for row in csv.DictReader(f)]


def test_skeleton_has_one_searchable_layer_over_fifteen_positions() -> None:
    skeleton = get_skeleton("nb201")
    assert (skeleton.num_layers, skeleton.num_positions, skeleton.input_shape) == (1, 15, (3, 32, 32))
    widths = [(p.c_in, p.c_out, p.stride, p.hw) for p in skeleton.positions]
    assert widths == [(16, 16, 1, 32)] * 5 + [(32, 32, 1, 16)] * 5 + [(64, 64, 1, 8)] * 5
    (layer,) = skeleton.layers
    assert layer.positions == tuple(skeleton.positions)
    assert [(e.op, e.before, e.position.c_in, e.position.c_out, e.position.stride) for e in skeleton.entries] == [
        ("resnet_basic_block", 5, 16, 32, 2),
        ("resnet_basic_block", 10, 32, 64, 2),
    ]


def test_network_follows_nb201_tiny_network() -> None:
    net = build_network("nb201", Genome.from_nb201(ALL_CONV3), NUM_CLASSES)
    stem = list(net.stem[0])
    assert isinstance(stem[0], nn.Conv2d) and (stem[0].in_channels, stem[0].out_channels) == (3, 16)
    assert stem[0].kernel_size == (3, 3) and stem[0].bias is None
    assert isinstance(stem[1], nn.BatchNorm2d) and len(stem) == 2  # no activation in the stem
    block = net.entries["5"]
    assert isinstance(block, ResNetBasicBlock) and block.conv_a[1].stride == (2, 2)
    pool, conv = block.shortcut
    assert isinstance(pool, nn.AvgPool2d) and (pool.kernel_size, pool.stride) == (2, 2)
    assert conv.kernel_size == (1, 1) and conv.bias is None and (conv.in_channels, conv.out_channels) == (16, 32)
    assert [type(m) for m in net.head] == [nn.BatchNorm2d, nn.ReLU, nn.AdaptiveAvgPool2d, nn.Flatten, nn.Dropout,
                                           nn.Linear]
    assert net.head[0].num_features == 64 and net.head[-1].in_features == 64
    torch.manual_seed(0)
    logits = net(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, NUM_CLASSES)
    logits.sum().backward()


def test_parity_with_nb201_for_every_cell(archs: list[str]) -> None:
    """The analytic cost model gives NAS-Bench-201's params and FLOPs (= our MAdds + 10) for all 15,625 cells."""
    assert len(archs) == 15_625
    genomes = [Genome.from_nb201(a) for a in archs]
    costs = network_costs("nb201", NB201, genomes, NUM_CLASSES, build_rule="all")
    assert np.array_equal(costs[:, 1], [nb201_params(a) for a in archs])
    assert np.array_equal(costs[:, 0] + NUM_CLASSES, [nb201_flops(a) for a in archs])
    assert (costs[:, 1].min(), costs[:, 1].max()) == (73_306, 1_531_546)  # NB201's published range
    assert (costs[:, 0].min() + 10, costs[:, 0].max() + 10) == (7_783_050, 220_119_690)
    for i in range(0, 15_625, 61):  # the scalar model agrees with the vectorised one
        assert network_cost("nb201", [genomes[i]], NUM_CLASSES, build_rule="all") == tuple(costs[i])


@pytest.mark.parametrize(
    "arch",
    [
        ALL_CONV3,
        DEAD_EDGES,
        SINK_UNREACHED,
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
        "|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|",
    ],
)
def test_built_network_measures_nb201_costs(arch: str) -> None:
    genome = Genome.from_nb201(arch)
    for rule in ("all", "live"):
        net = build_network("nb201", genome, NUM_CLASSES, build_rule=rule)
        madds, params = measure_cost(net, (3, 32, 32))
        assert params == sum(p.numel() for p in net.parameters())
        assert (madds, params) == network_cost("nb201", [genome], NUM_CLASSES, build_rule=rule)
        if rule == "all":
            assert (madds + NUM_CLASSES, params) == (nb201_flops(arch), nb201_params(arch))


def test_default_build_costs_at_most_the_nb201_rule() -> None:
    genomes = list(NB201.enumerate())
    live = network_costs("nb201", NB201, genomes, NUM_CLASSES)
    every = network_costs("nb201", NB201, genomes, NUM_CLASSES, build_rule="all")
    assert (live <= every).all()
    ops = NB201.encode(genomes)
    dead = live_mask(NB201, ops) != (ops != NB201.ops.index("none"))
    assert (live == every)[~dead.any(axis=1)].all()  # equal when every edge is live
    conv = np.isin(ops, [NB201.ops.index("nor_conv_1x1"), NB201.ops.index("nor_conv_3x3")])
    assert np.array_equal((live == every).all(axis=1), ~(dead & conv).any(axis=1))  # only dead convs cost
    assert 0 < dead.any(axis=1).sum() < len(genomes)
    cell = Genome.from_nb201(DEAD_EDGES)
    assert network_cost("nb201", [cell], NUM_CLASSES)[1] < network_cost("nb201", [cell], NUM_CLASSES, "all")[1]


def test_all_rule_cells_feed_zeros_to_unreached_nodes() -> None:
    cell = build_cell(Genome.from_nb201(DEAD_EDGES), 4, 4, 1, build_rule="all")
    assert sorted(cell.edges) == ["0_2", "1_2", "1_3", "2_3"]
    x = torch.randn(2, 4, 6, 6)
    assert cell(x).shape == (2, 4, 6, 6)
    dead_sink = build_cell(Genome.from_nb201(SINK_UNREACHED), 4, 8, 2, build_rule="all")
    assert sorted(dead_sink.edges) == ["0_1", "1_2"]
    out = dead_sink(x)
    assert out.shape == (2, 8, 3, 3) and not out.any()


def test_one_genome_or_one_per_position() -> None:
    skeleton = get_skeleton("nb201")
    genome = Genome.from_nb201(DEAD_EDGES)
    shapes = [p.shape for p in build_network(skeleton, genome, NUM_CLASSES).parameters()]
    assert shapes == [p.shape for p in build_network(skeleton, [genome], NUM_CLASSES).parameters()]
    assert shapes == [p.shape for p in build_network(skeleton, [genome] * 15, NUM_CLASSES).parameters()]
    assert network_cost(skeleton, genome, NUM_CLASSES) == network_cost(skeleton, [genome], NUM_CLASSES)
    fixed, layer = fixed_cost(skeleton, NUM_CLASSES), layer_cost(skeleton.layers[0], genome)
    assert network_cost(skeleton, [genome], NUM_CLASSES) == (fixed[0] + layer[0], fixed[1] + layer[1])
    rng = np.random.default_rng(0)
    layerwise = [NB201.sample(rng) for _ in range(15)]
    net = build_network(skeleton, layerwise, NUM_CLASSES, build_rule="all")
    assert measure_cost(net, (3, 32, 32)) == network_cost(skeleton, layerwise, NUM_CLASSES, build_rule="all")
    with pytest.raises(ConfigError, match="1 searchable layer shared by 15 cell positions, but 3 cells"):
        build_network(skeleton, [genome] * 3, NUM_CLASSES)


def test_resnet_basic_block_cost_equals_the_module() -> None:
    from autospace.nn import get_op

    op = get_op("resnet_basic_block")
    for c_in, c_out, hw, stride in ((16, 32, 32, 2), (3, 5, 5, 2), (3, 5, 1, 2), (4, 4, 7, 1), (4, 6, 3, 1)):
        block = op.build(c_in, c_out, stride)
        assert op.cost(c_in, c_out, hw, hw, stride) == measure_cost(block, (c_in, hw, hw))
        size = (hw - 1) // stride + 1
        assert block.eval()(torch.zeros(1, c_in, hw, hw)).shape == (1, c_out, size, size)


def test_bad_fields_name_the_value() -> None:
    with pytest.raises(ConfigError, match="build_rule='nb201'"):
        network_cost("nb201", [NB201.sample(0)], NUM_CLASSES, build_rule="nb201")
    with pytest.raises(ConfigError, match="build_rule='every'"):
        build_network("nb201", NB201.sample(0), NUM_CLASSES, build_rule="every")
    with pytest.raises(ConfigError, match="channels=64"):
        Head(64, bn_relu=True)
    with pytest.raises(ConfigError, match="'resnet_block'"):
        Stage(32, 5, 2, entry="resnet_block")


def test_reduced_nb201_skeletons_keep_the_structure_at_width_c_and_n_cells() -> None:
    from autospace.nn import nb201_skeleton

    assert nb201_skeleton() == get_skeleton("nb201")
    for name, (c, n) in {"nb201-c16n1": (16, 1), "nb201-c8n3": (8, 3), "nb201-c8n2": (8, 2), "nb201-c8n1": (8, 1)}.items():
        sk = get_skeleton(name)
        assert sk == nb201_skeleton(c, n) and sk.shared_cell and sk.num_layers == 1
        assert [(s.channels, s.repeats) for s in sk.stages] == [(c, n), (2 * c, n), (4 * c, n)]
        assert sk.num_positions == 3 * n and sk.stem.channels == c
    cell = Genome.from_nb201("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    small = get_skeleton("nb201-c8n1", input_size=16)
    net = build_network(small, cell, 10)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    assert network_cost(small, cell, 10)[1] == sum(p.numel() for p in net.parameters())
    assert network_cost(small, cell, 10)[1] < network_cost(get_skeleton("nb201"), cell, 10)[1] / 10
    with pytest.raises(ConfigError, match="cells_per_stage=0"):
        nb201_skeleton(8, 0)
