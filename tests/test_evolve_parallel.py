"""Scoring backends (serial, process pool) through toolbox.map: the serial results, one retry per
failed candidate, and an error naming a candidate that fails twice; a run stopped by it resumes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators import AnalyticEvaluator, Candidate, Evaluator
from autospace.evolve import evolve_space
from autospace.evolve.parallel import ParallelSettings, ProcessMap, open_map
from autospace.genome import get_space

SETTINGS = {"population": 20, "sample_size": 10, "rounds": 6, "seed": 2, "layers": 2}


class CountingPickles(AnalyticEvaluator):
    pickles = 0

    def __getstate__(self):
        type(self).pickles += 1
        return self.__dict__


class FailsOnce(AnalyticEvaluator):
    """The first call for each candidate raises (``crash``: the very first call kills its worker
    process instead); marker files in ``marks`` make that hold across processes."""

    def __init__(self, marks: Path, crash: bool = False) -> None:
        super().__init__("nb201", layers=2)
        self.marks, self.crash = marks, crash

    def score_one(self, candidate: Candidate) -> float:
        mark = self.marks / ("crashed" if self.crash else f"{candidate.layer}-{candidate.genome.key.encode().hex()}")
        if not mark.exists():
            mark.touch()
            if self.crash:
                os._exit(3)
            raise RuntimeError("flaky scorer")
        return super().score_one(candidate)


class FailsOn(AnalyticEvaluator):
    """Raises for one (layer, genome key), every time; counts the calls for it in this process."""

    def __init__(self, layer: int, key: str) -> None:
        super().__init__("nb201", layers=2)
        self.doomed, self.calls = (layer, key), 0

    def score_one(self, candidate: Candidate) -> float:
        if (candidate.layer, candidate.genome.key) == self.doomed:
            self.calls += 1
            raise ZeroDivisionError("no score for this one")
        return super().score_one(candidate)


class Recording(AnalyticEvaluator):
    def __init__(self) -> None:
        super().__init__("nb201", layers=2)
        self.seen: list[tuple[int, str]] = []

    def score_one(self, candidate: Candidate) -> float:
        self.seen.append((candidate.layer, candidate.genome.key))
        return super().score_one(candidate)


def serial_run():
    return evolve_space("nb201", AnalyticEvaluator("nb201", layers=2), "regularized", **SETTINGS)


def same_run(run, reference) -> None:
    assert run.history.without_wall_clock() == reference.history.without_wall_clock()
    assert run.learned_space.to_dict() == reference.learned_space.to_dict()


def test_workers_give_the_serial_history_and_get_the_evaluator_once():
    serial = serial_run()
    CountingPickles.pickles = 0  # a class counter: other tests (test_ray_backend) pickle it too
    parallel_ev = CountingPickles("nb201", layers=2)
    parallel = evolve_space("nb201", parallel_ev, "regularized", workers=2, **SETTINGS)
    same_run(parallel, serial)
    assert parallel_ev.cost.queries == serial.evaluator.cost.queries == 120
    assert 1 <= CountingPickles.pickles <= 2  # once per worker process, not once per round


def test_process_map_keeps_order_and_maps_plain_functions():
    with pytest.raises(ConfigError, match="workers=0"):
        ProcessMap(AnalyticEvaluator("nb201"), 0)
    with ProcessMap(AnalyticEvaluator("nb201"), 2) as pmap:
        assert pmap(abs, range(-20, 0)) == list(range(20, 0, -1))


@pytest.mark.parametrize("backend", ["serial", "process"])
def test_a_candidate_that_fails_once_is_retried(backend, tmp_path):
    workers = 1 if backend == "serial" else 2  # serial with workers=2 is refused as a contradiction
    run = evolve_space("nb201", FailsOnce(tmp_path), "regularized", backend=backend, workers=workers, **SETTINGS)
    same_run(run, serial_run())
    assert run.evaluator.cost.queries == 120  # retries are not extra queries


def test_a_dead_worker_process_is_replaced_and_its_candidates_retried(tmp_path):
    kw = {**SETTINGS, "rounds": 2}
    run = evolve_space("nb201", FailsOnce(tmp_path, crash=True), "regularized", workers=2, **kw)
    reference = evolve_space("nb201", AnalyticEvaluator("nb201", layers=2), "regularized", **kw)
    same_run(run, reference)


def test_a_candidate_failing_twice_stops_the_run_naming_it_and_resume_finishes_it(tmp_path):
    recording = Recording()
    evolve_space("nb201", recording, "regularized", **SETTINGS)
    layer, key = recording.seen[75]  # a candidate of a later round
    doomed = FailsOn(layer, key)
    named = re.escape(f"candidate layer {layer} genome '{key}' failed twice (retried once): ZeroDivisionError: no score")
    with pytest.raises(EvaluatorError, match=named):
        evolve_space("nb201", doomed, "regularized", out=tmp_path / "run", **SETTINGS)
    assert doomed.calls == 2
    history = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    assert 1 <= len(history) < SETTINGS["rounds"] and not (tmp_path / "run" / "learned_space.json").exists()
    resumed = evolve_space("nb201", AnalyticEvaluator("nb201", layers=2), "regularized", out=tmp_path / "run",
                           resume=True, **SETTINGS)
    same_run(resumed, serial_run())


def three_fails(x: int) -> float:
    if x == 3:
        raise RuntimeError("cannot score 3\nsecond line")
    return 1 / (4 - x)


@pytest.mark.parametrize("backend", ["serial", "process"])
def test_an_item_failing_twice_is_named_in_one_line(backend):
    with open_map(AnalyticEvaluator("nb201"), backend, workers=2) as map_fn:
        assert map_fn(three_fails, [2, 1]) == [0.5, 1 / 3]
        with pytest.raises(EvaluatorError,
                           match=r"^scoring item 3 failed twice \(retried once\): RuntimeError: cannot score 3$"):
            map_fn(three_fails, [1, 3, 2])


@pytest.mark.parametrize(("settings", "field"), [
    ({"backend": "dask"}, "evolve.backend='dask'"),
    ({"workers": 0}, "evolve.workers=0"),
    ({"ray_address": "10.0.0.1:6379"}, "evolve.ray_address"),
    ({"backend": "ray", "num_gpus": 1.5}, "evolve.num_gpus=1.5"),
    ({"backend": "process", "num_gpus": 0.5}, "evolve.num_gpus=0.5"),
])
def test_bad_parallel_settings_name_the_key(settings, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.").replace("(", r"\(")):
        ParallelSettings(**settings).check("evolve")


def test_workers_with_a_joint_evaluator_warn() -> None:
    class Joint(Evaluator):
        exact = False
        independent = False

        def evaluate(self, batch):
            return [float(len(c.genome.key)) for c in batch]

        def describe(self):
            return {"name": "joint"}

    with pytest.warns(UserWarning, match="workers=2 ignored: Joint"):
        evolve_space(get_space("nb201"), Joint(), population=4, sample_size=2, rounds=1, top_k=2, workers=2)


def test_resume_may_change_where_a_run_scores_but_not_what(tmp_path, capsys):
    config = str(Path(__file__).parent / "bad_inputs" / "evolve_ok.toml")
    run = tmp_path / "run"
    assert main(["evolve", "--config", config, "--out", str(run), "--backend", "process", "--workers", "2",
                 "--quiet"]) == 0
    learned = (run / "learned_space.json").read_bytes()
    (run / "learned_space.json").unlink()
    assert main(["evolve", "--resume", str(run), "--config", config, "--backend", "serial", "--quiet"]) == 0
    assert (run / "learned_space.json").read_bytes() == learned
    assert main(["evolve", "--resume", str(run), "--config", config, "--seed", "5", "--quiet"]) == 2
    assert "--seed=5 differs" in capsys.readouterr().err
