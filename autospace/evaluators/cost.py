"""Cost of cells from the analytic cost model of `autospace.nn` (pure arithmetic, no torch).

`layer_cost_fn` gives the engine's per-layer MAdds cap its ``layer_cost(layer, genome)``;
`CostEvaluator` scores cells by (negated) MAdds or parameters, e.g. to search for cheap cells.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.genome import Genome
from autospace.nn import get_skeleton, layer_cost

METRICS = ("madds", "params")


def layer_cost_fn(skeleton: str, metric: str = "madds") -> Callable[[int, Genome], float]:
    """A cost function of a skeleton's searchable layers, for `EvolveConfig.madds_cap`.

    Args:
        skeleton: a registered skeleton name.
        metric: ``"madds"`` or ``"params"``.

    Returns:
        ``layer_cost(layer, genome)``: the MAdds (or params) of ``genome`` at searchable layer
        ``layer``.

    Raises:
        ConfigError: an unknown ``metric``.
    """
    if metric not in METRICS:
        raise ConfigError(f"cost metric={metric!r} is not one of {METRICS}")
    layers = get_skeleton(skeleton).layers
    index = METRICS.index(metric)

    def cost(layer: int, genome: Genome) -> float:
        if not 0 <= layer < len(layers):
            raise EvaluatorError(f"cost: layer={layer} out of range 0..{len(layers) - 1}")
        return float(layer_cost(layers[layer], genome)[index])

    return cost


class CostEvaluator(Evaluator):
    """Exact score ``-cost`` (cheaper is fitter), or ``+cost`` with ``minimize=False``.

    Args:
        skeleton: the registered skeleton whose cost model scores the cells.
        metric: ``"madds"`` or ``"params"``.
        minimize: score the negated cost.

    Raises:
        ConfigError: an unknown ``metric``.
    """

    def __init__(self, skeleton: str, metric: str = "madds", minimize: bool = True) -> None:
        super().__init__()
        self.skeleton, self.metric, self.minimize = skeleton, metric, minimize
        self._cost = layer_cost_fn(skeleton, metric)

    def score_one(self, candidate: Candidate) -> float:
        value = self._cost(candidate.layer, candidate.genome)
        return 0.0 - value if self.minimize else value

    def describe(self) -> dict[str, Any]:
        return {"name": "cost", "skeleton": self.skeleton, "metric": self.metric, "minimize": self.minimize}
