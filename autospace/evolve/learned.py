"""`LearnedSpace`: the top-K cells of each layer after evolution, saved as JSON (docs/formats.md).

A macro run (strategy ``lcmnas``) saves the same document with one layer of whole networks
(`MacroGenome`) and its ``[lcmnas]`` table as ``space_settings``."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from autospace.atomic import write_json
from autospace.config import parse_parts
from autospace.errors import ConfigError, GenomeError
from autospace.genome import SCHEMA_VERSION, CellSpace, Genome
from autospace.genome.genome import check_document, document_space, load_document
from autospace.macro import MacroGenome
from autospace.macro.space import MacroSettings, MacroSpace
from autospace.macro.walk import WalkSettings


class Ranked(NamedTuple):
    """A cell (or, in a macro run, a network) and its fitness."""

    genome: Genome | MacroGenome
    fitness: float


@dataclass
class LearnedSpace:
    """Top-K cells per searchable layer, best first (a macro run: one layer of top-K networks).

    Attributes:
        space: the cells' space.
        layers: per layer, the `Ranked` cells, best first.
        top_k: how many cells per layer the run kept.
        skeleton: the skeleton the run was sized for, if any.
        reference: the reference cell of the run, if any.
        meta: free-form run information (strategy, rounds, seed).
    """

    space: CellSpace | MacroSpace
    layers: list[list[Ranked]]
    top_k: int
    skeleton: str | None = None
    reference: Genome | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The learned space as JSON-ready data (``learned_space.json``)."""
        data = {
            "schema_version": SCHEMA_VERSION,
            "space": self.space.name,
            "skeleton": self.skeleton,
            "top_k": self.top_k,
            "layers": [[{"genome": r.genome.to_dict(), "fitness": r.fitness} for r in layer] for layer in self.layers],
            "reference": None if self.reference is None else self.reference.to_dict(),
            "meta": self.meta,
        }
        if isinstance(self.space, MacroSpace):
            data["space_settings"] = self.space.to_table()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> LearnedSpace:
        """Learned space from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.

        Returns:
            The learned space.

        Raises:
            GenomeError: a malformed document; the message names the field.
        """
        check_document(data, "learned space", ("space", "top_k", "layers"),
                       optional=("skeleton", "reference", "meta", "space_settings"))
        space = _space(data)
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
        if reference is not None and isinstance(space, MacroSpace):
            raise GenomeError("learned space field 'reference' must be null for space='macro' (the constraint is for cells)")
        reference = None if reference is None else Genome.from_dict(reference, space)
        return cls(space, ranked, top_k, skeleton, reference, dict(meta))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON, atomically.

        Args:
            path: the file (``learned_space.json``).
        """
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LearnedSpace:
        """Read a learned space.

        Args:
            path: a ``learned_space.json``.

        Returns:
            The learned space.

        Raises:
            GenomeError: a malformed file; every error names it.
        """
        return load_document(path, "learned space", cls.from_dict)

    def genomes(self, layer: int) -> list[Genome]:
        """The cells of ``layer``, best first.

        Args:
            layer: a searchable layer.

        Returns:
            Its cells, without their fitness.
        """
        return [r.genome for r in self.layers[layer]]


def _space(data: dict[str, Any]) -> CellSpace | MacroSpace:
    """The document's space: a registered cell space, or the macro space of its ``space_settings``
    (without ``wdg_files``: a loaded macro space walks over the zoo only, so it reads no other file)."""
    if data["space"] != MacroSpace.name:
        if "space_settings" in data:
            raise GenomeError(f"learned space field 'space_settings' is only for space='macro', got space={data['space']!r}")
        return document_space(data["space"])
    table = data.get("space_settings", {})
    if not isinstance(table, dict):
        raise GenomeError(f"learned space field 'space_settings' must be an object, got space_settings={table!r}")
    table = {k: v for k, v in table.items() if k != "wdg_files"}
    try:  # files written before space_settings: the data's shape from the best network
        first = data["layers"][0][0]["genome"]
        table.setdefault("input_shape", first["input_shape"])
        table.setdefault("num_classes", first["num_classes"])
    except (IndexError, KeyError, TypeError):
        pass  # malformed layers are reported when they are parsed
    try:
        settings, walk = parse_parts((MacroSettings, WalkSettings), "space_settings", table)
    except ConfigError as exc:
        raise GenomeError(f"learned space: {exc}") from None
    return MacroSpace(settings, walk)


def _cells(cells: Any, layer: int) -> list[Any]:
    if not isinstance(cells, list) or not cells:
        raise GenomeError(f"learned space layer {layer} must be a non-empty list of cells, got {cells!r}")
    return cells


def _ranked(entry: Any, space: CellSpace | MacroSpace, layer: int) -> Ranked:
    """One ``{"genome", "fitness"}`` entry of ``layer``: a valid genome with a finite fitness."""
    if not isinstance(entry, dict) or sorted(entry) != ["fitness", "genome"]:
        raise GenomeError(f"learned space layer {layer}: a cell must be {{'genome', 'fitness'}}, got {entry!r}")
    fitness = entry["fitness"]
    if isinstance(fitness, bool) or not isinstance(fitness, (int, float)) or not math.isfinite(fitness):
        raise GenomeError(f"learned space layer {layer}: fitness={fitness!r} must be a finite number")
    if isinstance(space, MacroSpace):
        return Ranked(MacroGenome.from_dict(entry["genome"]), float(fitness))
    return Ranked(Genome.from_dict(entry["genome"], space), float(fitness))
