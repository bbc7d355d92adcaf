"""Hamming distance between genomes (the paper's Eq. 2), scalar and vectorised."""

from __future__ import annotations

import numpy as np

from autospace.errors import GenomeError
from autospace.genome.genome import Genome


def hamming(a: Genome, b: Genome) -> int:
    """Number of edges whose ops differ, plus one if the expansion ratios differ."""
    if a.space.name != b.space.name:
        raise GenomeError(f"hamming: genomes of different spaces {a.space.name!r} and {b.space.name!r}")
    return sum(x != y for x, y in zip(a.ops, b.ops)) + (a.ratio != b.ratio)


def pairwise_hamming(encoded_a: np.ndarray, encoded_b: np.ndarray, *, chunk: int = 1024) -> np.ndarray:
    """Matrix ``D[i, j] = hamming(a_i, b_j)`` from rows of `CellSpace.encode`.

    Computed in row chunks so memory stays at ``chunk * len(b) * width`` bytes.
    """
    a = np.atleast_2d(np.asarray(encoded_a))
    b = np.atleast_2d(np.asarray(encoded_b))
    if a.shape[1] != b.shape[1]:
        raise GenomeError(f"pairwise_hamming: encoding widths differ ({a.shape[1]} vs {b.shape[1]})")
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.int32)
    for start in range(0, a.shape[0], chunk):
        block = a[start : start + chunk]
        out[start : start + chunk] = (block[:, None, :] != b[None, :, :]).sum(axis=2)
    return out


def mean_pairwise_hamming(encoded: np.ndarray) -> float:
    """Mean Hamming distance over distinct pairs of a population (its diversity)."""
    n = len(encoded)
    if n < 2:
        return 0.0
    d = pairwise_hamming(encoded, encoded)
    return float(d.sum() / (n * (n - 1)))
