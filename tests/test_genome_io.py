"""Genome construction, validation errors, networkx views, JSON, and Hamming distance."""

from __future__ import annotations

import json
import pickle

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autospace.errors import GenomeError
from autospace.genome import Genome, get_space, hamming, mean_pairwise_hamming, pairwise_hamming

SPACES = ["autospace", "nb201", "irb"]


def genomes(name: str) -> st.SearchStrategy[Genome]:
    space = get_space(name)
    return st.integers(0, 2**32 - 1).map(lambda seed: space.sample(np.random.default_rng(seed)))


def test_genome_is_immutable_and_hashable() -> None:
    g = get_space("autospace").sample(0)
    with pytest.raises(AttributeError):
        g.ratio = 3  # type: ignore[misc]
    assert {g: 1}[Genome(g.space, list(g.ops), g.ratio)] == 1
    assert pickle.loads(pickle.dumps(g)) == g


@pytest.mark.parametrize("name", SPACES)
def test_graph_round_trip(name: str) -> None:
    space = get_space(name)
    for g in [space.sample(s) for s in range(10)]:
        graph = g.graph
        assert nx.is_directed_acyclic_graph(graph)
        assert graph.number_of_nodes() == space.num_nodes
        assert graph.graph["ratio"] == g.ratio
        roles = nx.get_node_attributes(graph, "role")
        assert list(roles.values()).count("input") == 1 and list(roles.values()).count("output") == 1
        assert Genome.from_graph(graph, space) == g


def test_graph_of_autospace_has_fixed_io_edges() -> None:
    g = get_space("autospace").sample(0).graph
    fixed = {(u, v): d["op"] for u, v, d in g.edges(data=True) if d["fixed"]}
    assert fixed == {(0, 1): "expand", (4, 5): "project"}
    assert g.nodes[0]["role"] == "input" and g.nodes[5]["role"] == "output"


def test_from_graph_treats_missing_edges_as_zero() -> None:
    graph = nx.DiGraph(ratio=3)
    graph.add_nodes_from(range(6))
    graph.add_edge(1, 4, op="dwconv3x3")
    g = Genome.from_graph(graph, "autospace")
    assert g.ops == ("zero", "zero", "dwconv3x3", "zero", "zero", "zero")
    assert g.key == "e3:dwconv3x3(x)"


def _graph(edges: list[tuple[int, int, str]], nodes: int = 6, ratio: int | None = 6) -> nx.DiGraph:
    graph = nx.DiGraph(ratio=ratio)
    graph.add_nodes_from(range(nodes))
    for u, v, op in edges:
        graph.add_edge(u, v, op=op)
    return graph


@pytest.mark.parametrize(
    ("graph", "message"),
    [
        (_graph([(1, 2, "conv5x5")]), "unknown op 'conv5x5'"),
        (_graph([(1, 5, "conv3x3")]), r"edge \(1, 5\) is not in the space"),
        (_graph([(1, 2, "conv3x3"), (2, 1, "conv3x3")]), "cycle"),
        (_graph([(1, 2, "conv3x3")], nodes=5), "num_nodes=6"),
        (_graph([(1, 2, "conv3x3")], ratio=7), "ratio=7 is out of range"),
        (_graph([(1, 2, "conv3x3")], ratio=None), "ratio=None is out of range"),
    ],
)
def test_from_graph_validation_names_field_and_value(graph: nx.DiGraph, message: str) -> None:
    with pytest.raises(GenomeError, match=message):
        Genome.from_graph(graph, "autospace")


def test_constructor_validation() -> None:
    space = get_space("autospace")
    with pytest.raises(GenomeError, match="expected 6 edge ops, got 2"):
        Genome(space, ["zero", "zero"], 1)
    with pytest.raises(GenomeError, match="unknown op 'conv9x9' on edge"):
        Genome(space, ["conv9x9"] * 6, 1)
    with pytest.raises(GenomeError, match="has no expansion ratio, got ratio=3"):
        Genome("nb201", ["none"] * 6, 3)


