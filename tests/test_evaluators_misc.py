"""Analytic and cost evaluators, and the evaluator registry used by config files."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

import autospace
from autospace.errors import ConfigError, DataError, EvaluatorError
from autospace.evaluators import (
    AnalyticEvaluator,
    Candidate,
    CostEvaluator,
    Evaluator,
    layer_cost_fn,
    list_evaluators,
    make_evaluator,
    register_evaluator,
    resolve_evaluator_config,
)
from autospace.genome import get_space

SPACE = get_space("autospace")


def test_analytic_optimum_scores_one_and_others_less():
    ev = AnalyticEvaluator(SPACE, layers=3, seed=4)
    for layer in range(3):
        opt = ev.optimum(layer)
        assert ev.score([Candidate(layer, opt)]) == [1.0]
        other = SPACE.mutate(opt, 0)
        assert ev.score([Candidate(layer, other)])[0] == pytest.approx(1 - 1 / SPACE.encoding_width)
    assert ev.cost.queries == 6
    with pytest.raises(EvaluatorError, match="layer=3"):
        ev.score([Candidate(3, opt)])


def test_analytic_targets_are_seeded():
    assert AnalyticEvaluator(SPACE, layers=2, seed=1).targets == AnalyticEvaluator(SPACE, layers=2, seed=1).targets
    assert AnalyticEvaluator(SPACE, seed=1).targets != AnalyticEvaluator(SPACE, seed=2).targets


@pytest.fixture()
def fake_nn(monkeypatch):
    """A stand-in for autospace.nn: madds = 100 * ratio * non-zero edges, params = madds / 10."""
    layer = types.SimpleNamespace(c_in=8, c_out=8, stride=1, hw=4)

    def cell_cost(genome, c_in, c_out, hw, stride):
        madds = 100 * genome.ratio * sum(op != "zero" for op in genome.ops)
        return madds, madds / 10

    fake = types.SimpleNamespace(
        cell_cost=cell_cost, get_skeleton=lambda name: types.SimpleNamespace(layers=[layer] * 2)
    )
    monkeypatch.setitem(sys.modules, "autospace.nn", fake)
    monkeypatch.setattr(autospace, "nn", fake, raising=False)
    return fake


def test_cost_evaluator_and_layer_cost_use_the_nn_cost_model(fake_nn):
    g = SPACE.genome(["conv1x1", "zero", "zero", "zero", "zero", "conv3x3"], 3)
    assert layer_cost_fn("fake")(1, g) == 600
    assert layer_cost_fn("fake", "params")(0, g) == 60
    assert CostEvaluator("fake").score([Candidate(0, g)]) == [-600]
    assert CostEvaluator("fake", metric="params", minimize=False).score([Candidate(1, g)]) == [60]
    with pytest.raises(EvaluatorError, match="layer=2"):
        CostEvaluator("fake").score([Candidate(2, g)])
    with pytest.raises(ConfigError, match="metric='flops'"):
        CostEvaluator("fake", metric="flops")


def test_registry_resolves_defaults_and_relative_paths(tmp_path, nb201_csv):
    rel = Path("..") / "data.csv"
    resolved = resolve_evaluator_config({"name": "tabular", "path": str(rel)}, tmp_path / "cfg")
    assert resolved == {
        "name": "tabular",
        "path": str((tmp_path / "data.csv").resolve()),
        "search_metric": "val12",
        "report_metric": "test200",
    }
    assert {"analytic", "cost", "tabular"} <= set(list_evaluators())
    ev = make_evaluator(resolve_evaluator_config({"name": "tabular", "path": str(nb201_csv)}), space=get_space("nb201"))
    assert ev.describe()["rows"] == 15_625
    with pytest.raises(DataError, match="is not a file"):
        make_evaluator(resolved, space=get_space("nb201"))


@pytest.mark.parametrize(
    ("section", "match"),
    [
        ({"name": "nope"}, "evaluator.name='nope'"),
        ({}, "evaluator.name=None"),
        ({"name": "analytic", "colour": 1}, "evaluator.colour"),
        ({"name": "analytic", "delay": "slow"}, "evaluator.delay='slow'"),
        ({"name": "analytic", "seed": 1.5}, "evaluator.seed=1.5"),
        ({"name": "tabular"}, "evaluator.path is required"),
    ],
)
def test_registry_rejects_bad_sections(section, match):
    with pytest.raises(ConfigError, match=match):
        resolve_evaluator_config(section)


def test_registering_a_new_evaluator():
    class Constant(Evaluator):
        def score_one(self, candidate):
            return self.value

        def describe(self):
            return {"name": "constant"}

    def factory(*, space, layers, value: float = 1.0):
        ev = Constant()
        ev.value = value
        return ev

    register_evaluator("constant-test", factory)
    with pytest.raises(ConfigError, match="already registered"):
        register_evaluator("constant-test", factory)
    ev = make_evaluator(resolve_evaluator_config({"name": "constant-test", "value": 3}), space=SPACE)
    assert ev.score([Candidate(0, SPACE.sample(0))]) == [3.0]
