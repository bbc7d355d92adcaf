"""Strategies: how an `Engine` chooses what to score and how it evolves its populations.

* ``autospace`` — the paper's DEA loop: each layer keeps ``population`` cells; every round
  ``sample_size`` cells per layer are scored (unscored ones first; for learned evaluators the
  rest are scored members, re-scored with momentum); a fully scored population is truncated to
  the ``population`` fittest, and tournament winners add mutated offspring, scored next round.
* ``regularized`` — aging evolution (Real et al. 2019): tournament parent, mutated child, the oldest dies.
* ``random`` — new uniformly drawn cells; the population keeps the best seen.
* ``local`` — best-improvement local search over `CellSpace.neighbors`, restarting from a random
  cell when no neighbour improves.
* ``lcmnas`` — macro search by weighted random walks on a `MacroSpace` (`autospace.evolve.lcmnas`,
  imported on first use).

A user's strategy subclasses `Strategy` and is registered with ``register_strategy("mine", MyStrategy)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from autospace.evolve.cache import cell_key
from autospace.evolve.individual import Individual
from autospace.registry import Registry

if TYPE_CHECKING:
    from autospace.evolve.engine import Engine

Pending = list[tuple[int, Individual]]


class Strategy(ABC):
    """Chooses what an `Engine` scores and evolves its populations (one object per engine).

    Hooks, each called by the engine:

    * `ask` — once per round from `Engine.ask`, after the reference constraint was updated:
      the ``(layer, Individual)`` pairs to score (the engine trims them to the query budget).
    * `tell` — once per round from `Engine.tell`, after the scores were written into the
      fitness (with momentum for learned scores) and the hall of fame: update ``engine.populations``.
    * `state_dict` / `load_state_dict` — when the engine checkpoints / resumes between rounds:
      the strategy's own state beyond the populations, as plain JSON.

    The engine API a strategy may use: ``config``, ``exact``, ``round``, ``rng`` (a numpy
    Generator), ``populations`` (a list of `Individual` per layer, the strategy's to change),
    ``offspring_per_round``, `Engine.select`, `Engine.offspring`, `Engine.fresh`, `Engine.taken`,
    `Engine.admissible`, `Engine.neighbors` and `Engine.scored_cell`.
    """

    @abstractmethod
    def ask(self, engine: Engine) -> Pending:
        """The pairs to score this round.

        Args:
            engine: the engine asking.

        Returns:
            ``(layer, Individual)`` pairs; the engine trims them to the query budget.
        """

    @abstractmethod
    def tell(self, engine: Engine, scored: Pending) -> None:
        """Update ``engine.populations`` after ``scored`` received their fitness.

        Args:
            engine: the engine.
            scored: the pairs of this round's `ask`, their fitness set.
        """

    def state_dict(self) -> dict[str, Any]:
        """The strategy's own state (none by default)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict`; strategies without state beyond the populations ignore ``state``.

        Args:
            state: what `state_dict` returned.
        """


def _keep_best(population: list[Individual], size: int) -> list[Individual]:
    """The ``size`` fittest scored individuals (stable: earlier ones win ties)."""
    scored = [ind for ind in population if ind.fitness.valid]
    return sorted(scored, key=lambda ind: -ind.fitness.values[0])[:size]


class AutoSpaceStrategy(Strategy):
    """The paper's DEA loop (module docstring, ``autospace``)."""

    def ask(self, engine: Engine) -> Pending:
        cfg = engine.config
        pending: Pending = []
        for layer, pop in enumerate(engine.populations):
            if not pop:
                taken = engine.taken(layer)
                for _ in range(cfg.population):
                    genome = engine.fresh(layer, taken, initial=True)
                    if genome is not None:
                        pop.append(Individual(genome, engine.round))
            sample = [ind for ind in pop if not ind.fitness.valid][: cfg.sample_size]
            scored = [ind for ind in pop if ind.fitness.valid]
            extra = min(cfg.sample_size - len(sample), len(scored))
            if not engine.exact and extra > 0:
                picks = engine.rng.choice(len(scored), size=extra, replace=False)
                sample += [scored[int(i)] for i in sorted(picks)]
            pending += [(layer, ind) for ind in sample]
        return pending

    def tell(self, engine: Engine, scored: Pending) -> None:
        cfg = engine.config
        for layer, pop in enumerate(engine.populations):
            if not pop or any(not ind.fitness.valid for ind in pop):
                continue
            pop[:] = _keep_best(pop, cfg.population)  # truncate back to the population size
            taken = engine.taken(layer)
            for parent in engine.select(pop, engine.offspring_per_round):
                child = engine.offspring(layer, parent.genome, taken)
                if child is not None:
                    pop.append(Individual(child, engine.round + 1))


class RegularizedStrategy(Strategy):
    """Aging evolution: tournament parent, mutated child, the oldest dies."""

    def ask(self, engine: Engine) -> Pending:
        cfg = engine.config
        pending: Pending = []
        for layer, pop in enumerate(engine.populations):
            taken = engine.taken(layer)
            if len(pop) < cfg.population:
                count = min(cfg.sample_size, cfg.population - len(pop))
                children = [engine.fresh(layer, taken, initial=True) for _ in range(count)]
            else:
                children = [engine.offspring(layer, p.genome, taken) for p in engine.select(pop, cfg.sample_size)]
            pending += [(layer, Individual(g, engine.round)) for g in children if g is not None]
        return pending

    def tell(self, engine: Engine, scored: Pending) -> None:
        for layer, ind in scored:
            engine.populations[layer].append(ind)
        for layer, pop in enumerate(engine.populations):
            del pop[: max(0, len(pop) - engine.config.population)]  # the oldest die


class RandomStrategy(Strategy):
    """Uniformly drawn cells; the population keeps the best seen."""

    def ask(self, engine: Engine) -> Pending:
        pending: Pending = []
        for layer in range(engine.config.layers):
            taken = engine.taken(layer)
            genomes = [engine.fresh(layer, taken) for _ in range(engine.config.sample_size)]
            pending += [(layer, Individual(g, engine.round)) for g in genomes if g is not None]
        return pending

    def tell(self, engine: Engine, scored: Pending) -> None:
        for layer, ind in scored:
            engine.populations[layer].append(ind)
        for layer, pop in enumerate(engine.populations):
            engine.populations[layer] = _keep_best(pop, engine.config.population)


class LocalStrategy(Strategy):
    """Best-improvement local search; state: the current cell of each layer (None: restart)."""

    def __init__(self) -> None:
        self.current: list[Individual | None] = []

    def ask(self, engine: Engine) -> Pending:
        if not self.current:
            self.current = [None] * engine.config.layers
        pending: Pending = []
        for layer, current in enumerate(self.current):
            taken = engine.taken(layer)
            if current is None:
                genome = engine.fresh(layer, taken, initial=True)
                if genome is not None:
                    pending.append((layer, Individual(genome, engine.round)))
                continue
            taken.add(cell_key(current.genome))
            for genome in engine.neighbors(current.genome):
                key = cell_key(genome)
                if key not in taken and engine.admissible(layer, genome):
                    taken.add(key)
                    pending.append((layer, Individual(genome, engine.round)))
        return pending

    def tell(self, engine: Engine, scored: Pending) -> None:
        by_layer: dict[int, list[Individual]] = {}
        for layer, ind in scored:
            by_layer.setdefault(layer, []).append(ind)
            engine.populations[layer].append(ind)
        for layer, current in enumerate(self.current):
            engine.populations[layer] = _keep_best(engine.populations[layer], engine.config.population)
            if current is None:
                self.current[layer] = next(iter(by_layer.get(layer, [])), None)
                continue
            candidates = by_layer.get(layer, []) + self._known_neighbors(engine, layer, current)
            best = max(candidates, key=lambda ind: ind.fitness.values[0], default=None)
            improves = best is not None and best.fitness.values[0] > current.fitness.values[0]
            self.current[layer] = best if improves else None

    @staticmethod
    def _known_neighbors(engine: Engine, layer: int, current: Individual) -> list[Individual]:
        """Neighbours whose key an exact evaluator already scored (not asked again)."""
        if not engine.exact:
            return []
        out = []
        for genome in engine.neighbors(current.genome):
            hit = engine.scored_cell(layer, genome)
            if hit is not None and cell_key(hit[0]) != cell_key(current.genome):
                out.append(Individual(hit[0], engine.round, hit[1], 1))
        return out

    def state_dict(self) -> dict[str, Any]:
        return {"current": [None if ind is None else ind.to_dict() for ind in self.current]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.current = [None if d is None else Individual.from_dict(d) for d in state.get("current", [])]


_STRATEGIES: Registry[type[Strategy]] = Registry("strategy", lazy={"lcmnas": "autospace.evolve.lcmnas"})


def register_strategy(name: str, strategy: type[Strategy], *, overwrite: bool = False) -> type[Strategy]:
    """Make ``strategy`` available as ``EvolveConfig(strategy=name)`` (and ``[evolve] strategy``).

    Args:
        name: the name it answers to.
        strategy: a `Strategy` subclass, built with no arguments once per engine.
        overwrite: replace another strategy registered under the same name.

    Returns:
        ``strategy``.

    Raises:
        UnknownNameError: the name is taken without ``overwrite``.
    """
    return _STRATEGIES.register(name, strategy, overwrite=overwrite)


def get_strategy(name: str) -> type[Strategy]:
    """The strategy class registered as ``name``.

    Args:
        name: ``autospace``, ``regularized``, ``random``, ``local``, ``lcmnas`` or a user's.

    Returns:
        The `Strategy` subclass.

    Raises:
        UnknownNameError: no strategy has that name; the message lists the known ones.
    """
    return _STRATEGIES.get(name)


def list_strategies() -> list[str]:
    """Names of the registered strategies."""
    return _STRATEGIES.names()


for _name, _strategy in (("autospace", AutoSpaceStrategy), ("regularized", RegularizedStrategy),
                         ("random", RandomStrategy), ("local", LocalStrategy)):
    register_strategy(_name, _strategy)
