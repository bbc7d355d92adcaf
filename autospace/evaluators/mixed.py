"""LCMNAS mixed fitness: ``lam * zero-cost + (1 - lam) * low-fidelity``, combined one of two ways
(``combine``):

* ``rank`` (default): on rank-normalised scores. Ranks are taken within each layer's candidates of
  the batch (ties averaged) and scaled to [0, 1], so scores are relative to the batch: not
  independent, not exact (the engine averages them with the momentum update).
* ``raw``: the raw sum, as the LCMNAS code computes it, with the accuracy in percent
  (``lam * score + (1 - lam) * 100 * accuracy``): a function of the genome alone, so exact and
  independent (the engine may score candidates one by one on a process pool or Ray).

Raw scores of both parts are cached per ``(layer, genome)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from autospace.errors import ConfigError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.low_fidelity import LowFidelityEvaluator, LowFidelitySettings
from autospace.evaluators.registry import register_evaluator
from autospace.evaluators.zero_cost import ZeroCostEvaluator
from autospace.genome import CellSpace
from autospace.macro.space import MacroSpace
from autospace.train.recipe import ScoringRecipe

COMBINES = ("rank", "raw")


def rank_normalise(scores: Sequence[float]) -> np.ndarray:
    """Ranks of ``scores`` scaled to [0, 1] (best = 1); all 0.5 for a single score."""
    if len(scores) == 1:
        return np.array([0.5])
    return (rankdata(scores) - 1) / (len(scores) - 1)


class MixedEvaluator(Evaluator):
    """LCMNAS's mixed fitness: ``lam * zero_cost + (1 - lam) * low_fidelity``.

    Args:
        zero_cost: the zero-cost evaluator (LCMNAS: its Jacobian score).
        low_fidelity: the short-training evaluator.
        lam: the zero-cost part's weight, in [0, 1].
        combine: ``"rank"`` (both parts rank-normalised within each batch; not exact) or ``"raw"``
            (the plain sum, LCMNAS's own; exact).

    Raises:
        ConfigError: ``lam`` outside [0, 1] or an unknown ``combine``.
    """

    exact = False
    independent = False

    def __init__(self, zero_cost: Evaluator, low_fidelity: Evaluator, lam: float = 0.75,
                 combine: str = "rank") -> None:
        super().__init__()
        if not 0.0 <= lam <= 1.0:
            raise ConfigError(f"evaluator.lam={lam!r} must be in [0, 1]")
        if combine not in COMBINES:
            raise ConfigError(f"evaluator.combine={combine!r} is not one of {list(COMBINES)}")
        self.zero_cost, self.low_fidelity, self.lam, self.combine = zero_cost, low_fidelity, lam, combine
        self.exact = self.independent = combine == "raw"  # type: ignore[misc]
        self._cache: dict[tuple[str, int, Any], float] = {}

    def _raw(self, part: str, evaluator: Evaluator, batch: Sequence[Candidate]) -> list[float]:
        todo = [c for c in batch if (part, c.layer, c.genome) not in self._cache]
        for cand, score in zip(todo, evaluator.score(todo) if todo else []):
            self._cache[(part, cand.layer, cand.genome)] = score
        return [self._cache[(part, c.layer, c.genome)] for c in batch]

    def score_one(self, candidate: Candidate) -> float:
        """The raw sum of one candidate (``combine = "raw"``; ranks exist only within a batch).

        Args:
            candidate: the layer, genome and current fitness.

        Returns:
            ``lam * zero-cost score + (1 - lam) * 100 * low-fidelity accuracy`` (accuracy in percent).
        """
        if self.combine != "raw":
            return super().score_one(candidate)
        return self.evaluate([candidate])[0]

    def evaluate(self, batch: Sequence[Candidate]) -> list[float]:
        zc = np.array(self._raw("zc", self.zero_cost, batch))
        lf = np.array(self._raw("lf", self.low_fidelity, batch)) if self.lam < 1.0 else np.zeros(len(batch))
        if self.combine == "raw":
            return (self.lam * zc + (1.0 - self.lam) * 100.0 * lf).tolist()
        layers = np.array([c.layer for c in batch])
        scores = np.zeros(len(batch))
        for layer in np.unique(layers):
            mask = layers == layer
            scores[mask] = self.lam * rank_normalise(zc[mask]) + (1.0 - self.lam) * rank_normalise(lf[mask])
        return scores.tolist()

    def describe(self) -> dict[str, Any]:
        combine = {"combine": self.combine} if self.combine != "rank" else {}  # rank runs describe as before
        return {"name": "mixed", "lam": self.lam, **combine, "zero_cost": self.zero_cost.describe(),
                "low_fidelity": self.low_fidelity.describe()}


@dataclass(frozen=True)
class MixedSettings:
    """``[evaluator]`` keys of ``mixed`` besides the low-fidelity part's (`LowFidelitySettings`,
    `ScoringRecipe`): the weight ``lam`` and the zero-cost proxy with its batches."""

    lam: float = 0.75
    combine: str = "rank"
    proxy: str = "jacob_cov"
    proxy_batch_size: int = 64
    proxy_batches: int = 1


def _factory(settings: MixedSettings, low: LowFidelitySettings, recipe: ScoringRecipe, *, space: CellSpace | MacroSpace,
             layers: int) -> MixedEvaluator:
    zc = ZeroCostEvaluator(settings.proxy, low.skeleton, low.data, low.data_root, batch_size=settings.proxy_batch_size,
                           batches=settings.proxy_batches, split=low.split, image_size=low.image_size,
                           seed=recipe.seed)
    lf = LowFidelityEvaluator(low.skeleton, zc.builder.data, recipe=recipe, train_size=low.train_size,
                              val_size=low.val_size, train_fraction=low.train_fraction,
                              val_fraction=low.val_fraction, cutout=low.cutout, device=low.device,
                              seed=recipe.seed)
    zc.builder.check_run(layers, space)
    return MixedEvaluator(zc, lf, settings.lam, settings.combine)


register_evaluator("mixed", _factory, settings=(MixedSettings, LowFidelitySettings, ScoringRecipe),
                   path_keys=("data_root",))
