"""The evolution engine: ask/tell, strategies, dedup, MAdds cap, reference constraint, momentum."""

from __future__ import annotations

import random

import pytest
from deap import tools
from deap.tools import selection

from autospace.config import parse_section
from autospace.errors import ConfigError, EvolveError, UnknownNameError
from autospace.evaluators import AnalyticEvaluator, Candidate, Evaluator
from autospace.evolve import (
    Engine,
    EvolveConfig,
    Individual,
    Strategy,
    evolve_space,
    get_strategy,
    list_strategies,
    register_strategy,
)
from autospace.evolve.engine import tournament
from autospace.evolve.momentum import momentum_update
from autospace.genome import get_space, hamming

SPACE = get_space("autospace")
NB201 = get_space("nb201")


def drive(engine: Engine, evaluator: Evaluator) -> list[list[Candidate]]:
    asked = []
    while not engine.done:
        batch = engine.ask()
        asked.append(batch)
        engine.tell(evaluator.score(batch), evaluator.cost)
    return asked


@pytest.mark.parametrize("strategy", ["autospace", "regularized", "local"])
def test_every_search_strategy_finds_the_analytic_optimum_of_nb201(strategy):
    ev = AnalyticEvaluator(NB201, layers=2, seed=3)
    result = evolve_space(NB201, ev, strategy, population=16, sample_size=8, rounds=400, budget=700, seed=1, layers=2)
    for layer in range(2):
        assert result.best[layer].fitness == 1.0
        assert result.best[layer].genome.key == ev.optimum(layer).key


@pytest.mark.parametrize("strategy", ["autospace", "regularized", "local"])
def test_evolution_beats_random_sampling_on_the_open_space(strategy):
    """93,750 cells: with 300 queries random sampling rarely gets close; evolution does."""

    def mean_best(name: str) -> float:
        total = 0.0
        for seed in range(3):
            ev = AnalyticEvaluator(SPACE, layers=1, seed=seed)
            total += (
                evolve_space(SPACE, ev, name, population=20, sample_size=10, rounds=1000, budget=300, seed=seed)
                .best[0]
                .fitness
            )
        return total / 3

    assert mean_best(strategy) > mean_best("random") + 0.1


def test_ask_tell_contract_and_budget_is_exact():
    ev = AnalyticEvaluator(NB201, seed=0)
    engine = Engine(NB201, EvolveConfig(strategy="regularized", population=10, sample_size=7, rounds=999, budget=45))
    with pytest.raises(EvolveError, match="without a pending ask"):
        engine.tell([])
    first = engine.ask()
    assert all(isinstance(c, Candidate) and c.fitness is None for c in first)
    with pytest.raises(EvolveError, match="ask\\(\\) called twice"):
        engine.ask()
    with pytest.raises(EvolveError, match="got 0 scores"):
        engine.tell([])
    engine.tell(ev.score(first))
    drive(engine, ev)
    assert engine.distinct_queries == engine.queries == 45
    with pytest.raises(EvolveError, match="finished"):
        engine.ask()


def test_exact_evaluators_never_query_a_canonical_key_twice():
    ev = AnalyticEvaluator(NB201, seed=0)
    engine = Engine(NB201, EvolveConfig(strategy="autospace", population=20, sample_size=10, rounds=60, seed=2))
    keys = [c.genome.key for batch in drive(engine, ev) for c in batch]
    assert len(keys) == len(set(keys)) > 300
    for pop in engine.populations:
        assert len({ind.genome.key for ind in pop}) == len(pop) <= 20 + 10  # population + unscored offspring


def test_madds_cap_rejects_offspring_over_the_cap():
    def cost(layer: int, genome) -> float:  # layer 0 allows 3 non-zero edges, layer 1 any
        return sum(op != "zero" for op in genome.ops) / (layer + 1)

    config = EvolveConfig(strategy="autospace", layers=2, population=12, sample_size=6, rounds=15, madds_cap=3.0)
    engine = Engine(SPACE, config, layer_cost=cost)
    batches = drive(engine, AnalyticEvaluator(SPACE, layers=2, seed=0))
    assert all(cost(c.layer, c.genome) <= 3.0 for batch in batches for c in batch)
    assert max(sum(op != "zero" for op in c.genome.ops) for b in batches for c in b if c.layer == 1) > 3
    with pytest.raises(ConfigError, match="needs a layer cost"):
        Engine(SPACE, config)
    impossible = Engine(SPACE, EvolveConfig(madds_cap=0.5, max_tries=20), layer_cost=lambda layer, g: 1.0)
    with pytest.raises(EvolveError, match="madds_cap=0.5"):
        impossible.ask()


