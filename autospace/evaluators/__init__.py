"""Evaluators: score (layer, genome) candidates for the evolution engine."""

from autospace.evaluators.analytic import AnalyticEvaluator
from autospace.evaluators.base import Candidate, Evaluator, EvaluatorCost
from autospace.evaluators.cost import CostEvaluator, layer_cost_fn
from autospace.evaluators.registry import (
    TORCH_EVALUATORS,
    EvaluatorSpec,
    create_evaluator,
    get_evaluator,
    list_evaluators,
    parse_evaluator,
    register_evaluator,
)
from autospace.evaluators.tabular import TabularEvaluator
from autospace.lazy import lazy_exports

__all__ = [
    "AnalyticEvaluator",
    "Candidate",
    "CostEvaluator",
    "Evaluator",
    "EvaluatorCost",
    "EvaluatorSpec",
    "TabularEvaluator",
    "create_evaluator",
    "get_evaluator",
    "layer_cost_fn",
    "list_evaluators",
    "parse_evaluator",
    "register_evaluator",
]

# torch-based evaluator classes and the zero-cost proxies' registry are imported on first use, like
# the evaluators' names in the registry
_LAZY = {cls: module for module, cls in TORCH_EVALUATORS.values()}
_LAZY |= {name: "autospace.evaluators.proxies" for name in ("get_proxy", "list_proxies", "register_proxy")}
__all__ += list(_LAZY)
__getattr__ = lazy_exports(__name__, _LAZY)
