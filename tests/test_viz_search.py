"""`autospace plot` on search run directories (`autospace search --out`): detection, the found
architecture, the search curves, report.html and the CLI, alone and mixed with evolution runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure
from test_viz_io import write_run

from autospace.cli import main
from autospace.config import dumps_toml
from autospace.errors import CheckpointError
from autospace.genome import Genome
from autospace.nn import Architecture, get_skeleton, layer_cost
from autospace.viz import SearchRunDir, architecture_figure, build_report, load_run, save_report, search_curves

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

# one history per algorithm, in the shape autospace/search/*.py logs it
HISTORIES: dict[str, list[dict[str, Any]]] = {
    "proxyless-g": [
        {
            "step": s,
            "train_loss": 2.3 - s / 100,
            "val_loss": None if s == 10 else 2.5 - s / 100,
            "expected_madds": 2e5 - 500 * s,
            "argmax_madds": 150000 - 300 * s,
            "madds_lambda": 0.5 + s / 100,
        }
        for s in (10, 20, 30)
    ],
    "rl": [{"step": s, "reward": 0.1 * s, "baseline": 0.05 * s, "argmax_madds": 120000 - 100 * s} for s in (2, 4)],
    "spos": [
        {"phase": "train", "step": 50, "train_loss": 2.3},
        {"phase": "train", "step": 100, "train_loss": 2.1},
        {"phase": "evolution", "generation": 0, "best": 0.2, "best_madds": 102016},
        {"phase": "evolution", "generation": 1, "best": 0.3, "best_madds": 95680},
    ],
    "spos-random": [
        {"phase": "train", "step": 50, "train_loss": 2.3},
        {"phase": "random", "scored": 30, "best": 0.25},
    ],
    "ea": [
        {"round": 0, "architectures": 0, "best_accuracy": None, "best_madds": None},
        {"round": 1, "architectures": 4, "best_accuracy": 0.6, "best_madds": 195456},
    ],
}
CURVE_KEYS = {
    "proxyless-g": {"train_loss", "val_loss", "expected_madds", "argmax_madds", "madds_lambda"},
    "rl": {"reward", "baseline", "argmax_madds"},
    "spos": {"train_loss", "best", "best_madds"},
    "spos-random": {"train_loss"},
    "ea": {"architectures", "best_accuracy", "best_madds"},
}


def _irb(op: str, ratio: int = 6) -> Genome:
    return Genome.from_dict({"schema_version": 1, "space": "irb", "edges": [[1, 2, op]], "ratio": ratio})


def write_search_run(path: Path, algo: str = "proxyless-g", budget: float = 1e5, files: tuple[str, ...] = ()) -> Path:
    """A search run directory per docs/formats.md: the tiny skeleton with four irb cells (layer 2
    the skip), ``HISTORIES[algo]``, config.toml and summary.json; ``files`` limits what is written."""
    genomes = [_irb("dwconv3x3", 3), _irb("dwconv5x5"), _irb("zero", 3), _irb("dwconv7x7")]
    search = {"algo": algo, "space": "irb", "madds_budget": budget, "tolerance": 0.1, "seed": 0}
    arch = Architecture(get_skeleton("tiny"), genomes, 10, search)
    config = {
        "algo": algo,
        "space": "irb",
        "madds_budget": budget,
        "search": {"skeleton": "tiny", "tolerance": 0.1},
        "data": {"name": "digits"},
    }
    summary = {"madds": arch.madds, "params": arch.params, "seconds": 1.5, "scored": 14, "alphas": [[0.1, 0.2]]}
    contents = {
        "architecture.json": json.dumps(arch.to_dict()),
        "config.toml": dumps_toml(config),
        "history.jsonl": "".join(json.dumps(r) + "\n" for r in HISTORIES[algo]),
        "summary.json": json.dumps(summary),
    }
    path.mkdir(parents=True)
    for name, text in contents.items():
        if not files or name in files:
            (path / name).write_text(text)
    return path


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (tiny) `autospace search --algo rl` run directory."""
    root = tmp_path_factory.mktemp("search")
    config = root / "fast.toml"
    config.write_text(FAST)
    out = root / "rl"
    argv = ["search", "--quiet", "--config", str(config), "--space", "irb", "--algo", "rl", "--madds-budget", "100k"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def _curves(fig: Figure) -> dict[str, Any]:
    """Panel title -> axes, for the panels that hold a search curve."""
    return {
        ax.get_title(): ax for ax in fig.axes if any(line.get_gid() == f"curve-{ax.get_title()}" for line in ax.lines)
    }


def test_load_run_detects_a_search_run(cli_run: Path) -> None:
    run = load_run(cli_run)
    assert isinstance(run, SearchRunDir) and run.name == "rl"
    assert run.settings["algo"] == "rl" and run.settings["skeleton"] == "tiny" and run.budget == (1e5, 0.1)
    assert len(run.architecture.genomes) == len(get_skeleton("tiny").layers)
    assert all("step" in record for record in run.history) and run.summary["madds"] == run.architecture.madds


def test_a_directory_with_both_kinds_of_run_is_an_error(tmp_path: Path) -> None:
    run = write_search_run(tmp_path / "run")
    (run / "learned_space.json").write_text("{}")
    with pytest.raises(CheckpointError, match="mixes an evolution run"):
        load_run(run)


def test_architecture_figure_has_a_captioned_panel_per_layer(tmp_path: Path) -> None:
    arch = load_run(write_search_run(tmp_path / "run")).architecture
    fig = architecture_figure(arch, 1e5, 0.1)
    panels = [ax for ax in fig.axes if (ax.get_gid() or "").startswith("layer-")]
    assert len(panels) == len(arch.genomes) == 4
    for i, (ax, layer, genome) in enumerate(zip(panels, arch.skeleton.layers, arch.genomes)):
        madds, params = layer_cost(layer, genome)
        title = ax.get_title()
        assert title.startswith(f"L{i}: {layer.c_in}\u2192{layer.c_out}, stride {layer.stride}")
        assert f"{madds:,} MAdds \u00b7 {params:,} params" in title
    assert "skip (identity)" in panels[2].get_title()
    drawn = [p for p in panels[1].patches if (p.get_gid() or "").startswith("edge-")]
    assert len(drawn) == 3  # the searchable edge plus the fixed expand and project
    suptitle = fig.get_suptitle()
    assert f"{arch.madds:,} MAdds" in suptitle and "budget 100,000 (\u00b110%)" in suptitle
    assert f"{arch.params:,} params" in suptitle and "proxyless-g" in suptitle


@pytest.mark.parametrize("algo", sorted(HISTORIES))
def test_search_curves_draw_one_curve_per_numeric_key(algo: str) -> None:
    fig = search_curves(HISTORIES[algo], 1e5, 0.1)
    curves = _curves(fig)
    assert set(curves) == CURVE_KEYS[algo]
    assert sum(len(ax.lines) for ax in fig.axes) == len(CURVE_KEYS[algo]) + sum(k.endswith("madds") for k in curves)
    for key, ax in curves.items():
        budget = [line for line in ax.lines if line.get_gid() == "budget"]
        if key.endswith("madds"):
            assert list(budget[0].get_ydata()) == [1e5, 1e5]
            window = [p for p in ax.patches if p.get_gid() == "budget-window"]
            assert len(window) == 1
        else:
            assert not budget
    x = {"proxyless-g": "step", "rl": "step", "ea": "round"}.get(algo)
    if x:
        assert {ax.get_xlabel() for ax in curves.values()} == {x}


def test_search_curves_keep_null_values_as_gaps() -> None:
    ax = _curves(search_curves(HISTORIES["proxyless-g"]))["val_loss"]
    line = next(line for line in ax.lines if line.get_gid() == "curve-val_loss")
    assert list(line.get_xdata()) == [10, 20, 30] and str(line.get_ydata()[0]) == "nan"
    assert not [line for a in ax.figure.axes for line in a.lines if line.get_gid() == "budget"]  # no budget given


def test_save_report_of_a_real_search_run(cli_run: Path, tmp_path: Path) -> None:
    notes: list[str] = []
    report = save_report(cli_run, tmp_path / "out", on_skip=notes.append)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "architecture.png",
        "report.html",
        "search_curves.png",
    ]
    assert notes == []
    run = load_run(cli_run)
    page = report.read_text()
    assert "<td>algorithm</td><td>rl</td>" in page and "<td>space</td><td>irb</td>" in page
    assert "<td>MAdds budget</td><td>100,000 (\u00b110%)</td>" in page
    assert f"<td>found MAdds</td><td>{run.architecture.madds:,} (" in page
    assert f"<td>params</td><td>{run.architecture.params:,}</td>" in page
    assert "<td>argmax_madds</td>" in page and "policy" not in page  # scalars of summary.json only
    assert '<img src="architecture.png"' in page and '<img src="search_curves.png"' in page


