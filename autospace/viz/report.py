"""Every applicable figure of a run, saved, and a ``report.html`` showing them with the run's key
numbers; a figure whose input file is missing is skipped with a one-line note."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from autospace.atomic import open_atomic
from autospace.errors import VizError
from autospace.files import check_target
from autospace.macro.space import MacroSpace
from autospace.rundir import ARCHITECTURE, HISTORY, LEARNED_SPACE
from autospace.viz.evolution import (
    convergence,
    diversity_curves,
    fitness_curves,
    has_reference,
    layer_series,
    reference_distance,
    switch_off_round,
)
from autospace.viz.fidelity import ranking_fidelity
from autospace.viz.io import EvolveRunDir, RunDir, SearchRunDir, config_table, is_number, load_run
from autospace.viz.learned import motifs, topk_grid
from autospace.viz.macro import draw_chain
from autospace.viz.search import X_KEYS, architecture_figure, budget_text, curve_series, search_curves, x_key
from autospace.viz.shrink import ShrinkRunDir, has_iterations, mean_score_curve, op_frequency_shift, pockets_embedding
from autospace.viz.stats import cost_per_layer, cost_unavailable, op_heatmap, ratio_per_layer
from autospace.viz.style import SAVE_DPI

FORMATS = ("png", "svg", "pdf")
REPORT = "report.html"
COMPARISON = "convergence_comparison"
_METADATA = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}

Planned = tuple[str, str, Callable[[], Figure]]


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats, validated against `FORMATS`; at least one."""
    formats = tuple(formats)
    for fmt in formats:
        if fmt not in FORMATS:
            raise VizError(f"format {fmt!r} is not supported; choose from {', '.join(FORMATS)}")
    if not formats:
        raise VizError(f"no figure format given; choose from {', '.join(FORMATS)}")
    return formats


def plan_figures(run: RunDir) -> tuple[list[Planned], list[str]]:
    """(name, caption, make) for every figure the run's files allow, and a note per skipped one."""
    if isinstance(run, SearchRunDir):
        return plan_search_figures(run)
    if isinstance(run, ShrinkRunDir):
        return plan_shrink_figures(run)
    planned: list[Planned] = []
    notes: list[str] = []

    def missing(names: Sequence[str], file: str) -> None:
        notes.extend(f"{name}: skipped, {run.path / file} is missing" for name in names)

    learned = run.learned
    if learned is None:
        missing(["motifs", "topk_grid", "op_frequency", "ratio_per_layer", "cost_per_layer"], LEARNED_SPACE)
    elif isinstance(learned.space, MacroSpace):  # LCMNAS: whole networks, no cells to draw
        best = learned.layers[0][0].genome
        planned.append(("best_network", "Best network: its layer chain with shapes and costs", lambda: draw_chain(best)))
    else:
        planned.append(("motifs", "Learned motifs (Fig. 4)", lambda: motifs(learned)))
        planned.append(("topk_grid", "Top-K cells per layer", lambda: topk_grid(learned)))
        planned.append(("op_frequency", "Op frequency per layer", lambda: op_heatmap(learned)))
        if learned.space.has_ratio:
            planned.append(("ratio_per_layer", "Expansion ratio per layer", lambda: ratio_per_layer(learned)))
        else:
            notes.append(f"ratio_per_layer: skipped, space {learned.space.name!r} has no expansion ratio")
        reason = cost_unavailable(learned)
        if reason:
            notes.append(f"cost_per_layer: skipped, {reason}")
        else:
            planned.append(("cost_per_layer", "MAdds and params per layer", lambda: cost_per_layer(learned)))
    history, curves = run.history, ["fitness", "diversity", "reference_distance"]
    if history is None:
        missing(curves, HISTORY)
    elif not history:
        notes.extend(f"{name}: skipped, {run.path / HISTORY} has no finished round" for name in curves)
    else:
        planned.append(("fitness", "Fitness over rounds", lambda: fitness_curves(history)))
        planned.append(("diversity", "Population diversity", lambda: diversity_curves(history)))
        if has_reference(history):
            tau = config_table(run.config, "evolve").get("tau")
            planned.append(
                ("reference_distance", "Distance to the reference cell", lambda: reference_distance(history, tau))
            )
        else:
            notes.append("reference_distance: skipped, the run has no reference cell (ref_distance is null)")
    if run.ranking_fidelity is not None:  # an optional file (python -m autospace.evaluators.ranking_fidelity)
        data = run.ranking_fidelity
        planned.append(("ranking_fidelity", "Ranking fidelity (Table 6)", lambda: ranking_fidelity(data)))
    return planned, notes


