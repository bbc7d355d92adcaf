"""The paper's Table 6 as a figure: fitness of three reference networks over epochs, one panel
per initialisation (the ``ranking_fidelity.json`` format of docs/formats.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autospace.errors import VizError
from autospace.viz.io import is_number

RUN_GID = "epochs-to-correct"


def check_ranking_fidelity(data: Any) -> None:
    """Check a ranking-fidelity document (``ranking_fidelity.json``).

    Args:
        data: the parsed document.

    Raises:
        VizError: it does not follow the documented format; the message names the field.
    """
    if not isinstance(data, Mapping):
        raise VizError(f"ranking fidelity: expected a JSON object, got {type(data).__name__}")
    networks = data.get("networks")
    if not isinstance(networks, list) or len(networks) < 2 or not all(isinstance(n, str) for n in networks):
        raise VizError(f"ranking fidelity: field 'networks' must list two or more names, got {networks!r:.80}")
    n = len(networks)
    _numbers(data.get("ground_truth"), n, "ground_truth")
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs:
        raise VizError(f"ranking fidelity: field 'runs' must be a non-empty list, got {runs!r:.80}")
    for i, run in enumerate(runs):
        if not isinstance(run, Mapping):
            raise VizError(f"ranking fidelity: runs[{i}] must be an object, got {run!r:.80}")
        _numbers(run.get("init"), n, f"runs[{i}].init")
        epochs = run.get("epochs")
        if not isinstance(epochs, list) or not epochs:
            raise VizError(f"ranking fidelity: runs[{i}].epochs must be a non-empty list, got {epochs!r:.80}")
        for e, row in enumerate(epochs):
            _numbers(row, n, f"runs[{i}].epochs[{e}]")
        correct = run.get("epochs_to_correct")
        if correct is not None and (not isinstance(correct, int) or isinstance(correct, bool) or correct < 0):
            raise VizError(
                f"ranking fidelity: runs[{i}].epochs_to_correct must be null or an int >= 0, got {correct!r}"
            )


def _numbers(value: Any, n: int, field: str) -> None:
    if not isinstance(value, list) or len(value) != n or not all(is_number(v) for v in value):
        raise VizError(f"ranking fidelity: field {field!r} must be a list of {n} numbers, got {value!r:.80}")


def ranking_fidelity(data: Mapping[str, Any]) -> Figure:
    """Table 6: the fitness of each network from its initial value (epoch 0) through the training
    epochs, one panel per initialisation; the epoch the ranking first matches the ground truth is
    marked.

    Args:
        data: a ``ranking_fidelity.json`` document.

    Returns:
        The figure.

    Raises:
        VizError: a malformed document.
    """
    check_ranking_fidelity(data)
    networks = data["networks"]
    truth = data["ground_truth"]
    runs = data["runs"]
    cols = min(3, len(runs))
    rows = -(-len(runs) // cols)
    fig = Figure(figsize=(4.0 * cols, 3.2 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel()
    colors = colormaps["tab10"]
    for i, (ax, run) in enumerate(zip(axes, runs)):
        values = np.array([run["init"], *run["epochs"]], dtype=float)
        epochs = np.arange(len(values))
        for j, name in enumerate(networks):
            ax.plot(epochs, values[:, j], marker="o", markersize=3, color=colors(j % 10), label=name)
        correct = run.get("epochs_to_correct")
        if correct is not None:
            ax.axvline(correct, color="#777777", ls="--", lw=1.0, gid=f"{RUN_GID}-{i}")
            ax.text(correct, 1.0, f" ranking correct from epoch {correct}", transform=ax.get_xaxis_transform(),
                    va="top", fontsize=8, color="#555555")
        init = ", ".join(f"{v:g}" for v in run["init"])
        ax.set_title(f"init ({init})" + ("" if correct is not None else " \u00b7 never correct"), fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    for ax in axes[len(runs) :]:
        ax.set_axis_off()
    axes[0].set_ylabel("fitness")
    axes[0].legend(fontsize=8)
    order = " > ".join(networks[j] for j in np.argsort(truth, kind="stable")[::-1])
    fig.suptitle(f"Ranking fidelity (ground truth: {order})")
    return fig
