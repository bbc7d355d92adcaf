"""The evaluator interface: the one swap point between the evolution engine and a scorer.

An evaluator scores a batch of `Candidate` s (layer, genome and current fitness, from which the
supernet initialises its alphas) and declares

* ``exact``: True when a score is the truth about the genome (a table, a formula): the engine uses
  it as is; False when scores are learned and noisy (the supernet): the engine blends them into
  the fitness with the momentum update of Eq. 5.
* ``independent``: True when a candidate's score does not depend on the rest of the batch, so the
  engine may score them one by one in parallel (``toolbox.map``); the supernet is not.
"""

from __future__ import annotations

import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, NamedTuple

from autospace.errors import CheckpointError, EvaluatorError
from autospace.genome import Genome

PLACEMENT = ("device", "world_size", "threads")
"""`Evaluator.describe` keys that say where it runs, not what it computes."""

MapFn = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


class Candidate(NamedTuple):
    """One thing to score: a genome at a searchable layer, with its current fitness if any."""

    layer: int
    genome: Genome
    fitness: float | None = None


@dataclass
class EvaluatorCost:
    """Cost an evaluator has spent.

    Attributes:
        queries: candidates scored.
        seconds: wall-clock seconds spent scoring.
    """

    queries: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, float]:
        """The counters as a dict."""
        return asdict(self)


class Evaluator(ABC):
    """Scores batches of candidates. Subclasses implement `evaluate` (or `score_one`); ``exact`` and
    ``independent`` are True unless a subclass says otherwise."""

    exact: ClassVar[bool] = True
    independent: ClassVar[bool] = True

    def __init__(self) -> None:
        self.cost = EvaluatorCost()

    def score(self, batch: Sequence[Candidate], map_fn: MapFn = map) -> list[float]:
        """Scores of ``batch`` in order; counts the queries and seconds spent.

        Args:
            batch: the candidates (`Candidate` or ``(layer, genome, fitness)`` tuples).
            map_fn: how an independent evaluator maps `score_one` over the batch (the built-in
                ``map``, or a process pool's or Ray's from `autospace.evolve.parallel.open_map`).

        Returns:
            One score per candidate, higher is fitter.

        Raises:
            EvaluatorError: a score is not finite (NaN, infinity); the message names the candidate.
        """
        batch = [c if isinstance(c, Candidate) else Candidate(*c) for c in batch]
        start = time.perf_counter()
        if self.independent:
            scores = [float(s) for s in map_fn(self.score_one, batch)]
        else:
            scores = [float(s) for s in self.evaluate(batch)]
        self.cost.seconds += time.perf_counter() - start
        self.cost.queries += len(batch)
        for candidate, value in zip(batch, scores):  # the check every number read back from a file passes too
            if not math.isfinite(value):
                raise EvaluatorError(f"{type(self).__name__} scored layer {candidate.layer} genome "
                                     f"{candidate.genome.key!r} {value!r}, not a finite number")
        return scores

    def evaluate(self, batch: Sequence[Candidate]) -> list[float]:
        """Joint scores of a batch (override for evaluators that are not independent).

        Args:
            batch: the candidates.

        Returns:
            One score per candidate.
        """
        return [self.score_one(c) for c in batch]

    def score_one(self, candidate: Candidate) -> float:
        """Score of one candidate (override for independent evaluators).

        Args:
            candidate: the layer, genome and current fitness.

        Returns:
            Its score, higher is fitter.

        Raises:
            TypeError: the evaluator scores batches jointly.
        """
        raise TypeError(f"{type(self).__name__} scores batches jointly; call score() or evaluate()")

    def state_dict(self) -> dict[str, Any]:
        """State to checkpoint with the engine (cost counters and the settings, `describe`; learned
        evaluators add weights)."""
        return {"cost": self.cost.to_dict(), "settings": self._settings()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict`.

        Args:
            state: what `state_dict` returned.

        Raises:
            CheckpointError: the state was written with other settings; the message names them.
        """
        saved, now = state.get("settings"), self._settings()
        if saved is not None and saved != now:
            changed = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
            raise CheckpointError(f"the evaluator state was written with other settings: {changed}")
        self.cost = EvaluatorCost(**state.get("cost", {}))

    def _settings(self) -> dict[str, Any]:
        """`describe` as JSON data, without where the evaluator runs (a run may resume elsewhere)."""
        return {k: v for k, v in json.loads(json.dumps(self.describe())).items() if k not in PLACEMENT}

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Plain-data description of the evaluator and its settings (written to run logs)."""
