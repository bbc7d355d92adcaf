"""The bad-input corpus of ``autospace shrink`` (tests/test_bad_inputs.py's pattern): each config or run
directory, built in the case's folder, must exit 2 with one line on stderr naming the field or file, no
traceback, and leave the folder (``--out`` included) byte for byte as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_case import Case, assert_rejected

from autospace.cli import main

GOOD = """
[shrink]
n = 10
max_iters = 2
[evaluator]
name = "analytic"
"""


def config(case_id: str, text: str, names: str) -> Case:
    """A new run of the config ``text`` (written to ``{tmp}/shrink.toml``)."""
    return Case(case_id, ("shrink", "--config", "{tmp}/shrink.toml", "--out", "{out}", "--quiet"), names,
                lambda tmp: (tmp / "shrink.toml").write_text(text))


def _table_missing_cells(tmp: Path) -> None:
    """A NB201-format CSV of 3 cells: valid, but most sampled cells are not in it."""
    (tmp / "few.csv").write_text("arch,val12,test200\n" + "".join(
        f"|{op}~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|,50.0,60.0\n"
        for op in ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")))
    (tmp / "shrink.toml").write_text("[shrink]\nn = 20\n[evaluator]\nname = 'tabular'\npath = 'few.csv'\n")


def _run_then_corrupt(tmp: Path) -> None:
    (tmp / "good.toml").write_text(GOOD)
    assert main(["shrink", "--config", str(tmp / "good.toml"), "--out", str(tmp / "out"), "--quiet"]) == 0
    (tmp / "out" / "checkpoint" / "engine.json").write_text("{not json")


CASES = [
    config("shrink_n_zero", GOOD.replace("n = 10", "n = 0"), "shrink.n=0"),
    config("shrink_unknown_key", GOOD.replace("n = 10", "radius = 2"), "shrink.radius"),
    config("shrink_unknown_method", GOOD.replace("n = 10", "method = 'abs'"), "shrink.method='abs'"),
    config("shrink_bool_seed", GOOD.replace("n = 10", "seed = true"), "shrink.seed=True"),
    config("shrink_string_eps", GOOD.replace("n = 10", "eps = '0.1'"), "shrink.eps='0.1'"),
    config("shrink_negative_eps", GOOD.replace("n = 10", "eps = -1.0"), "shrink.eps=-1.0"),
    config("shrink_random_without_size", GOOD.replace("n = 10", "method = 'random'"), "shrink.size"),
    config("shrink_good_neighbours_without_cheap", GOOD.replace("n = 10", "good_neighbours = true"), "[cheap]"),
    config("shrink_cheap_unknown_key", GOOD + "[cheap]\nname = 'analytic'\nwidth = 3\n", "evaluator.width"),
    config("shrink_unknown_space", GOOD.replace("n = 10", "space = 'nope'"), "shrink.space='nope'"),
    config("shrink_unknown_section", GOOD + "[search]\nseed = 1\n", "[search]"),
    config("shrink_csv_missing", "[shrink]\n[evaluator]\nname = 'tabular'\npath = 'missing.csv'\n", "missing.csv"),
    # fails while scoring the first iteration: --out must not keep a config.toml and an empty history
    Case("shrink_table_missing_cells", ("shrink", "--config", "{tmp}/shrink.toml", "--out", "{out}", "--quiet"),
         "is not in the table", _table_missing_cells),
    Case("shrink_corrupt_checkpoint", ("shrink", "--out", "{out}", "--resume", "--quiet"), "engine.json",
         _run_then_corrupt),
    Case("shrink_missing_config", ("shrink", "--config", "{tmp}/nothing.toml", "--out", "{out}"), "nothing.toml"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_shrink_input_is_one_line_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(tmp_path)
    assert_rejected(case, tmp_path, capsys)
