"""Population diversity: mean pairwise Hamming distance from per-column value counts.

For ``n`` encoded genomes, the number of ordered pairs that differ in a column is
``n**2 - sum_v count_v**2``; summed over columns and divided by ``n * (n - 1)`` this equals
`autospace.genome.mean_pairwise_hamming` without building the ``n x n`` distance matrix (the
engine computes it every round, for small populations, where the matrix costs more).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def mean_pairwise_distance(rows: Sequence[Sequence[int]]) -> float:
    """Mean Hamming distance over distinct pairs of ``rows`` (0.0 for fewer than two)."""
    n = len(rows)
    if n < 2:
        return 0.0
    differing = 0
    for column in zip(*rows):
        differing += n * n - sum(c * c for c in Counter(column).values())
    return differing / (n * (n - 1))
