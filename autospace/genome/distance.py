"""Hamming distance between genomes (the paper's Eq. 2), scalar and vectorised."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autospace.errors import GenomeError
from autospace.genome.genome import Genome


def hamming(a: Genome, b: Genome) -> int:
    """Hamming distance of two cells (the paper's Eq. 2).

    Args:
        a: a cell.
        b: a cell of the same space.

    Returns:
        The number of edges whose ops differ, plus one if the expansion ratios differ.

    Raises:
        GenomeError: the genomes belong to different spaces.
    """
    if a.space.name != b.space.name:
        raise GenomeError(f"hamming: genomes of different spaces {a.space.name!r} and {b.space.name!r}")
    return sum(x != y for x, y in zip(a.ops, b.ops)) + (a.ratio != b.ratio)


def pairwise_hamming(encoded_a: np.ndarray, encoded_b: np.ndarray) -> np.ndarray:
    """Matrix ``D[i, j] = hamming(a_i, b_j)`` from rows of `CellSpace.encode`.

    Accumulated one encoding column at a time, so memory stays at one ``len(a) x len(b)``
    matrix and numpy never materialises the ``len(a) x len(b) x width`` comparison.

    Args:
        encoded_a: rows of `CellSpace.encode` (one genome per row).
        encoded_b: rows of the same space's encoding.

    Returns:
        An integer matrix of shape ``(len(encoded_a), len(encoded_b))``.

    Raises:
        GenomeError: the encodings have different widths.
    """
    a = np.atleast_2d(np.asarray(encoded_a))
    b = np.atleast_2d(np.asarray(encoded_b))
    if a.shape[1] != b.shape[1]:
        raise GenomeError(f"pairwise_hamming: encoding widths differ ({a.shape[1]} vs {b.shape[1]})")
    out = np.zeros((a.shape[0], b.shape[0]), dtype=np.int32)
    for col in range(a.shape[1]):
        out += a[:, col, None] != b[None, :, col]
    return out


def mean_pairwise_hamming(encoded: np.ndarray | Sequence[Sequence[int]]) -> float:
    """Mean Hamming distance over distinct pairs of a population (its diversity).

    From per-column value counts: the ordered pairs that differ in a column number
    ``n**2 - sum_v count_v**2``; summed over columns and divided by ``n * (n - 1)``. No
    ``n x n`` matrix is built, so this is linear in the population size.

    Args:
        encoded: rows of `CellSpace.encode`, one per member of the population.

    Returns:
        The mean distance; 0.0 for fewer than two rows.
    """
    rows = np.asarray(encoded, dtype=np.int64)
    n = len(rows)
    if n < 2:
        return 0.0
    differing = sum(n * n - int((np.bincount(column) ** 2).sum()) for column in rows.T)
    return differing / (n * (n - 1))