def test_reference_constraint_holds_for_the_first_half_only():
    ref = SPACE.sample(7)
    config = EvolveConfig(strategy="autospace", population=16, sample_size=8, rounds=20, tau=2, seed=3)
    engine = Engine(SPACE, config, reference=ref)
    ev = AnalyticEvaluator(SPACE, seed=11)
    while not engine.done:
        batch = engine.ask()
        record = engine.tell(ev.score(batch))
        if record["round"] < 10:
            assert record["constraint_active"]
            assert all(hamming(c.genome, ref) <= 2 for c in batch)
            assert all(hamming(ind.genome, ref) <= 2 for ind in engine.populations[0])
        else:
            assert not record["constraint_active"]
    history = engine.history
    assert history[-1]["ref_distance"][0] > 2  # it moved away towards the optimum afterwards
    assert engine.learned_space().reference == ref


def test_constraint_with_a_random_initial_population_fails_clearly():
    config = EvolveConfig(strategy="autospace", population=8, sample_size=8, rounds=10, tau=0, init="random")
    engine = Engine(SPACE, config, reference=SPACE.sample(0))
    ev = AnalyticEvaluator(SPACE, seed=0)
    with pytest.raises(EvolveError, match="tau=0"):
        drive(engine, ev)


def test_exhausted_reference_ball_releases_the_constraint():
    ref = NB201.sample(0)
    engine = Engine(
        NB201,
        EvolveConfig(strategy="regularized", population=10, sample_size=10, rounds=100, tau=1, budget=60),
        reference=ref,
    )
    with pytest.warns(UserWarning, match="tau=1 ball around the reference holds no new admissible cell"):
        drive(engine, AnalyticEvaluator(NB201, seed=0))
    assert engine.distinct_queries == 60 and engine.constraint.released


class Noisy(Evaluator):
    """A learned evaluator: returns the call count, so momentum is visible."""

    exact = False

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.seen: list[float | None] = []

    def score_one(self, candidate):
        self.calls += 1
        self.seen.append(candidate.fitness)
        return float(self.calls)

    def describe(self):
        return {"name": "noisy"}


def test_momentum_for_learned_scores_and_fitness_is_passed_along():
    assert momentum_update(None, 3.0, 0.9, exact=False) == 3.0
    assert momentum_update(1.0, 3.0, 0.5, exact=True) == 3.0
    assert momentum_update(1.0, 3.0, 0.75, exact=False) == pytest.approx(1.5)
    ev = Noisy()
    engine = Engine(SPACE, EvolveConfig(population=4, sample_size=4, rounds=5, top_k=4, fitness_momentum=0.75), exact=False)
    assert engine.offspring_per_round == 2
    first = engine.ask()
    assert [c.fitness for c in first] == [None] * 4
    engine.tell(ev.score(first))
    assert sorted(ind.value for ind in engine.populations[0] if ind.fitness.valid) == [1.0, 2.0, 3.0, 4.0]
    second = engine.ask()  # 2 new offspring, then 2 members re-scored with their fitness passed along
    assert [c.fitness is None for c in second] == [True, True, False, False]
    members = {ind.genome: ind for ind in engine.populations[0]}
    scores = ev.score(second)
    engine.tell(scores)
    for c, score in zip(second[2:], scores[2:]):
        ind = members[c.genome]
        assert ind.evaluations == 2
        assert ind.value == pytest.approx(0.75 * c.fitness + 0.25 * score)
    assert ev.seen[4:] == [c.fitness for c in second]


def test_selection_is_seeded_and_leaves_the_global_random_state_alone():
    random.seed(123)
    state = random.getstate()
    runs = []
    for _ in range(2):
        ev = AnalyticEvaluator(SPACE, seed=0)
        runs.append(
            evolve_space(
                SPACE, ev, "regularized", population=10, sample_size=5, rounds=8, seed=9
            ).history.without_wall_clock()
        )
    assert runs[0] == runs[1]
    assert random.getstate() == state


