"""`autospace search`: exit codes, one-line errors, nothing half-written, the example config."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.nn import Architecture
from autospace.search.cli import parse_madds

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "search_digits.toml"
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


@pytest.fixture()
def fast_config(tmp_path: Path) -> Path:
    path = tmp_path / "fast.toml"
    path.write_text(FAST)
    return path


def _run(*argv: str) -> int:
    return main(["search", "--quiet", *argv])


def test_search_writes_a_complete_run_directory(tmp_path: Path, fast_config: Path) -> None:
    out = tmp_path / "run"
    assert _run("--config", str(fast_config), "--space", "irb", "--algo", "rl", "--madds-budget", "100k",
                "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["architecture.json", "config.toml", "history.jsonl",
                                                      "summary.json"]
    arch = Architecture.load(out / "architecture.json")
    assert abs(arch.madds - 1e5) <= 1e4
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["rl"]["steps"] == 4 and config["search"]["threads"] == 1
    assert config["algo"] == "rl" and config["space"] == "irb" and config["madds_budget"] == 1e5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--space", "irb", "--algo", "rl", "--madds-budget", "lots"], "--madds-budget='lots'"),
        (["--space", "irb", "--algo", "rl", "--madds-budget", "1k"], "madds_budget=1000 is out of reach"),
        (["--space", "nope.json", "--algo", "rl", "--madds-budget", "100k"], "space='nope.json'"),
        (["--space", "irb", "--algo", "ea", "--madds-budget", "100k"], "needs space='open'"),
        (["--space", "irb", "--algo", "rl", "--madds-budget", "100k", "--data", "nope"], "data.name='nope'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path: Path, fast_config: Path, capsys, argv, message) -> None:
    out = tmp_path / "run"
    assert _run("--config", str(fast_config), *argv, "--out", str(out)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("autospace search: error:") and message in err and "\n" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [fast_config]


def test_existing_output_and_bad_config_are_refused(tmp_path: Path, fast_config: Path, capsys) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert _run("--config", str(fast_config), "--space", "irb", "--algo", "rl", "--madds-budget", "1e5",
                "--out", str(out)) == 2
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[rl]\nsteps = 'many'\n")
    assert _run("--config", str(bad), "--space", "irb", "--algo", "rl", "--madds-budget", "1e5",
                "--out", str(tmp_path / "r2")) == 2
    assert "rl.steps='many'" in capsys.readouterr().err
    bad.write_text("[darts]\nx = 1\n")
    assert _run("--config", str(bad), "--space", "irb", "--algo", "rl", "--madds-budget", "1e5",
                "--out", str(tmp_path / "r2")) == 2
    assert "[darts]" in capsys.readouterr().err
    assert _run("--space", "irb", "--algo", "darts", "--madds-budget", "1e5", "--out", str(tmp_path / "r3")) == 2
    err = capsys.readouterr().err
    assert "algorithm='darts' is not a known algorithm; choose one of [" in err and "'proxyless-g', 'rl'" in err


def test_settings_errors_answer_before_torch_loads(tmp_path: Path) -> None:
    configs = {"steps": "[proxyless-g]\nsteps = 0\n", "data": "[data]\nname = 'nope'\n",
               "device": "[search]\ndevice = 'gpu'\n", "batch": "[search]\nbatch_size = 0\n",
               "key": "[proxyless-g]\nsteps = 3\nlr = 1\n"}
    for name, text in configs.items():
        (tmp_path / f"{name}.toml").write_text(text)
    (tmp_path / "file").write_text("mine")
    cases = {
        ("--madds-budget=-5k",): "--madds-budget='-5k' is not a number > 0",
        ("--madds-budget", "-5k"): "--madds-budget: expected one argument",
        ("--madds-budget", "0"): "madds_budget=0.0 must be a positive number",
        ("--space", f"{tmp_path}/nothing.json"): f"space='{tmp_path}/nothing.json' is neither",
        ("--algo", "darts"): "algorithm='darts' is not a known algorithm",
        ("--algo", "ea"): "needs space='open'",
        ("--skeleton", "nope"): "skeleton='nope'",
        ("--config", f"{tmp_path}/steps.toml"): "proxyless-g.steps=0",
        ("--config", f"{tmp_path}/data.toml"): "data.name='nope'",
        ("--data", "nope"): "data.name='nope'",
        ("--config", f"{tmp_path}/device.toml"): "search.device='gpu'",
        ("--device", "gpu"): "search.device='gpu'",
        ("--config", f"{tmp_path}/batch.toml"): "search.batch_size=0",
        ("--config", f"{tmp_path}/key.toml"): "proxyless-g.lr is not a key of [proxyless-g]",
        ("--out", f"{tmp_path}/file"): f"run directory '{tmp_path}/file' is an existing file",
    }
    runs = []
    for extra in cases:
        argv = {"--space": "irb", "--algo": "proxyless-g", "--madds-budget": "100k", "--out": f"{tmp_path}/out"}
        flags = [word for flag, value in argv.items() if flag not in extra for word in (flag, value)]
        runs.append(["search", *flags, *extra])
    code = ("import sys\nfrom autospace.cli import main\n"
            f"for argv in {runs!r}:\n"
            "    try:\n        code = main(argv)\n    except SystemExit as exc:\n        code = exc.code\n"
            "    assert code == 2, argv\n"
            "assert 'torch' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(cases)
    for line, message in zip(lines, cases.values()):
        assert "error:" in line and message in line, (line, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(f"{name}.toml" for name in configs), "file"])


PLUGIN = """
from dataclasses import dataclass

