"""`AnalyticEvaluator`: a cheap exact score with a known optimum, for tests and examples."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.genome import CellSpace, Genome, get_space


class AnalyticEvaluator(Evaluator):
    """Score = fraction of encoding positions (edge ops, ratio) equal to the layer's target genome.

    The optimum (score 1.0) is the target itself. Targets are given, or drawn from ``seed``
    (one per layer) among cells without zero or identity edges: such a cell is the only one of
    its canonical class, so an engine that deduplicates by canonical key can always reach it.

    Args:
        space: the cell space, or the name of a registered one.
        layers: the number of searchable layers (one target each).
        targets: the target cell of each layer (None: drawn from ``seed``).
        seed: the seed of the drawn targets.
        delay: seconds to sleep per query, to simulate a slow scorer.

    Raises:
        ConfigError: ``targets`` of another length than ``layers``, a negative ``delay``, or a space
            with no op besides zero and identity.
    """

    def __init__(self, space: CellSpace | str, *, layers: int = 1, targets: Sequence[Genome] | None = None,
                 seed: int = 0, delay: float = 0.0) -> None:
        super().__init__()
        self.space = space if isinstance(space, CellSpace) else get_space(space)
        if targets is None:
            rng = np.random.default_rng(seed)
            targets = [self._draw_target(rng) for _ in range(layers)]
        if len(targets) != layers:
            raise ConfigError(f"analytic evaluator: {len(targets)} targets given for layers={layers}")
        if delay < 0:
            raise ConfigError(f"analytic evaluator: delay={delay!r} must be >= 0")
        self.targets, self.seed, self.delay = list(targets), seed, float(delay)
        self._encoded = self.space.encode(self.targets)

    def _draw_target(self, rng: np.random.Generator) -> Genome:
        ops = [op for op in self.space.ops if op not in (self.space.zero_op, self.space.identity_op)]
        if not ops:
            raise ConfigError(f"analytic evaluator: space {self.space.name!r} has no op besides zero and identity")
        chosen = [ops[int(i)] for i in rng.integers(len(ops), size=self.space.num_edges)]
        ratio = self.space.ratios[int(rng.integers(len(self.space.ratios)))] if self.space.has_ratio else None
        return self.space.genome(chosen, ratio)

    def optimum(self, layer: int) -> Genome:
        """The genome with the best score at ``layer``.

        Args:
            layer: a searchable layer.

        Returns:
            Its target cell (score 1.0).
        """
        return self.targets[layer]

    def score_one(self, candidate: Candidate) -> float:
        if not 0 <= candidate.layer < len(self.targets):
            raise EvaluatorError(f"analytic evaluator: layer={candidate.layer} out of range 0..{len(self.targets) - 1}")
        if self.delay:
            time.sleep(self.delay)
        row = self.space.encode([candidate.genome])[0]
        return float(np.mean(row == self._encoded[candidate.layer]))

    def describe(self) -> dict[str, Any]:
        return {"name": "analytic", "space": self.space.name, "layers": len(self.targets), "seed": self.seed,
                "delay": self.delay, "targets": [t.to_dict() for t in self.targets]}