def test_missing_files_and_records_without_a_step_are_noted(tmp_path: Path) -> None:
    run = write_search_run(tmp_path / "run", "spos-random", files=("history.jsonl", "summary.json"))
    report = build_report(run)
    assert [name for name, _, _ in report.figures] == ["search_curves"]
    assert any(n.startswith("architecture: skipped") and "architecture.json is missing" in n for n in report.notes)
    assert any(n.startswith("search_curves: 1 record(s) without") for n in report.notes)


def test_cli_plot_a_search_run(cli_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(cli_run), "--out", str(tmp_path / "out"), "--format", "svg"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out" / "report.html")
    assert (tmp_path / "out" / "architecture.svg").is_file() and (tmp_path / "out" / "search_curves.svg").is_file()


def test_cli_plot_mixed_runs_compares_only_the_evolution_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    search = write_search_run(tmp_path / "s")
    evolve = write_run(tmp_path / "e", "autospace", files=("history.jsonl",))
    assert main(["plot", str(search), str(evolve)]) == 0
    assert "convergence_comparison: skipped, it needs two or more evolution runs" in capsys.readouterr().err
    assert (search / "figures" / "architecture.png").is_file() and (evolve / "figures" / "fitness.png").is_file()
    assert not (search / "figures" / "convergence_comparison.png").exists()
    other = write_run(tmp_path / "e2", "autospace", files=("history.jsonl",), reference=False, seed=2)
    assert main(["plot", str(search), str(evolve), str(other)]) == 0
    assert (evolve / "figures" / "convergence_comparison.png").is_file()  # the first evolution run's folder


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(madds=1), "disagrees with the cost model"),
        (lambda d: d.update(genomes=d["genomes"][:2]), "architecture.json"),
    ],
)
def test_cli_bad_architecture_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, message: str
) -> None:
    run = write_search_run(tmp_path / "run")
    data = json.loads((run / "architecture.json").read_text())
    edit(data)
    (run / "architecture.json").write_text(json.dumps(data))
    assert main(["plot", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autospace plot: error:") and err.count("\n") == 1 and message in err
    assert not (run / "figures").exists()


def test_drawing_without_a_network_never_imports_torch(tmp_path: Path) -> None:
    """Cells, motifs, op statistics, costs, history curves and a search run's architecture are
    read and drawn without torch (checked in a fresh interpreter)."""
    evolution = write_run(tmp_path / "evolve", "autospace", skeleton="tiny")
    search = write_search_run(tmp_path / "search", "rl")
    code = f"""
import sys
import autospace.viz as viz
from autospace.genome import get_space
run = viz.load_run({str(evolution)!r})
viz.draw_cell(get_space("autospace").sample(0))
viz.motifs(run.learned)
viz.op_heatmap(run.learned)
viz.cost_per_layer(run.learned)
viz.fitness_curves(run.history)
viz.diversity_curves(run.history)
found = viz.load_run({str(search)!r})
viz.architecture_figure(found.architecture)
viz.search_curves(found.history)
assert "torch" not in sys.modules, "torch was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
