"""LISSNAS and the baselines, step by step, on the analytic evaluator (its optimum is known)."""

from __future__ import annotations

import math
import statistics

import pytest

from autospace.config import parse_section
from autospace.errors import ConfigError, UnknownNameError
from autospace.evaluators import AnalyticEvaluator
from autospace.genome import Genome, get_space, hamming
from autospace.shrink import ShrinkConfig, get_shrinker, lissnas, shrink
from autospace.shrink.shrinker import hamming_ball

NB201 = get_space("nb201")


def shrinker(method: str = "lissnas", cheap=None, **settings):
    evaluator = AnalyticEvaluator(NB201, seed=3)
    config = parse_section(ShrinkConfig, "shrink", {"method": method, **settings})
    return get_shrinker(method)(NB201, evaluator, config, cheap), evaluator


def test_hamming_ball_holds_exactly_the_cells_within_the_radius() -> None:
    centre = NB201.sample(0)
    for radius in (1, 2):
        ball = hamming_ball([centre], radius)
        assert len(ball) == len(set(ball))
        assert ball[0] == centre
        expected = [g for g in NB201.enumerate() if hamming(g, centre) <= radius]
        assert set(ball) == set(expected)


def test_first_step_samples_scores_and_refines_around_the_seeds() -> None:
    s, evaluator = shrinker(n=30, k=4, r=1)
    record = s.step()
    assert s.queries == [30] and evaluator.cost.queries == 30
    sampled = [g for g, _ in s.scored[0].values()]
    assert len({g.key for g in sampled}) == 30
    entry = record["layers"][0]
    assert entry["sampled"] == 30 and entry["stop"] is None
    assert entry["mean"] == pytest.approx(statistics.fmean(v for _, v in s.scored[0].values()))
    best = sorted(s.scored[0].values(), key=lambda item: -item[1])[:4]
    seeds = [g for g, _ in best]
    assert [g.to_dict() for g in seeds] == entry["seeds"]
    nxt = s.current[0]
    assert set(nxt) == set(hamming_ball(seeds, 1)) and entry["next_size"] == len(nxt)
    assert all(min(hamming(g, seed) for seed in seeds) <= 1 for g in nxt)


def test_iterations_raise_the_mean_and_keep_the_optimum() -> None:
    s, evaluator = shrinker(n=30, k=5, r=1, max_iters=6)
    s.run()
    means = s.means[0]
    assert len(means) >= 3 and means[-1] > means[0] + 0.2
    assert evaluator.optimum(0) in s.final[0]
    assert len(s.final[0]) < NB201.size / 20
    assert sum(s.queries) == sum(e["sampled"] for r in s.history for e in r["layers"])


def test_plateau_stops_early_and_returns_the_better_space() -> None:
    s, _ = shrinker(n=30, k=5, r=1, eps=10.0, max_iters=8)  # no improvement can reach eps: stop at iteration 2
    shrunk = s.run()
    assert s.iteration == 2
    assert s.history[-1]["layers"][0]["stop"] == "plateau"
    assert shrunk.layers[0] in (s.current[0], s.previous[0])
    assert len(s.means[0]) == 1


def test_good_neighbours_keep_only_cells_at_least_the_seeds_median() -> None:
    cheap = AnalyticEvaluator(NB201, seed=3)
    s, _ = shrinker(cheap=cheap, n=30, k=4, r=1, good_neighbours=True)
    record = s.step()
    seeds = [Genome.from_dict(d, NB201) for d in record["layers"][0]["seeds"]]
    score = lambda g: cheap.score([(0, g)])[0]
    median = statistics.median(score(g) for g in seeds)
    assert set(seeds) <= set(s.current[0])
    assert all(g in seeds or score(g) >= median for g in s.current[0])
    assert len(s.current[0]) < len(hamming_ball(seeds, 1))
    assert s.cheap_queries == len(hamming_ball(seeds, 1))


def test_same_seed_same_space_other_seed_other_space() -> None:
    a = lissnas(NB201, AnalyticEvaluator(NB201, seed=3), n=20, seed=5)
    b = lissnas(NB201, AnalyticEvaluator(NB201, seed=3), n=20, seed=5)
    c = lissnas(NB201, AnalyticEvaluator(NB201, seed=3), n=20, seed=6)
    assert a.to_dict() == b.to_dict()
    assert a.layers != c.layers


def test_random_baseline_spends_no_query() -> None:
    evaluator = AnalyticEvaluator(NB201, seed=3)
    shrunk = shrink(NB201, evaluator, "random", size=77, seed=1)
    assert shrunk.sizes() == [77] and evaluator.cost.queries == 0


def test_op_prune_keeps_the_optimal_ops_down_to_one_cell() -> None:
    s, evaluator = shrinker("op_prune", size=1, queries=400)
    shrunk = s.run()
    assert shrunk.layers[0] == (evaluator.optimum(0),)
    assert sum(s.queries) <= 400
    s2, _ = shrinker("op_prune", size=100, queries=100)
    cells = s2.run().layers[0]
    assert len(cells) <= 100
    per_edge = [{g.ops[i] for g in cells} for i in range(NB201.num_edges)]
    assert len(cells) == math.prod(len(ops) for ops in per_edge)  # still a product of op sets


def test_autospace_baseline_is_the_top_of_an_evolution_run() -> None:
    s, evaluator = shrinker("autospace", size=10, queries=60)
    cells = s.run().layers[0]
    scores = sorted((v for _, v in s.scored[0].values()), reverse=True)
    assert len(cells) == 10 and sum(s.queries) == 60
    assert sorted(evaluator.score([(0, g) for g in cells]), reverse=True) == scores[:10]


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(ConfigError, match="shrink.n=0"):
        parse_section(ShrinkConfig, "shrink", {"n": 0})
    with pytest.raises(ConfigError, match="shrink.size is required"):
        parse_section(ShrinkConfig, "shrink", {"method": "random"})
    with pytest.raises(UnknownNameError, match="shrink.method='abs'"):
        parse_section(ShrinkConfig, "shrink", {"method": "abs"})
