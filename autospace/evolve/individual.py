"""`Individual`: a genome in a population, with a DEAP fitness and counters (no `creator` classes).
The genome is a cell `Genome` or, for macro search, a whole-network `MacroGenome`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deap import base

from autospace.genome import Genome
from autospace.macro import MacroGenome


def genome_from_dict(data: Any) -> Genome | MacroGenome:
    """The genome a JSON document holds: a `MacroGenome` when it has ``layers``, else a cell `Genome`."""
    if isinstance(data, Mapping) and "layers" in data:
        return MacroGenome.from_dict(data)
    return Genome.from_dict(data)


class Fitness(base.Fitness):
    """Single-objective, maximised fitness."""

    weights = (1.0,)

    def __init__(self, values: tuple[float, ...] = ()) -> None:
        # base.Fitness.__init__ re-validates the class-level weights on every instance; they
        # are fixed here, and the engine builds one fitness per queried cell
        if values:
            self.values = values


class Individual:
    """A population member.

    Args:
        genome: the cell (or, for macro search, the whole network).
        born: the round it was created.
        fitness: its fitness (None: invalid until scored).
        evaluations: how many times it was scored.
    """

    __slots__ = ("born", "evaluations", "fitness", "genome")

    def __init__(self, genome: Genome | MacroGenome, born: int = 0, fitness: float | None = None, evaluations: int = 0) -> None:
        self.genome = genome
        self.fitness = Fitness() if fitness is None else Fitness((float(fitness),))
        self.evaluations = evaluations
        self.born = born

    @property
    def value(self) -> float | None:
        """The fitness value, or None before the first score."""
        return self.fitness.values[0] if self.fitness.valid else None

    def __deepcopy__(self, memo: dict[int, Any]) -> Individual:
        # genomes are immutable: share them (DEAP's HallOfFame deep-copies what it keeps)
        return Individual(self.genome, self.born, self.value, self.evaluations)

    def __repr__(self) -> str:
        return f"Individual({self.genome!r}, fitness={self.value}, evaluations={self.evaluations}, born={self.born})"

    def to_dict(self) -> dict[str, Any]:
        """The individual as JSON-ready data (checkpoints)."""
        return {"genome": self.genome.to_dict(), "fitness": self.value, "evaluations": self.evaluations,
                "born": self.born}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Individual:
        """Individual from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.

        Returns:
            The individual.
        """
        return cls(genome_from_dict(data["genome"]), data["born"], data["fitness"], data["evaluations"])