def test_config_errors_name_the_field():
    for kwargs, match in [
        ({"strategy": "annealing"}, "strategy='annealing'"),
        ({"population": 0}, "population=0"),
        ({"fitness_momentum": 1.5}, "fitness_momentum=1.5"),
        ({"tau": -1}, "tau=-1"),
        ({"budget": 0}, "budget=0"),
        ({"init": "zero"}, "init='zero'"),
        ({"madds_cap": [1.0, 2.0]}, "madds_cap has 2 values"),
        ({"rounds": True}, "rounds=True"),
    ]:
        with pytest.raises(ConfigError, match=match.replace("[", "\\[")):
            parse_section(EvolveConfig, "evolve", kwargs)
    with pytest.raises(ConfigError, match="evolve.colour is not a key"):
        parse_section(EvolveConfig, "evolve", {"colour": 1})
    with pytest.raises(ConfigError, match="reference genome is of space 'nb201'"):
        Engine(SPACE, reference=NB201.sample(0))


def test_sampling_near_the_reference_covers_the_ball_uniformly():
    from autospace.evolve.reference import ReferenceConstraint

    ref = NB201.sample(5)
    constraint = ReferenceConstraint(ref, tau=1, fraction=0.5)
    ball = {g for g in NB201.enumerate() if hamming(g, ref) <= 1}
    rng = random.Random(0)
    draws = [constraint.sample_near(rng) for _ in range(5000)]
    counts = {g: draws.count(g) for g in ball}
    assert set(draws) == ball and len(ball) == 25
    assert min(counts.values()) > 5000 / 25 * 0.6 and max(counts.values()) < 5000 / 25 * 1.4


class GreedyRestarts(Strategy):
    """A user's strategy, defined outside the package: fresh cells each round, keep the best."""

    def ask(self, engine: Engine) -> list[tuple[int, Individual]]:
        taken = engine.taken(0)
        genomes = [engine.fresh(0, taken) for _ in range(engine.config.sample_size)]
        return [(0, Individual(g, engine.round)) for g in genomes if g is not None]

    def tell(self, engine: Engine, scored: list[tuple[int, Individual]]) -> None:
        pop = engine.populations[0] + [ind for _, ind in scored]
        engine.populations[0] = sorted(pop, key=lambda ind: -ind.value)[: engine.config.population]


def test_a_users_strategy_registers_and_runs_with_evolve():
    register_strategy("test-greedy-restarts", GreedyRestarts, overwrite=True)
    assert "test-greedy-restarts" in list_strategies() and get_strategy("test-greedy-restarts") is GreedyRestarts
    result = evolve_space(NB201, AnalyticEvaluator(NB201, seed=0), "test-greedy-restarts", population=4, rounds=3, seed=0)
    assert len(result.history) == 3 and result.history[-1]["queries"] == 27
    assert result.history[-1]["strategy"] == "test-greedy-restarts"
    with pytest.raises(ConfigError, match="already registered"):
        register_strategy("test-greedy-restarts", GreedyRestarts)


def test_an_unknown_strategy_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="strategy='annealing'.*'autospace'.*'regularized'"):
        EvolveConfig(strategy="annealing")
    with pytest.raises(UnknownNameError, match="'local'"):
        get_strategy("annealing")


def test_tournament_draws_exactly_as_deap_selTournament():
    pop = [Individual(g, 0, fitness=float(i % 7)) for i, g in enumerate(NB201.enumerate()) if i < 40]
    saved = random.getstate()
    try:
        random.seed(11)
        expected = tools.selTournament(pop, 25, tournsize=5)
    finally:
        random.setstate(saved)
    assert tournament(pop, 25, 5, random.Random(11)) == expected


def test_the_toolbox_holds_what_runs_and_deap_is_left_alone():
    engine = Engine(NB201, EvolveConfig(strategy="regularized", population=6, sample_size=3, rounds=6, seed=0))
    assert not hasattr(engine.toolbox, "mutate")
    calls = {"select": 0, "sample": 0}
    select, sample = engine.toolbox.select, engine.toolbox.sample

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    engine.toolbox.register("select", counted("select", select))
    engine.toolbox.register("sample", counted("sample", sample))
    drive(engine, AnalyticEvaluator(NB201, seed=0))
    assert calls["select"] == 4 and calls["sample"] >= 6  # 2 rounds fill the population, 4 select parents
    assert selection.random is random  # DEAP's module state is never swapped


def test_the_reference_constraint_owns_its_state():
    from autospace.evolve.reference import ReferenceConstraint

    constraint = ReferenceConstraint(NB201.sample(1), tau=1, fraction=0.5)
    assert constraint.update(0.2) and constraint.active
    assert not constraint.update(0.5)
    constraint.update(0.1)
    constraint.release()
    assert not constraint.active and constraint.released and not constraint.update(0.1)