from autospace.search import register_algorithm
from autospace.search.base import SearchOutcome


@dataclass(frozen=True)
class FirstConfig:
    layers: int = 0


def first_candidates(ctx, config):
    return SearchOutcome([cells[0] for cells in ctx.space.candidates], summary={"layers": config.layers})


register_algorithm("first-candidates", first_candidates, FirstConfig, overwrite=True)
"""


def test_a_plugin_algorithm_is_chosen_on_the_command_line(tmp_path: Path, monkeypatch) -> None:
    from autospace.search import runner

    monkeypatch.setattr(runner._ALGORITHMS, "_items", dict(runner._ALGORITHMS._items))  # the plugin's, until the end
    (tmp_path / "search_plugin_first.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = tmp_path / "first.toml"
    config.write_text("[first-candidates]\nlayers = 3\n")
    out = tmp_path / "run"
    assert main(["--plugin", "search_plugin_first", "search", "--quiet", "--config", str(config), "--space", "irb",
                 "--algo", "first-candidates", "--madds-budget", "100k", "--out", str(out)]) == 0
    arch = Architecture.load(out / "architecture.json")
    assert arch.search["algo"] == "first-candidates"
    assert tomllib.loads((out / "config.toml").read_text())["first-candidates"] == {"layers": 3}


def test_failed_search_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    from autospace.search import cli

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "execute", boom)
    out = tmp_path / "run"
    assert _run("--space", "irb", "--algo", "rl", "--madds-budget", "1e5", "--out", str(out)) == 130
    assert list(tmp_path.iterdir()) == []


def test_search_on_a_learned_space_file(tmp_path: Path, fast_config: Path, capsys) -> None:
    import numpy as np

    from autospace.evolve import LearnedSpace, Ranked
    from autospace.genome import get_space

    space = get_space("autospace")
    rng = np.random.default_rng(0)
    layers = [[Ranked(space.sample(rng), 1.0 - i / 10) for i in range(4)] for _ in range(4)]
    learned = tmp_path / "learned_space.json"
    LearnedSpace(space, layers, top_k=4, skeleton="tiny").save(learned)
    out = tmp_path / "run"
    assert _run("--config", str(fast_config), "--space", str(learned), "--algo", "rl", "--madds-budget", "200k",
                "--out", str(out)) == 0
    arch = Architecture.load(out / "architecture.json")
    allowed = [{r.genome for r in layer} for layer in layers]
    assert all(g in allowed[i] or g.is_zero for i, g in enumerate(arch.genomes))
    assert _run("--config", str(fast_config), "--space", str(learned), "--algo", "rl", "--madds-budget", "200k",
                "--skeleton", "cifar", "--out", str(tmp_path / "r2")) == 2
    assert "was evolved on 'tiny'" in capsys.readouterr().err


def test_interrupted_write_leaves_no_partial_run_directory(tmp_path: Path, fast_config: Path, monkeypatch) -> None:
    from autospace.search import cli

    def die(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.rundir, "write_jsonl", die)  # after architecture.json and config.toml were written
    out = tmp_path / "run"
    assert _run("--config", str(fast_config), "--space", "irb", "--algo", "rl", "--madds-budget", "1e5",
                "--out", str(out)) == 130
    assert list(tmp_path.iterdir()) == [fast_config]


def test_madds_suffixes() -> None:
    assert parse_madds("330M") == 330e6 and parse_madds("2.5k") == 2500 and parse_madds("5e6") == 5e6


def test_example_config_is_valid() -> None:
    from autospace.config import read_toml
    from autospace.search.runner import prepare

    sections = read_toml(EXAMPLE)
    for algo in ("proxyless-g", "rl", "spos"):
        run = prepare("irb", algo, 1e5, sections)
        assert run.settings.skeleton == "tiny" and run.data_config.name == "digits"
    assert prepare("open", "ea", 2e5, sections).algo_config.rounds == 6
