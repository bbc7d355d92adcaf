"""`autospace shrink`: the run directory, resume after an interruption, one-line errors."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.shrink import ShrunkSpace
from autospace.shrink.shrinker import LissnasShrinker

CONFIG = """
[shrink]
space = "nb201"
n = 15
k = 3
r = 1
max_iters = 5
seed = 4
[evaluator]
name = "analytic"
seed = 7
"""


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "shrink.toml"
    path.write_text(CONFIG)
    return path


def _files(run: Path) -> dict[str, str]:
    return {name: (run / name).read_text() for name in ("shrunk_space.json", "history.jsonl", "config.toml")}


def test_run_directory_and_plain_resume(tmp_path: Path, config: Path) -> None:
    out = tmp_path / "run"
    assert main(["shrink", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint", "checkpoint.prev", "config.toml",
                                                      "history.jsonl", "shrunk_space.json"]
    shrunk = ShrunkSpace.load(out / "shrunk_space.json")
    tables = tomllib.loads((out / "config.toml").read_text())
    assert tables["shrink"]["n"] == 15 and tables["shrink"]["eps"] == 0.0 and tables["evaluator"]["seed"] == 7
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == shrunk.meta["iterations"] and history[-1]["queries"] == shrunk.meta["queries"]
    before = _files(out)
    assert main(["shrink", "--out", str(out), "--resume", "--quiet"]) == 0  # finished: the same result again
    assert _files(out) == before
    assert main(["shrink", "--config", str(config), "--out", str(out), "--quiet"]) == 2  # not new


def test_resume_after_an_interruption_gives_the_identical_result(tmp_path: Path, config: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    whole = tmp_path / "whole"
    assert main(["shrink", "--config", str(config), "--out", str(whole), "--quiet"]) == 0
    step, calls = LissnasShrinker.step, []

    def interrupted(self: LissnasShrinker) -> dict:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return step(self)

    monkeypatch.setattr(LissnasShrinker, "step", interrupted)
    cut = tmp_path / "cut"
    assert main(["shrink", "--config", str(config), "--out", str(cut), "--quiet"]) == 130
    assert not (cut / "shrunk_space.json").exists()
    assert len((cut / "history.jsonl").read_text().splitlines()) == 2
    monkeypatch.setattr(LissnasShrinker, "step", step)
    assert main(["shrink", "--config", str(config), "--out", str(cut), "--resume", "--quiet"]) == 0
    assert _files(cut) == _files(whole)


@pytest.mark.parametrize(("text", "names"), [
    ("[shrink]\nn = 0\n[evaluator]\nname = 'analytic'\n", "shrink.n=0"),
    ("[shrink]\nradius = 2\n[evaluator]\nname = 'analytic'\n", "shrink.radius"),
    ("[shrink]\nmethod = 'op_prune'\n[evaluator]\nname = 'analytic'\n", "shrink.size"),
    ("[shrink]\ngood_neighbours = true\n[evaluator]\nname = 'analytic'\n", "[cheap]"),
    ("[shrink]\nn = 5\n", "[evaluator]"),
])
def test_bad_config_is_exit_2_naming_the_field(tmp_path: Path, text: str, names: str, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert main(["shrink", "--config", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert names in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_resume_with_another_config_is_refused(tmp_path: Path, config: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["shrink", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    other = tmp_path / "other.toml"
    other.write_text(CONFIG.replace("n = 15", "n = 16"))
    assert main(["shrink", "--config", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "--config differs" in capsys.readouterr().err


def test_a_process_pool_gives_the_serial_run_and_resume_may_move_it(tmp_path: Path, config: Path) -> None:
    serial, pool = tmp_path / "serial", tmp_path / "pool"
    assert main(["shrink", "--config", str(config), "--out", str(serial), "--quiet"]) == 0
    assert main(["shrink", "--config", str(config), "--out", str(pool), "--quiet", "--workers", "2"]) == 0
    assert tomllib.loads((pool / "config.toml").read_text())["shrink"]["workers"] == 2
    assert _files(pool)["shrunk_space.json"] == _files(serial)["shrunk_space.json"]
    assert main(["shrink", "--out", str(pool), "--resume", "--quiet", "--backend", "serial"]) == 0
    assert _files(pool)["shrunk_space.json"] == _files(serial)["shrunk_space.json"]


def test_bad_placement_keys_name_the_field(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(CONFIG.replace("seed = 4", "seed = 4\nworkers = 0"))
    assert main(["shrink", "--config", str(config), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert "shrink.workers=0" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()

