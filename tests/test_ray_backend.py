"""The ``ray`` scoring backend on a local 2-CPU Ray: the serial and process-pool run of the same seed,
the evaluator shipped once, a raising task and a dead worker retried once, a candidate failing twice
named; without Ray installed, ``--backend ray`` says how to install it and exits 2."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
from test_evolve_parallel import SETTINGS, CountingPickles, FailsOn, FailsOnce, same_run, serial_run

from autospace.cli import main
from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators import AnalyticEvaluator
from autospace.evolve import evolve_space
from autospace.evolve.parallel import open_map
from autospace.evolve.ray_map import INSTALL, import_ray

OK_CONFIG = Path(__file__).parent / "bad_inputs" / "evolve_ok.toml"


def test_without_ray_the_backend_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError in this test only
    with pytest.raises(ConfigError, match=re.escape(INSTALL)):
        import_ray()
    out = tmp_path / "out"
    assert main(["evolve", "--config", str(OK_CONFIG), "--out", str(out), "--backend", "ray", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "autospace[ray]"' in err and not out.exists()


@pytest.fixture(scope="module")
def local_ray():
    """The Ray the backend starts itself (2 CPUs) for the tests below, whose maps join it. Its workers
    get this folder on their path, to import the evaluators of test_evolve_parallel as pytest does."""
    ray = pytest.importorskip("ray")
    assert not ray.is_initialized()
    path = os.pathsep.join([str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", path)
        with open_map(AnalyticEvaluator("nb201"), "ray", workers=2) as map_fn:
            yield ray, map_fn


def test_a_local_ray_is_started_with_the_workers_as_cpus(local_ray):
    ray, map_fn = local_ray
    assert ray.cluster_resources()["CPU"] == 2
    assert map_fn(abs, range(-5, 0)) == [5, 4, 3, 2, 1]


def test_ray_gives_the_serial_and_process_run_and_ships_the_evaluator_once(local_ray):
    serial = serial_run()
    process = evolve_space("nb201", AnalyticEvaluator("nb201", layers=2), "regularized", workers=2, **SETTINGS)
    CountingPickles.pickles = 0
    ray_ev = CountingPickles("nb201", layers=2)
    on_ray = evolve_space("nb201", ray_ev, "regularized", backend="ray", workers=2, **SETTINGS)
    same_run(process, serial)
    same_run(on_ray, serial)
    assert CountingPickles.pickles == 1  # one ray.put for the run, not one per task or round
    assert ray_ev.cost.queries == 120


def test_ray_retries_a_raising_task_and_a_dead_worker_once(local_ray, tmp_path):
    (tmp_path / "raises").mkdir()
    (tmp_path / "dies").mkdir()
    flaky = evolve_space("nb201", FailsOnce(tmp_path / "raises"), "regularized", backend="ray", **SETTINGS)
    same_run(flaky, serial_run())
    kw = {**SETTINGS, "rounds": 1}
    crashed = evolve_space("nb201", FailsOnce(tmp_path / "dies", crash=True), "regularized", backend="ray", **kw)
    same_run(crashed, evolve_space("nb201", AnalyticEvaluator("nb201", layers=2), "regularized", **kw))


def test_a_ray_candidate_failing_twice_is_named(local_ray):
    reference = serial_run()
    layer, key = 1, reference.learned_space.layers[1][0].genome.key
    named = re.escape(f"candidate layer {layer} genome '{key}' failed twice (retried once): ZeroDivisionError")
    with pytest.raises(EvaluatorError, match=named):
        evolve_space("nb201", FailsOn(layer, key), "regularized", backend="ray", **SETTINGS)


def test_the_cli_runs_on_ray_and_records_the_backend(local_ray, tmp_path):
    out = tmp_path / "out"
    assert main(["evolve", "--config", str(OK_CONFIG), "--out", str(out), "--backend", "ray", "--workers", "2",
                 "--quiet"]) == 0
    evolve = tomllib.loads((out / "config.toml").read_text())["evolve"]
    assert (evolve["backend"], evolve["workers"]) == ("ray", 2)
    serial = tmp_path / "serial"
    assert main(["evolve", "--config", str(OK_CONFIG), "--out", str(serial), "--quiet"]) == 0
    assert (out / "learned_space.json").read_bytes() == (serial / "learned_space.json").read_bytes()


SHRINK_CONFIG = """
[shrink]
space = "nb201"
n = 12
k = 3
max_iters = 3
seed = 2
[evaluator]
name = "analytic"
"""


def test_shrink_on_ray_gives_the_serial_shrunk_space(local_ray, tmp_path):
    config = tmp_path / "shrink.toml"
    config.write_text(SHRINK_CONFIG)
    runs = {}
    for name, flags in (("serial", []), ("ray", ["--backend", "ray", "--workers", "2"])):
        runs[name] = tmp_path / name
        assert main(["shrink", "--config", str(config), "--out", str(runs[name]), "--quiet", *flags]) == 0
    assert tomllib.loads((runs["ray"] / "config.toml").read_text())["shrink"]["backend"] == "ray"
    assert (runs["ray"] / "shrunk_space.json").read_bytes() == (runs["serial"] / "shrunk_space.json").read_bytes()


def test_closing_the_map_that_started_ray_stops_it(local_ray):
    ray, map_fn = local_ray
    map_fn.close()
    assert not ray.is_initialized()