def plan_search_figures(run: SearchRunDir) -> tuple[list[Planned], list[str]]:
    """`plan_figures` for a search run: the found architecture and the search curves."""
    planned: list[Planned] = []
    notes: list[str] = []
    settings, arch = run.settings, run.architecture
    budget, tolerance = run.budget
    if arch is None:
        notes.append(f"architecture: skipped, {run.path / ARCHITECTURE} is missing")
    else:
        planned.append(("architecture", "Found architecture", lambda: architecture_figure(arch, budget, tolerance)))
    history = run.history
    if history is None:
        notes.append(f"search_curves: skipped, {run.path / HISTORY} is missing")
    elif not curve_series(history):
        notes.append(
            f"search_curves: skipped, no record of {run.path / HISTORY} has a number and one of {', '.join(X_KEYS)}"
        )
    else:
        title = f"Search curves ({settings['algo']})" if settings.get("algo") else "Search curves"
        planned.append(("search_curves", "Search curves", lambda: search_curves(history, budget, tolerance, title)))
        left_out = sum(x_key(record) is None for record in history)
        if left_out:
            notes.append(f"search_curves: {left_out} record(s) without any of {', '.join(X_KEYS)} not drawn")
    return planned, notes


def save_figure(fig: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    """Save ``fig`` as ``stem.<fmt>`` for every format, each file written atomically."""
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        with matplotlib.rc_context({"svg.hashsalt": "autospace"}):
            _atomic(path, lambda f, fmt=fmt: fig.savefig(f, format=fmt, dpi=SAVE_DPI, metadata=_METADATA[fmt]))
        paths.append(path)
    return paths


def _atomic(path: Path, write: Callable[[Any], None]) -> None:
    """Write through ``write(file)`` atomically, a `VizError` naming ``path`` if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_atomic(path) as f:
            write(f)
    except OSError as exc:
        raise VizError(f"cannot write {str(path)!r}: {exc.strerror}") from None


def key_numbers(run: RunDir) -> list[tuple[str, str]]:
    """(label, value) rows for the report table: what the run was and what it reached."""
    if isinstance(run, SearchRunDir):
        return search_numbers(run)
    if isinstance(run, ShrinkRunDir):
        return shrink_numbers(run)
    rows: list[tuple[str, str]] = [("run", str(run.path))]
    learned, history, config = run.learned, run.history or [], config_table(run.config, "evolve")
    meta = learned.meta if learned else {}
    last = history[-1] if history else {}
    space = learned.space.name if learned else config.get("space")
    strategy = last.get("strategy") or meta.get("strategy") or config.get("strategy")
    for label, value in (
        ("space", space),
        ("strategy", strategy),
        ("skeleton", learned and learned.skeleton),
        ("top-K", learned and learned.top_k),
        ("seed", meta.get("seed", config.get("seed"))),
    ):
        if value is not None:
            rows.append((label, str(value)))
    if history:
        rows.append(("rounds finished", str(len(history))))
        switch = switch_off_round(history)
        if switch is not None:
            rows.append(("reference constraint off from round", str(switch)))
        for field, label in (("queries", "queries"), ("distinct_queries", "distinct queries"),
                             ("eval_seconds", "evaluator seconds"), ("seconds", "wall-clock seconds")):
            if field in last:
                rows.append((label, f"{last[field]:g}"))
        best = layer_series(history, "best")[-1]
    elif learned:
        best = [entries[0].fitness for entries in learned.layers]
    else:
        best = []
    if len(best):
        rows.append(("best fitness per layer", ", ".join(f"L{i}: {v:.4g}" for i, v in enumerate(best))))
    return rows


def plan_shrink_figures(run: ShrinkRunDir) -> tuple[list[Planned], list[str]]:
    """`plan_figures` for a shrink run: per layer the pockets embedding and the op frequency shift;
    the mean score per iteration (LISSNAS runs)."""
    planned: list[Planned] = []
    notes: list[str] = []
    shrunk = run.shrunk
    if shrunk is None:
        notes += [f"{name}: skipped, {run.path / 'shrunk_space.json'} is missing" for name in ("pockets", "op_shift")]
    else:
        for layer in range(shrunk.num_layers):
            suffix = "" if shrunk.num_layers == 1 else f"_layer{layer}"
            planned.append((f"pockets{suffix}", f"Pockets of the shrunk space (MDS on Hamming distance), layer {layer}",
                            lambda layer=layer: pockets_embedding(shrunk, layer)))
            planned.append((f"op_shift{suffix}", f"Per-edge op frequency before and after, layer {layer}",
                            lambda layer=layer: op_frequency_shift(shrunk, layer)))
    history = run.history
    if has_iterations(history):
        planned.append(("mean_score", "Mean score per iteration", lambda: mean_score_curve(history or [])))
    else:
        notes.append("mean_score: skipped, the history has no per-iteration sample means (a baseline, or none yet)")
    return planned, notes


def shrink_numbers(run: ShrinkRunDir) -> list[tuple[str, str]]:
    """`key_numbers` of a shrink run: method, sizes, queries, iterations."""
    rows: list[tuple[str, str]] = [("run", str(run.path)), ("kind", "shrink (autospace shrink)")]
    config = config_table(run.config, "shrink")
    shrunk = run.shrunk
    meta = shrunk.meta if shrunk else {}
    for label, value in (
        ("method", shrunk.method if shrunk else config.get("method")),
        ("space", shrunk.space.name if shrunk else config.get("space")),
        ("seed", config.get("seed")),
        ("cells per layer", shrunk and ", ".join(map(str, shrunk.sizes()))),
        ("canonical classes per layer", shrunk and ", ".join(map(str, shrunk.distinct_sizes()))),
        ("iterations", meta.get("iterations", None if run.history is None else len(run.history))),
        ("queries per layer", meta.get("queries")),
        ("cheap queries", meta.get("cheap_queries")),
    ):
        if value is not None:
            rows.append((label, str(value)))
    return rows


def search_numbers(run: SearchRunDir) -> list[tuple[str, str]]:
    """`key_numbers` of a search run: its settings, the found architecture's cost against the
    budget, and the algorithm's scalar numbers of summary.json."""
    settings, summary, arch = run.settings, run.summary or {}, run.architecture
    budget, tolerance = run.budget
    madds, params = arch.cost if arch else (summary.get("madds"), summary.get("params"))
    rows: list[tuple[str, str]] = [("run", str(run.path)), ("kind", "search (autospace search)")]
    skeleton = settings.get("skeleton")
    if arch:
        size = arch.skeleton.input_size
        skeleton = f"{arch.skeleton.name} ({arch.skeleton.in_channels}\u00d7{size}\u00d7{size} input)"
    for label, value in (
        ("algorithm", settings.get("algo")),
        ("space", settings.get("space")),
        ("skeleton", skeleton),
        ("data", settings.get("data")),
        ("seed", settings.get("seed")),
        ("MAdds budget", None if budget is None else budget_text(budget, tolerance)),
        ("found MAdds", _of_budget(madds, budget)),
        ("params", f"{params:,}" if is_number(params) else None),
        ("layers", arch and len(arch.genomes)),
        ("search seconds", summary.get("seconds", settings.get("seconds"))),
        ("history records", None if run.history is None else len(run.history)),
    ):
        if value is not None:
            rows.append((label, str(value)))
    shown = {"madds", "params", "seconds"}
    rows += [(key, f"{value:g}") for key, value in summary.items() if key not in shown and is_number(value)]
    return rows


def _of_budget(madds: Any, budget: float | None) -> str | None:
    """``95,680 (95.7% of the budget)``."""
    if not is_number(madds):
        return None
    return f"{madds:,}" + (f" ({madds / budget:.1%} of the budget)" if budget else "")


def _html(run: RunDir, shown: list[tuple[str, str, list[Path]]], notes: list[str], out: Path) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>autospace run {esc(run.name)}</title>",
        ("<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse}td{border-bottom:1px solid #ddd;padding:3px 12px 3px 0;"
         "vertical-align:top}img{max-width:100%}</style></head><body>"),
        f"<h1>autospace run <code>{esc(run.name)}</code></h1>",
        "<table>",
        *(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in key_numbers(run)),
        "</table>",
    ]
    for name, caption, paths in shown:
        parts.append(f'<h2 id="{esc(name)}">{esc(caption)}</h2>')
        image = next((p for p in paths if p.suffix in (".png", ".svg")), None)
        if image is not None:
            parts.append(f'<img src="{esc(os.path.relpath(image, out))}" alt="{esc(caption)}">')
        links = " ".join(f'<a href="{esc(os.path.relpath(p, out))}">{esc(p.suffix[1:])}</a>' for p in paths)
        parts.append(f"<p>{links}</p>")
    if notes:
        parts += ["<h2>Skipped figures</h2>", "<ul>", *(f"<li>{esc(n)}</li>" for n in notes), "</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


@dataclass
class Report:
    """The figures of one run, made in memory, and the notes on the ones skipped."""

    run: RunDir
    figures: list[tuple[str, str, Figure]]
    notes: list[str]


def build_report(run: RunDir | str | Path) -> Report:
    """Make every applicable figure of ``run`` in memory, so bad data fails before anything is written.

    Args:
        run: a run directory, or a loaded one.

    Returns:
        The report: its figures and the notes of the figures it skipped.

    Raises:
        VizError: a malformed run file.
    """
    run = run if isinstance(run, EvolveRunDir | SearchRunDir | ShrinkRunDir) else load_run(run)
    planned, notes = plan_figures(run)
    return Report(run, [(name, caption, make()) for name, caption, make in planned], notes)


def check_writable(report: Report, out: str | Path | None = None, formats: Iterable[str] = ("png",)) -> Path:
    """Every file `write_report` would write into ``out`` (default ``RUN_DIR/figures``) can be written
    there: nothing else in the way (`autospace.files.check_target`), so nothing is half-written; ``out``."""
    out = Path(out) if out is not None else report.run.path / "figures"
    check_target(out, "figures folder", VizError, directory=True)
    for name in [*(f"{name}.{fmt}" for name, _, _ in report.figures for fmt in formats), REPORT]:
        check_target(out / name, "figure file", VizError)
    return out


def write_report(report: Report, out: str | Path | None = None, formats: Iterable[str] = ("png",)) -> Path:
    """Save a built report's figures and ``report.html``.

    Args:
        report: from `build_report`.
        out: the folder (default ``RUN_DIR/figures``), checked first with `check_writable`.
        formats: figure formats: ``png``, ``svg``, ``pdf``.

    Returns:
        The path of ``report.html``.
    """
    formats = check_formats(formats)
    out = check_writable(report, out, formats)
    shown = [(name, caption, save_figure(fig, out / name, formats)) for name, caption, fig in report.figures]
    path = out / REPORT
    _atomic(path, lambda f: f.write(_html(report.run, shown, report.notes, out).encode()))
    return path


def save_report(run: RunDir | str | Path, out: str | Path | None = None, formats: Iterable[str] = ("png",), *,
                on_skip: Callable[[str], None] | None = None) -> Path:
    """Write every applicable figure of ``run`` and ``report.html``.

    Args:
        run: a run directory, or a loaded one.
        out: the folder (default ``RUN_DIR/figures``).
        formats: figure formats: ``png``, ``svg``, ``pdf``.
        on_skip: called with each skipped figure's note (the notes go into the report too).

    Returns:
        The path of ``report.html``.

    Raises:
        VizError: a malformed run file, before anything is written.
    """
    formats = check_formats(formats)
    report = build_report(run)
    if on_skip is not None:
        for note in report.notes:
            on_skip(note)
    return write_report(report, out, formats)


def comparison_labels(runs: Sequence[EvolveRunDir]) -> list[str]:
    """A legend label per run: its directory name (its path when names repeat), and whether
    the reference constraint was on."""
    names = [run.name for run in runs]
    if len(set(names)) < len(names):
        names = [str(run.path) for run in runs]
    labels = []
    for name, run in zip(names, runs):
        used = any(record.get("constraint_active") for record in run.history or [])
        labels.append(f"{name} ({'with' if used else 'without'} reference constraint)")
    return labels


def compare_runs(runs: Sequence[EvolveRunDir]) -> Figure:
    """Fig. 3 (`convergence`) for two or more loaded runs, labelled by `comparison_labels`."""
    for run in runs:
        if not run.history:
            raise VizError(f"convergence comparison: run {str(run.path)!r} has no finished round in {HISTORY}")
    return convergence(dict(zip(comparison_labels(runs), (run.history or [] for run in runs))))
