"""`LearnedSpace`: the top-K cells of each layer after evolution, saved as JSON (docs/formats.md)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from autospace.atomic import write_json
from autospace.errors import GenomeError
from autospace.genome import SCHEMA_VERSION, CellSpace, Genome
from autospace.genome.genome import check_document, document_space


class Ranked(NamedTuple):
    """A cell and its fitness."""

    genome: Genome
    fitness: float


@dataclass
class LearnedSpace:
    """Top-K cells per searchable layer, best first."""

    space: CellSpace
    layers: list[list[Ranked]]
    top_k: int
    skeleton: str | None = None
    reference: Genome | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "space": self.space.name,
            "skeleton": self.skeleton,
            "top_k": self.top_k,
            "layers": [[{"genome": r.genome.to_dict(), "fitness": r.fitness} for r in layer] for layer in self.layers],
            "reference": None if self.reference is None else self.reference.to_dict(),
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: Any) -> LearnedSpace:
        check_document(data, "learned space", ("space", "top_k", "layers"))
        space = document_space(data["space"])
        try:
            layers = [
                [Ranked(Genome.from_dict(e["genome"], space), float(e["fitness"])) for e in layer]
                for layer in data["layers"]
            ]
        except (KeyError, TypeError) as exc:
            raise GenomeError(f"learned space field 'layers' is malformed: {exc!r}") from None
        reference = data.get("reference")
        reference = None if reference is None else Genome.from_dict(reference, space)
        return cls(space, layers, int(data["top_k"]), data.get("skeleton"), reference, dict(data.get("meta") or {}))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON (atomically)."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LearnedSpace:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise GenomeError(f"cannot read learned space {str(path)!r}: {exc}") from None
        return cls.from_dict(data)

    def genomes(self, layer: int) -> list[Genome]:
        """The cells of ``layer``, best first."""
        return [r.genome for r in self.layers[layer]]
