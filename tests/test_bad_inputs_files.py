"""The bad-input corpus of paths and files (tests/test_bad_inputs.py's pattern), for the defect classes
of issue 22: every command's paths through one check (symlink loops, dangling symlinks, empty paths,
names too long, also inside config values), files that are not regular (a FIFO never blocks), JSON
nested too deeply, non-UTF-8 text, non-finite numbers read back from any file, and a resumed run whose
checkpoint/ or final files are in the way. Each must exit 2 with one line on stderr naming the field
or file, no traceback, no hang, and leave the case's folder byte for byte as it was."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_input_case import Case, assert_rejected, snapshot
from test_bad_inputs import BAD, evolve_run

from autospace.cli import main
from autospace.genome import get_space
from autospace.shrink.space import ShrunkSpace

LONG_NAME = "n" * 300
"""A file name longer than any file system allows (NAME_MAX is 255 bytes)."""
DEEP = "[" * 100_000
"""JSON nested 100,000 levels deep (Python's json raises RecursionError on it)."""
MACRO_GENOME = {"schema_version": 1, "input_shape": [1, 8, 8], "num_classes": 10,
                "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
                           {"type": "Linear", "out_features": 10}]}


# ----------------------------------------------------------------------------- what a case's folder holds
def loop(name: str) -> Callable[[Path], None]:
    """``{tmp}/name``: a symlink to itself (too many levels of symbolic links)."""
    return lambda tmp: os.symlink(name, tmp / name)


def dangling(name: str) -> Callable[[Path], None]:
    """``{tmp}/name``: a symlink to nothing."""
    return lambda tmp: os.symlink("nowhere", tmp / name)


def fifo(name: str) -> Callable[[Path], None]:
    """``{tmp}/name``: a FIFO with no writer (opening it for reading would block forever)."""
    return lambda tmp: os.mkfifo(tmp / name)


def text(name: str, content: str | bytes) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        data = content.encode() if isinstance(content, str) else content
        (tmp / name).write_bytes(data)
    return write


def config_with(extra: str, *setups: Callable[[Path], None]) -> Callable[[Path], None]:
    """``{tmp}/c.toml``: the corpus's good evolve config plus ``extra`` (paths relative to ``{tmp}``)."""
    def write(tmp: Path) -> None:
        (tmp / "c.toml").write_text((BAD / "evolve_ok.toml").read_text() + extra)
        for setup in setups:
            setup(tmp)
    return write


def nb201_config(table: str) -> Callable[[Path], None]:
    """``{tmp}/c.toml``: an NB201 run with a tabular evaluator reading ``table``."""
    return text("c.toml", "[evolve]\nspace = 'nb201'\npopulation = 4\nsample_size = 2\nrounds = 2\ntop_k = 2\n"
                          f"[evaluator]\nname = 'tabular'\npath = {json.dumps(table)}\n")


def shrunk_with_nan(tmp: Path) -> None:
    """``{tmp}/shrunk.json``: a valid shrunk NB201 space but for a NaN score in its meta."""
    space = get_space("nb201")
    cells = tuple(space.enumerate())[:8]
    text_ = json.dumps(ShrunkSpace(space, (cells,), "lissnas", None, {"scores": [[float("nan")] * 8]}).to_dict())
    (tmp / "shrunk.json").write_text(text_)
    (tmp / "c.toml").write_text("[evolve]\nspace = 'nb201'\ncells = 'shrunk.json'\npopulation = 4\nsample_size = 2\n"
                                "rounds = 2\ntop_k = 2\n[evaluator]\nname = 'analytic'\n")


