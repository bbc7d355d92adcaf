"""The reference-cell constraint (Eq. 2): cells stay within Hamming distance ``tau`` of a reference."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from autospace.errors import ConfigError
from autospace.genome import CellSpace, Genome, hamming


@dataclass
class ReferenceConstraint:
    """``hamming(cell, reference) <= tau`` during the first ``fraction`` of a run.

    It owns its state: ``active`` (whether it applies this round, set by `update`) and
    ``released`` (set by `release` when the ``tau`` ball holds no new cell: it stays off).
    """

    reference: Genome
    tau: int
    fraction: float
    active: bool = field(default=False, init=False)
    released: bool = field(default=False, init=False)
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
        self._alternatives, self._ways = alternatives, ways

    def check_space(self, space: CellSpace) -> None:
        if self.reference.space.name != space.name:
            raise ConfigError(
                f"reference genome is of space {self.reference.space.name!r}, the run's space is {space.name!r}"
            )

    def update(self, progress: float) -> bool:
        """Set and return ``active`` for a round at ``progress`` (share of the run done, 0..1):
        during the first ``fraction`` of the run, unless released."""
        self.active = not self.released and progress < self.fraction
        return self.active

    def release(self) -> None:
        """Switch the constraint off for the rest of the run."""
        self.active, self.released = False, True

    def admits(self, genome: Genome) -> bool:
        return self.distance(genome) <= self.tau

    def distance(self, genome: Genome) -> int:
        """`hamming` to the reference."""
        return hamming(genome, self.reference)

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
