"""The analytic cost model equals what the built modules measure, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autospace.errors import ConfigError, GenomeError
from autospace.genome import AUTOSPACE, IRB, MBCONV, NB201, CellSpace, Genome
from autospace.nn import (
    build_cell,
    build_network,
    cell_cost,
    cell_costs,
    fixed_cost,
    get_skeleton,
    layer_cost,
    layer_costs,
    measure_cost,
    network_cost,
)

SPACES = [AUTOSPACE, NB201, IRB, MBCONV]


@st.composite
def genomes(draw: st.DrawFn, space: CellSpace) -> Genome:
    ops = draw(st.lists(st.sampled_from(space.ops), min_size=space.num_edges, max_size=space.num_edges))
    ratio = draw(st.sampled_from(space.ratios)) if space.has_ratio else None
    return Genome(space, ops, ratio)


cases = st.sampled_from(SPACES).flatmap(
    lambda space: st.tuples(
        genomes(space),
        st.integers(1, 6),  # c_in
        st.integers(1, 6),  # c_out
        st.integers(1, 9),  # hw, odd and even
        st.sampled_from([1, 2]),  # stride
        st.sampled_from(["live", "all"]),  # build rule
    )
)


@settings(max_examples=250, deadline=None)
@given(cases)
def test_analytic_cost_equals_the_built_module(case: tuple[Genome, int, int, int, int, str]) -> None:
    genome, c_in, c_out, hw, stride, rule = case
    module = build_cell(genome, c_in, c_out, stride, rule)
    assert cell_cost(genome, c_in, c_out, hw, stride, rule) == measure_cost(module, (c_in, hw, hw))
    assert cell_cost(genome, c_in, c_out, hw, stride) <= cell_cost(genome, c_in, c_out, hw, stride, "all")


def test_params_include_bn_affine_and_madds_are_flops_over_two() -> None:
    genome = Genome(IRB, ["dwconv3x3"], 3)
    # expand 4->12 at 8x8, dw3x3 stride 2 to 4x4, project 12->6 at 4x4
    madds = 64 * 4 * 12 + 16 * 12 * 9 + 16 * 12 * 6
    params = (4 * 12 + 24) + (12 * 9 + 24) + (12 * 6 + 12)
    assert cell_cost(genome, 4, 6, 8, 2) == (madds, params)
    assert measure_cost(build_cell(genome, 4, 6, 2), (4, 8, 8)) == (madds, params)


def test_rectangular_grid() -> None:
    genome = AUTOSPACE.genome(["conv3x3", "dwconv3x3", "identity", "conv1x1", "zero", "identity"], 3)
    assert cell_cost(genome, 4, 5, (6, 9), 2) == measure_cost(build_cell(genome, 4, 5, 2), (4, 6, 9))


def test_zero_cells_cost_nothing() -> None:
    zero = Genome(IRB, ["zero"], 3)
    assert cell_cost(zero, 8, 8, 7, 1) == (0, 0)
    assert cell_cost(zero, 8, 16, 7, 2) == (0, 0)


@pytest.mark.parametrize("name", ["tiny", "cifar", "proxyless"])
def test_network_cost_equals_the_built_network(name: str) -> None:
    skeleton = get_skeleton(name, input_size=16) if name != "tiny" else get_skeleton(name)
    rng = np.random.default_rng(1)
    spaces = [AUTOSPACE, IRB, MBCONV] if name == "proxyless" else [AUTOSPACE, NB201, IRB]
    chosen = [spaces[i % len(spaces)].sample(rng) for i in range(skeleton.num_layers)]
    torch.manual_seed(0)
    net = build_network(skeleton, chosen, 10)
    assert network_cost(skeleton, chosen, 10) == measure_cost(net, skeleton.input_shape)


def test_network_cost_is_fixed_plus_layers() -> None:
    skeleton = get_skeleton("tiny", input_size=28)
    chosen = [AUTOSPACE.sample(i) for i in range(skeleton.num_layers)]
    per_layer = layer_costs(skeleton, chosen)
    assert per_layer == [layer_cost(spec, g) for spec, g in zip(skeleton.layers, chosen)]
    fixed = fixed_cost(skeleton, 10)
    total = network_cost(skeleton, chosen, 10)
    assert total == (fixed[0] + sum(m for m, _ in per_layer), fixed[1] + sum(p for _, p in per_layer))
    # the fixed part is what a network of zero cells measures when every layer is a skip or zeros
    zeros = [Genome(IRB, ["zero"], 3)] * skeleton.num_layers
    assert network_cost(skeleton, zeros, 10) == fixed


def test_cost_errors_name_the_field() -> None:
    with pytest.raises(ConfigError, match="stride=4"):
        cell_cost(IRB.sample(0), 4, 4, 8, 4)
    with pytest.raises(GenomeError, match="genome="):
        cell_cost(None, 4, 4, 8, 1)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="num_classes=0"):
        network_cost("tiny", [IRB.sample(0)] * 4, 0)
    with pytest.raises(ConfigError, match="3 cells"):
        network_cost("tiny", [IRB.sample(0)] * 3, 10)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SPACES).flatmap(lambda space: st.tuples(st.just(space), st.lists(genomes(space), max_size=30))),
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(1, 20),
    st.sampled_from([1, 2]),
    st.sampled_from(["live", "all"]),
)
def test_vectorised_costs_equal_cell_cost(
    space_and_genomes: tuple[CellSpace, list[Genome]], c_in: int, c_out: int, hw: int, stride: int, rule: str
) -> None:
    space, chosen = space_and_genomes
    expected = np.array([cell_cost(g, c_in, c_out, hw, stride, rule) for g in chosen], dtype=np.int64).reshape(-1, 2)
    assert np.array_equal(cell_costs(space, chosen, c_in, c_out, hw, stride, rule), expected)
    assert np.array_equal(cell_costs(space, space.encode(chosen), c_in, c_out, hw, stride, rule), expected)


def test_vectorised_costs_over_the_whole_nb201_space() -> None:
    chosen = list(NB201.enumerate())
    costs = cell_costs(NB201, chosen, 16, 32, 8, 2)
    assert costs.shape == (15_625, 2)
    for i in range(0, 15_625, 997):
        assert tuple(costs[i]) == cell_cost(chosen[i], 16, 32, 8, 2)


def test_vectorised_costs_errors() -> None:
    with pytest.raises(GenomeError, match="columns"):
        cell_costs(AUTOSPACE, np.zeros((3, 4), dtype=np.int8), 4, 4, 8, 1)
    with pytest.raises(GenomeError, match="outside"):
        cell_costs(IRB, np.array([[0, 5]]), 4, 4, 8, 1)
    with pytest.raises(GenomeError, match="space 'irb'"):
        cell_costs(IRB, [AUTOSPACE.sample(0)], 4, 4, 8, 1)
    dw = CellSpace(name="user-test-dw-costs", num_nodes=2, edges=((0, 1),), ops=("dwconv3x3", "conv1x1"))
    assert cell_costs(dw, [dw.genome(["conv1x1"])], 3, 5, 4, 1).shape == (1, 2)  # dwconv unused: no error
    with pytest.raises(GenomeError, match="c_in=3"):
        cell_costs(dw, [dw.genome(["conv1x1"]), dw.genome(["dwconv3x3"])], 3, 5, 4, 1)


def test_the_cost_model_and_skeletons_need_no_torch() -> None:
    import subprocess
    import sys

    code = """
import sys
from autospace.genome import get_space
from autospace.nn import cell_cost, cell_costs, get_skeleton, network_cost, network_costs, mobilenet_v2_genomes
space = get_space("autospace")
assert cell_cost(space.sample(0), 8, 8, 8) == tuple(cell_costs(space, [space.sample(0)], 8, 8, 8)[0])
network_cost(get_skeleton("mobilenet_v2"), mobilenet_v2_genomes(), 1000)
nb201 = get_space("nb201")
assert network_cost("nb201", nb201.sample(0), 10, "all") == tuple(network_costs("nb201", nb201, [nb201.sample(0)], 10, "all")[0])
assert "torch" not in sys.modules, "torch was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True)
