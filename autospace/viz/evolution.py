"""Evolution over rounds from a run's history (``history.jsonl`` records), and Fig. 3."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autospace.errors import VizError
from autospace.viz.io import is_number
from autospace.viz.style import INK

Records = Sequence[Mapping[str, Any]]
"""A run's history: ``history.jsonl`` records in round order (a list of dicts, or the engine's `History`)."""
SWITCH_OFF_GID = "switch-off"


def _check(history: Records) -> None:
    if not history:
        raise VizError("history is empty: no finished round")


def rounds(history: Records) -> np.ndarray:
    """The ``round`` of every record."""
    _check(history)
    return np.array([_number(record, "round", i) for i, record in enumerate(history)])


def scalar_series(history: Records, field: str) -> np.ndarray:
    """A number per round (``seconds``, ``queries``, ...)."""
    _check(history)
    return np.array([_number(record, field, i) for i, record in enumerate(history)], dtype=float)


def layer_series(history: Records, field: str) -> np.ndarray:
    """A ``(rounds, layers)`` array from a per-layer list field (``best``, ``mean``, ...); a
    null entry (a layer with no value yet) becomes NaN."""
    _check(history)
    rows = []
    for i, record in enumerate(history):
        value, where = record.get(field), f"history record {i} (round {record.get('round')!r}): field {field!r}"
        if not isinstance(value, list) or not value or not all(v is None or is_number(v) for v in value):
            raise VizError(f"{where} must be a non-empty list of numbers, got {value!r:.80}")
        if rows and len(value) != len(rows[0]):
            raise VizError(f"{where} has {len(value)} layers, earlier rounds have {len(rows[0])}")
        rows.append([np.nan if v is None else v for v in value])
    return np.array(rows, dtype=float)


def layer_mean(values: np.ndarray) -> np.ndarray:
    """Mean over layers per round, ignoring NaN (NaN where a round has no value at all)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=1)


def _number(record: Mapping[str, Any], field: str, index: int) -> float:
    value = record.get(field)
    if not is_number(value):
        raise VizError(f"history record {index}: field {field!r} must be a number, got {value!r}")
    return value


def switch_off_round(history: Records) -> int | None:
    """The round the reference constraint switched off.

    Args:
        history: the run's round records (``history.jsonl``, `load_run`).

    Returns:
        The first round whose ``constraint_active`` is false after a round where it was true; None
        when the constraint never applied or never switched off.
    """
    _check(history)
    was_active = False
    for i, record in enumerate(history):
        active = record.get("constraint_active")
        if not isinstance(active, bool):
            raise VizError(f"history record {i}: field 'constraint_active' must be true or false, got {active!r}")
        if was_active and not active:
            return int(_number(record, "round", i))
        was_active = was_active or active
    return None


def _per_layer(ax: Axes, x: np.ndarray, values: np.ndarray, ylabel: str, gid: str) -> ScalarMappable | None:
    """A thin line per layer coloured by layer index under a thick mean over layers; a single
    layer gets the thick line alone. Returns the layer colour scale (None for one layer)."""
    layers = values.shape[1]
    ax.set_xlabel("round")
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if layers == 1:
        ax.plot(x, values[:, 0], color=INK, lw=2.4, label="population", gid=f"{gid}-mean")
        return None
    norm = Normalize(0, layers - 1)
    cmap = colormaps["viridis"]
    for layer in range(layers):
        ax.plot(x, values[:, layer], color=cmap(norm(layer)), lw=0.9, alpha=0.8, gid=f"{gid}-layer-{layer}")
    ax.plot(x, layer_mean(values), color=INK, lw=2.4, label="mean over layers", gid=f"{gid}-mean")
    return ScalarMappable(norm=norm, cmap=cmap)


def _layer_colorbar(fig: Figure, scale: ScalarMappable | None, axes: list[Axes]) -> None:
    if scale is not None:
        fig.colorbar(scale, ax=axes, label="layer", shrink=0.85, ticks=MaxNLocator(integer=True))


def _mark_switch_off(ax: Axes, history: Records) -> None:
    switch = switch_off_round(history)
    if switch is not None:
        label = f"reference constraint off (round {switch})"
        ax.axvline(switch, color="#c44e52", ls="--", lw=1.4, gid=SWITCH_OFF_GID, label=label)


