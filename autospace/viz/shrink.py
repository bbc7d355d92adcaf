"""Figures of a shrink run (`autospace shrink`): the shrunk space's pockets as a 2-D MDS embedding of
its cells on Hamming distance (scikit-learn's metric MDS), coloured by score with each pocket
outlined; the per-edge op frequency of the full space and of the shrunk one; the sample's mean
score per iteration. No torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from autospace.errors import GenomeError
from autospace.genome import pairwise_hamming
from autospace.shrink.metrics import pocket_labels
from autospace.shrink.space import ShrunkSpace

MAX_EMBEDDED = 1500
"""Cells embedded at most (MDS holds an n x n distance matrix); larger layers are subsampled evenly."""


@dataclass(frozen=True)
class ShrinkRunDir:
    """The files of one shrink run directory; a file the run does not have is None.

    Attributes:
        path: the run directory.
        config: its ``config.toml``.
        history: its ``history.jsonl`` records.
        shrunk: its ``shrunk_space.json``.
    """

    path: Path
    config: dict[str, Any] | None
    history: list[dict[str, Any]] | None
    shrunk: ShrunkSpace | None

    @property
    def name(self) -> str:
        return self.path.resolve().name


def load_shrunk(path: Path) -> ShrunkSpace:
    """Read ``shrunk_space.json``.

    Args:
        path: the file.

    Returns:
        The shrunk space.

    Raises:
        CheckpointError: a bad file; the message names it.
    """
    from autospace.errors import CheckpointError

    try:
        return ShrunkSpace.load(path)
    except GenomeError as exc:
        raise CheckpointError(str(exc)) from None


def pockets_embedding(shrunk: ShrunkSpace, layer: int = 0, seed: int = 0) -> Figure:
    """The cells of a layer placed by metric MDS on their Hamming distances, coloured by score (grey:
    not scored), each pocket (connected component of the radius-1 graph) outlined.

    Args:
        shrunk: the shrunk space.
        layer: the layer.
        seed: the seed of the MDS layout.

    Returns:
        The figure.
    """
    from scipy.spatial import ConvexHull, QhullError
    from sklearn.manifold import MDS

    cells = list(shrunk.layers[layer])
    scores = _scores(shrunk, layer)
    if len(cells) > MAX_EMBEDDED:
        keep = np.linspace(0, len(cells) - 1, MAX_EMBEDDED).astype(int)
        cells, scores = [cells[i] for i in keep], [scores[i] for i in keep]
    labels = pocket_labels(cells)
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot()
    if len(cells) == 1:
        points = np.zeros((1, 2))
    else:
        encoded = shrunk.space.encode(cells)
        distances = pairwise_hamming(encoded, encoded).astype(float)
        points = MDS(n_components=2, metric="precomputed", init="classical_mds", random_state=seed,
                     n_init=1).fit_transform(distances)
    for pocket in sorted(set(labels)):
        members = points[[i for i, lab in enumerate(labels) if lab == pocket]]
        if len(members) >= 3:
            try:
                hull = ConvexHull(members)
                ring = np.append(hull.vertices, hull.vertices[0])
                ax.plot(members[ring, 0], members[ring, 1], color="0.4", lw=0.8)
                continue
            except QhullError:  # collinear members: a line instead of a hull
                pass
        if len(members) >= 2:
            ax.plot(members[:, 0], members[:, 1], color="0.4", lw=0.8)
    scored = [i for i, s in enumerate(scores) if s is not None]
    unscored = [i for i, s in enumerate(scores) if s is None]
    if unscored:
        ax.scatter(points[unscored, 0], points[unscored, 1], s=12, color="0.75", label="not scored")
    if scored:
        sc = ax.scatter(points[scored, 0], points[scored, 1], s=18, c=[scores[i] for i in scored], cmap="viridis",
                        label="scored")
        fig.colorbar(sc, ax=ax, label="score")
    count = len(set(labels))
    ax.set_title(f"{shrunk.method}: {len(shrunk.layers[layer])} cells, {count} pocket{'s' * (count != 1)} (layer {layer})")
    ax.set_xlabel("MDS 1 (Hamming)")
    ax.set_ylabel("MDS 2 (Hamming)")
    if unscored and scored:
        ax.legend(loc="best", fontsize=8)
    return fig


def _scores(shrunk: ShrunkSpace, layer: int) -> list[float | None]:
    scores = shrunk.meta.get("scores")
    if isinstance(scores, list) and layer < len(scores) and len(scores[layer]) == len(shrunk.layers[layer]):
        return [s if isinstance(s, int | float) and not isinstance(s, bool) else None for s in scores[layer]]
    return [None] * len(shrunk.layers[layer])


def op_frequency_shift(shrunk: ShrunkSpace, layer: int = 0) -> Figure:
    """Per-edge op frequency in the full space (uniform: every op on every edge) and in the shrunk one.

    Args:
        shrunk: the shrunk space.
        layer: the layer.

    Returns:
        The figure.
    """
    space = shrunk.space
    cells = shrunk.layers[layer]
    after = np.zeros((space.num_edges, len(space.ops)))
    for genome in cells:
        for edge, op in enumerate(genome.ops):
            after[edge, space.ops.index(op)] += 1
    after /= len(cells)
    before = np.full_like(after, 1 / len(space.ops))
    fig = Figure(figsize=(11, 0.5 * space.num_edges + 2.5))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, data, title in ((axes[0], before, "full space"), (axes[1], after, f"shrunk ({shrunk.method})")):
        image = ax.imshow(data, vmin=0, vmax=1, cmap="magma", aspect="auto")
        ax.set_xticks(range(len(space.ops)), space.ops, rotation=35, ha="right", fontsize=8)
        ax.set_yticks(range(space.num_edges), [f"{u}-{v}" for u, v in space.edges])
        ax.set_title(title)
        for (row, col), value in np.ndenumerate(data):
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if value < 0.5 else "black")
    axes[0].set_ylabel("edge")
    fig.subplots_adjust(bottom=0.25)
    fig.colorbar(image, ax=list(axes), label="share of cells")
    return fig


def mean_score_curve(history: list[dict[str, Any]]) -> Figure:
    """The mean (line) and best (dashed) score of each iteration's sample, per layer (LISSNAS history).

    Args:
        history: the shrink run's ``history.jsonl`` records.

    Returns:
        The figure.
    """
    series: dict[int, list[tuple[int, float, float]]] = {}
    for record in history:
        for entry in record.get("layers", []):
            if entry.get("mean") is not None:
                series.setdefault(entry["layer"], []).append((record["iteration"] + 1, entry["mean"], entry["best"]))
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    for layer, points in sorted(series.items()):
        x, mean, best = zip(*points)
        line = ax.plot(x, mean, marker="o", label=f"layer {layer} mean")[0]
        ax.plot(x, best, ls="--", color=line.get_color(), label=f"layer {layer} best")
    ax.set_xlabel("iteration")
    ax.set_ylabel("score of the sample")
    ax.set_title("Mean score of each iteration's sample")
    if series:
        ax.legend(fontsize=8)
    return fig


def has_iterations(history: list[dict[str, Any]] | None) -> bool:
    """Whether a shrink history holds per-layer sample means (a LISSNAS run; baselines have none).

    Args:
        history: the records, or None.

    Returns:
        True for a LISSNAS history.
    """
    return any(e.get("mean") is not None for r in history or [] for e in r.get("layers", []))
