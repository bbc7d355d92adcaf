"""`Shrinker`: the step-wise interface every shrinker (LISSNAS and the baselines) implements, so one
runner checkpoints and resumes them all; `register_shrinker` / `get_shrinker` / `list_shrinkers`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autospace.config import changed_settings
from autospace.errors import CheckpointError
from autospace.evaluators.base import Candidate, Evaluator, MapFn
from autospace.genome import CellSpace, Genome
from autospace.registry import Registry
from autospace.shrink.space import ShrunkSpace

if TYPE_CHECKING:
    from autospace.shrink.config import ShrinkConfig

STATE_VERSION = 1


class Shrinker(ABC):
    """Shrinks ``space`` (``config.layers`` layers, each on its own) with ``evaluator``'s scores.

    The runner calls `step` until `done`, then `result`; `state_dict` / `load_state_dict` between
    steps checkpoint and resume it. Every scored cell is counted in ``queries`` (per layer), every
    cheap score in ``cheap_queries``; ``scored[l]`` maps canonical keys to ``(genome, score)``.
    A shrinker of your own subclasses it, implements `done`, `step`, `cells`, `own_state` and
    `load_own_state`, and is registered with `register_shrinker`.

    Args:
        space: the cell space to shrink.
        evaluator: scores the cells (each scored cell is a query).
        config: the ``[shrink]`` settings.
        cheap: the ``[cheap]`` evaluator of the good-neighbour filter, if any.
    """

    def __init__(self, space: CellSpace, evaluator: Evaluator, config: ShrinkConfig,
                 cheap: Evaluator | None = None) -> None:
        self.space, self.evaluator, self.config, self.cheap = space, evaluator, config, cheap
        self.rng = np.random.default_rng(config.seed)
        self.iteration = 0
        self.scored: list[dict[str, tuple[Genome, float]]] = [{} for _ in range(config.layers)]
        self.cheap_queries = 0
        self.history: list[dict[str, Any]] = []
        self.map_fn: MapFn = map  # the runner sets a backend's map (`autospace.evolve.parallel.open_map`)

    @property
    def queries(self) -> list[int]:
        """Cells scored per layer."""
        return [len(scored) for scored in self.scored]

    @property
    @abstractmethod
    def done(self) -> bool:
        """True when `result` is final."""

    @abstractmethod
    def step(self) -> dict[str, Any]:
        """One iteration; returns its history record (also appended to ``history``)."""

    @abstractmethod
    def cells(self) -> list[tuple[Genome, ...]]:
        """The shrunk cells of every layer (valid once `done`)."""

    def run(self) -> ShrunkSpace:
        """Step to the end (no run directory); the shrunk space."""
        while not self.done:
            self.step()
        return self.result()

    def result(self) -> ShrunkSpace:
        """The shrunk space; ``meta`` holds the method's settings, its counts and ``scores[l][i]``: the
        score of cell ``i`` of layer ``l`` where a cell of its canonical class was scored (else None)."""
        cells = self.cells()
        scores = [[self.scored[layer][g.key][1] if g.key in self.scored[layer] else None for g in layer_cells]
                  for layer, layer_cells in enumerate(cells)]
        meta = {"config": self.config.to_dict(), "iterations": self.iteration, "queries": self.queries,
                "cheap_queries": self.cheap_queries, "scores": scores}
        return ShrunkSpace(self.space, tuple(cells), self.config.method, self.config.skeleton, meta)

    # ----------------------------------------------------------------------------- scoring
    def score(self, batch: Sequence[tuple[int, Genome]]) -> list[float]:
        """Scores of ``(layer, genome)`` pairs, recorded in ``scored`` (one query each).

        Args:
            batch: the pairs to score.

        Returns:
            One score per pair.
        """
        scores = self.evaluator.score([Candidate(layer, g) for layer, g in batch], self.map_fn) if batch else []
        for (layer, genome), value in zip(batch, scores):
            self.scored[layer].setdefault(genome.key, (genome, value))
        return scores

    def cheap_score(self, batch: Sequence[tuple[int, Genome]]) -> list[float]:
        """Scores of the ``[cheap]`` evaluator (counted in ``cheap_queries``).

        Args:
            batch: the ``(layer, genome)`` pairs to score.

        Returns:
            One cheap score per pair.
        """
        assert self.cheap is not None
        self.cheap_queries += len(batch)
        return self.cheap.score([Candidate(layer, g) for layer, g in batch]) if batch else []

    def new_cells(self, layer: int, cells: Sequence[Genome] | None, count: int) -> list[Genome]:
        """Cells not scored before, drawn uniformly and distinct by canonical key.

        Args:
            layer: the layer whose scored cells are excluded.
            cells: the cells to draw from (None: the whole space).
            count: how many to draw at most.

        Returns:
            Up to ``count`` cells.
        """
        known, out, keys = self.scored[layer], [], set()
        if cells is None:
            for _ in range(50 * count):
                genome = self.space.sample(self.rng)
                if genome.key not in known and genome.key not in keys:
                    keys.add(genome.key)
                    out.append(genome)
                    if len(out) == count:
                        break
            return out
        for i in self.rng.permutation(len(cells)):
            genome = cells[int(i)]
            if genome.key not in known and genome.key not in keys:
                keys.add(genome.key)
                out.append(genome)
                if len(out) == count:
                    break
        return out

    # ----------------------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """Plain-JSON state between steps."""
        return {"version": STATE_VERSION, "config": self.config.to_dict(), "iteration": self.iteration,
                "rng": self.rng.bit_generator.state, "cheap_queries": self.cheap_queries,
                "scored": [[[g.to_dict(), s] for g, s in scored.values()] for scored in self.scored],
                "history": self.history, "own": self.own_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict` written with the same config.

        Args:
            state: what `state_dict` returned.

        Raises:
            CheckpointError: another state version, or a state written with other settings (named).
        """
        if state.get("version") != STATE_VERSION:
            raise CheckpointError(f"shrink state version={state.get('version')!r} is not {STATE_VERSION}")
        if state["config"] != self.config.to_dict():
            raise CheckpointError(changed_settings("shrink", state["config"], self.config.to_dict(),
                                                   state.get("iteration"), "max_iters"))
        self.iteration = state["iteration"]
        self.rng.bit_generator.state = state["rng"]
        self.cheap_queries = state["cheap_queries"]
        self.scored = []
        for items in state["scored"]:
            scored: dict[str, tuple[Genome, float]] = {}
            for genome_dict, value in items:
                genome = Genome.from_dict(genome_dict, self.space)
                scored[genome.key] = (genome, float(value))
            self.scored.append(scored)
        self.history = list(state["history"])
        self.load_own_state(state["own"])

    @abstractmethod
    def own_state(self) -> dict[str, Any]:
        """The shrinker's own state beyond the shared counters, as plain JSON."""

    @abstractmethod
    def load_own_state(self, state: dict[str, Any]) -> None:
        """Restore `own_state`.

        Args:
            state: what `own_state` returned.
        """

    def genomes(self, dicts: Sequence[Any]) -> tuple[Genome, ...]:
        """Genomes of ``space`` from their JSON dicts.

        Args:
            dicts: `Genome.to_dict` outputs.

        Returns:
            The genomes.
        """
        return tuple(Genome.from_dict(d, self.space) for d in dicts)