def fitness_curves(history: Records) -> Figure:
    """Best and mean population fitness of every layer over rounds (two panels).

    Args:
        history: the run's round records (``history.jsonl``, `load_run`).

    Returns:
        The figure.

    Raises:
        VizError: a history without the needed keys.
    """
    x = rounds(history)
    fig = Figure(figsize=(10.0, 3.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, field, title in zip(axes, ("best", "mean"), ("Best fitness", "Mean population fitness")):
        scale = _per_layer(ax, x, layer_series(history, field), "fitness", field)
        ax.set_title(title)
        _mark_switch_off(ax, history)
    axes[0].legend(fontsize=8, loc="lower right")
    _layer_colorbar(fig, scale, list(axes))
    return fig


def diversity_curves(history: Records) -> Figure:
    """Mean pairwise Hamming distance inside each layer's population over rounds.

    Args:
        history: the run's round records (``history.jsonl``, `load_run`).

    Returns:
        The figure.
    """
    x = rounds(history)
    fig = Figure(figsize=(6.5, 3.8), layout="constrained")
    ax = fig.subplots()
    scale = _per_layer(ax, x, layer_series(history, "diversity"), "mean pairwise Hamming distance", "diversity")
    _mark_switch_off(ax, history)
    ax.set_title("Population diversity")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    _layer_colorbar(fig, scale, [ax])
    return fig


def has_reference(history: Records) -> bool:
    """True when the history records a distance to a reference cell."""
    _check(history)
    return any(record.get("ref_distance") is not None for record in history)


def reference_distance(history: Records, tau: float | None = None) -> Figure:
    """Mean Hamming distance of each layer's population to the reference cell over rounds; the rounds
    under the constraint shaded, its switch-off marked.

    Args:
        history: the run's round records (``history.jsonl``, `load_run`).
        tau: the constraint's radius, drawn as a line.

    Returns:
        The figure.

    Raises:
        VizError: the run had no reference cell.
    """
    if not has_reference(history):
        raise VizError("history has no reference distance: field 'ref_distance' is null in every round")
    x = rounds(history)
    fig = Figure(figsize=(6.5, 3.8), layout="constrained")
    ax = fig.subplots()
    scale = _per_layer(ax, x, layer_series(history, "ref_distance"), "mean Hamming distance to reference", "ref")
    active = [bool(record.get("constraint_active")) for record in history]
    for r, on in zip(x, active):
        if on:
            ax.axvspan(r - 0.5, r + 0.5, color="#c44e52", alpha=0.07, lw=0)
    _mark_switch_off(ax, history)
    if tau is not None:
        ax.axhline(tau, color="#c44e52", lw=1.0, ls=":", label=f"\u03c4 = {tau:g}", gid="tau")
    ax.set_ylim(bottom=0)
    ax.set_title("Distance to the reference cell" + (" (shaded: constraint on)" if any(active) else ""))
    ax.legend(fontsize=8)
    _layer_colorbar(fig, scale, [ax])
    return fig


def convergence(histories: Mapping[str, Records]) -> Figure:
    """Fig. 3: the mean over layers of the best fitness of two or more runs, against rounds and against
    cumulative wall-clock seconds; each run's constraint switch-off is marked.

    Args:
        histories: each run's round records, by run name.

    Returns:
        The figure.

    Raises:
        VizError: fewer than two runs, or a history without the needed fields.
    """
    if len(histories) < 2:
        raise VizError(f"convergence compares two or more runs, got {len(histories)}")
    fig = Figure(figsize=(11.0, 4.0), layout="constrained")
    by_round, by_time = fig.subplots(1, 2, sharey=True)
    colors = colormaps["tab10"]
    for i, (label, history) in enumerate(histories.items()):
        try:
            x, seconds = rounds(history), scalar_series(history, "seconds")
            best = layer_mean(layer_series(history, "best"))
            switch = switch_off_round(history)
        except VizError as exc:
            raise VizError(f"run {label!r}: {exc}") from None
        for ax, xs in ((by_round, x), (by_time, seconds)):
            ax.plot(xs, best, color=colors(i % 10), lw=2, label=label, gid=f"run-{i}")
            if switch is not None:
                at = int(np.flatnonzero(x == switch)[0])
                ax.plot(xs[at], best[at], marker="v", markersize=9, color=colors(i % 10), markeredgecolor=INK,
                        ls="none", gid=f"{SWITCH_OFF_GID}-{i}")
    by_round.set_xlabel("round")
    by_round.xaxis.set_major_locator(MaxNLocator(integer=True))
    by_time.set_xlabel("wall-clock seconds")
    by_round.set_ylabel("best fitness (mean over layers)")
    for ax in (by_round, by_time):
        ax.grid(alpha=0.3)
    by_round.plot([], [], marker="v", ls="none", color="white", markeredgecolor=INK, label="constraint switched off")
    by_round.legend(fontsize=8, loc="lower right")
    fig.suptitle("Convergence")
    return fig
