"""SIGKILL `autospace evolve` of the NB201 example at a few seeded moments (a round, inside a
checkpoint write, a set time), resume it, and compare with the uninterrupted run
(`benchmarks/kill_resume.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_killed_nb201_runs_resume_to_the_uninterrupted_result() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    command = [sys.executable, str(ROOT / "benchmarks" / "kill_resume.py"), "--nb201-kills", "3", "--digits-kills",
               "0", "--lcmnas-kills", "0", "--seed", "1", "--json"]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    (case,) = report["cases"]
    assert report["matched"] == report["trials"] == 3
    assert case["kills"] >= 3  # each trial was really killed (one or two times) before it finished


def test_a_run_stopped_while_creating_its_directory_leaves_out_as_it_was(tmp_path: Path, monkeypatch) -> None:
    from autospace import rundir
    from autospace.evolve import evolve_space

    def stop(*_args: object) -> None:
        raise KeyboardInterrupt  # as a kill inside the config write: no config.toml, no temp file in OUT

    out = tmp_path / "run"
    settings = {"population": 8, "sample_size": 4, "rounds": 2, "seed": 0, "out": out}
    monkeypatch.setattr(rundir, "write_config", stop)
    with pytest.raises(KeyboardInterrupt):
        evolve_space("nb201", {"name": "analytic"}, "autospace", **settings)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    evolve_space("nb201", {"name": "analytic"}, "autospace", **settings)  # the same command starts it again
    assert (out / "learned_space.json").is_file()
