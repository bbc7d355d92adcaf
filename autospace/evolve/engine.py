"""`Engine`: layer-wise populations evolved with DEAP, driven by ask/tell.

Each round the engine asks its strategy (`autospace.evolve.strategies`) for candidates, the caller
scores them (``evaluator.score(batch, engine.toolbox.map)``) and tells the scores back; the engine
writes them into the fitness (momentum for learned scores, Eq. 5), lets the strategy evolve the
populations and logs a history record. The DEAP toolbox holds what runs: ``select`` (`tournament`),
``sample`` and ``map`` (`evolve_space` registers a process pool there). Every random choice flows
from ``config.seed`` (a numpy Generator and a `random.Random` seeded from it, both checkpointed);
no global random state is used or changed.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, NamedTuple, NoReturn

import numpy as np
from deap import base, tools

from autospace.config import changed_settings
from autospace.errors import ConfigError, EvolveError
from autospace.evaluators.base import Candidate, EvaluatorCost
from autospace.evolve.cache import cell_key, cell_neighbors, cell_row
from autospace.evolve.config import EvolveConfig
from autospace.evolve.history import History
from autospace.evolve.individual import Individual, genome_from_dict
from autospace.evolve.learned import LearnedSpace, Ranked
from autospace.evolve.momentum import momentum_update
from autospace.evolve.reference import ReferenceConstraint
from autospace.evolve.strategies import get_strategy
from autospace.genome import CellSpace, Genome, pairwise_hamming
from autospace.macro.space import MacroSpace

LayerCost = Callable[[int, Genome], float]
STATE_VERSION = 1


class ScoredCell(NamedTuple):
    """A distinct (layer, genome) a run scored: its latest fitness, how often it was scored, and the
    rounds (0-based) of its first and last score."""

    layer: int
    genome: Genome
    fitness: float
    evaluations: int
    first_round: int
    last_round: int

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "genome": self.genome.to_dict(), "fitness": self.fitness,
                "evaluations": self.evaluations, "first_round": self.first_round, "last_round": self.last_round}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoredCell:
        """Read back `to_dict` (a checkpoint's); the fitness must be a finite number."""
        fitness = data["fitness"]
        if isinstance(fitness, bool) or not isinstance(fitness, (int, float)) or not math.isfinite(fitness):
            raise EvolveError(f"scored cell fitness={fitness!r} is not a finite number")
        return cls(int(data["layer"]), genome_from_dict(data["genome"]), float(fitness), int(data["evaluations"]),
                   int(data["first_round"]), int(data["last_round"]))


def _fitness_value(ind: Individual) -> float:
    return ind.fitness.values[0]


def _same_key(a: Individual, b: Individual) -> bool:
    return a.genome.key == b.genome.key


def tournament(individuals: Sequence[Individual], k: int, tournsize: int, rng: random.Random) -> list[Individual]:
    """``k`` tournament winners, drawn from ``rng`` exactly as DEAP's ``tools.selTournament``
    draws from the ``random`` module: per winner, ``tournsize`` times ``rng.choice``, then the
    fittest aspirant (the first of equals)."""
    fitness = attrgetter("fitness")
    return [max([rng.choice(individuals) for _ in range(tournsize)], key=fitness) for _ in range(k)]


class Engine:
    """Evolution over ``config.layers`` populations of cells of ``space``.

    Args:
        space: the cell space every layer draws from, or a `MacroSpace` (macro search: one
            layer whose individuals are whole networks, `autospace.evolve.lcmnas`). The engine
            uses its ``name``, ``size``, ``sample`` and ``diversity``.
        config: engine settings (`EvolveConfig`); defaults when None.
        exact: whether the evaluator's scores are exact (used as is, never re-queried) or
            learned (blended with momentum, re-scored).
        reference: reference genome of the Eq. 2 constraint (None: no constraint).
        layer_cost: ``layer_cost(layer, genome) -> MAdds`` for ``config.madds_cap``.
        cells: per layer, the only cells of ``space`` the run may take (a shrunk space,
            `autospace.shrink.ShrunkSpace.layers`); fresh cells are drawn uniformly from them and a
            mutation leaving them is not admissible. None: all of ``space``.

    ``engine.constraint`` is the `ReferenceConstraint` (None without a reference); the members a
    `Strategy` may use are listed there, the rest is the engine's own.
    """

    def __init__(
        self,
        space: CellSpace | MacroSpace,
        config: EvolveConfig | None = None,
        *,
        exact: bool = True,
        reference: Genome | None = None,
        layer_cost: LayerCost | None = None,
        cells: Sequence[Sequence[Genome]] | None = None,
    ) -> None:
        self.space = space
        self.config = config = config or EvolveConfig()
        self._cells = None if cells is None else [tuple(layer) for layer in cells]
        self._members = None if self._cells is None else [frozenset(layer) for layer in self._cells]
        if self._cells is not None and len(self._cells) != config.layers:
            raise ConfigError(f"cells has {len(self._cells)} layers, expected layers={config.layers}")
        smallest = space.size if self._cells is None else min(len(layer) for layer in self._cells)
        for name in ("population", "sample_size"):
            if getattr(config, name) > smallest:
                raise ConfigError(f"evolve.{name}={getattr(config, name)!r} is more than the {smallest:,} cells "
                                  f"of space {space.name!r}" + ("" if self._cells is None else " (restricted)"))
        if not exact and config.top_k > config.population:
            raise ConfigError(f"evolve.top_k={config.top_k!r} is more than evolve.population={config.population!r}: "
                              "with a learned evaluator the learned space is the top-K of the final population")
        self.exact = exact
        self.constraint = None
        if reference is not None:
            self.constraint = ReferenceConstraint(reference, config.tau, config.constraint_fraction)
            self.constraint.check_space(space)
        if config.madds_cap is not None and layer_cost is None:
            raise ConfigError(f"madds_cap={config.madds_cap!r} needs a layer cost model (set skeleton / layer_cost)")
        self.layer_cost = layer_cost
        self._caps = [config.cap(layer) for layer in range(config.layers)]
        self.rng = np.random.default_rng(config.seed)
        self._random = random.Random(int(self.rng.integers(2**63)))
        self._ref_row = None if reference is None else np.asarray(cell_row(reference))
        self.toolbox = base.Toolbox()
        self.toolbox.register("select", tournament, tournsize=config.tournament_size, rng=self._random)
        self.toolbox.register("sample", space.sample, rng=self.rng)
        self._stats = tools.Statistics()  # compiled on the fitness values of a population
        self._stats.register("max", max)
        self._stats.register("mean", statistics.fmean)
        self.strategy = get_strategy(config.strategy)()
        self.populations: list[list[Individual]] = [[] for _ in range(config.layers)]
        self._halls = [tools.HallOfFame(config.top_k, similar=_same_key) for _ in range(config.layers)]
        self._known: list[dict[str, tuple[Genome, float]]] = [{} for _ in range(config.layers)]
        self._queried: set[tuple[int, Genome]] = set()
        self._scored: dict[tuple[int, Genome], ScoredCell] = {}
        self.queries = 0
        self.round = 0
        self.history = History()
        self._pending: list[tuple[int, Individual]] | None = None
        self._elapsed = 0.0
        self._started = time.perf_counter()

    # ----------------------------------------------------------------------------- progress
    @property
    def distinct_queries(self) -> int:
        """Distinct (layer, genome) pairs scored so far."""
        return len(self._queried)

    @property
    def constrained(self) -> bool:
        """Whether the reference constraint applies this round."""
        return self.constraint is not None and self.constraint.active

    @property
    def progress(self) -> float:
        """Share of the run done: rounds, or distinct queries of the budget, whichever is further."""
        done = self.round / self.config.rounds
        if self.config.budget is not None:
            done = max(done, self.distinct_queries / self.config.budget)
        return done

    @property
    def offspring_per_round(self) -> int:
        """Offspring per layer and round (``config.offspring``, see `EvolveConfig`)."""
        if self.config.offspring is not None:
            return self.config.offspring
        return self.config.sample_size if self.exact else max(1, self.config.sample_size // 2)

    @property
    def done(self) -> bool:
        """True when the rounds or the query budget are spent."""
        return self.progress >= 1.0

    # ----------------------------------------------------------------------------- operators
    def select(self, individuals: Sequence[Individual], k: int) -> list[Individual]:
        """``k`` parents by the toolbox's ``select`` (`tournament` over the engine's seeded generator).

        Args:
            individuals: the candidates for parenthood.
            k: how many to select.

        Returns:
            The selected individuals.
        """
        return self.toolbox.select(list(individuals), k)

    def neighbors(self, genome: Genome) -> list[Genome]:
        """Every cell one edit from ``genome`` (`CellSpace.neighbors`, cached; do not modify).

        Args:
            genome: a cell of the engine's space.

        Returns:
            Its neighbours.
        """
        return cell_neighbors(genome)

    def scored_cell(self, layer: int, genome: Genome) -> tuple[Genome, float] | None:
        """For exact evaluators: the first cell of ``layer`` scored with ``genome``'s canonical key.

        Args:
            layer: a searchable layer.
            genome: a cell.

        Returns:
            That cell and its score; None if none was scored, or the evaluator is learned.
        """
        return self._known[layer].get(cell_key(genome))

    def taken(self, layer: int) -> set[str]:
        """Canonical keys a new cell of ``layer`` must avoid.

        Args:
            layer: a searchable layer.

        Returns:
            The keys of the layer's population, and for exact evaluators every key already queried (a
            second query would tell nothing new). Strategies add the keys they propose in a round.
        """
        keys = {cell_key(ind.genome) for ind in self.populations[layer]}
        if self.exact:
            keys.update(self._known[layer])
        return keys

    def admissible(self, layer: int, genome: Genome) -> bool:
        """Whether ``genome`` may enter ``layer``.

        Args:
            layer: a searchable layer.
            genome: a cell.

        Returns:
            True when it is within the run's cells, the reference constraint (when active) and under
            the layer's MAdds cap.
        """
        if self._members is not None and genome not in self._members[layer]:
            return False
        if self.constrained and not self.constraint.admits(genome):  # type: ignore[union-attr]
            return False
        cap = self._caps[layer]
        return cap is None or self.layer_cost(layer, genome) <= cap  # type: ignore[misc]

    def _create(self, layer: int, propose: Callable[[], Genome], taken: set[str]) -> Genome | None:
        """A new admissible cell from ``propose`` whose key is not in ``taken`` (then added to it).

        Returns None when no new admissible cell turned up in ``max_tries`` proposals but some
        were taken; raises `EvolveError` naming ``tau``/``madds_cap`` when every proposal was
        new and none was admissible.
        """
        seen_taken = False
        for _ in range(self.config.max_tries):
            genome = propose()
            key = cell_key(genome)
            if key in taken:
                seen_taken = True
            elif self.admissible(layer, genome):
                taken.add(key)
                return genome
        if seen_taken:
            return None
        self._fail(layer, f"after max_tries={self.config.max_tries} tries")

    def _ref_distance(self, genome: Genome) -> int | None:
        return None if self.constraint is None else self.constraint.distance(genome)

    def _fail(self, layer: int, where: str) -> NoReturn:
        limits = []
        if self.constrained:
            limits.append(f"reference constraint tau={self.config.tau}")
        if self._caps[layer] is not None:
            limits.append(f"madds_cap={self._caps[layer]}")
        raise EvolveError(
            f"layer {layer}: no cell satisfies {' and '.join(limits)} {where} (round {self.round}); "
            "raise tau, use init='reference', or relax madds_cap"
        )

    def offspring(self, layer: int, parent: Genome, taken: set[str]) -> Genome | None:
        """A mutated child of ``parent``.

        Mutation (a uniformly drawn neighbour, as `CellSpace.mutate`) is repeated, without drawing a
        neighbour twice, until the child is admissible and new. If every admissible neighbour is taken, a
        `fresh` cell is drawn.

        Args:
            layer: the child's layer.
            parent: the cell to mutate.
            taken: canonical keys to avoid (`taken`); the child's key is added to it.

        Returns:
            The child, or None when no new admissible cell is left.

        Raises:
            EvolveError: no proposal satisfies the reference constraint and the MAdds cap; the message
                names ``tau`` and ``madds_cap``.
        """
        options = cell_neighbors(parent)
        for i in self.rng.permutation(len(options)):
            child = options[int(i)]
            key = child.key  # neighbour lists are cached and interned: keys are computed once
            if key not in taken and self.admissible(layer, child):
                taken.add(key)
                return child
        # under the Hamming constraint alone (tau >= 1), a parent inside the ball always has an
        # admissible neighbour (one edit back towards the reference); else check them all (in
        # restricted cells a cell may have no neighbour among them: then a fresh one is drawn)
        sure = self._caps[layer] is None and (
            not self.constrained or (self.config.tau >= 1 and self.constraint.admits(parent))  # type: ignore[union-attr]
        )
        if self._members is None and not sure and not any(self.admissible(layer, child) for child in options):
            self._fail(
                layer,
                f"by any of the {len(options)} mutations of a parent at distance "
                f"{self._ref_distance(parent)} from the reference",
            )
        return self.fresh(layer, taken)

    def fresh(self, layer: int, taken: set[str], *, initial: bool = False) -> Genome | None:
        """A new random cell.

        Initial cells (``initial``) are drawn within ``tau`` of the reference with ``init='reference'``,
        else uniformly (and rejected while outside an active constraint); later cells are drawn within
        ``tau`` while the constraint is active. When ``max_tries`` draws within ``tau`` find no new cell,
        the ball is taken as exhausted: the constraint is released for the rest of the run and a uniform
        cell is drawn instead.

        Args:
            layer: the cell's layer.
            taken: canonical keys to avoid; the new cell's key is added to it.
            initial: whether the cell is for the initial population.

        Returns:
            The cell, or None when no new admissible cell is left.

        Raises:
            EvolveError: no proposal satisfies the reference constraint and the MAdds cap.
        """
        constraint = self.constraint
        near = constraint is not None and (self.config.init == "reference" if initial else constraint.active)
        if near:
            genome = self._create(layer, lambda: constraint.sample_near(self._random), taken)
            if genome is not None:
                return genome
            if constraint.active:
                constraint.release()
                warnings.warn(
                    f"layer {layer}, round {self.round}: the reference constraint is released early: the "
                    f"tau={self.config.tau} ball around the reference holds no new admissible cell "
                    "(raise tau to keep it for the planned share of the run)",
                    stacklevel=2,
                )
        if self._cells is None:
            return self._create(layer, self.toolbox.sample, taken)
        cells = self._cells[layer]
        return self._create(layer, lambda: cells[int(self.rng.integers(len(cells)))], taken)

    # ----------------------------------------------------------------------------- ask / tell
    def ask(self) -> list[Candidate]:
        """Candidates to score this round (at most the remaining query budget of new pairs)."""
        if self._pending is not None:
            raise EvolveError("ask() called twice without tell(); tell the scores of the last ask first")
        if self.done:
            raise EvolveError(f"the run is finished (round={self.round}, distinct_queries={self.distinct_queries})")
        if self.constraint is not None:
            self.constraint.update(self.progress)
        pending = self.strategy.ask(self)
        room = None if self.config.budget is None else self.config.budget - self.distinct_queries
        if room is not None and len(pending) > room:  # else every candidate fits
            kept, new = [], set()
            for layer, ind in pending:
                pair = (layer, ind.genome)
                if pair not in self._queried and pair not in new:
                    if len(new) >= room:
                        continue
                    new.add(pair)
                kept.append((layer, ind))
            pending = kept
        self._pending = pending
        return [Candidate(layer, ind.genome, ind.value) for layer, ind in pending]

    def tell(self, scores: Sequence[float], cost: EvaluatorCost | None = None) -> dict[str, Any]:
        """Record the scores of the last `ask` and evolve the populations.

        Args:
            scores: one score per candidate of the last `ask`, in order.
            cost: the evaluator's cost so far, recorded in the history.

        Returns:
            The round's history record (docs/guide/formats.md, ``history.jsonl``).

        Raises:
            EvolveError: no pending `ask`, or a wrong number of scores.
        """
        if self._pending is None:
            raise EvolveError("tell() called without a pending ask()")
        if len(scores) != len(self._pending):
            raise EvolveError(f"tell() got {len(scores)} scores for {len(self._pending)} candidates")
        pending, self._pending = self._pending, None
        for (layer, ind), score in zip(pending, scores):
            ind.fitness.values = (momentum_update(ind.value, float(score), self.config.fitness_momentum, self.exact),)
            ind.evaluations += 1
            self.queries += 1
            self._queried.add((layer, ind.genome))
            self._record_score(layer, ind)
            if self.exact:
                self._known[layer].setdefault(cell_key(ind.genome), (ind.genome, float(score)))
                hall = self._halls[layer]
                if len(hall) < hall.maxsize or ind.fitness.values[0] > hall[-1].fitness.values[0]:
                    hall.update([ind])
        self.strategy.tell(self, pending)
        record = self._record(cost)
        self.history.append(record)
        self.round += 1
        return record

    def _record_score(self, layer: int, ind: Individual) -> None:
        entry = self._scored.get((layer, ind.genome))
        if entry is None:
            self._scored[(layer, ind.genome)] = ScoredCell(layer, ind.genome, ind.value, 1, self.round, self.round)  # type: ignore[arg-type]
        else:
            self._scored[(layer, ind.genome)] = entry._replace(fitness=ind.value, evaluations=entry.evaluations + 1,
                                                               last_round=self.round)

    # ----------------------------------------------------------------------------- results
    def scored_cells(self) -> list[ScoredCell]:
        """Every distinct (layer, genome) the run scored, with its latest fitness (after Eq. 5 for learned
        scores), how often it was scored and in which rounds first and last; by layer, fittest first."""
        return sorted(self._scored.values(), key=lambda c: (c.layer, -c.fitness, c.first_round))

    def top(self, layer: int, k: int | None = None) -> list[Ranked]:
        """Best cells of ``layer``, best first, distinct by canonical key.

        Args:
            layer: a searchable layer.
            k: how many (default: ``config.top_k``).

        Returns:
            The best ever scored for exact evaluators (hall of fame), the current population for
            learned ones.
        """
        k = self.config.top_k if k is None else k
        if self.exact:
            return [Ranked(ind.genome, ind.value) for ind in self._halls[layer]][:k]  # type: ignore[arg-type]
        ranked = sorted((ind for ind in self.populations[layer] if ind.fitness.valid), key=_fitness_value, reverse=True)
        out: list[Ranked] = []
        seen: set[str] = set()
        for ind in ranked:
            if ind.genome.key not in seen and len(out) < k:
                seen.add(ind.genome.key)
                out.append(Ranked(ind.genome, ind.value))  # type: ignore[arg-type]
        return out

    @property
    def best(self) -> list[Ranked | None]:
        """The best cell of each layer (None for a layer nothing was scored in)."""
        return [next(iter(self.top(layer, 1)), None) for layer in range(self.config.layers)]

    def learned_space(self, skeleton: str | None = None) -> LearnedSpace:
        """The top-K cells of each layer.

        Args:
            skeleton: the skeleton name to record with them.

        Returns:
            The learned space. A `UserWarning` names a layer that holds fewer than ``top_k`` cells (no
            more distinct cells were scored there).
        """
        layers = [self.top(layer) for layer in range(self.config.layers)]
        short = [(layer, len(cells)) for layer, cells in enumerate(layers) if len(cells) < self.config.top_k]
        if short:
            layer, count = short[0]
            warnings.warn(f"the learned space holds {count} cells in layer {layer}, fewer than evolve.top_k="
                          f"{self.config.top_k}: the run scored no more distinct cells there", stacklevel=2)
        return LearnedSpace(
            space=self.space,
            layers=layers,
            top_k=self.config.top_k,
            skeleton=skeleton,
            reference=None if self.constraint is None else self.constraint.reference,
            meta={"strategy": self.config.strategy, "rounds": self.round, "seed": self.config.seed},
        )

    def _record(self, cost: EvaluatorCost | None) -> dict[str, Any]:
        best, mean, diversity, ref_distance, best_genomes = [], [], [], [], []
        for pop in self.populations:
            scored = [ind for ind in pop if ind.fitness.valid]
            if scored:
                values = [ind.fitness.values[0] for ind in scored]
                stats = self._stats.compile(values)
                best.append(float(stats["max"]))
                mean.append(float(stats["mean"]))
                best_genomes.append(scored[values.index(stats["max"])].genome.to_dict())
            else:
                best.append(None)
                mean.append(None)
                best_genomes.append(None)
            diversity.append(self.space.diversity([ind.genome for ind in pop]))
            if self._ref_row is not None:
                rows = [cell_row(ind.genome) for ind in pop]
                ref_distance.append(float(pairwise_hamming(rows, self._ref_row).mean()) if rows else None)
        return {
            "round": self.round,
            "strategy": self.config.strategy,
            "best": best,
            "mean": mean,
            "diversity": diversity,
            "ref_distance": ref_distance if self.constraint is not None else None,
            "constraint_active": self.constrained,
            "queries": self.queries,
            "distinct_queries": self.distinct_queries,
            "eval_seconds": 0.0 if cost is None else cost.seconds,
            "seconds": self._elapsed + time.perf_counter() - self._started,
            "best_genomes": best_genomes,
        }

    # ----------------------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """Plain-JSON state between rounds (for checkpoints)."""
        if self._pending is not None:
            raise EvolveError("state_dict() between ask() and tell(); checkpoint after tell()")
        return {
            "version": STATE_VERSION,
            "config": self.config.to_dict(),
            "round": self.round,
            "rng": self.rng.bit_generator.state,
            "py_random": self._random.getstate(),
            "populations": [[ind.to_dict() for ind in pop] for pop in self.populations],
            "halls": [[ind.to_dict() for ind in hall] for hall in self._halls],
            "known": [[[g.to_dict(), s] for g, s in known.values()] for known in self._known],
            "queried": [
                [layer, g.to_dict()]
                for layer, g in sorted(self._queried, key=lambda p: (p[0], json.dumps(p[1].to_dict(), sort_keys=True)))
            ],
            "queries": self.queries,
            "scored": [c.to_dict() for c in self.scored_cells()],
            "constraint_released": self.constraint is not None and self.constraint.released,
            "seconds": self._elapsed + time.perf_counter() - self._started,
            "history": self.history.records,
            "strategy": self.strategy.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict`.

        Args:
            state: what `state_dict` returned; the config must be the same.
        """
        version = state.get("version")
        if version != STATE_VERSION:
            raise EvolveError(f"engine state version={version!r} is not supported (expected {STATE_VERSION})")
        if state["config"] != self.config.to_dict():
            raise ConfigError(changed_settings("evolve", state["config"], self.config.to_dict(), state.get("round"),
                                               "rounds"))
        rounds, layers = state["round"], len(state["populations"])
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not 0 <= rounds <= self.config.rounds \
                or rounds != len(state["history"]):
            raise EvolveError(f"engine state round={rounds!r} does not fit its {len(state['history'])} history "
                              f"records and rounds={self.config.rounds}")
        if layers != self.config.layers:
            raise EvolveError(f"engine state has {layers} layer populations, expected layers={self.config.layers}")
        self.round = rounds
        self.rng.bit_generator.state = state["rng"]
        version, internal, gauss = state["py_random"]
        self._random.setstate((version, tuple(internal), gauss))
        self.populations = [[Individual.from_dict(d) for d in pop] for pop in state["populations"]]
        for hall, items in zip(self._halls, state["halls"]):
            hall.clear()
            for item in reversed(items):  # worst first: HallOfFame.insert then keeps ties in order
                hall.insert(Individual.from_dict(item))
        self._known = [{} for _ in range(self.config.layers)]
        for known, items in zip(self._known, state["known"]):
            for genome_dict, score in items:
                genome = genome_from_dict(genome_dict)
                known[genome.key] = (genome, score)
        self._queried = {(layer, genome_from_dict(g)) for layer, g in state["queried"]}
        scored = [ScoredCell.from_dict(d) for d in state.get("scored", [])]  # absent in checkpoints before 0.1.1
        self._scored = {(c.layer, c.genome): c for c in scored}
        self.queries = state["queries"]
        if self.constraint is not None and state["constraint_released"]:
            self.constraint.release()
        self._elapsed, self._started = state["seconds"], time.perf_counter()
        self.history = History(state["history"])
        self.strategy.load_state_dict(state["strategy"])
