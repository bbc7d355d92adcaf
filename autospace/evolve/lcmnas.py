"""The ``lcmnas`` strategy (Lopes & Alexandre 2022): macro search on a `MacroSpace`.

One engine "layer" holds the population of whole networks. Generation 0 is ``population`` walks
over the source models' WDGs (all ranked equal); every later generation keeps the ``elitism``
share of the fittest networks and fills the rest with walks over the WDGs of the whole previous
population (each network's own WDG re-extracted from its chain; rank roulette by fitness). A
walk is re-drawn when its canonical key is taken or it is above ``max_madds``, at most
``max_tries`` times.

`ask` builds the next generation once the current one is scored and asks its unscored networks;
`tell` changes nothing, so between rounds (in the history record and the checkpoint) the
population is the generation just scored. All state lives in the populations.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from autospace.errors import ConfigError, EvolveError
from autospace.evolve.cache import cell_key
from autospace.evolve.individual import Individual
from autospace.evolve.strategies import Pending, Strategy, register_strategy
from autospace.macro import MacroGenome, macro_cost
from autospace.macro.space import MacroSpace
from autospace.macro.wdg import WDG

if TYPE_CHECKING:
    from autospace.evolve.engine import Engine


@functools.lru_cache(maxsize=1 << 12)
def genome_wdg(genome: MacroGenome) -> WDG:
    """The WDG of a network of the population (cached: genomes are immutable)."""
    return WDG.from_genome(genome)


class LCMNASStrategy(Strategy):
    """Elitism plus weighted random walks over the population's WDGs (module docstring)."""

    @staticmethod
    def _space(engine: Engine) -> MacroSpace:
        space = engine.space
        if not isinstance(space, MacroSpace):
            raise ConfigError(f"evolve.strategy='lcmnas' needs evolve.space='macro', got {space.name!r}")
        if engine.config.layers != 1:
            raise ConfigError(f"evolve.strategy='lcmnas' searches whole networks: evolve.layers must be 1, "
                              f"got {engine.config.layers}")
        return space

    def _children(self, engine: Engine, parents: list[WDG], fitness: list[float], count: int) -> list[Individual]:
        space = self._space(engine)
        cap = space.settings.max_madds
        taken = engine.taken(0)
        out = []
        for _ in range(count):
            for _ in range(engine.config.max_tries):
                genome = space.walk(parents, fitness, engine.rng)
                key = cell_key(genome)
                if key not in taken and (cap is None or macro_cost(genome)[0] <= cap):
                    taken.add(key)
                    out.append(Individual(genome, engine.round))
                    break
            else:
                raise EvolveError(f"round {engine.round}: no new walk under lcmnas.max_madds={cap} in "
                                  f"max_tries={engine.config.max_tries} walks; raise max_madds or max_tries")
        return out

    def ask(self, engine: Engine) -> Pending:
        space = self._space(engine)
        population = engine.populations[0]
        if not population:
            population += self._children(engine, list(space.parents), [0.0] * len(space.parents),
                                         engine.config.population)
        elif all(ind.fitness.valid for ind in population):
            ranked = sorted(population, key=lambda ind: -ind.fitness.values[0])
            elite = ranked[: max(1, int(space.settings.elitism * engine.config.population))]
            parents = [genome_wdg(ind.genome) for ind in ranked]
            fitness = [ind.fitness.values[0] for ind in ranked]
            population[:] = elite
            population += self._children(engine, parents, fitness, engine.config.population - len(elite))
        return [(0, ind) for ind in population if not ind.fitness.valid]

    def tell(self, engine: Engine, scored: Pending) -> None:
        """Nothing: the scored generation stays the population until the next `ask`."""


register_strategy("lcmnas", LCMNASStrategy)
