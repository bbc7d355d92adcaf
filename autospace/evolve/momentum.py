"""Fitness momentum (the paper's Eq. 5)."""

from __future__ import annotations


def momentum_update(old: float | None, score: float, momentum: float, exact: bool) -> float:
    """New fitness: ``score`` for exact evaluators or a first score, else ``m * old + (1 - m) * score``."""
    if exact or old is None:
        return float(score)
    return momentum * old + (1.0 - momentum) * float(score)
