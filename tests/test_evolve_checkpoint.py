"""Checkpoints: engine/evaluator state round trips, atomic rotation, corrupt files, resume."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from autospace.errors import CheckpointError, ConfigError
from autospace.evaluators import AnalyticEvaluator, Evaluator
from autospace.evolve import Engine, EvolveConfig, evolve_space
from autospace.evolve.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from autospace.genome import get_space

SPACE = get_space("autospace")


def step(engine: Engine, ev: Evaluator, rounds: int) -> None:
    for _ in range(rounds):
        batch = engine.ask()
        engine.tell(ev.score(batch), ev.cost)


@pytest.mark.parametrize("strategy", ["autospace", "regularized", "random", "local"])
def test_engine_state_round_trip_continues_identically(strategy):
    config = EvolveConfig(strategy=strategy, population=10, sample_size=5, rounds=12, layers=2, tau=1, seed=4)
    ref = SPACE.sample(2)
    ev = AnalyticEvaluator(SPACE, layers=2, seed=1)
    straight = Engine(SPACE, config, reference=ref)
    step(straight, ev, 12)

    first = Engine(SPACE, config, reference=ref)
    step(first, ev, 5)
    state = json.loads(json.dumps(first.state_dict()))  # through JSON, as on disk
    second = Engine(SPACE, config, reference=ref)
    second.load_state_dict(state)
    step(second, ev, 7)
    strip = lambda e: e.history.without_wall_clock()
    assert strip(second) == strip(straight)
    assert second.learned_space().to_dict() == straight.learned_space().to_dict()
    with pytest.raises(ConfigError, match="other settings"):
        Engine(SPACE, EvolveConfig(strategy=strategy, seed=5, layers=2)).load_state_dict(state)


def test_save_rotates_and_keeps_the_previous_checkpoint(tmp_path):
    save_checkpoint(tmp_path, Checkpoint({"round": 1}, {"cost": {}}))
    save_checkpoint(tmp_path, Checkpoint({"round": 2}, {"cost": {}}))
    assert load_checkpoint(tmp_path).engine == {"round": 2}
    assert json.loads((tmp_path / "checkpoint.prev" / "engine.json").read_text())["engine"] == {"round": 1}
    assert not (tmp_path / "checkpoint.tmp").exists()
    # killed between the two renames: checkpoint/ missing, checkpoint.prev/ is used
    shutil.rmtree(tmp_path / "checkpoint")
    assert load_checkpoint(tmp_path).engine == {"round": 1}


def test_corrupt_checkpoint_is_a_clear_error_and_the_previous_is_kept(tmp_path):
    save_checkpoint(tmp_path, Checkpoint({"round": 1}, {"cost": {}}))
    save_checkpoint(tmp_path, Checkpoint({"round": 2}, {"cost": {}}))
    (tmp_path / "checkpoint" / "engine.json").write_text('{"schema_version": 1, "engi')
    with pytest.raises(CheckpointError, match="engine.json' is not valid JSON") as info:
        load_checkpoint(tmp_path)
    assert "checkpoint.prev" in str(info.value)
    assert json.loads((tmp_path / "checkpoint.prev" / "engine.json").read_text())["engine"] == {"round": 1}
    with pytest.raises(CheckpointError, match="not a resumable run directory"):
        load_checkpoint(tmp_path / "elsewhere")


def test_evaluator_tensors_go_to_a_torch_file_loaded_weights_only(tmp_path):
    state = {"cost": {"queries": 3, "seconds": 0.5}, "alpha": [torch.arange(4.0), torch.ones(2, 2)]}
    save_checkpoint(tmp_path, Checkpoint({"round": 0}, state))
    assert (tmp_path / "checkpoint" / "evaluator.pt").is_file()
    loaded = load_checkpoint(tmp_path).evaluator
    assert loaded["cost"] == state["cost"]
    assert torch.equal(loaded["alpha"][0], state["alpha"][0]) and torch.equal(loaded["alpha"][1], state["alpha"][1])
    (tmp_path / "checkpoint" / "evaluator.pt").write_bytes(b"not a torch file")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(tmp_path)


class Interrupted(AnalyticEvaluator):
    """Dies (like a killed process) when asked to score round ``die_at``."""

    def __init__(self, die_at: int, **kw):
        super().__init__(SPACE, **kw)
        self.rounds, self.die_at = 0, die_at

    def score(self, batch, map_fn=map):
        if self.rounds == self.die_at:
            raise KeyboardInterrupt
        self.rounds += 1
        return super().score(batch, map_fn)


def test_resume_after_an_interrupted_round_matches_an_uninterrupted_run(tmp_path):
    kw = {"population": 10, "sample_size": 5, "layers": 2, "seed": 3, "top_k": 3, "rounds": 10}
    full = evolve_space(SPACE, AnalyticEvaluator(SPACE, layers=2), "autospace", **kw)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evolve_space(SPACE, Interrupted(4, layers=2), "autospace", out=out, **kw)
    assert load_checkpoint(out).engine["round"] == 4
    assert not (out / "learned_space.json").exists()
    resumed = evolve_space(SPACE, AnalyticEvaluator(SPACE, layers=2), "autospace", out=out, resume=True, **kw)
    assert resumed.history.without_wall_clock() == full.history.without_wall_clock()
    assert resumed.learned_space.to_dict() == full.learned_space.to_dict()
    assert resumed.evaluator.cost.queries == full.evaluator.cost.queries  # cost counters restored


def test_only_rank_zero_writes_the_run_directory(tmp_path, monkeypatch) -> None:
    """Under torchrun every rank runs the engine; ranks other than 0 must not touch the files."""
    from autospace.evaluators import AnalyticEvaluator
    from autospace.evolve import evolve_space
    from autospace.genome import get_space

    space = get_space("nb201")
    monkeypatch.setenv("RANK", "1")
    other = evolve_space(space, AnalyticEvaluator(space), population=6, sample_size=3, rounds=3, seed=1, out=tmp_path / "r")
    assert not (tmp_path / "r").exists()
    monkeypatch.setenv("RANK", "0")
    main = evolve_space(space, AnalyticEvaluator(space), population=6, sample_size=3, rounds=3, seed=1, out=tmp_path / "r")
    assert (tmp_path / "r" / "learned_space.json").exists()
    assert other.history.without_wall_clock() == main.history.without_wall_clock()
