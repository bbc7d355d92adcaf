"""A custom evolution experiment: a strategy of your own, registered from this script, driven by
the engine's ask/tell loop and compared with two built-in strategies.

The scorer is `AnalyticEvaluator` (a known optimum per layer, score 1.0 = the target cell), so the
experiment needs no data and no torch: how many rounds does each strategy need to find every
layer's optimum on the open AutoSpace space (93,750 cells per layer)?

    python examples/python/custom_strategy.py [--seeds 3] [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics

from autospace.evaluators import AnalyticEvaluator
from autospace.evolve import Engine, EvolveConfig, Individual, Strategy, register_strategy
from autospace.evolve.strategies import Pending
from autospace.genome import get_space


class ElitistMutation(Strategy):
    """Each round, every layer's ``sample_size`` children are mutations of its ``PARENTS`` fittest
    cells (taken in turn); the population keeps the ``population`` fittest cells seen."""

    PARENTS = 3

    def ask(self, engine: Engine) -> Pending:
        pending: Pending = []
        for layer, population in enumerate(engine.populations):
            taken = engine.taken(layer)  # canonical keys already in play: offspring avoid them
            parents = sorted(population, key=lambda ind: ind.fitness.values[0], reverse=True)[: self.PARENTS]
            for i in range(engine.config.sample_size):
                if parents:  # offspring() respects the reference constraint, the MAdds cap and dedup
                    genome = engine.offspring(layer, parents[i % len(parents)].genome, taken)
                else:
                    genome = engine.fresh(layer, taken, initial=True)
                if genome is not None:
                    pending.append((layer, Individual(genome, engine.round)))
        return pending

    def tell(self, engine: Engine, scored: Pending) -> None:
        for layer, individual in scored:
            engine.populations[layer].append(individual)
        for population in engine.populations:
            population.sort(key=lambda ind: ind.fitness.values[0], reverse=True)
            del population[engine.config.population :]


register_strategy("elitist-mutation", ElitistMutation)  # now a name like "regularized" or "autospace"


def run(strategy: str, seed: int, rounds: int, layers: int = 3) -> tuple[int | None, float]:
    """The ask/tell loop: the first round after which every layer holds its target cell (None:
    never), and the mean over layers of the best score at the end."""
    space = get_space("autospace")
    evaluator = AnalyticEvaluator(space, layers=layers, seed=seed)
    config = EvolveConfig(strategy=strategy, layers=layers, population=16, sample_size=8, rounds=rounds, seed=seed)
    engine = Engine(space, config, exact=evaluator.exact)
    found = None
    while not engine.done:
        candidates = engine.ask()  # (layer, genome, fitness) of this round
        record = engine.tell(evaluator.score(candidates))  # the round's history record
        if found is None and all(best == 1.0 for best in record["best"]):
            found = record["round"] + 1
    return found, statistics.fmean(record["best"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(f"open AutoSpace space, 3 layers, {args.rounds} rounds of 8 cells per layer, seeds 0-{args.seeds - 1}")
    print(f"{'strategy':<18} {'rounds to the optimum':<24} final best score (1.0: the optimum; -: not reached)")
    for strategy in ("elitist-mutation", "regularized", "random"):
        results = [run(strategy, seed, args.rounds) for seed in range(args.seeds)]
        found = " ".join("-" if r is None else str(r) for r, _ in results)
        print(f"{strategy:<18} {found:<24} {statistics.fmean(score for _, score in results):.3f}")


if __name__ == "__main__":
    main()
