"""`LearnedSpace`: the top-K cells of each layer after evolution, saved as JSON (docs/formats.md)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from autospace.atomic import write_json
from autospace.errors import GenomeError
from autospace.genome import SCHEMA_VERSION, CellSpace, Genome
from autospace.genome.genome import check_document, document_space, load_document


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
        check_document(data, "learned space", ("space", "top_k", "layers"), optional=("skeleton", "reference", "meta"))
        space = document_space(data["space"])
        top_k, layers, meta = data["top_k"], data["layers"], data.get("meta") or {}
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise GenomeError(f"learned space field 'top_k' must be a positive integer, got top_k={top_k!r}")
        if not isinstance(meta, dict):
            raise GenomeError(f"learned space field 'meta' must be an object, got meta={meta!r}")
        skeleton = data.get("skeleton")
        if skeleton is not None and not isinstance(skeleton, str):
            raise GenomeError(f"learned space field 'skeleton' must be a name or null, got skeleton={skeleton!r}")
        if not isinstance(layers, list) or not layers:
            raise GenomeError(f"learned space field 'layers' must be a non-empty list of layers, got {layers!r}")
        ranked = [[_ranked(entry, space, layer) for entry in _cells(cells, layer)] for layer, cells in enumerate(layers)]
        reference = data.get("reference")
        reference = None if reference is None else Genome.from_dict(reference, space)
        return cls(space, ranked, top_k, skeleton, reference, dict(meta))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON (atomically)."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LearnedSpace:
        """The learned space in ``path``; every error names the file."""
        return load_document(path, "learned space", cls.from_dict)

    def genomes(self, layer: int) -> list[Genome]:
        """The cells of ``layer``, best first."""
        return [r.genome for r in self.layers[layer]]


def _cells(cells: Any, layer: int) -> list[Any]:
    if not isinstance(cells, list) or not cells:
        raise GenomeError(f"learned space layer {layer} must be a non-empty list of cells, got {cells!r}")
    return cells


def _ranked(entry: Any, space: CellSpace, layer: int) -> Ranked:
    """One ``{"genome", "fitness"}`` entry of ``layer``: a valid genome with a finite fitness."""
    if not isinstance(entry, dict) or sorted(entry) != ["fitness", "genome"]:
        raise GenomeError(f"learned space layer {layer}: a cell must be {{'genome', 'fitness'}}, got {entry!r}")
    fitness = entry["fitness"]
    if isinstance(fitness, bool) or not isinstance(fitness, (int, float)) or not math.isfinite(fitness):
        raise GenomeError(f"learned space layer {layer}: fitness={fitness!r} must be a finite number")
    return Ranked(Genome.from_dict(entry["genome"], space), float(fitness))
