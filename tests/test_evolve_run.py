"""evolve_space(): determinism, history records (docs/formats.md), learned space, run directories."""

from __future__ import annotations

import json

import pytest

from autospace.errors import ConfigError, GenomeError
from autospace.evaluators import AnalyticEvaluator, TabularEvaluator
from autospace.evolve import History, LearnedSpace, evolve_space, list_strategies
from autospace.genome import Genome, get_space

SPACE = get_space("autospace")
HISTORY_KEYS = {
    "round",
    "strategy",
    "best",
    "mean",
    "diversity",
    "ref_distance",
    "constraint_active",
    "queries",
    "distinct_queries",
    "eval_seconds",
    "seconds",
    "best_genomes",
}
RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def run(strategy: str, seed: int, **kw):
    ev = AnalyticEvaluator(SPACE, layers=2, seed=5)
    kw = {"population": 12, "sample_size": 6, "rounds": 8, "layers": 2, "top_k": 3} | kw
    return evolve_space(SPACE, ev, strategy, seed=seed, reference=SPACE.sample(1), **kw)


@pytest.mark.parametrize("strategy", [s for s in list_strategies() if s != "lcmnas"])  # lcmnas: test_lcmnas.py
def test_same_seed_same_history_other_seed_other_history(strategy):
    a, b, c = run(strategy, 0), run(strategy, 0), run(strategy, 1)
    assert a.history.without_wall_clock() == b.history.without_wall_clock()
    assert a.learned_space.to_dict() == b.learned_space.to_dict()
    assert a.history.without_wall_clock() != c.history.without_wall_clock()


def test_history_records_follow_the_documented_format():
    result = run("autospace", 0)
    assert len(result.history) == 8
    for i, record in enumerate(result.history):
        assert set(record) == HISTORY_KEYS
        assert record["round"] == i and record["strategy"] == "autospace"
        for key in ("best", "mean", "diversity", "ref_distance", "best_genomes"):
            assert len(record[key]) == 2
        assert all(isinstance(x, float) for x in record["best"] + record["mean"] + record["diversity"])
        assert record["constraint_active"] == (i < 4)
        assert record["distinct_queries"] <= record["queries"]
        assert all(Genome.from_dict(g).space.name == "autospace" for g in record["best_genomes"])
        assert record["best"][0] >= record["mean"][0]
    queries = result.history.column("queries")
    assert queries == sorted(queries) and queries[-1] == result.engine.queries
    json.dumps(result.history.records)  # plain JSON


def test_learned_space_top_k_round_trips(tmp_path):
    result = run("regularized", 3, top_k=4)
    learned = result.learned_space
    assert len(learned.layers) == 2
    for layer in learned.layers:
        assert len(layer) == 4
        fitness = [r.fitness for r in layer]
        assert fitness == sorted(fitness, reverse=True)
        assert len({r.genome.key for r in layer}) == 4
    assert [layer[0] for layer in learned.layers] == result.best
    path = tmp_path / "learned.json"
    learned.save(path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == 1 and data["space"] == "autospace" and data["top_k"] == 4
    assert data["meta"] == {"strategy": "regularized", "rounds": 8, "seed": 3}
    assert set(data["layers"][0][0]) == {"genome", "fitness"}
    loaded = LearnedSpace.load(path)
    assert loaded.to_dict() == learned.to_dict()
    path.write_text('{"schema_version": 1, "space": "autospace"}')
    with pytest.raises(GenomeError, match="missing the field 'top_k'"):
        LearnedSpace.load(path)


def test_run_directory_holds_history_checkpoint_and_learned_space(tmp_path):
    out = tmp_path / "run"
    result = run("autospace", 0, out=out)
    assert (out / "checkpoint" / "engine.json").is_file()
    assert History.load(out / "history.jsonl").without_wall_clock() == result.history.without_wall_clock()
    assert LearnedSpace.load(out / "learned_space.json").to_dict() == result.learned_space.to_dict()
    with pytest.raises(ConfigError, match="already exists and is not empty"):
        run("autospace", 0, out=out)
    again = run("autospace", 0, out=out, resume=True)  # a finished run resumes to the same result
    assert again.history.without_wall_clock() == result.history.without_wall_clock()


def test_nb201_search_returns_a_top_cell(nb201_csv):
    ev = TabularEvaluator.from_csv(nb201_csv)
    ref = Genome.from_nb201(RESNET)
    result = evolve_space(
        "nb201", ev, "autospace", reference=ref, population=20, sample_size=10, rounds=100, budget=150, seed=0
    )
    assert result.engine.distinct_queries == 150
    assert ev.report(result.best[0].genome) > 93.5
    assert result.history[0]["ref_distance"][0] <= 2


def test_scored_cells_hold_every_distinct_cell_with_its_final_fitness(tmp_path):
    out = tmp_path / "run"
    result = run("autospace", 0, out=out)
    engine = result.engine
    cells = engine.scored_cells()
    assert len(cells) == engine.distinct_queries
    assert {(c.layer, c.genome) for c in cells} == engine._queried
    assert sum(c.evaluations for c in cells) == engine.queries
    assert all(0 <= c.first_round <= c.last_round < engine.round for c in cells)
    for layer in range(2):  # the learned space's top cells are the fittest scored ones (exact scores)
        best = [c for c in cells if c.layer == layer][0]
        assert best.fitness == result.learned_space.layers[layer][0].fitness
    doc = json.loads((out / "scored_cells.json").read_text())
    assert doc["space"] == "autospace" and doc["cells"] == [c.to_dict() for c in cells]
    resumed = run("autospace", 0, out=out, resume=True)  # the record survives the checkpoint
    assert resumed.engine.scored_cells() == cells


def test_scored_cells_of_a_learned_fitness_follow_eq5():
    from autospace.evaluators.base import Evaluator

    class Noisy(Evaluator):
        exact = False

        def score_one(self, candidate):
            return float(len(candidate.genome.ops[0]))

        def describe(self):
            return {"name": "noisy"}

    result = evolve_space(SPACE, Noisy(), "autospace", population=6, sample_size=4, rounds=6, seed=0)
    population = {ind.genome: ind for ind in result.engine.populations[0]}
    for cell in result.engine.scored_cells():
        if cell.genome in population:
            assert cell.fitness == population[cell.genome].value
            assert cell.evaluations == population[cell.genome].evaluations
