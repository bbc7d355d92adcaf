"""`autospace evolve`: run directories, config validation, resume (also after a real kill)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.evaluators import AnalyticEvaluator
from autospace.evolve import History, LearnedSpace, evolve_space
from autospace.genome import get_space

ROOT = Path(__file__).resolve().parents[1]
CONFIG = """
[evolve]
space = "autospace"
strategy = "autospace"
layers = 2
population = 10
sample_size = 5
rounds = {rounds}
top_k = 3
seed = 4

[evaluator]
name = "analytic"
seed = 1
delay = {delay}
"""


def write_config(tmp_path: Path, rounds: int = 6, delay: float = 0.0, extra: str = "") -> Path:
    path = tmp_path / "cfg" / "run.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(CONFIG.format(rounds=rounds, delay=delay) + extra)
    return path


def expected(rounds: int):
    space = get_space("autospace")
    return evolve_space(
        space,
        AnalyticEvaluator(space, layers=2, seed=1),
        "autospace",
        layers=2,
        population=10,
        sample_size=5,
        rounds=rounds,
        top_k=3,
        seed=4,
    )


def test_run_writes_the_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(write_config(tmp_path)), "--out", str(out), "--quiet"]) == 0
    assert {p.name for p in out.iterdir()} >= {"config.toml", "history.jsonl", "learned_space.json", "checkpoint"}
    resolved = tomllib.loads((out / "config.toml").read_text())
    assert resolved["evolve"]["fitness_momentum"] == 0.9 and resolved["evolve"]["workers"] == 1
    assert resolved["evaluator"] == {"name": "analytic", "seed": 1, "delay": 0.0}
    ref = expected(6)
    assert History.load(out / "history.jsonl").without_wall_clock() == ref.history.without_wall_clock()
    assert LearnedSpace.load(out / "learned_space.json").to_dict() == ref.learned_space.to_dict()
    assert "done: 6 rounds" in capsys.readouterr().out


def test_seed_and_workers_flags_override_the_config(tmp_path):
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(write_config(tmp_path)), "--out", str(out), "--quiet", "--seed", "9"]) == 0
    assert tomllib.loads((out / "config.toml").read_text())["evolve"]["seed"] == 9


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("colour = 3\n", "evaluator.colour"),
        ("[extras]\n", "[extras] is not a config section"),
        ("[reference]\nnb201 = 'x'\nfile = 'y'\n", "exactly one of"),
        ("[reference]\ngenome = {schema_version = 1, space = 'nb201', edges = []}\n", "reference.genome"),
    ],
)
def test_bad_configs_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(write_config(tmp_path, extra=extra)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("population = 10", "population = 0", "evolve.population=0"),
        ("population = 10", "populaton = 10", "evolve.populaton is not a key of [evolve]"),
        ('strategy = "autospace"', 'strategy = "annealing"', "evolve.strategy='annealing'"),
        ("delay = 0.0", 'delay = "no"', "evaluator.delay='no'"),
        ('name = "analytic"\nseed = 1\ndelay = 0.0', 'name = "tabular"\npath = "missing.csv"', "missing.csv"),
        ("seed = 4", "seed = 4\nmadds_cap = 5.0", "evolve.madds_cap needs evolve.skeleton"),
        ("[evolve]", "[evolve", "is not valid TOML"),
    ],
)
def test_bad_values_name_the_key(tmp_path, capsys, old, new, message):
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace(old, new, 1))
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(path), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_out_and_resume_errors(tmp_path, capsys):
    cfg = str(write_config(tmp_path))
    assert main(["evolve", "--config", cfg, "--out", str(tmp_path / "cfg")]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert main(["evolve", "--resume", str(tmp_path / "cfg")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["evolve", "--out", str(tmp_path / "x")]) == 2
    assert "--config is required" in capsys.readouterr().err
    out = tmp_path / "run"
    assert main(["evolve", "--config", cfg, "--out", str(out), "--quiet"]) == 0
    assert main(["evolve", "--resume", str(out), "--seed", "5", "--quiet"]) == 2
    assert "differs from the run's seed" in capsys.readouterr().err
    other = write_config(tmp_path, rounds=7)
    assert main(["evolve", "--config", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "evolve.rounds" in capsys.readouterr().err


def test_corrupt_checkpoint_exits_2_and_keeps_the_previous(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(write_config(tmp_path)), "--out", str(out), "--quiet"]) == 0
    (out / "checkpoint" / "engine.json").write_text("{")
    before = (out / "checkpoint.prev" / "engine.json").read_text()
    assert main(["evolve", "--resume", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "is not valid JSON" in err and "checkpoint.prev" in err
    assert (out / "checkpoint.prev" / "engine.json").read_text() == before


def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path):
    rounds = 16
    cfg = write_config(tmp_path, rounds=rounds, delay=0.01)  # 10 queries x 10 ms per round
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "autospace.cli", "evolve", "--config", str(cfg), "--out", str(out), "--quiet"]
    env = dict(os.environ, PYTHONHASHSEED="random")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    history = out / "history.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if history.exists() and len(history.read_text().splitlines()) >= 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(History.load(history))
    assert 4 <= done < rounds and not (out / "learned_space.json").exists()
    resumed = subprocess.run(
        [sys.executable, "-m", "autospace.cli", "evolve", "--resume", str(out), "--quiet"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    ref = expected(rounds)
    assert History.load(history).without_wall_clock() == ref.history.without_wall_clock()
    assert json.loads((out / "learned_space.json").read_text()) == ref.learned_space.to_dict()


def test_example_nb201_config_runs(tmp_path, nb201_csv, capsys):
    out = tmp_path / "nb201"
    assert main(["evolve", "--config", str(ROOT / "examples" / "nb201.toml"), "--out", str(out), "--quiet"]) == 0
    learned = LearnedSpace.load(out / "learned_space.json")
    assert learned.space.name == "nb201" and len(learned.layers[0]) == 5
    assert learned.reference is not None
    saved = tomllib.loads((out / "config.toml").read_text())["evaluator"]["path"]
    assert Path(saved).is_absolute() and Path(saved).resolve() == nb201_csv.resolve()


def test_example_analytic_config_runs(tmp_path):
    out = tmp_path / "analytic"
    assert main(["evolve", "--config", str(ROOT / "examples" / "analytic.toml"), "--out", str(out), "--quiet"]) == 0
    assert len(LearnedSpace.load(out / "learned_space.json").layers) == 3


def test_a_python_run_resumes_from_the_cli(tmp_path):
    """evolve_space(out=...) writes config.toml, so `autospace evolve --resume --out DIR` continues it."""
    settings = {"layers": 2, "population": 10, "sample_size": 5, "rounds": 6, "top_k": 3, "seed": 4}
    evaluator = {"name": "analytic", "seed": 1}

    def stop_after_round_3(line: str) -> None:
        if line.startswith("round 3/"):
            raise KeyboardInterrupt

    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evolve_space("autospace", evaluator, "autospace", out=out, log=stop_after_round_3, **settings)
    assert len(History.load(out / "history.jsonl")) == 3 and not (out / "learned_space.json").exists()
    assert tomllib.loads((out / "config.toml").read_text())["evaluator"] == {"name": "analytic", "seed": 1, "delay": 0.0}
    assert main(["evolve", "--resume", "--out", str(out), "--quiet"]) == 0
    ref = expected(6)
    assert History.load(out / "history.jsonl").without_wall_clock() == ref.history.without_wall_clock()
    assert LearnedSpace.load(out / "learned_space.json").to_dict() == ref.learned_space.to_dict()


def test_a_run_with_an_evaluator_object_resumes_from_python_only(tmp_path, capsys):
    space = get_space("autospace")
    out = tmp_path / "run"
    evolve_space(space, AnalyticEvaluator(space), population=6, sample_size=3, rounds=2, out=out)
    assert "evaluator" not in tomllib.loads((out / "config.toml").read_text())
    assert main(["evolve", "--resume", str(out), "--quiet"]) == 2
    assert "has no [evaluator]" in capsys.readouterr().err


def test_plugin_module_registers_a_strategy_for_the_command(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "my_plugin_strategies.py").write_text(
        "from autospace.evolve import register_strategy\n"
        "from autospace.evolve.strategies import RegularizedStrategy\n"
        "class Copy(RegularizedStrategy):\n    pass\n"
        "register_strategy('plugin-copy', Copy)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = tmp_path / "c.toml"
    config.write_text('[evolve]\nspace = "nb201"\nstrategy = "plugin-copy"\npopulation = 4\nsample_size = 2\n'
                      'rounds = 2\n[evaluator]\nname = "analytic"\n')
    out = tmp_path / "run"
    assert main(["--plugin", "my_plugin_strategies", "evolve", "--config", str(config), "--out", str(out)]) == 0
    assert (out / "learned_space.json").is_file()
    assert main(["--plugin=no_such_plugin_module", "evolve", "--config", str(config), "--out", str(tmp_path / "r2")]) == 2
    assert "--plugin 'no_such_plugin_module' cannot be imported" in capsys.readouterr().err
    assert not (tmp_path / "r2").exists()
