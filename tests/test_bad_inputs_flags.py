"""The bad-input corpus of flags, plugins and settings that were accepted silently (tests/test_bad_inputs.py's
pattern), for the defect classes of issue 22: ``--plugin`` failures of every kind, flags that contradict
each other or belong to another action, settings no run can honour (top_k above a learned evaluator's
population, shrink counts above the space, workers far above the cores), a resumed run edited or
without its checkpoint, and LCMNAS inputs given twice or impossible. Each must exit 2 with one line on
stderr naming the field or flag, no traceback, and leave the case's folder byte for byte as it was; a
repair the command may make instead is one warning line (`assert_warned`)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_input_case import Case, assert_rejected, assert_warned
from test_bad_inputs import BAD, evolve_run
from test_bad_inputs_macro import CONFIG as LCMNAS_CONFIG
from test_bad_inputs_macro import GOOD_GENOME

from autospace.cli import SUBCOMMANDS, build_parser

GOOD_WDG = {"schema_version": 1, "name": "w",
            "transitions": {"START": {"Conv2d": 1}, "Conv2d": {"Linear": 1}, "Linear": {"END": 1}},
            "params": {"Conv2d": {"out_channels": [[4, 1]], "kernel_size": [[3, 1]]},
                       "Linear": {"out_features": [[10, 1]]}}}
SUPERNET = """
[evolve]
space = "autospace"
skeleton = "tiny"
population = 4
sample_size = 2
rounds = 1
top_k = 5
[evaluator]
name = "supernet"
skeleton = "tiny"
data = "digits"
steps = 2
threads = 1
"""


def write(name: str, content: str | dict) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        (tmp / name).write_text(content if isinstance(content, str) else json.dumps(content))
    return setup


def both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        for step in setups:
            step(tmp)
    return setup


def plugin(name: str, body: str, names: str) -> Case:
    """``--plugin name`` whose module ``{tmp}/name.py`` is ``body``."""
    return Case(f"plugin_{name.removeprefix('plugin22_')}", ("--plugin", name, "space", "list"),
                f"--plugin {name!r} {names}", write(f"{name}.py", body))


def evolve(case_id: str, names: str, *extra: str, config: str = str(BAD / "evolve_ok.toml"),
           setup: Callable[[Path], None] | None = None) -> Case:
    return Case(case_id, ("evolve", "--config", config, "--out", "{out}", "--quiet", *extra), names, setup)


def shrink(case_id: str, names: str, table: str, *extra: str) -> Case:
    return Case(case_id, ("shrink", "--config", "{tmp}/s.toml", "--out", "{out}", "--quiet", *extra), names,
                write("s.toml", f"[shrink]\n{table}\n[evaluator]\nname = 'analytic'\n"))


def lcmnas(case_id: str, names: str, old: str, new: str, files: dict[str, object] | None = None) -> Case:
    """An LCMNAS run config (tests/test_bad_inputs_macro.py's) with ``old`` replaced by ``new``."""
    assert old in LCMNAS_CONFIG
    setups = [write("lcmnas.toml", LCMNAS_CONFIG.replace(old, new))]
    setups += [write(name, content) for name, content in (files or {}).items()]  # type: ignore[arg-type]
    return Case(case_id, ("evolve", "--config", "{tmp}/lcmnas.toml", "--out", "{out}", "--quiet"), names,
                both(*setups))


def wdg(case_id: str, names: str, edit: Callable[[dict], None]) -> Case:
    data = json.loads(json.dumps(GOOD_WDG))
    edit(data)
    return lcmnas(case_id, names, 'zoo = ["alexnet"]', 'zoo = []\nwdg_files = ["w.json"]', {"w.json": data})


def without_checkpoint(out: Path) -> None:
    """A run directory whose checkpoint/ and checkpoint.prev/ are gone, its finished rounds kept."""
    shutil.rmtree(out / "checkpoint")
    shutil.rmtree(out / "checkpoint.prev")


def config_edit(old: str, new: str) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        text = (out / "config.toml").read_text()
        assert old in text
        (out / "config.toml").write_text(text.replace(old, new))
    return damage


CASES = [
    # --plugin: every failure is one line naming the plugin and the cause
    Case("plugin_relative_name", ("--plugin", ".plugins", "space", "list"), "--plugin '.plugins' is not a module name"),
    Case("plugin_empty_name", ("--plugin", "", "space", "list"), "--plugin '' is not a module name"),
    Case("plugin_file_path", ("--plugin", "{tmp}/p.py", "space", "list"), "is not a module name"),
    Case("plugin_missing", ("--plugin", "plugin22_nowhere", "space", "list"), "--plugin 'plugin22_nowhere' cannot be "
         "imported"),
    plugin("plugin22_raises", "raise ValueError('bad\\nsetting')\n", "cannot be imported: ValueError: bad setting"),
    plugin("plugin22_syntax", "def broken(:\n", "cannot be imported: SyntaxError"),
    plugin("plugin22_exits", "import sys\nsys.exit(3)\n", "called sys.exit(3)"),
    plugin("plugin22_keyerror", "import os\nos.environ['__autospace_missing__']\n", "cannot be imported: KeyError"),
    # flags that contradict each other, or that the command would ignore
    evolve("evolve_backend_serial_with_workers", "evolve.workers=2 has no effect with evolve.backend='serial'",
           "--backend", "serial", "--workers", "2"),
    evolve("evolve_config_serial_with_workers", "evolve.workers=3 has no effect", config="{tmp}/c.toml",
           setup=write("c.toml", (BAD / "evolve_ok.toml").read_text().replace("[evolve]", "[evolve]\nbackend = "
                                                                              "'serial'\nworkers = 3"))),
    shrink("shrink_backend_serial_with_workers", "shrink.workers=2 has no effect", "n = 10", "--backend", "serial",
           "--workers", "2"),
    evolve("evolve_workers_far_above_cores", "evolve.workers=100000 is more than 2x", "--workers", "100000"),
    shrink("shrink_workers_far_above_cores", "shrink.workers=100000", "n = 10", "--workers", "100000"),
    evolve("evolve_same_set_key_twice", "--set evolve.rounds is given twice", "--set", "evolve.rounds=1", "--set",
           "evolve.rounds=3"),
    Case("evolve_resume_and_another_out", ("evolve", "--resume", "{out}", "--out", "{tmp}/other"),
         "name two run directories", lambda tmp: evolve_run(tmp, lambda out: None)),
    Case("macro_show_with_a_retrain_flag", ("macro", "show", "{tmp}/g.json", "--top", "3"),
         "unrecognized arguments: --top 3", write("g.json", GOOD_GENOME)),
    Case("macro_extract_with_a_stray_file", ("macro", "extract", "--out", "{out}", "{tmp}/g.json"),
         "unrecognized arguments", write("g.json", GOOD_GENOME)),
    Case("macro_retrain_with_an_extract_flag", ("macro", "retrain", "{out}", "--zoo", "alexnet"),
         "unrecognized arguments: --zoo alexnet"),
    Case("macro_without_an_action", ("macro", "--zoo", "alexnet"), "ACTION"),
    # a resumed run that was edited, lost its checkpoint, or is not there
    Case("resume_config_with_fewer_rounds", ("evolve", "--resume", "{out}", "--quiet"),
         "evolve.rounds=2 there, 1 in the run's config (fewer than the 2 rounds already done)",
         lambda tmp: evolve_run(tmp, config_edit("rounds = 2", "rounds = 1"))),
    Case("resume_history_without_checkpoint", ("evolve", "--resume", "{out}", "--quiet"), "history.jsonl holds "
         "finished rounds but there is no checkpoint/", lambda tmp: evolve_run(tmp, without_checkpoint)),
    Case("resume_missing_run", ("evolve", "--resume", "{tmp}/missing"), "give --config without --resume"),
    Case("shrink_resume_missing_run", ("shrink", "--resume", "--out", "{tmp}/missing"),
         "give --config without --resume"),
    # settings no run can honour
    evolve("learned_top_k_above_population", "evolve.top_k=5 is more than evolve.population=4",
           config="{tmp}/c.toml", setup=write("c.toml", SUPERNET)),
    shrink("shrink_k_above_n", "shrink.k=12 is more than shrink.n=10", "n = 10\nk = 12"),
    shrink("shrink_n_above_distinct_cells", "shrink.n=5000 is more than the 4,930 distinct cells", "n = 5000"),
    shrink("shrink_size_above_space", "shrink.size=20000 is more than the 15,625 cells", "method = 'random'\n"
           "size = 20000"),
    # LCMNAS inputs given twice or impossible
    lcmnas("lcmnas_zoo_model_twice", "lcmnas.zoo names 'alexnet' twice", 'zoo = ["alexnet"]',
           'zoo = ["alexnet", "alexnet"]'),
    lcmnas("lcmnas_wdg_file_twice", "lcmnas.wdg_files names 'w.json' twice", 'zoo = ["alexnet"]',
           'zoo = []\nwdg_files = ["w.json", "w.json"]', {"w.json": GOOD_WDG}),
    lcmnas("lcmnas_wdg_file_twice_by_another_path", "is the file", 'zoo = ["alexnet"]',
           'zoo = []\nwdg_files = ["w.json", "./w.json"]', {"w.json": GOOD_WDG}),
    lcmnas("lcmnas_wdg_file_of_a_zoo_model", "holds the WDG 'alexnet', which lcmnas.zoo or another file already gives",
           'zoo = ["alexnet"]', 'zoo = ["alexnet"]\nwdg_files = ["w.json"]', {"w.json": {**GOOD_WDG, "name": "alexnet"}}),
    wdg("wdg_negative_out_channels", "Conv2d.out_channels holds the value -4",
        lambda d: d["params"]["Conv2d"].update(out_channels=[[-4, 2]])),
    wdg("wdg_unbounded_out_features", "Linear.out_features holds the value 10000000",
        lambda d: d["params"]["Linear"].update(out_features=[[10_000_000, 1]])),
    wdg("wdg_no_path_to_end", "w.json", lambda d: d["transitions"].update(Linear={"Linear": 1})),
    wdg("wdg_without_values_of_a_reached_node", "no value of Conv2d.kernel_size",
        lambda d: d["params"]["Conv2d"].update(kernel_size=[])),
    Case("macro_show_channels_without_bound", ("macro", "show", "{tmp}/g.json"),
         "field 'out_channels'=1000000000000 must be a positive int up to 65,536",
         write("g.json", {**GOOD_GENOME, "layers": [{"type": "Conv2d", "out_channels": 10**12, "kernel_size": 3},
                                                    *GOOD_GENOME["layers"][1:]]})),
    Case("macro_show_huge_input", ("macro", "show", "{tmp}/g.json"), "field 'input_shape'",
         write("g.json", {**GOOD_GENOME, "input_shape": [1, 10**9, 10**9]})),
]

WARNED = [
    # a run stopped before its first checkpoint: resumed, it says it starts over
    Case("resume_before_the_first_checkpoint", ("evolve", "--resume", "{out}", "--quiet"),
         "has no checkpoint/ yet (the run stopped before its first one): it starts from round 1",
         lambda tmp: evolve_run(tmp, lambda out: (without_checkpoint(out), (out / "history.jsonl").write_text("")))),
    # an exact evaluator's top-K above what the run scored: the learned space says how many it holds
    evolve("exact_top_k_above_cells_scored", "fewer than evolve.top_k=50", "--set", "evolve.top_k=50"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_flag_or_setting_is_one_line_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # an imported plugin leaves no __pycache__
    if case.setup is not None:
        case.setup(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # the plugins' folder
    assert_rejected(case, tmp_path, capsys)


@pytest.mark.parametrize("case", WARNED, ids=[c.id for c in WARNED])
def test_a_repair_is_one_warning_line(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(tmp_path)
    assert_warned(case, tmp_path, capsys)


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every subcommand's parser (and each ``macro`` action's), by its command line."""
    found = []
    for command in SUBCOMMANDS:
        stack = [(command, build_parser(command)._subparsers._group_actions[0].choices[command])]  # type: ignore[union-attr]
        while stack:
            name, parser = stack.pop()
            found.append((name, parser))
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    stack += [(f"{name} {sub}", p) for sub, p in action.choices.items()]
    return found


@pytest.mark.parametrize(("name", "parser"), _parsers(), ids=[name for name, _ in _parsers()])
def test_every_command_help_has_a_description_and_every_flag_a_help(name: str, parser: argparse.ArgumentParser) -> None:
    assert parser.description, name
    text = parser.format_help()
    assert "``" not in text, name  # reStructuredText quoting does not belong on a terminal
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            assert action.help, f"autospace {name} {'/'.join(action.option_strings) or action.dest} has no help"


def test_top_level_help_imports_no_stage_and_torch_threads_default_to_half_the_cores() -> None:
    from autospace.cli import default_threads

    code = ("import os, sys\nfrom autospace.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "stages = sorted(m for m in sys.modules if m.startswith('autospace.') and m.count('.') > 1 "
            "or m in ('autospace.evolve', 'autospace.search', 'torch'))\n"
            "print(stages, os.environ['OMP_NUM_THREADS'])")
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.split("\n")[-2] == f"[] {default_threads()}", result.stdout
    assert default_threads() == max(1, (os.cpu_count() or 2) // 2)
