"""Motif mining (`autospace.genome.motifs`) and the motif figure (Fig. 4): known counts on
hand-built cells, one motif per isomorphism class, enrichment against random cells, determinism."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms.isomorphism import DiGraphMatcher, categorical_edge_match, categorical_node_match
from test_viz_io import learned_space_dict

from autospace.errors import GenomeError
from autospace.genome import Genome, get_space, live_edges
from autospace.genome.motifs import Motif, mine_motifs
from autospace.viz import VizError, as_learned_space, learned_motifs, motifs

SPACE = get_space("autospace")


def cell(ratio: int = 6, **ops: str) -> Genome:
    """An autospace cell from ``e12="conv3x3"``-style keywords (other edges zero)."""
    return Genome(SPACE, {(int(k[1]), int(k[2])): op for k, op in ops.items()}, ratio)


def described(table, size: int | None = None) -> dict[str, int]:
    return {m.describe(): m.cells for m in table.motifs if size is None or m.size == size}


def test_a_chain_of_three_convs_holds_six_motifs() -> None:
    chain = cell(e12="conv3x3", e23="conv3x3", e34="conv3x3")
    table = mine_motifs([[chain]], random_cells=10)
    assert described(table) == {
        "in -conv3x3-> a": 1,
        "a -conv3x3-> b": 1,
        "a -conv3x3-> out": 1,
        "in -conv3x3-> a, a -conv3x3-> b": 1,
        "a -conv3x3-> b, b -conv3x3-> out": 1,
        "in -conv3x3-> a, a -conv3x3-> b, b -conv3x3-> out": 1,
    }  # (1,2) + (3,4) is not connected, so it is no motif
    assert table.cells == 1 and table.layers == 1


def test_dead_and_zero_edges_hold_no_motif() -> None:
    # (2,3) conv1x1 is dead: node 3 reaches the sink only through a zero edge
    with_dead = cell(e14="dwconv3x3", e23="conv1x1")
    assert described(mine_motifs([[with_dead]], random_cells=10)) == {"in -dwconv3x3-> out": 1}
    assert mine_motifs([[cell()]], random_cells=10).motifs == ()


def test_isomorphic_subgraphs_are_one_motif_and_a_cell_counts_once() -> None:
    left = cell(e12="conv1x1", e24="dwconv3x3")
    right = cell(e13="conv1x1", e34="dwconv3x3")   # the same path through another inner node
    both = cell(e12="conv1x1", e24="dwconv3x3", e13="conv1x1", e34="dwconv3x3")
    table = mine_motifs([[left, right], [both]], random_cells=10)
    path = "in -conv1x1-> a, a -dwconv3x3-> out"
    assert described(table, 2)[path] == 3
    found = next(m for m in table.motifs if m.describe() == path)
    assert found.layers == (0, 1)
    assert [(layer, rank) for layer, rank, _ in found.found_in] == [(0, 0), (0, 1), (1, 0)]
    assert found.found_in[1][2] == ((1, 3), (3, 4))  # the cell edges of the occurrence
    # the two-branch cell holds the fan-out and the fan-in once each, not as new motifs per branch
    assert described(table, 2)["in -conv1x1-> a, in -conv1x1-> b"] == 1
    assert described(table, 2)["a -dwconv3x3-> out, b -dwconv3x3-> out"] == 1


def test_different_ops_or_directions_are_different_motifs() -> None:
    conv_then_dw = cell(e12="conv3x3", e24="dwconv3x3")
    dw_then_conv = cell(e12="dwconv3x3", e24="conv3x3")
    table = mine_motifs([[conv_then_dw, dw_then_conv]], random_cells=10)
    assert described(table, 2) == {"in -conv3x3-> a, a -dwconv3x3-> out": 1, "in -dwconv3x3-> a, a -conv3x3-> out": 1}
    fan_out = cell(e12="identity", e13="identity", e24="zero", e34="zero", e14="conv1x1")
    fan_in = cell(e14="conv1x1", e12="conv1x1", e24="identity", e23="zero")
    shapes = mine_motifs([[fan_out], [fan_in]], random_cells=10)
    two = [m for m in shapes.motifs if m.size == 2]
    graphs = [m.graph for m in two]
    match = {"node_match": categorical_node_match("role", None), "edge_match": categorical_edge_match("op", None)}
    assert not any(nx.is_isomorphic(a, b, **match) for i, a in enumerate(graphs) for b in graphs[i + 1:])


def _cell_graph(genome: Genome) -> nx.DiGraph:
    space = genome.space
    g = nx.DiGraph()
    for u, v, op in live_edges(genome):
        for n in (u, v):
            g.add_node(n, role="in" if n == space.source else "out" if n == space.sink else "inner")
        g.add_edge(u, v, op=op)
    return g


@pytest.mark.parametrize("space_name", ["autospace", "nb201"])
def test_support_equals_a_subgraph_monomorphism_count(space_name: str) -> None:
    learned = as_learned_space(learned_space_dict(space_name, layers=4, top_k=5, seed=3))
    table = learned_motifs(learned, random_cells=50)
    graphs = [[_cell_graph(c.genome) for c in entries] for entries in learned.layers]
    node_match, edge_match = categorical_node_match("role", None), categorical_edge_match("op", None)
    for motif in table.motifs:
        holds = [[DiGraphMatcher(g, motif.graph, node_match, edge_match).subgraph_is_monomorphic() for g in layer]
                 for layer in graphs]
        assert motif.cells == sum(map(sum, holds))
        assert motif.layers == tuple(i for i, layer in enumerate(holds) if any(layer))
        assert motif.total == table.cells == 20
    assert [m.cells for m in table.motifs] == sorted((m.cells for m in table.motifs), reverse=True)


def test_enrichment_is_the_share_over_the_random_share() -> None:
    skip = cell(e14="identity")
    table = mine_motifs([[skip], [skip, cell(e14="identity", e12="conv1x1", e24="conv1x1")]], random_cells=400,
                        seed=7)
    motif = next(m for m in table.motifs if m.describe() == "in -identity-> out")
    # a direct source-to-sink edge is live whenever it is not zero: count identity on (1, 4) independently
    rng = np.random.default_rng(7)
    expected = sum(SPACE.sample(rng).edge_ops[(1, 4)] == "identity" for _ in range(400))
    assert 40 < expected < 120  # about 1 in 5
    assert (motif.cells, motif.share, motif.random_cells) == (3, 1.0, expected)
    assert motif.enrichment == pytest.approx(1.0 / (expected / 400))
    absent = Motif(motif.edges, motif.roles, 1, 3, (0,), 0, 400, ())
    assert math.isinf(absent.enrichment)


def test_mining_is_deterministic_and_the_seed_only_moves_the_baseline() -> None:
    layers = [[c.genome for c in entries] for entries in as_learned_space(learned_space_dict("autospace", 5, 4)).layers]
    first, again = mine_motifs(layers, seed=1, random_cells=100), mine_motifs(layers, seed=1, random_cells=100)
    assert first == again
    other = mine_motifs(layers, seed=2, random_cells=100)
    learned_part = {m.describe(): (m.cells, m.layers, m.found_in) for m in first.motifs}
    assert {m.describe(): (m.cells, m.layers, m.found_in) for m in other.motifs} == learned_part
    random_part = {m.describe(): m.random_cells for m in first.motifs}
    assert {m.describe(): m.random_cells for m in other.motifs} != random_part


def test_bad_inputs_are_genome_errors() -> None:
    with pytest.raises(GenomeError, match="max_edges must be >= 1"):
        mine_motifs([[cell(e14="identity")]], max_edges=0)
    with pytest.raises(GenomeError, match="several spaces"):
        mine_motifs([[cell(e14="identity")], [get_space("nb201").sample(0)]])
    with pytest.raises(GenomeError, match="no cells"):
        mine_motifs([[]])


@pytest.mark.parametrize("space_name", ["autospace", "nb201"])
def test_the_figure_shows_each_size_and_the_cells_of_the_headline_motif(space_name: str) -> None:
    learned = as_learned_space(learned_space_dict(space_name, layers=5, top_k=4))
    table = learned_motifs(learned, random_cells=100)
    fig = motifs(learned, per_size=3, cells=4, random_cells=100)
    rows = [sub for sub in fig.subfigs]
    assert len(rows) == 4  # (a) (b) (c) and (d)
    for size, sub in enumerate(rows[:3], start=1):
        assert sub._suptitle.get_text().startswith(f"({'abc'[size - 1]}) most frequent {size}-edge motif")
        titles = [ax.get_title() for ax in sub.axes if ax.get_title()]
        expected = table.of_size(size)[:3]
        assert len(titles) == len(expected)
        for title, m in zip(titles, expected, strict=True):
            assert title.startswith(f"{m.cells}/{table.cells} cells, {len(m.layers)}/5 layers")
            assert f"random {m.random_share:.1%}" in title
        ax = sub.axes[0]
        edges = {a.get_gid() for a in ax.get_children() if (a.get_gid() or "").split("/")[-1].startswith("edge-")}
        assert len(edges) == size
    headline = table.of_size(3)[0]
    cells_row = rows[3]
    assert headline.describe() in cells_row._suptitle.get_text()
    shown = [ax for ax in cells_row.axes if ax.get_title()]
    assert len(shown) == min(4, headline.cells)
    for ax, (layer, rank, edges) in zip(shown, headline.found_in, strict=False):
        assert ax.get_title().startswith(f"layer {layer} #{rank + 1}")
        bold = {a.get_gid().split("edge-")[1] for a in ax.patches + ax.artists
                if "edge-" in (a.get_gid() or "") and a.get_alpha() == 1.0}
        assert bold == {f"{u}-{v}" for u, v in edges}
    legend = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {op for m in table.of_size(1)[:3] for _, _, op in m.edges} <= legend


def test_a_one_edge_space_has_one_row_of_motifs(tmp_path) -> None:
    learned = as_learned_space(learned_space_dict("irb", layers=3, top_k=3))
    fig = motifs(learned, random_cells=50)
    assert len(fig.subfigs) == 2
    fig.savefig(tmp_path / "motifs.png")
    assert (tmp_path / "motifs.png").stat().st_size > 0
    with pytest.raises(VizError, match="per_size"):
        motifs(learned, per_size=0)
