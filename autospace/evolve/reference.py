"""The reference-cell constraint (Eq. 2): cells stay within Hamming distance ``tau`` of a reference."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from autospace.errors import ConfigError
from autospace.genome import CellSpace, Genome


@dataclass(frozen=True)
class ReferenceConstraint:
    """``hamming(cell, reference) <= tau`` during the first ``fraction`` of a run."""

    reference: Genome
    tau: int
    fraction: float
    _alternatives: list[list[object]] = field(init=False, repr=False, compare=False)
    _ways: list[list[int]] = field(init=False, repr=False, compare=False)
    _cells: dict[tuple[object, ...], Genome] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        space, ref = self.reference.space, self.reference
        columns = [(space.ops, op) for op in ref.ops] + ([(space.ratios, ref.ratio)] if space.has_ratio else [])
        alternatives = [[v for v in choices if v != current] for choices, current in columns]
        # ways[i][r]: cells that differ from the reference in at most r of the columns i..end
        ways = [[1] * (self.tau + 1) for _ in range(len(columns) + 1)]
        for i in reversed(range(len(columns))):
            for r in range(self.tau + 1):
                ways[i][r] = ways[i + 1][r] + (len(alternatives[i]) * ways[i + 1][r - 1] if r else 0)
        object.__setattr__(self, "_alternatives", alternatives)
        object.__setattr__(self, "_ways", ways)

    def check_space(self, space: CellSpace) -> None:
        if self.reference.space.name != space.name:
            raise ConfigError(
                f"reference genome is of space {self.reference.space.name!r}, the run's space is {space.name!r}"
            )

    def active(self, progress: float) -> bool:
        """Whether the constraint applies at ``progress`` (share of the run done, 0..1)."""
        return progress < self.fraction

    def admits(self, genome: Genome) -> bool:
        return self.distance(genome) <= self.tau

    def distance(self, genome: Genome) -> int:
        """`hamming` to the reference (the check of spaces is done once, in `check_space`)."""
        ref = self.reference
        return sum(a != b for a, b in zip(genome.ops, ref.ops)) + (genome.ratio != ref.ratio)

    def sample_near(self, rng: random.Random) -> Genome:
        """A cell drawn uniformly from the ball of radius ``tau`` around the reference.

        Column by column (edge ops, then the ratio), the column differs from the reference with
        the probability that a uniform cell of the ball differs there, given the earlier columns.
        """
        ref = self.reference
        values = list(ref.ops) + ([ref.ratio] if ref.space.has_ratio else [])
        budget = self.tau
        for i, alternatives in enumerate(self._alternatives):
            if budget and rng.random() * self._ways[i][budget] < len(alternatives) * self._ways[i + 1][budget - 1]:
                values[i] = alternatives[rng.randrange(len(alternatives))]
                budget -= 1
        key = tuple(values)
        genome = self._cells.get(key)
        if genome is None:  # cells drawn again are the same object, with their key computed once
            num_edges = ref.space.num_edges
            genome = ref.space.genome(values[:num_edges], values[num_edges] if ref.space.has_ratio else None)
            self._cells[key] = genome
        return genome
