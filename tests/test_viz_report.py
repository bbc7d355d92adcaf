"""save_report and `autospace plot`: files written, skipped figures noted, exit codes."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from test_viz_io import SPACES, write_run

from autospace.cli import main
from autospace.viz import build_report, save_report

LEARNED_FIGURES = {"motifs", "topk_grid", "op_frequency"}
HISTORY_FIGURES = {"fitness", "diversity", "reference_distance"}


def _stems(folder: Path, suffix: str = ".png") -> set[str]:
    return {p.stem for p in folder.iterdir() if p.suffix == suffix}


@pytest.mark.parametrize("space_name", SPACES)
def test_save_report_writes_every_applicable_figure(tmp_path: Path, space_name: str) -> None:
    run = write_run(tmp_path / space_name, space_name, layers=2, top_k=2, fidelity=True)
    notes: list[str] = []
    report = save_report(run, on_skip=notes.append)
    assert report == run / "figures" / "report.html"
    expected = LEARNED_FIGURES | HISTORY_FIGURES | {"ranking_fidelity"}
    if space_name != "nb201":
        expected.add("ratio_per_layer")
    assert _stems(run / "figures") == expected
    assert any(n.startswith("cost_per_layer: skipped") and "skeleton" in n for n in notes)
    assert (space_name == "nb201") == any(n.startswith("ratio_per_layer: skipped") for n in notes)
    page = report.read_text()
    for stem in expected:
        assert f'<img src="{stem}.png"' in page
    for note in notes:
        assert html.escape(note) in page
    assert f"<td>space</td><td>{space_name}</td>" in page
    assert "<td>reference constraint off from round</td><td>3</td>" in page
    assert "<td>queries</td><td>108</td>" in page  # 9 * 2 layers * 6 rounds


def test_reference_figure_draws_tau_from_the_config(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "nb201", files=("config.toml", "history.jsonl"))
    figures = {name: fig for name, _, fig in build_report(run).figures}
    tau = [line for line in figures["reference_distance"].axes[0].lines if line.get_gid() == "tau"]
    assert list(tau[0].get_ydata()) == [2, 2]


def test_missing_files_skip_their_figures_with_a_note(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "autospace", files=("history.jsonl",), reference=False)
    notes: list[str] = []
    save_report(run, tmp_path / "out", formats=("svg",), on_skip=notes.append)
    assert _stems(tmp_path / "out", ".svg") == {"fitness", "diversity"}
    skipped = {n.split(":")[0] for n in notes}
    assert skipped == LEARNED_FIGURES | {"ratio_per_layer", "cost_per_layer", "reference_distance"}
    assert all("learned_space.json is missing" in n for n in notes if n.split(":")[0] in LEARNED_FIGURES)
    assert '<img src="fitness.svg"' in (tmp_path / "out" / "report.html").read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out" / "fitness.svg").stat().st_mode & 0o777 == 0o666 & ~umask
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_cost_figure_with_a_skeleton(tmp_path: Path) -> None:
    pytest.importorskip("autospace.nn")
    run = write_run(tmp_path / "run", "autospace", skeleton="tiny", top_k=2, files=("learned_space.json",))
    save_report(run)
    assert "cost_per_layer" in _stems(run / "figures")


def test_figures_are_deterministic(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", "nb201", files=("history.jsonl",))
    save_report(run, tmp_path / "a", formats=("svg", "pdf"))
    save_report(run, tmp_path / "b", formats=("svg", "pdf"))
    for path in (tmp_path / "a").iterdir():
        if path.suffix in (".svg", ".pdf"):
            assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_cli_plot_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", "irb", layers=2, top_k=2)
    assert main(["plot", str(run), "--format", "png,pdf"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(run / "figures" / "report.html")
    assert "ranking_fidelity" not in err  # an optional file: no note when a run does not have it
    assert {"motifs", "fitness"} <= _stems(run / "figures", ".pdf")


def test_cli_plot_several_runs_writes_the_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path / "a", "autospace", files=("history.jsonl",), seed=1)
    b = write_run(tmp_path / "b", "autospace", files=("history.jsonl",), reference=False, seed=2)
    assert main(["plot", str(a), str(b)]) == 0
    assert (a / "figures" / "convergence_comparison.png").is_file()
    assert (b / "figures" / "report.html").is_file()
    assert main(["plot", str(a), str(b), "--out", str(tmp_path / "cmp"), "--format", "svg"]) == 0
    assert sorted(p.name for p in (tmp_path / "cmp").iterdir()) == ["a", "b", "convergence_comparison.svg"]


def test_cli_unwritable_out_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", "nb201", files=("history.jsonl",))
    (tmp_path / "file").write_text("")
    assert main(["plot", str(run), "--out", str(tmp_path / "file" / "out")]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "png,jpg"], "format 'jpg' is not supported"),
        (["--format", ""], "format '' is not supported"),
        ([], "is not a run directory"),
    ],
)
def test_cli_errors_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    good = write_run(tmp_path / "good", "nb201")
    bad = tmp_path / "empty"
    bad.mkdir()
    dirs = [str(good)] + ([str(bad)] if not args else [])
    assert main(["plot", *dirs, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("autospace plot: error:")
    assert not (good / "figures").exists()