_SHRINKERS: Registry[type[Shrinker]] = Registry("shrinker", lazy={
    "lissnas": "autospace.shrink.shrinker", "random": "autospace.shrink.baselines",
    "op_prune": "autospace.shrink.baselines", "autospace": "autospace.shrink.baselines",
})


def register_shrinker(name: str, shrinker: type[Shrinker], *, overwrite: bool = False) -> type[Shrinker]:
    """Make ``shrinker`` available as ``shrink.method = name`` (and ``shrink(space, evaluator, name)``).

    Args:
        name: the method's name.
        shrinker: a `Shrinker` subclass.
        overwrite: replace another shrinker registered under the same name.

    Returns:
        ``shrinker``.

    Raises:
        UnknownNameError: the name is taken without ``overwrite``.
    """
    return _SHRINKERS.register(name, shrinker, overwrite=overwrite)


def get_shrinker(name: str) -> type[Shrinker]:
    """The shrinker class registered as ``name``.

    Args:
        name: ``lissnas``, ``random``, ``op_prune``, ``autospace`` or a user's.

    Returns:
        The `Shrinker` subclass.

    Raises:
        UnknownNameError: no shrinker has that name; the message lists the known ones.
    """
    return _SHRINKERS.get(name)


def list_shrinkers() -> list[str]:
    """Names of the registered shrinkers."""
    return _SHRINKERS.names()
