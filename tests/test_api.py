"""The top-level API: a small set of names, importable without torch, enough for the everyday path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import autospace


def test_top_level_api_is_small_and_resolves() -> None:
    assert len(autospace.__all__) <= 15
    for name in autospace.__all__:
        assert getattr(autospace, name) is not None, name
    assert set(autospace.__all__) <= set(dir(autospace))
    with pytest.raises(AttributeError, match="no attribute 'evolve_spaces'"):
        autospace.evolve_spaces  # noqa: B018


def test_import_autospace_does_not_import_torch() -> None:
    code = "import sys, autospace; autospace.get_space('nb201'); autospace.Genome; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_everyday_path_on_the_nb201_table(tmp_path: Path, nb201_csv: Path) -> None:
    space = autospace.get_space("nb201")
    table = autospace.create_evaluator("tabular", space=space, path=str(nb201_csv))
    run = autospace.evolve_space(space, table, "regularized", population=8, sample_size=4, rounds=5, seed=0,
                                 out=tmp_path / "run")
    learned = autospace.LearnedSpace.load(tmp_path / "run" / "learned_space.json")
    assert learned.to_dict() == run.learned_space.to_dict()
    assert (tmp_path / "run" / "config.toml").is_file()
    report = autospace.save_report(tmp_path / "run")
    assert report.is_file() and report.name == "report.html"
