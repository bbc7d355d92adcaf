"""The baselines LISSNAS is compared with, behind the same `Shrinker` interface (docs/lissnas.md):

* ``random`` — ``size`` cells per layer drawn uniformly from the space, no query spent.
* ``op_prune`` — ABS-like operation pruning: per iteration, score ``queries / iterations`` new cells
  of the current product space; per encoding position (edge, and the ratio where the space has
  one), the choice with the lowest mean score among the scored cells of the current space that
  hold it is dropped, lowest first, until the space holds at most ``size`` cells.
* ``autospace`` — the AutoSpace learned space: the top-``size`` cells of an evolution run
  (``autospace`` strategy) that spends ``queries`` scored cells per layer.
"""

from __future__ import annotations

import itertools
import math
import statistics
from typing import Any

from autospace.evolve.config import EvolveConfig
from autospace.evolve.engine import Engine
from autospace.genome import Genome
from autospace.shrink.base import Shrinker, register_shrinker


class OneStepShrinker(Shrinker):
    """A baseline that builds its ``final`` cells per layer in its one `step` (checkpointed as such)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.final: list[tuple[Genome, ...]] = []

    @property
    def done(self) -> bool:
        return bool(self.final)

    def cells(self) -> list[tuple[Genome, ...]]:
        return self.final

    def own_state(self) -> dict[str, Any]:
        return {"final": [[g.to_dict() for g in cells] for cells in self.final]}

    def load_own_state(self, state: dict[str, Any]) -> None:
        self.final = [self.genomes(cells) for cells in state["final"]]


class RandomShrinker(OneStepShrinker):
    """``size`` uniformly drawn cells per layer (distinct genomes), in one step."""

    def step(self) -> dict[str, Any]:
        size = min(self.config.size or 1, self.space.size)
        for _ in range(self.config.layers):
            picked: dict[Genome, None] = {}
            while len(picked) < size:
                picked.setdefault(self.space.sample(self.rng), None)
            self.final.append(tuple(picked))
        self.iteration += 1
        record = {"iteration": 0, "sizes": [len(c) for c in self.final], "queries": self.queries}
        self.history.append(record)
        return record



def _product_size(choices: list[list[int]]) -> int:
    return math.prod(len(c) for c in choices)


class OpPruneShrinker(Shrinker):
    """The module docstring's ``op_prune``; ``choices[l][p]``: the indices still allowed at
    encoding position ``p`` of layer ``l`` (op indices per edge, then ratio indices)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widths = [len(self.space.ops)] * self.space.num_edges + ([len(self.space.ratios)] if self.space.has_ratio else [])
        self.choices = [[list(range(w)) for w in widths] for _ in range(self.config.layers)]
        self.planned = self._planned_iterations([list(range(w)) for w in widths])

    def _planned_iterations(self, choices: list[list[int]]) -> int:
        """Rounds of one drop per position until the space holds at most ``size`` cells."""
        rounds, counts = 0, [len(c) for c in choices]
        while math.prod(counts) > (self.config.size or 1) and any(c > 1 for c in counts):
            counts = [max(1, c - 1) for c in counts]
            rounds += 1
        return max(1, rounds)

    @property
    def done(self) -> bool:
        return all(_product_size(c) <= (self.config.size or 1) or all(len(p) == 1 for p in c)
                   for c in self.choices)

    def _decode(self, row: tuple[int, ...]) -> Genome:
        ops = tuple(self.space.ops[i] for i in row[: self.space.num_edges])
        ratio = self.space.ratios[row[-1]] if self.space.has_ratio else None
        return Genome(self.space, ops, ratio)

    def _cells_of(self, choices: list[list[int]]) -> tuple[Genome, ...]:
        return tuple(dict.fromkeys(self._decode(row) for row in itertools.product(*choices)))

    def _sample(self, choices: list[list[int]]) -> Genome:
        return self._decode(tuple(c[int(self.rng.integers(len(c)))] for c in choices))

    def cells(self) -> list[tuple[Genome, ...]]:
        return [self._cells_of(c) for c in self.choices]

    def step(self) -> dict[str, Any]:
        cfg = self.config
        per_iteration = max(1, cfg.query_budget // self.planned)
        batch = []
        for layer, choices in enumerate(self.choices):
            if _product_size(choices) <= (cfg.size or 1):
                continue
            known, keys = self.scored[layer], set()
            for _ in range(50 * per_iteration):
                genome = self._sample(choices)
                if genome.key not in known and genome.key not in keys:
                    keys.add(genome.key)
                    batch.append((layer, genome))
                    if len(keys) == per_iteration:
                        break
        self.score(batch)
        dropped = []
        for layer, choices in enumerate(self.choices):
            dropped.append(self._prune(layer, choices))
        self.iteration += 1
        record = {"iteration": self.iteration - 1, "sizes": [_product_size(c) for c in self.choices],
                  "dropped": dropped, "queries": self.queries}
        self.history.append(record)
        return record

    def _prune(self, layer: int, choices: list[list[int]]) -> list[list[int]]:
        """Drop each position's worst choice, lowest mean first, while the space is above ``size``."""
        size = self.config.size or 1
        if _product_size(choices) <= size:
            return []
        rows = [(self.space.encode([g])[0], s) for g, s in self.scored[layer].values()]
        rows = [(row, s) for row, s in rows if all(int(v) in c for v, c in zip(row, choices))]
        worst = []
        for position, allowed in enumerate(choices):
            if len(allowed) < 2:
                continue
            means = {}
            for choice in allowed:
                values = [s for row, s in rows if int(row[position]) == choice]
                means[choice] = statistics.fmean(values) if values else -math.inf  # never seen: dropped first
            choice = min(allowed, key=lambda c: (means[c], c))
            worst.append((means[choice], position, choice))
        out = []
        for _, position, choice in sorted(worst):
            if _product_size(choices) <= size:
                break
            choices[position].remove(choice)
            out.append([position, choice])
        return out

    def own_state(self) -> dict[str, Any]:
        return {"choices": self.choices}

    def load_own_state(self, state: dict[str, Any]) -> None:
        self.choices = [[list(p) for p in layer] for layer in state["choices"]]


class AutoSpaceShrinker(OneStepShrinker):
    """The top-``size`` cells of one AutoSpace evolution run (``autospace`` strategy), in one step."""

    def step(self) -> dict[str, Any]:
        cfg = self.config
        budget = cfg.query_budget * cfg.layers
        population = min(cfg.population, budget)
        engine = Engine(self.space, EvolveConfig(
            strategy="autospace", population=population, sample_size=min(10, population), tournament_size=min(5, population),
            top_k=min(cfg.size or 1, 10_000), seed=cfg.seed, budget=budget, rounds=100 * budget, layers=cfg.layers,
        ))
        while not engine.done:
            candidates = engine.ask()
            scores = self.score([(c.layer, c.genome) for c in candidates])
            engine.tell(scores)
        self.final = [tuple(r.genome for r in engine.top(layer)) for layer in range(cfg.layers)]
        self.iteration += 1
        record = {"iteration": 0, "sizes": [len(c) for c in self.final], "queries": self.queries}
        self.history.append(record)
        return record



register_shrinker("random", RandomShrinker)
register_shrinker("op_prune", OpPruneShrinker)
register_shrinker("autospace", AutoSpaceShrinker)
