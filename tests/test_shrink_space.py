"""`ShrunkSpace` is a space: JSON round trip, the engine and `evolve_space` inside it, `autospace search` on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.errors import ConfigError, GenomeError
from autospace.evaluators import AnalyticEvaluator
from autospace.evolve import Engine, EvolveConfig, evolve_space
from autospace.genome import Genome, get_space
from autospace.nn import Architecture
from autospace.shrink import ShrunkSpace, is_shrunk_file, lissnas, shrink

NB201 = get_space("nb201")


@pytest.fixture()
def shrunk() -> ShrunkSpace:
    return lissnas(NB201, AnalyticEvaluator(NB201, seed=2), n=20, k=4, r=1, seed=0)


def test_json_round_trip_and_schema_checks(shrunk: ShrunkSpace, tmp_path: Path) -> None:
    path = tmp_path / "shrunk.json"
    shrunk.save(path)
    assert is_shrunk_file(path)
    loaded = ShrunkSpace.load(path)
    assert loaded == shrunk and loaded.layers == shrunk.layers
    data = json.loads(path.read_text())
    assert data["schema_version"] == 1 and data["kind"] == "shrunk_space" and data["method"] == "lissnas"
    for change, message in (({"schema_version": 2}, "schema_version=2"), ({"kind": "learned"}, "'kind'"),
                            ({"layers": []}, "'layers'"), ({"extra": 1}, "unknown field 'extra'")):
        path.write_text(json.dumps({**data, **change}))
        assert change.get("kind") is None or not is_shrunk_file(path)
        with pytest.raises(GenomeError, match=message):
            ShrunkSpace.load(path)
    with pytest.raises(GenomeError, match="repeats a cell"):
        ShrunkSpace(NB201, (shrunk.layers[0] * 2,), "lissnas")


def test_engine_and_evolve_stay_inside_the_shrunk_space(shrunk: ShrunkSpace) -> None:
    members = set(shrunk.layers[0])
    evaluator = AnalyticEvaluator(NB201, seed=2)
    config = EvolveConfig(strategy="regularized", population=10, sample_size=5, rounds=8, seed=1)
    engine = Engine(NB201, config, cells=shrunk.layers)
    while not engine.done:
        batch = engine.ask()
        assert all(c.genome in members for c in batch)
        engine.tell(evaluator.score(batch))
    assert engine.distinct_queries > 10
    run = evolve_space(NB201, {"name": "analytic", "seed": 2}, "autospace", population=10, sample_size=5,
                       rounds=6, cells=shrunk.layers)
    assert all(r.genome in members for r in run.learned_space.layers[0])
    with pytest.raises(ConfigError, match="restricted"):
        Engine(NB201, EvolveConfig(population=len(members) + 1), cells=shrunk.layers)


def test_a_shrunk_cell_without_member_neighbours_gets_a_fresh_member() -> None:
    cells = (NB201.sample(0), NB201.sample(1), NB201.sample(2))
    engine = Engine(NB201, EvolveConfig(strategy="regularized", population=1, sample_size=1, rounds=3), cells=[cells])
    evaluator = AnalyticEvaluator(NB201)
    while not engine.done:
        batch = engine.ask()
        assert all(c.genome in cells for c in batch)
        engine.tell(evaluator.score(batch))
    assert engine.distinct_queries == 3


FAST = """
[search]
threads = 1
batch_size = 32
[rl]
warmup_steps = 3
steps = 4
samples = 1
log_every = 2
"""


def test_search_consumes_a_layer_wise_shrunk_space(tmp_path: Path) -> None:
    space = get_space("autospace")
    evaluator = AnalyticEvaluator(space, layers=4, seed=1)
    result = shrink(space, evaluator, "lissnas", layers=4, skeleton="tiny", n=6, k=1, r=1, max_iters=1, seed=0)
    assert result.num_layers == 4 and result.skeleton == "tiny"
    path = tmp_path / "shrunk_space.json"
    result.save(path)
    config = tmp_path / "fast.toml"
    config.write_text(FAST)
    out = tmp_path / "run"
    assert main(["search", "--quiet", "--config", str(config), "--space", str(path), "--algo", "rl",
                 "--madds-budget", "200k", "--out", str(out)]) == 0
    arch = Architecture.load(out / "architecture.json")
    assert all(g in set(result.layers[i]) or g.is_zero for i, g in enumerate(arch.genomes))
    assert main(["search", "--quiet", "--config", str(config), "--space", str(path), "--algo", "rl",
                 "--madds-budget", "200k", "--skeleton", "cifar", "--out", str(tmp_path / "r2")]) == 2


def test_autospace_evolve_over_a_shrunk_space_file(shrunk: ShrunkSpace, tmp_path: Path, capsys) -> None:
    shrunk.save(tmp_path / "shrunk.json")
    config = tmp_path / "evolve.toml"
    config.write_text('[evolve]\nspace = "nb201"\ncells = "shrunk.json"\nstrategy = "regularized"\npopulation = 8\n'
                      'sample_size = 4\nrounds = 5\n[evaluator]\nname = "analytic"\nseed = 2\n')
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    learned = json.loads((out / "learned_space.json").read_text())
    members = {g.to_nb201() for g in shrunk.layers[0]}
    assert all(Genome.from_dict(c["genome"]).to_nb201() in members for c in learned["layers"][0])
    assert (tmp_path / "shrunk.json").resolve().as_posix() in (out / "config.toml").read_text()
    assert main(["evolve", "--out", str(out), "--resume", "--quiet"]) == 0  # the saved cells path is reloaded
    config.write_text(config.read_text().replace('space = "nb201"', 'space = "autospace"'))
    assert main(["evolve", "--config", str(config), "--out", str(tmp_path / "r2"), "--quiet"]) == 2
    assert "evolve.cells" in capsys.readouterr().err
