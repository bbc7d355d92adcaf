"""Analytic and cost evaluators, and the evaluator registry used by config files."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from autospace.errors import ConfigError, DataError, EvaluatorError
from autospace.evaluators import (
    AnalyticEvaluator,
    Candidate,
    CostEvaluator,
    Evaluator,
    create_evaluator,
    get_evaluator,
    layer_cost_fn,
    list_evaluators,
    parse_evaluator,
    register_evaluator,
)
from autospace.genome import get_space
from autospace.nn import get_skeleton, layer_cost

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


def test_cost_evaluator_and_layer_cost_use_the_nn_cost_model():
    g = SPACE.genome(["conv1x1", "zero", "zero", "zero", "conv3x3", "zero"], 3)
    layers = get_skeleton("tiny").layers
    madds, params = layer_cost(layers[1], g)
    assert layer_cost_fn("tiny")(1, g) == madds > 0
    assert layer_cost_fn("tiny", "params")(0, g) == layer_cost(layers[0], g)[1]
    assert CostEvaluator("tiny").score([Candidate(1, g)]) == [-madds]
    assert CostEvaluator("tiny", metric="params", minimize=False).score([Candidate(1, g)]) == [params]
    with pytest.raises(EvaluatorError, match=f"layer={len(layers)}"):
        CostEvaluator("tiny").score([Candidate(len(layers), g)])
    with pytest.raises(ConfigError, match="metric='flops'"):
        CostEvaluator("tiny", metric="flops")


def test_registry_resolves_defaults_and_relative_paths(tmp_path, nb201_csv):
    rel = Path("..") / "data.csv"
    spec = parse_evaluator({"name": "tabular", "path": str(rel)}, tmp_path / "cfg")
    assert spec.to_table() == {
        "name": "tabular",
        "path": str((tmp_path / "data.csv").resolve()),
        "search_metric": "val12",
        "report_metric": "test200",
    }
    assert {"analytic", "cost", "tabular", "supernet", "mixed"} <= set(list_evaluators())
    ev = create_evaluator("tabular", space=get_space("nb201"), path=str(nb201_csv))
    assert ev.describe()["rows"] == 15_625
    with pytest.raises(DataError, match="does not exist"):
        spec.create(space=get_space("nb201"))


@pytest.mark.parametrize(
    ("section", "match"),
    [
        ({"name": "nope"}, "evaluator='nope' is not a known evaluator"),
        ({}, "evaluator.name=None"),
        ({"name": "analytic", "colour": 1}, "evaluator.colour"),
        ({"name": "analytic", "delay": "slow"}, "evaluator.delay='slow'"),
        ({"name": "analytic", "seed": 1.5}, "evaluator.seed=1.5"),
        ({"name": "tabular"}, "evaluator.path is required"),
        ({"name": "supernet", "total_steps": "all"}, "evaluator.total_steps='all'"),
        ({"name": "supernet", "madds_budget": "150k"}, "evaluator.madds_budget='150k'"),
        ({"name": "low_fidelity", "train_size": 1.5}, "evaluator.train_size=1.5"),
    ],
)
def test_registry_rejects_bad_sections(section, match):
    with pytest.raises(ConfigError, match=match):
        parse_evaluator(section)


def test_every_settings_field_is_a_key():
    """The keys of an evaluator are the fields of its settings dataclasses (nothing copied by hand)."""
    from autospace.supernet.trainer import SupernetConfig
    from autospace.train.loop import TrainRecipe

    supernet = get_evaluator("supernet").keys()
    assert {f.name for f in fields(SupernetConfig)} <= set(supernet) and {"grad_clip", "alpha_betas"} <= set(supernet)
    assert {f.name for f in fields(TrainRecipe)} <= set(get_evaluator("low_fidelity").keys())
    assert {f.name for f in fields(TrainRecipe)} <= set(get_evaluator("mixed").keys())
    spec = parse_evaluator({"name": "supernet", "grad_clip": 1.0, "alpha_betas": [0.5, 0.9]})
    assert spec.settings[1].grad_clip == 1.0 and spec.settings[1].alpha_betas == (0.5, 0.9)
    assert spec.to_table()["alpha_betas"] == [0.5, 0.9]


@dataclass(frozen=True)
class _ConstantSettings:
    value: float = 1.0


def test_registering_a_new_evaluator():
    class Constant(Evaluator):
        def __init__(self, value: float) -> None:
            super().__init__()
            self.value = value

        def score_one(self, candidate):
            return self.value

        def describe(self):
            return {"name": "constant"}

    def factory(settings: _ConstantSettings, *, space, layers):
        return Constant(settings.value)

    register_evaluator("constant-test", factory, settings=_ConstantSettings)
    with pytest.raises(ConfigError, match="already registered"):
        register_evaluator("constant-test", factory, settings=_ConstantSettings)
    ev = create_evaluator("constant-test", space=SPACE, value=3)
    assert ev.score([Candidate(0, SPACE.sample(0))]) == [3.0]
    with pytest.raises(ConfigError, match="evaluator.value='x'"):
        create_evaluator("constant-test", space=SPACE, value="x")
