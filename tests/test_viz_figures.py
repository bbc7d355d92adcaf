"""Learned-space statistics, the top-K grid, evolution curves, convergence and ranking fidelity: the
artists carry the numbers of the data."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from test_viz_io import FIDELITY, SPACES, history_records, learned_space_dict

from autospace.viz import (
    VizError,
    as_learned_space,
    convergence,
    cost_per_layer,
    diversity_curves,
    fitness_curves,
    op_frequency,
    op_heatmap,
    ranking_fidelity,
    ratio_counts,
    ratio_per_layer,
    reference_distance,
    switch_off_round,
    topk_grid,
)


def _learned(space_name: str, layers: int = 5, top_k: int = 4, **kw):
    return as_learned_space(learned_space_dict(space_name, layers, top_k, **kw))


@pytest.mark.parametrize("space_name", SPACES)
def test_topk_grid_draws_every_cell_with_its_caption(space_name: str) -> None:
    learned = _learned(space_name, layers=3, top_k=3)
    ax = topk_grid(learned).axes[0]
    gids = [a.get_gid() for a in ax.get_children() if a.get_gid()]
    captions = {g: t.get_text() for t in ax.texts if (g := t.get_gid() or "").endswith("caption")}
    assert len(captions) == 9
    cell = learned.layers[1][1]
    assert captions["L1#2/caption"].startswith("L1 #2") and f"f={cell.fitness:.3g}" in captions["L1#2/caption"]
    space = learned.space
    for layer, cells in enumerate(learned.layers):
        for rank, c in enumerate(cells, start=1):
            edges = [g for g in gids if g.startswith(f"L{layer}#{rank}/edge-")]
            active = sum(op != space.zero_op for op in c.genome.ops)
            assert len(edges) == active + len(space.fixed_edges())


@pytest.mark.parametrize("space_name", SPACES)
def test_op_heatmap_is_layers_by_ops(space_name: str) -> None:
    learned = _learned(space_name)
    fig = op_heatmap(learned)
    data = fig.axes[0].images[0].get_array()
    assert data.shape == (5, len(learned.space.ops))
    assert np.allclose(data.sum(axis=1), 1.0)
    layer0 = Counter(op for cell in learned.layers[0] for op in cell.genome.ops)
    total = sum(layer0.values())
    assert np.allclose(data[0], [layer0[op] / total for op in learned.space.ops])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(learned.space.ops)
    assert len(fig.axes[0].texts) == data.size
    assert np.array_equal(op_frequency(learned), data)


def test_ratio_per_layer_counts_ratios_and_zero_cells() -> None:
    learned = _learned("irb", layers=4, top_k=5)
    labels, counts = ratio_counts(learned)
    assert labels == ["e=3", "e=6", "zero"]
    for layer, cells in enumerate(learned.layers):
        expected = Counter("zero" if c.genome.is_zero else f"e={c.genome.ratio}" for c in cells)
        assert list(counts[layer]) == [expected[label] for label in labels]
    fig = ratio_per_layer(learned)
    bars = fig.axes[0].containers
    assert len(bars) == len(labels)
    assert [b.get_height() for b in bars[0]] == list(counts[:, 0])
    with pytest.raises(VizError, match="space 'nb201' has no expansion ratio"):
        ratio_per_layer(_learned("nb201"))


def test_cost_per_layer_uses_the_cost_model() -> None:
    nn = pytest.importorskip("autospace.nn")
    learned = _learned("autospace", layers=4, top_k=3, skeleton="tiny")
    fig = cost_per_layer(learned)
    layers = nn.get_skeleton("tiny").layers
    best = [nn.cell_cost(cells[0].genome, s.c_in, s.c_out, s.hw, s.stride) for cells, s in zip(learned.layers, layers)]
    madds_bars = fig.axes[0].containers[0]
    assert [b.get_height() for b in madds_bars] == [m for m, _ in best]
    assert [b.get_height() for b in fig.axes[1].containers[0]] == [p for _, p in best]
    with pytest.raises(VizError, match="skeleton=null"):
        cost_per_layer(_learned("autospace", layers=4))
    with pytest.raises(VizError, match="skeleton 'tiny' has 4 searchable layers, the learned space has 5"):
        cost_per_layer(_learned("autospace", layers=5), skeleton="tiny")


def _history(space_name: str = "autospace", **kw):
    kw = {"layers": 3, "rounds": 8, "reference": True, "switch_off": 4} | kw
    return history_records(space_name, kw.pop("layers"), kw.pop("rounds"), **kw)


def _lines(ax, prefix: str) -> list:
    return [line for line in ax.lines if (line.get_gid() or "").startswith(prefix)]


def test_fitness_curves_plot_every_layer_and_the_mean() -> None:
    history = _history()
    fig = fitness_curves(history)
    best_ax, mean_ax = fig.axes[:2]
    assert len(_lines(best_ax, "best-layer-")) == 3
    assert list(_lines(best_ax, "best-layer-")[2].get_ydata()) == [r["best"][2] for r in history]
    assert np.allclose(_lines(mean_ax, "mean-mean")[0].get_ydata(), [np.mean(r["mean"]) for r in history])


@pytest.mark.parametrize("space_name", SPACES)
def test_switch_off_marker_is_at_the_right_round(space_name: str) -> None:
    history = _history(space_name, switch_off=5)
    assert switch_off_round(history) == 5
    for fig in (reference_distance(history, tau=2), diversity_curves(history)):
        marker = _lines(fig.axes[0], "switch-off")
        assert len(marker) == 1 and list(marker[0].get_xdata()) == [5, 5]
    ref = reference_distance(history, tau=2).axes[0]
    assert list(_lines(ref, "tau")[0].get_ydata()) == [2, 2]
    assert np.allclose(_lines(ref, "ref-mean")[0].get_ydata(), [np.mean(r["ref_distance"]) for r in history])


def test_no_marker_without_a_switch_and_no_reference_figure_without_reference() -> None:
    always = _history(switch_off=100)
    assert switch_off_round(always) is None
    assert _lines(diversity_curves(always).axes[0], "switch-off") == []
    without = _history(reference=False, switch_off=None)
    with pytest.raises(VizError, match="ref_distance"):
        reference_distance(without)


def test_null_layer_values_are_gaps() -> None:
    history = copy.deepcopy(_history())
    history[0]["best"] = [None, None, None]
    history[1]["best"][0] = None
    ax = fitness_curves(history).axes[0]
    mean = _lines(ax, "best-mean")[0].get_ydata()
    assert np.isnan(mean[0]) and mean[1] == pytest.approx(np.mean(history[1]["best"][1:]))


def test_history_errors_name_the_field_and_round() -> None:
    history = copy.deepcopy(_history())
    history[2]["best"] = [1.0]
    with pytest.raises(VizError, match=r"history record 2 \(round 2\): field 'best' has 1 layers"):
        fitness_curves(history)
    history[2]["best"] = None
    with pytest.raises(VizError, match="field 'best' must be a non-empty list of numbers, got None"):
        fitness_curves(history)
    with pytest.raises(VizError, match="history is empty"):
        fitness_curves([])


def test_convergence_puts_runs_on_one_axis_against_rounds_and_seconds() -> None:
    runs = {"with": _history(switch_off=3, seed=1), "without": _history(reference=False, switch_off=None, seed=2)}
    fig = convergence(runs)
    by_round, by_time = fig.axes
    lines = _lines(by_round, "run-")
    assert [line.get_label() for line in lines] == ["with", "without"]
    assert np.allclose(lines[0].get_ydata(), [np.mean(r["best"]) for r in runs["with"]])
    assert np.allclose(_lines(by_time, "run-")[1].get_xdata(), [r["seconds"] for r in runs["without"]])
    marker = _lines(by_round, "switch-off-")
    assert len(marker) == 1 and list(marker[0].get_xdata()) == [3]
    with pytest.raises(VizError, match="two or more runs"):
        convergence({"one": runs["with"]})


def test_ranking_fidelity_has_a_panel_per_initialisation() -> None:
    fig = ranking_fidelity(FIDELITY)
    panels = [ax for ax in fig.axes if ax.lines]
    assert len(panels) == 2
    first = panels[0]
    net_lines = [line for line in first.lines if line.get_label() in FIDELITY["networks"]]
    assert [line.get_label() for line in net_lines] == ["Net1", "Net2", "Net3"]
    assert list(net_lines[0].get_ydata()) == [0.0, 0.1, 0.3, 0.4]  # init, then each epoch
    assert [list(line.get_xdata()) for line in first.lines if line.get_gid() == "epochs-to-correct-0"] == [[2, 2]]
    assert "never correct" in panels[1].get_title()
    assert "Net1 > Net2 > Net3" in fig.get_suptitle()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("networks"), "field 'networks'"),
        (lambda d: d["runs"][1].update(init=[1.0]), r"runs\[1\].init"),
        (lambda d: d["runs"][0]["epochs"].append([1, 2]), r"runs\[0\].epochs\[3\]"),
        (lambda d: d["runs"][0].update(epochs_to_correct=-1), "epochs_to_correct"),
    ],
)
def test_ranking_fidelity_errors_name_the_field(change, message: str) -> None:
    data = copy.deepcopy(FIDELITY)
    change(data)
    with pytest.raises(VizError, match=message):
        ranking_fidelity(data)


def test_figures_accept_a_path(tmp_path: Path) -> None:
    (tmp_path / "ls.json").write_text(json.dumps(learned_space_dict("nb201", 2, 2)))
    assert op_heatmap(tmp_path / "ls.json").axes[0].images[0].get_array().shape == (2, 5)


def test_engine_objects_are_accepted() -> None:
    from autospace.evolve.history import History
    from autospace.evolve.learned import LearnedSpace

    learned = LearnedSpace.from_dict(learned_space_dict("autospace", 3, 2))
    assert op_frequency(learned).shape == (3, 5)
    history = History(_history())
    assert len(_lines(fitness_curves(history).axes[0], "best-layer-")) == 3
