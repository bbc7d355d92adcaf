"""`ShrunkSpace`: a set of cells per searchable layer, the output of a shrinker, saved as JSON
(``shrunk_space.json``, docs/formats.md). It is a space: `autospace search --space shrunk.json`
searches its cells, and `Engine(cells=shrunk.layers)` / ``evolve_space(..., cells=...)`` evolve inside it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from autospace.atomic import write_json
from autospace.errors import GenomeError
from autospace.genome import SCHEMA_VERSION, CellSpace, Genome
from autospace.genome.genome import check_document, document_space, load_document, read_document

KIND = "shrunk_space"
"""The ``kind`` field that tells a shrunk-space JSON from a learned space."""


@dataclass(frozen=True)
class ShrunkSpace:
    """A shrunk space: the cells each searchable layer may take (``shrunk_space.json``).

    A shrunk space is a space: `autospace search --space shrunk_space.json` and
    ``evolve_space(..., cells=...)`` take it.

    Attributes:
        space: the cells' space.
        layers: ``layers[l]``: the cells of layer ``l`` (distinct genomes, in a fixed order).
        method: the shrinker (``lissnas``, ``random``, ``op_prune``, ``autospace``).
        skeleton: the macro network it was shrunk for (None: any).
        meta: the method's settings and counts, and the cells' scores.

    Raises:
        GenomeError: an empty layer, a repeated cell, or a cell of another space.
    """

    space: CellSpace
    layers: tuple[tuple[Genome, ...], ...]
    method: str
    skeleton: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.layers or any(not layer for layer in self.layers):
            raise GenomeError("a shrunk space needs at least one layer, each with at least one cell")
        for layer, cells in enumerate(self.layers):
            if len(set(cells)) != len(cells):
                raise GenomeError(f"shrunk space layer {layer} repeats a cell")
            for genome in cells:
                self.space.check_member(genome)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    def sizes(self) -> list[int]:
        """Cells per layer."""
        return [len(cells) for cells in self.layers]

    def distinct_sizes(self) -> list[int]:
        """Distinct canonical keys per layer (cells computing the same function count once)."""
        return [len({g.key for g in cells}) for cells in self.layers]

    def to_dict(self) -> dict[str, Any]:
        """The shrunk space as JSON-ready data (``shrunk_space.json``)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "space": self.space.name,
            "skeleton": self.skeleton,
            "method": self.method,
            "layers": [[g.to_dict() for g in cells] for cells in self.layers],
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ShrunkSpace:
        """Shrunk space from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.

        Returns:
            The shrunk space.

        Raises:
            GenomeError: a malformed document; the message names the field.
        """
        check_document(data, "shrunk space", ("kind", "space", "method", "layers"), optional=("skeleton", "meta"))
        if data["kind"] != KIND:
            raise GenomeError(f"shrunk space field 'kind' must be {KIND!r}, got kind={data['kind']!r}")
        space = document_space(data["space"])
        method, skeleton, meta, layers = data["method"], data.get("skeleton"), data.get("meta") or {}, data["layers"]
        if not isinstance(method, str) or not method:
            raise GenomeError(f"shrunk space field 'method' must be a non-empty string, got method={method!r}")
        if skeleton is not None and not isinstance(skeleton, str):
            raise GenomeError(f"shrunk space field 'skeleton' must be a name or null, got skeleton={skeleton!r}")
        if not isinstance(meta, dict):
            raise GenomeError(f"shrunk space field 'meta' must be an object, got meta={meta!r}")
        if not isinstance(layers, list) or not layers:
            raise GenomeError(f"shrunk space field 'layers' must be a non-empty list of layers, got {layers!r}")
        cells = []
        for layer, entries in enumerate(layers):
            if not isinstance(entries, list) or not entries:
                raise GenomeError(f"shrunk space layer {layer} must be a non-empty list of genomes, got {entries!r}")
            cells.append(tuple(Genome.from_dict(entry, space) for entry in entries))
        return cls(space, tuple(cells), method, skeleton, dict(meta))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON, atomically.

        Args:
            path: the file (``shrunk_space.json``).
        """
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ShrunkSpace:
        """Read a shrunk space.

        Args:
            path: a ``shrunk_space.json``.

        Returns:
            The shrunk space.

        Raises:
            GenomeError: a malformed file; every error names it.
        """
        return load_document(path, "shrunk space", cls.from_dict)


def is_shrunk_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a shrunk space rather than a learned one.

    Args:
        path: a space file.

    Returns:
        True when it is a JSON object whose ``kind`` is ``shrunk_space`` (False for a learned space,
        or an unreadable file).
    """
    try:
        data = read_document(path, "space file")
    except GenomeError:
        return False
    return isinstance(data, dict) and data.get("kind") == KIND
