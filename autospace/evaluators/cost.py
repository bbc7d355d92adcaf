"""Cost of cells from the analytic cost model of `autospace.nn` (imported lazily).

`layer_cost_fn` gives the engine's per-layer MAdds cap its ``layer_cost(layer, genome)``;
`CostEvaluator` scores cells by (negated) MAdds or parameters, e.g. to search for cheap cells.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.genome import Genome

METRICS = ("madds", "params")


def skeleton_layer_specs(skeleton: str) -> list[Any]:
    """Per-layer specs (``c_in``, ``c_out``, ``stride``, ``hw``) of the named skeleton."""
    from autospace import nn

    return list(nn.get_skeleton(skeleton).layers)


def cell_cost(skeleton_layers: list[Any], layer: int, genome: Genome) -> tuple[float, float]:
    """``(madds, params)`` of ``genome`` placed at searchable layer ``layer`` of a skeleton."""
    from autospace import nn

    if not 0 <= layer < len(skeleton_layers):
        raise EvaluatorError(f"cost: layer={layer} out of range 0..{len(skeleton_layers) - 1}")
    spec = skeleton_layers[layer]
    madds, params = nn.cell_cost(genome, spec.c_in, spec.c_out, spec.hw, spec.stride)
    return float(madds), float(params)


def layer_cost_fn(skeleton: str, metric: str = "madds") -> Callable[[int, Genome], float]:
    """``layer_cost(layer, genome)`` for the engine's per-layer cap, on skeleton ``skeleton``."""
    if metric not in METRICS:
        raise ConfigError(f"cost metric={metric!r} is not one of {METRICS}")
    layers = skeleton_layer_specs(skeleton)
    index = METRICS.index(metric)

    def layer_cost(layer: int, genome: Genome) -> float:
        return cell_cost(layers, layer, genome)[index]

    return layer_cost


class CostEvaluator(Evaluator):
    """Exact score ``-cost`` (cheaper is fitter), or ``+cost`` with ``minimize=False``."""

    exact = True
    independent = True

    def __init__(self, skeleton: str, metric: str = "madds", minimize: bool = True) -> None:
        super().__init__()
        if metric not in METRICS:
            raise ConfigError(f"cost evaluator: metric={metric!r} is not one of {METRICS}")
        self.skeleton = skeleton
        self.metric = metric
        self.minimize = minimize
        self._layers = skeleton_layer_specs(skeleton)

    def score_one(self, candidate: Candidate) -> float:
        value = cell_cost(self._layers, candidate.layer, candidate.genome)[METRICS.index(self.metric)]
        return 0.0 - value if self.minimize else value

    def describe(self) -> dict[str, Any]:
        return {"name": "cost", "skeleton": self.skeleton, "metric": self.metric, "minimize": self.minimize}