def run_dir(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """``{tmp}/out``: a finished 2-round analytic evolution run, then ``damage(out)``."""
    return lambda tmp: evolve_run(tmp, damage)


def replace_with(name: str, make: Callable[[Path], None]) -> Callable[[Path], None]:
    """Damage: ``out/name`` removed, then ``make(out/name)``."""
    def damage(out: Path) -> None:
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        make(path)
    return damage


def self_loop(path: Path) -> None:
    os.symlink(path.name, path)


def history_line(line: str) -> Callable[[Path], None]:
    """Damage: ``history.jsonl`` with ``line`` in place of its first line."""
    def damage(out: Path) -> None:
        lines = (out / "history.jsonl").read_text().splitlines(keepends=True)
        (out / "history.jsonl").write_text(line + "\n" + "".join(lines[1:]))
    return damage


def shrink_run(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """``{tmp}/out``: a finished analytic shrink run, then ``damage(out)``."""
    def setup(tmp: Path) -> None:
        (tmp / "s.toml").write_text("[shrink]\nn = 10\nmax_iters = 2\n[evaluator]\nname = 'analytic'\n")
        assert main(["shrink", "--config", str(tmp / "s.toml"), "--out", str(tmp / "out"), "--quiet"]) == 0
        damage(tmp / "out")
    return setup


def edit_checkpoint(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    """Damage: ``edit`` of checkpoint/engine.json's payload, without checkpoint.prev/ to fall back on."""
    def damage(out: Path) -> None:
        path = out / "checkpoint" / "engine.json"
        payload = json.loads(path.read_text())
        edit(payload)
        path.write_text(json.dumps(payload))
        shutil.rmtree(out / "checkpoint.prev", ignore_errors=True)
    return damage


def set_fitness(value: float) -> Callable[[dict], None]:
    def edit(payload: dict) -> None:
        payload["engine"]["populations"][0][0]["fitness"] = value
    return edit


# ----------------------------------------------------------------------------- the commands
def evolve(case_id: str, names: str, setup: Callable[[Path], None], *extra: str) -> Case:
    return Case(case_id, ("evolve", "--config", "{tmp}/c.toml", "--out", "{out}", "--quiet", *extra), names, setup)


def resume(case_id: str, names: str, setup: Callable[[Path], None], *argv: str) -> Case:
    return Case(case_id, argv or ("evolve", "--resume", "{out}", "--quiet"), names, setup)


def out_case(case_id: str, names: str, out: str, setup: Callable[[Path], None] | None = None) -> list[Case]:
    """The same bad ``--out`` for every command that creates a run directory."""
    return [
        Case(f"evolve_{case_id}", ("evolve", "--config", str(BAD / "evolve_ok.toml"), "--out", out), names, setup),
        Case(f"shrink_{case_id}", ("shrink", "--config", "{tmp}/s.toml", "--out", out), names,
             lambda tmp: (text("s.toml", "[shrink]\nn = 10\n[evaluator]\nname = 'analytic'\n")(tmp),
                          setup and setup(tmp))),
        Case(f"search_{case_id}", ("search", "--space", "irb", "--algo", "proxyless-g", "--madds-budget", "100k",
                                   "--out", out), names, setup),
        Case(f"train_{case_id}", ("train", "--arch", str(BAD / "arch_ok.json"), "--out", out), names, setup),
        Case(f"macro_extract_{case_id}", ("macro", "extract", "--zoo", "alexnet", "--out", out), names, setup),
    ]


CASES = [
    # paths: one check for every command's --out
    *out_case("out_symlink_loop", "symlink loop", "{tmp}/loop", loop("loop")),
    *out_case("out_under_symlink_loop", "symlink loop", "{tmp}/loop/run", loop("loop")),
    *out_case("out_dangling_symlink", "dangling symlink", "{tmp}/link", dangling("link")),
    *out_case("out_empty", "an empty path", ""),
    *out_case("out_name_too_long", "longer than the system allows", "{tmp}/" + LONG_NAME),
    *out_case("out_name_too_long_under_missing", "longer than the system allows", "{tmp}/missing/" + LONG_NAME),
    Case("plot_out_empty", ("plot", "{tmp}/run", "--out", ""), "an empty path"),
    # paths: files a command reads, given on the command line
    Case("evolve_config_symlink_loop", ("evolve", "--config", "{tmp}/c.toml", "--out", "{out}"), "symlink loop",
         loop("c.toml")),
    Case("evolve_config_dangling", ("evolve", "--config", "{tmp}/c.toml", "--out", "{out}"), "dangling symlink",
         dangling("c.toml")),
    Case("evolve_config_name_too_long", ("evolve", "--config", "{tmp}/" + LONG_NAME, "--out", "{out}"),
         "longer than the system allows"),
    Case("evolve_config_fifo", ("evolve", "--config", "{tmp}/c.toml", "--out", "{out}"), "not a regular file",
         fifo("c.toml")),
    Case("evolve_config_directory", ("evolve", "--config", "{tmp}/c.toml", "--out", "{out}"), "is a directory",
         lambda tmp: (tmp / "c.toml").mkdir()),
    Case("shrink_config_fifo", ("shrink", "--config", "{tmp}/s.toml", "--out", "{out}"), "not a regular file",
         fifo("s.toml")),
    Case("search_config_fifo", ("search", "--space", "irb", "--algo", "proxyless-g", "--madds-budget", "100k",
                                "--out", "{out}", "--config", "{tmp}/s.toml"), "not a regular file", fifo("s.toml")),
    Case("search_space_fifo", ("search", "--space", "{tmp}/space.json", "--algo", "proxyless-g", "--madds-budget",
                               "100k", "--out", "{out}"), "not a regular file", fifo("space.json")),
    Case("search_space_symlink_loop", ("search", "--space", "{tmp}/space.json", "--algo", "proxyless-g",
                                       "--madds-budget", "100k", "--out", "{out}"), "symlink loop", loop("space.json")),
    Case("search_space_name_too_long", ("search", "--space", "{tmp}/" + LONG_NAME, "--algo", "proxyless-g",
                                        "--madds-budget", "100k", "--out", "{out}"), "longer than the system allows"),
    Case("train_arch_fifo", ("train", "--arch", "{tmp}/arch.json", "--out", "{out}"), "not a regular file",
         fifo("arch.json")),
    Case("train_arch_symlink_loop", ("train", "--arch", "{tmp}/arch.json", "--out", "{out}"), "symlink loop",
         loop("arch.json")),
    Case("train_config_fifo", ("train", "--arch", str(BAD / "arch_ok.json"), "--out", "{out}", "--config",
                               "{tmp}/t.toml"), "not a regular file", fifo("t.toml")),
    Case("train_data_root_symlink_loop", ("train", "--arch", str(BAD / "arch_ok.json"), "--out", "{out}", "--data",
                                          "mnist", "--data-root", "{tmp}/data"), "data.root", loop("data")),
    Case("macro_show_fifo", ("macro", "show", "{tmp}/g.json"), "not a regular file", fifo("g.json")),
    Case("macro_show_symlink_loop", ("macro", "show", "{tmp}/g.json"), "symlink loop", loop("g.json")),
    Case("plot_run_symlink_loop", ("plot", "{tmp}/run"), "symlink loop", loop("run")),
    Case("plot_run_name_too_long", ("plot", "{tmp}/" + LONG_NAME), "longer than the system allows"),
    Case("resume_symlink_loop", ("evolve", "--resume", "{tmp}/run"), "symlink loop", loop("run")),
    Case("shrink_resume_symlink_loop", ("shrink", "--resume", "--out", "{tmp}/run"), "symlink loop", loop("run")),
    Case("train_resume_symlink_loop", ("train", "--arch", str(BAD / "arch_ok.json"), "--out", "{tmp}/run",
                                       "--resume"), "symlink loop", loop("run")),
    # paths inside config values
    evolve("evaluator_path_100k", "evaluator.path", nb201_config("p" * 100_000)),
    evolve("evaluator_path_symlink_loop", "evaluator.path", lambda tmp: (nb201_config("t.csv")(tmp),
                                                                          loop("t.csv")(tmp))),
    evolve("evaluator_path_fifo", "not a regular file", lambda tmp: (nb201_config("t.csv")(tmp), fifo("t.csv")(tmp))),
    evolve("evaluator_path_directory", "is a directory", lambda tmp: (nb201_config("t.csv")(tmp),
                                                                       (tmp / "t.csv").mkdir())),
    evolve("reference_file_symlink_loop", "symlink loop", config_with("[reference]\nfile = 'ref.json'\n",
                                                                      loop("ref.json"))),
    evolve("reference_file_fifo", "not a regular file", config_with("[reference]\nfile = 'ref.json'\n",
                                                                    fifo("ref.json"))),
    evolve("cells_file_symlink_loop", "evolve.cells", lambda tmp: (shrunk_with_nan(tmp), (tmp / "shrunk.json").unlink(),
                                                                   loop("shrunk.json")(tmp))),
    # JSON nested too deeply: one guarded reader for every JSON file
    Case("macro_show_deep_json", ("macro", "show", "{tmp}/g.json"), "nested deeper", text("g.json", DEEP)),
    Case("search_space_deep_json", ("search", "--space", "{tmp}/space.json", "--algo", "proxyless-g",
                                    "--madds-budget", "100k", "--out", "{out}"), "nested deeper",
         text("space.json", DEEP)),
    Case("train_arch_deep_json", ("train", "--arch", "{tmp}/arch.json", "--out", "{out}"), "nested deeper",
         text("arch.json", DEEP)),
    evolve("reference_file_deep_json", "nested deeper", config_with("[reference]\nfile = 'ref.json'\n",
                                                                    text("ref.json", DEEP))),
    resume("resume_engine_deep_json", "nested deeper",
           run_dir(lambda out: (out / "checkpoint" / "engine.json").write_text(DEEP))),
    Case("plot_history_deep_json", ("plot", "{out}"), "nested deeper", run_dir(history_line(DEEP))),
    # text that is not UTF-8, and a UTF-8 byte-order mark where JSON does not allow one
    Case("plot_history_latin1", ("plot", "{out}"), "history.jsonl",
         run_dir(lambda out: (out / "history.jsonl").write_bytes("{\"caf\xe9\": 1}\n".encode("latin-1")))),
    Case("plot_history_fifo", ("plot", "{out}"), "not a regular file",
         run_dir(replace_with("history.jsonl", lambda path: os.mkfifo(path)))),
    # non-finite numbers read back from a file: the same check as numbers computed
    resume("resume_nan_fitness", "engine.populations[0][0].fitness=nan", run_dir(edit_checkpoint(set_fitness(float("nan"))))),
    resume("resume_inf_fitness", "engine.populations[0][0].fitness=inf", run_dir(edit_checkpoint(set_fitness(float("inf"))))),
    resume("resume_nan_history_best", "engine.history[0].best[0]=nan",
           run_dir(edit_checkpoint(lambda p: p["engine"]["history"][0]["best"].__setitem__(0, float("nan"))))),
    resume("shrink_resume_nan_score", "engine.scored[0][0][1]=nan",
           shrink_run(edit_checkpoint(lambda p: p["engine"]["scored"][0][0].__setitem__(1, float("nan")))),
           "shrink", "--out", "{out}", "--resume", "--quiet"),
    evolve("cells_file_nan_score", "meta.scores[0][0]=nan", shrunk_with_nan),
    Case("search_shrunk_nan_score", ("search", "--space", "{tmp}/shrunk.json", "--algo", "proxyless-g",
                                     "--madds-budget", "100k", "--out", "{out}"), "meta.scores[0][0]=nan",
         shrunk_with_nan),
    Case("search_learned_inf_fitness", ("search", "--space", "{tmp}/space.json", "--algo", "proxyless-g",
                                        "--madds-budget", "100k", "--out", "{out}"), "=inf",
         text("space.json", (BAD / "learned_ok.json").read_text().replace("0.2857142857142857", "1e999", 1))),
    Case("train_arch_nan_metadata", ("train", "--arch", "{tmp}/arch.json", "--out", "{out}"), "search.seconds=nan",
         text("arch.json", json.dumps({**json.loads((BAD / "arch_ok.json").read_text()),
                                       "search": {"seconds": float("nan")}}))),
    Case("plot_history_nan", ("plot", "{out}"), "line 1", run_dir(history_line('{"round": 0, "best": [NaN]}'))),
    Case("macro_show_nan", ("macro", "show", "{tmp}/g.json"), "=nan",
         text("g.json", json.dumps({**MACRO_GENOME, "layers": [{"type": "Dropout", "p": float("nan")},
                                                               *MACRO_GENOME["layers"]]}))),
    # data loss: a resumed run whose checkpoint/ or final files are in the way stops before any work
    resume("resume_checkpoint_symlink_loop", "symlink loop", run_dir(replace_with("checkpoint", self_loop))),
    resume("resume_checkpoint_prev_symlink_loop", "symlink loop", run_dir(replace_with("checkpoint.prev", self_loop))),
    resume("resume_checkpoint_dangling", "dangling symlink",
           run_dir(replace_with("checkpoint", lambda path: os.symlink("gone", path)))),
    resume("resume_checkpoint_tmp_is_a_file", "checkpoint.tmp",
           run_dir(lambda out: (out / "checkpoint.tmp").write_text("stray"))),
    resume("resume_learned_space_is_a_directory", "learned_space.json",
           run_dir(replace_with("learned_space.json", lambda path: path.mkdir()))),
    resume("resume_history_is_a_directory", "history.jsonl",
           run_dir(replace_with("history.jsonl", lambda path: path.mkdir()))),
    resume("resume_history_symlink_loop", "symlink loop", run_dir(replace_with("history.jsonl", self_loop))),
    resume("shrink_resume_checkpoint_symlink_loop", "symlink loop", shrink_run(replace_with("checkpoint", self_loop)),
           "shrink", "--out", "{out}", "--resume", "--quiet"),
    resume("shrink_resume_shrunk_space_is_a_directory", "shrunk_space.json",
           shrink_run(replace_with("shrunk_space.json", lambda path: path.mkdir())),
           "shrink", "--out", "{out}", "--resume", "--quiet"),
    Case("train_resume_model_is_a_directory", ("train", "--arch", str(BAD / "arch_ok.json"), "--out", "{out}",
                                               "--resume"), "model.pt",
         lambda tmp: ((tmp / "out" / "model.pt").mkdir(parents=True), text("out/config.toml", "")(tmp))),
    Case("macro_retrain_result_is_a_directory", ("macro", "retrain", "{out}"), "retrain.json",
         lambda tmp: (tmp / "out" / "retrain.json").mkdir(parents=True)),
    Case("plot_figure_is_a_directory", ("plot", "{out}"), "fitness.png",
         run_dir(lambda out: (out / "figures" / "fitness.png").mkdir(parents=True))),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_path_or_file_is_one_line_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(tmp_path)
    assert_rejected(case, tmp_path, capsys)


@pytest.mark.parametrize("damage", [
    edit_checkpoint(set_fitness(float("nan"))),
    replace_with("checkpoint", self_loop),
], ids=["nan_in_engine_json", "checkpoint_symlink_loop"])
def test_a_refused_resume_leaves_the_run_directory_byte_identical(damage: Callable[[Path], None], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Done means (issue 22): a resume from a checkpoint holding NaN or from a checkpoint/ symlink loop
    is refused, and history.jsonl, config.toml, the learned space and the checkpoints are untouched,
    with no checkpoint.tmp/ left behind."""
    evolve_run(tmp_path, damage)
    out = tmp_path / "out"
    before = snapshot(out)
    assert before["history.jsonl"]  # the two rounds the run had
    assert main(["evolve", "--resume", str(out)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == before
    assert not (out / "checkpoint.tmp").exists()


def test_a_utf8_byte_order_mark_is_read_as_text(tmp_path: Path) -> None:
    """TOML and JSON files saved by editors that write a byte-order mark are read like any other."""
    (tmp_path / "c.toml").write_bytes(b"\xef\xbb\xbf" + (BAD / "evolve_ok.toml").read_bytes())
    assert main(["evolve", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    (tmp_path / "g.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(MACRO_GENOME).encode())
    assert main(["macro", "show", str(tmp_path / "g.json")]) == 0
