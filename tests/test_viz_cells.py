"""draw_cell: the artists match the genome (edges, dead nodes, legend, title) in every space."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from autospace.genome import Genome, get_space, live_nodes, prune
from autospace.viz import draw_cell, op_color
from autospace.viz.style import DEAD_COLOR

SPACES = ("autospace", "nb201", "irb")


def _by_gid(fig: Figure, prefix: str) -> dict[str, object]:
    ax = fig.axes[0]
    return {a.get_gid(): a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)}


def _genomes(space_name: str, n: int = 12) -> list[Genome]:
    space = get_space(space_name)
    rng = np.random.default_rng(7)
    return [space.sample(rng) for _ in range(n)]


@pytest.mark.parametrize("space_name", SPACES)
def test_drawn_edges_are_the_non_zero_and_fixed_edges(space_name: str) -> None:
    for g in _genomes(space_name):
        fig = draw_cell(g)
        edges = _by_gid(fig, "edge-")
        space = g.space
        expected = {f"edge-{u}-{v}" for (u, v), op in g.edge_ops.items() if op != space.zero_op}
        expected |= {f"edge-{u}-{v}" for u, v, _ in space.fixed_edges()}
        assert set(edges) == expected
        assert all(isinstance(a, FancyArrowPatch) for a in edges.values())
        for (u, v), op in g.edge_ops.items():
            if op != space.zero_op:
                assert to_hex(edges[f"edge-{u}-{v}"].get_edgecolor()) == op_color(op)
                assert _by_gid(fig, f"label-{u}-{v}")[f"label-{u}-{v}"].get_text() == op


@pytest.mark.parametrize("space_name", SPACES)
def test_dead_nodes_are_grey_and_live_ones_are_not(space_name: str) -> None:
    for g in _genomes(space_name):
        nodes = _by_gid(draw_cell(g), "node-")
        assert len(nodes) == g.space.num_nodes
        live = live_nodes(g)
        for n in range(g.space.num_nodes):
            grey = to_hex(nodes[f"node-{n}"].get_facecolor()) == DEAD_COLOR
            assert grey == (n not in live), (g, n)


def test_dead_node_example() -> None:
    # node 3 gets conv1x1 from node 1 but feeds nothing: dead; its edge is faded
    g = get_space("autospace").genome(["conv3x3", "conv1x1", "zero", "zero", "conv3x3", "zero"], 3)
    assert live_nodes(g) == {0, 1, 2, 4, 5}
    fig = draw_cell(g)
    assert to_hex(_by_gid(fig, "node-3")["node-3"].get_facecolor()) == DEAD_COLOR
    assert _by_gid(fig, "edge-1-3")["edge-1-3"].get_alpha() < 1
    assert _by_gid(fig, "edge-1-2")["edge-1-2"].get_alpha() == 1


@pytest.mark.parametrize("space_name", SPACES)
def test_legend_names_every_op_present_and_title_has_ratio(space_name: str) -> None:
    for g in _genomes(space_name):
        fig = draw_cell(g)
        ax = fig.axes[0]
        names = {t.get_text() for t in ax.get_legend().get_texts()}
        assert set(g.ops) - {g.space.zero_op} <= names
        assert g.space.zero_op not in names
        if g.is_zero:
            assert "zero cell" in ax.get_title()
        elif g.ratio is not None:
            assert f"e={g.ratio}" in ax.get_title()


def test_irb_zero_cell_has_only_the_fixed_edges_and_every_node_dead() -> None:
    g = get_space("irb").genome(["zero"], 3)
    fig = draw_cell(g)
    assert set(_by_gid(fig, "edge-")) == {"edge-0-1", "edge-2-3"}
    assert all(to_hex(p.get_facecolor()) == DEAD_COLOR for p in _by_gid(fig, "node-").values())
    assert "zero cell" in fig.axes[0].get_title()


def test_draw_into_given_axes_and_no_labels() -> None:
    fig = Figure()
    ax = fig.subplots()
    g = get_space("nb201").genome(["nor_conv_3x3"] * 6)
    assert draw_cell(g, ax, labels=False, legend=False, title="mine") is fig
    assert _by_gid(fig, "label-") == {}
    assert ax.get_legend() is None and ax.get_title() == "mine"


@pytest.mark.parametrize("space_name", SPACES)
def test_prune_keeps_the_function_and_drops_dead_edges(space_name: str) -> None:
    for g in _genomes(space_name, 30):
        p = prune(g)
        assert p.key == g.key
        live = live_nodes(p)
        assert all(op == g.space.zero_op or (u in live and v in live) for (u, v), op in p.edge_ops.items())
