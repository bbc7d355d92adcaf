"""Canonical keys (the functional algebra) and NAS-Bench-201's unique strings."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from autospace.genome import ZERO_KEY, Genome, get_space


def nb(arch: str) -> Genome:
    return Genome.from_nb201(arch)


def test_nb201_key_count_is_4930() -> None:
    assert len({g.key for g in get_space("nb201").enumerate()}) == 4930


def test_nb201_unique_str_count_is_6466() -> None:
    assert len({g.nb201_unique_str() for g in get_space("nb201").enumerate()}) == 6466


def test_autospace_key_count_and_zero_cells() -> None:
    genomes = list(get_space("autospace").enumerate())
    keys = {g.key for g in genomes}
    assert len(keys) == 29575
    zero = [g for g in genomes if g.is_zero]
    # 341 of the 5^6 op patterns leave node 4 unreachable through non-zero edges, at every ratio
    assert len(zero) == 341 * 6
    assert all(g.key == ZERO_KEY for g in zero)


def test_zero_edges_contribute_nothing() -> None:
    a = nb("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|")
    b = nb("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|nor_conv_1x1~1|none~2|")
    assert a.key == b.key == "nor_conv_1x1(nor_conv_3x3(x))"


def test_op_of_zero_is_zero() -> None:
    g = nb("|none~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|avg_pool_3x3~2|")
    assert g.key == ZERO_KEY and g.is_zero
    # NB201's weaker rule does not see that node 2 is zero here
    assert g.nb201_unique_str() != "#"


def test_identity_passes_values_and_sums_flatten() -> None:
    # node2 = conv(x) + x ; out = skip(node2) + conv3(x)  ==  conv(x) + x + conv3(x)
    a = nb("|nor_conv_1x1~0|+|skip_connect~0|skip_connect~1|+|nor_conv_3x3~0|none~1|skip_connect~2|")
    b = nb("|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|")
    assert a.key == "nor_conv_1x1(x)+nor_conv_3x3(x)+x"
    assert b.key == "nor_conv_1x1(x)+x"
    assert a.key != b.key


def test_sum_is_a_multiset() -> None:
    once = nb("|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|")
    twice = nb("|skip_connect~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|")
    assert once.key == "x"
    assert twice.key == "x+x"


def test_op_of_sum_is_atomic() -> None:
    g = nb("|skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|none~1|nor_conv_3x3~2|")
    assert g.key == "nor_conv_3x3(nor_conv_1x1(x)+x)"


def test_autospace_key_includes_ratio_unless_zero() -> None:
    space = get_space("autospace")
    ops = ["conv3x3", "zero", "zero", "zero", "zero", "identity"]  # 1->2 conv, 3->4 identity only
    assert space.genome(ops, 6).is_zero  # node 3 is never reached
    ops = ["conv3x3", "zero", "zero", "zero", "identity", "zero"]
    assert space.genome(ops, 6).key == "e6:conv3x3(x)"
    assert space.genome(ops, 6).key != space.genome(ops, 3).key


@pytest.mark.parametrize("name", ["autospace", "nb201"])
def test_key_ignores_edges_leaving_zero_nodes(name: str) -> None:
    """Any op on an edge whose source node is zero leaves the key unchanged (op of zero is zero)."""
    space = get_space(name)
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(300):
        g = space.sample(rng)
        nonzero = nx.DiGraph([(u, v) for (u, v), op in zip(space.edges, g.ops) if op != space.zero_op])
        nonzero.add_node(space.source)
        reached = nx.descendants(nonzero, space.source) | {space.source}
        for i, (u, _v) in enumerate(space.edges):
            if u not in reached:
                for op in space.ops:
                    ops = g.ops[:i] + (op,) + g.ops[i + 1 :]
                    assert space.genome(ops, g.ratio).key == g.key
                    checked += 1
    assert checked > 100


def test_equal_keys_for_all_fifteen_thousand_nb201_cells_are_stable() -> None:
    """Keys do not depend on construction order (enumeration vs arch strings)."""
    for g in list(get_space("nb201").enumerate())[::97]:
        assert Genome.from_nb201(g.to_nb201()).key == g.key
