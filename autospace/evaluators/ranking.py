"""How well a score ranks cells against a ground truth: Kendall's tau, Spearman's rho, top-k precision,
and a bootstrap interval for a mean over independent samples (numpy + scipy, no torch).

Ties in a score (e.g. two cells of equal parameter count) are handled as scipy does (tau-b, average
ranks); a constant score ranks nothing and gets 0.0 rather than scipy's NaN, so that means over samples
stay defined.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from autospace.errors import EvaluatorError


def _pair(score: Sequence[float], truth: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(score, dtype=float), np.asarray(truth, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise EvaluatorError(f"a ranking needs two equally long 1-D sequences of at least 2 values, got shapes "
                             f"{x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise EvaluatorError("a ranking needs finite values; got NaN or infinity")
    return x, y


def kendall_tau(score: Sequence[float], truth: Sequence[float]) -> float:
    """Kendall's tau-b between ``score`` and ``truth`` (0.0 when either is constant).

    Args:
        score: one value per cell (higher: predicted better).
        truth: the ground truth of the same cells.

    Returns:
        tau in [-1, 1].

    Raises:
        EvaluatorError: the sequences differ in length, hold fewer than 2 values or a non-finite one.
    """
    x, y = _pair(score, truth)
    value = float(stats.kendalltau(x, y).statistic)
    return 0.0 if math.isnan(value) else value


def spearman_rho(score: Sequence[float], truth: Sequence[float]) -> float:
    """Spearman's rank correlation between ``score`` and ``truth`` (0.0 when either is constant).

    Args:
        score: one value per cell (higher: predicted better).
        truth: the ground truth of the same cells.

    Returns:
        rho in [-1, 1].

    Raises:
        EvaluatorError: as `kendall_tau`.
    """
    x, y = _pair(score, truth)
    value = float(stats.spearmanr(x, y).statistic)
    return 0.0 if math.isnan(value) else value


def top_k_precision(score: Sequence[float], truth: Sequence[float], k: int = 5) -> float:
    """The share of the ``k`` truly best cells that are among the ``k`` best by ``score``.

    Ties at the boundary are broken by position (the earlier cell first), for both rankings.

    Args:
        score: one value per cell (higher: predicted better).
        truth: the ground truth of the same cells.
        k: how many top cells are compared (at most the number of cells).

    Returns:
        A share in [0, 1].

    Raises:
        EvaluatorError: as `kendall_tau`, or ``k`` outside 1..len(score).
    """
    x, y = _pair(score, truth)
    if not 1 <= k <= len(x):
        raise EvaluatorError(f"top-k precision needs 1 <= k <= {len(x)} cells, got k={k!r}")
    top = lambda v: set(np.argsort(-v, kind="stable")[:k].tolist())  # noqa: E731
    return len(top(x) & top(y)) / k


def bootstrap_mean_ci(values: Sequence[float], *, level: float = 0.95, resamples: int = 10_000,
                      seed: int = 0) -> tuple[float, float, float]:
    """The mean of ``values`` (one per independent sample) and its percentile bootstrap interval.

    Args:
        values: one statistic per independent sample (e.g. tau of each sample of cells).
        level: the interval's coverage.
        resamples: bootstrap resamples.
        seed: the resampling seed (the interval is deterministic).

    Returns:
        ``(mean, low, high)``; with a single value the interval is that value.

    Raises:
        EvaluatorError: no values, a non-finite one, or ``level`` outside (0, 1).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or not len(v) or not np.isfinite(v).all():
        raise EvaluatorError(f"a bootstrap interval needs one or more finite values, got {values!r}")
    if not 0.0 < level < 1.0:
        raise EvaluatorError(f"level={level!r} must be in (0, 1)")
    mean = float(v.mean())
    if len(v) == 1:
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    means = v[rng.integers(len(v), size=(resamples, len(v)))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(low), float(high)