@pytest.mark.parametrize("name", SPACES)
@given(data=st.data())
@settings(max_examples=30, deadline=None)
def test_json_round_trip(name: str, data: st.DataObject) -> None:
    g = data.draw(genomes(name))
    text = g.to_json()
    assert json.loads(text)["schema_version"] == 1
    assert Genome.from_json(text) == g


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "genome JSON is not valid JSON"),
        ("[1, 2]", "must be a JSON object, got list"),
        ('{"schema_version": 9, "space": "nb201", "edges": []}', "schema_version=9"),
        ('{"schema_version": 1, "edges": []}', "missing the field 'space'"),
        ('{"schema_version": 1, "space": "moon", "edges": []}', "space='moon' is not a known space"),
        ('{"schema_version": 1, "space": "irb", "edges": "x"}', "'edges' must be a list"),
        ('{"schema_version": 1, "space": "irb", "edges": [[1, 2, "zero"], [1, 2, "zero"]], "ratio": 3}', "twice"),
        ('{"schema_version": 1, "space": "irb", "edges": [[1, 2, "dwconv3x3"]], "ratio": 4}', "ratio=4"),
    ],
)
def test_malformed_json_raises_genome_error(text: str, message: str) -> None:
    with pytest.raises(GenomeError, match=message):
        Genome.from_json(text)


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        ("|nor_conv_3x3~0|+|none~0|", "expected 3 node groups"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv'"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", r"edge \(1, 1\)"),
        ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "malformed edge token"),
        ("none~0+|none~0|none~1|+|none~0|none~1|none~2|", "delimited"),
    ],
)
def test_malformed_nb201_strings(arch: str, message: str) -> None:
    with pytest.raises(GenomeError, match=message):
        Genome.from_nb201(arch)


def test_to_nb201_refuses_other_spaces() -> None:
    with pytest.raises(GenomeError, match="'autospace'"):
        get_space("autospace").sample(0).to_nb201()


def test_hamming_counts_edges_and_ratio() -> None:
    space = get_space("autospace")
    a = space.genome(["conv3x3"] * 6, 6)
    b = space.genome(["conv3x3"] * 4 + ["zero", "identity"], 3)
    assert hamming(a, a) == 0
    assert hamming(a, b) == hamming(b, a) == 3
    with pytest.raises(GenomeError, match="different spaces"):
        hamming(a, get_space("nb201").sample(0))


@pytest.mark.parametrize("name", SPACES)
def test_pairwise_hamming_matches_scalar(name: str) -> None:
    space = get_space(name)
    rng = np.random.default_rng(5)
    a = [space.sample(rng) for _ in range(40)]
    b = [space.sample(rng) for _ in range(25)]
    d = pairwise_hamming(space.encode(a), space.encode(b))
    assert d.shape == (40, 25)
    assert d.tolist() == [[hamming(x, y) for y in b] for x in a]
    pop = space.encode(a)
    full = pairwise_hamming(pop, pop)
    assert np.isclose(mean_pairwise_hamming(pop), full.sum() / (40 * 39))
    assert mean_pairwise_hamming(pop[:1]) == 0.0


@pytest.mark.parametrize("n", [0, 1, 2, 7, 30])
def test_mean_pairwise_hamming_equals_the_matrix_mean(n: int) -> None:
    space = get_space("autospace")
    encoded = space.encode([space.sample(n * 100 + i) for i in range(n)])
    expected = pairwise_hamming(encoded, encoded).sum() / (n * (n - 1)) if n > 1 else 0.0
    assert mean_pairwise_hamming(encoded) == pytest.approx(expected)
    assert mean_pairwise_hamming([tuple(r) for r in encoded]) == pytest.approx(expected)


def test_pairwise_hamming_rejects_width_mismatch() -> None:
    with pytest.raises(GenomeError, match="widths differ"):
        pairwise_hamming(np.zeros((2, 7)), np.zeros((2, 6)))


def test_genome_package_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, autospace.genome; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
