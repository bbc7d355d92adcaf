"""Process-wide LRU caches of pure functions of a genome: the engine meets the same cells again and
again (sampling, mutation) and skips their canonicalisation, neighbour enumeration and encoding.
`cell_key` is the canonical key of any genome (a cell `Genome` or a `MacroGenome`)."""

from __future__ import annotations

import functools
from operator import attrgetter

from autospace.genome import Genome

cell_key = functools.lru_cache(maxsize=1 << 16)(attrgetter("key"))


@functools.lru_cache(maxsize=1 << 16)
def intern(genome: Genome) -> Genome:
    """The first-seen `Genome` object equal to ``genome`` (so its memoised key is shared)."""
    return genome


@functools.lru_cache(maxsize=1 << 12)
def cell_neighbors(genome: Genome) -> list[Genome]:
    """`CellSpace.neighbors` of ``genome``, interned (do not modify the returned list)."""
    return [intern(g) for g in genome.space.neighbors(genome)]


@functools.lru_cache(maxsize=1 << 14)
def cell_row(genome: Genome) -> tuple[int, ...]:
    """The `CellSpace.encode` row of ``genome``."""
    return tuple(int(x) for x in genome.space.encode([genome])[0])
