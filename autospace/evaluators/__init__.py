"""Evaluators: score (layer, genome) candidates for the evolution engine."""

from autospace.evaluators.analytic import AnalyticEvaluator
from autospace.evaluators.base import Candidate, Evaluator, EvaluatorCost
from autospace.evaluators.cost import CostEvaluator, layer_cost_fn, skeleton_layer_specs
from autospace.evaluators.registry import (
    list_evaluators,
    make_evaluator,
    register_evaluator,
    resolve_evaluator_config,
)
from autospace.evaluators.tabular import TabularEvaluator

__all__ = [
    "AnalyticEvaluator",
    "Candidate",
    "CostEvaluator",
    "Evaluator",
    "EvaluatorCost",
    "TabularEvaluator",
    "layer_cost_fn",
    "list_evaluators",
    "make_evaluator",
    "register_evaluator",
    "resolve_evaluator_config",
    "skeleton_layer_specs",
]

# torch-based evaluators are imported on first use (the registry does the same for their
# names), so that runs with table or analytic scores, and their worker processes, start
# without importing torch
_LAZY = {
    "SupernetEvaluator": "autospace.evaluators.supernet",
    "SupernetConfig": "autospace.supernet.trainer",
    "LowFidelityEvaluator": "autospace.evaluators.low_fidelity",
    "MixedEvaluator": "autospace.evaluators.mixed",
    "ZeroCostEvaluator": "autospace.evaluators.zero_cost",
}
__all__ += list(_LAZY)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
