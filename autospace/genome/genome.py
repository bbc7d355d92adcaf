"""`Genome`: one cell of a `CellSpace` — an op per searchable edge, plus the expansion ratio."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import networkx as nx

from autospace.errors import GenomeError, UnknownNameError
from autospace.files import loads_json, read_json
from autospace.genome.canonical import ZERO_KEY, canonical_key, nb201_unique_str
from autospace.genome.registry import get_space

if TYPE_CHECKING:
    from autospace.genome.space import CellSpace, Edge

T = TypeVar("T")

SCHEMA_VERSION = 1


def _resolve_space(space: CellSpace | str) -> CellSpace:
    """``space`` itself, or the registered space of that name."""
    return get_space(space) if isinstance(space, str) else space


def read_document(path: str | os.PathLike[str], what: str, error: type[Exception] = GenomeError) -> Any:
    """The JSON document in ``path`` (`autospace.files.read_json`); an unreadable, non-UTF-8,
    malformed, too deeply nested file or one holding a non-finite number is an ``error``."""
    return read_json(path, what, error)


def load_document(path: str | os.PathLike[str], what: str, parse: Callable[[Any], T],
                  error: type[Exception] = GenomeError) -> T:
    """``parse`` of the JSON document in ``path`` (`read_document`); a `GenomeError` (or ``error``)
    that ``parse`` raises is re-raised as ``error`` naming ``what`` and the file."""
    data = read_document(path, what, error)
    try:
        return parse(data)
    except (GenomeError, error) as exc:
        raise error(f"{what} {str(path)!r}: {exc}") from None


def check_document(
    data: Any, what: str, fields: Sequence[str], error: type[Exception] = GenomeError, optional: Sequence[str] = ()
) -> Mapping[str, Any]:
    """``data`` checked to be a JSON document of this schema (genome, learned space,
    architecture): an object with the current ``schema_version``, every one of ``fields`` and
    nothing besides them and ``optional``."""
    if not isinstance(data, Mapping):
        raise error(f"{what} must be a JSON object, got {type(data).__name__}")
    version = data.get("schema_version")
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise error(f"{what} schema_version={version!r} is not supported (expected {SCHEMA_VERSION})")
    for field in fields:
        if field not in data:
            raise error(f"{what} JSON is missing the field {field!r}")
    unknown = sorted(set(data) - {"schema_version", *fields, *optional})
    if unknown:
        raise error(f"{what} JSON has an unknown field {unknown[0]!r}; fields: {sorted([*fields, *optional])}")
    return data


def document_space(name: Any) -> CellSpace:
    """The registered space a JSON document names; an unknown name is a `GenomeError` (a bad file)."""
    try:
        return get_space(name)
    except UnknownNameError as exc:
        raise GenomeError(str(exc)) from None


class Genome:
    """An immutable, hashable cell: ``ops[i]`` is the op on ``space.edges[i]``.

    Build one with ``Genome(space, ops, ratio)``, ``space.genome(...)``, `from_graph`,
    `from_json` or `from_nb201`. Equal genomes (same space, ops and ratio) hash equal;
    genomes computing the same function share `key`.

    Args:
        space: the cell space, or the name of a registered one.
        ops: one op per searchable edge, in ``space.edges`` order, or a mapping ``{(u, v): op}``.
        ratio: the expansion ratio, for a space that has ratios (None otherwise).

    Raises:
        GenomeError: a wrong number of ops, an op not in the space's alphabet, or a ratio the space
            does not offer.
    """

    __slots__ = ("_hash", "_key", "ops", "ratio", "space")

    space: CellSpace
    ops: tuple[str, ...]
    ratio: int | None

    def __init__(
        self, space: CellSpace | str, ops: Sequence[str] | Mapping[Edge, str], ratio: int | None = None
    ) -> None:
        space = _resolve_space(space)
        if isinstance(ops, Mapping):
            ops = _ops_from_mapping(space, ops)
        ops = tuple(ops)
        if len(ops) != space.num_edges:
            raise GenomeError(f"space {space.name!r}: expected {space.num_edges} edge ops, got {len(ops)}")
        for edge, op in zip(space.edges, ops):
            space.check_op(op, edge)
        space.check_ratio(ratio)
        self._set(space, ops, space.normalise_ratio(ops, ratio))

    @classmethod
    def _trusted(cls, space: CellSpace, ops: tuple[str, ...], ratio: int | None) -> Genome:
        """Construct without validation (for enumeration inside the package)."""
        g = cls.__new__(cls)
        g._set(space, ops, ratio)
        return g

    def _set(self, space: CellSpace, ops: tuple[str, ...], ratio: int | None) -> None:
        object.__setattr__(self, "space", space)
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "ratio", ratio)
        object.__setattr__(self, "_hash", hash((space.name, ops, ratio)))
        object.__setattr__(self, "_key", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Genome is immutable; cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Genome):
            return NotImplemented
        return self.space.name == other.space.name and self.ops == other.ops and self.ratio == other.ratio

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (Genome._trusted, (self.space, self.ops, self.ratio))

    def __repr__(self) -> str:
        edges = " ".join(f"{u}-{v}:{op}" for (u, v), op in zip(self.space.edges, self.ops))
        ratio = f" e={self.ratio}" if self.ratio is not None else ""
        return f"Genome({self.space.name!r}{ratio} {edges})"

    # ----------------------------------------------------------------------------- views
    @property
    def edge_ops(self) -> dict[Edge, str]:
        """Searchable edge -> op."""
        return dict(zip(self.space.edges, self.ops))

    @property
    def key(self) -> str:
        """Canonical key of the function this cell computes (see `autospace.genome.canonical`)."""
        if self._key is None:
            object.__setattr__(self, "_key", canonical_key(self))
        return self._key

    @property
    def is_zero(self) -> bool:
        """True when the cell computes zero (no non-zero path from source to sink)."""
        return self.key == ZERO_KEY

    def nb201_unique_str(self) -> str:
        """NAS-Bench-201's own unique string (its weaker isomorphism rule)."""
        return nb201_unique_str(self)

    @property
    def graph(self) -> nx.DiGraph:
        """A networkx view: node attribute ``role``, edge attributes ``op`` and ``fixed``."""
        space = self.space
        g = nx.DiGraph(space=space.name, ratio=self.ratio)
        for node, role in space.node_roles().items():
            g.add_node(node, role=role)
        for (u, v), op in zip(space.edges, self.ops):
            g.add_edge(u, v, op=op, fixed=False)
        for u, v, op in space.fixed_edges():
            g.add_edge(u, v, op=op, fixed=True)
        return g

    @classmethod
    def from_graph(cls, graph: nx.DiGraph, space: CellSpace | str) -> Genome:
        """Genome from a networkx DiGraph with an ``op`` on each edge and ``graph.graph['ratio']``.

        Searchable edges absent from the graph take the zero op (when the space has one).

        Args:
            graph: nodes ``0 .. num_nodes - 1``; each edge of the space carries an ``op`` attribute.
            space: the cell space, or the name of a registered one.

        Returns:
            The genome the graph describes.

        Raises:
            GenomeError: the graph has other nodes, a cycle, an edge outside the space or one without an op.
        """
        space = _resolve_space(space)
        nodes = graph.number_of_nodes()
        if nodes != space.num_nodes:
            raise GenomeError(f"space {space.name!r}: graph has {nodes} nodes, expected num_nodes={space.num_nodes}")
        if set(graph.nodes) != set(range(space.num_nodes)):
            raise GenomeError(f"space {space.name!r}: graph nodes must be 0..{space.num_nodes - 1}, got {sorted(graph.nodes)}")
        if not nx.is_directed_acyclic_graph(graph):
            cycle = nx.find_cycle(graph)
            raise GenomeError(f"space {space.name!r}: graph has a cycle: {cycle}")
        fixed = {(u, v): op for u, v, op in space.fixed_edges()}
        ops: dict[Edge, str] = {}
        for u, v, data in graph.edges(data=True):
            if (u, v) in fixed:
                continue
            if (u, v) not in space.edges:
                raise GenomeError(f"space {space.name!r}: edge ({u}, {v}) is not in the space; edges are {space.edges}")
            if "op" not in data:
                raise GenomeError(f"space {space.name!r}: edge ({u}, {v}) has no 'op' attribute")
            ops[(u, v)] = data["op"]
        return cls(space, ops, graph.graph.get("ratio"))

    # ----------------------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The genome as JSON-ready data: ``{"schema_version", "space", "edges": [[u, v, op], ...], "ratio"}``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "space": self.space.name,
            "edges": [[u, v, op] for (u, v), op in zip(self.space.edges, self.ops)],
            "ratio": self.ratio,
        }

    def to_json(self) -> str:
        """The genome as a JSON string (`to_dict`)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any, space: CellSpace | str | None = None) -> Genome:
        """Genome from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.
            space: overrides the space name stored in ``data`` (it must then match it).

        Returns:
            The genome.

        Raises:
            GenomeError: a malformed document, an edge listed twice, or a space other than ``space``.
        """
        check_document(data, "genome", ("space", "edges"), optional=("ratio",))
        resolved = document_space(data["space"]) if space is None else _resolve_space(space)
        if resolved.name != data["space"]:
            raise GenomeError(f"genome JSON has space={data['space']!r}, but space {resolved.name!r} was given")
        edges = data["edges"]
        if not isinstance(edges, list) or not all(_is_edge(e) for e in edges):
            raise GenomeError(f"genome JSON field 'edges' must be a list of [u, v, op], got {edges!r}")
        ops: dict[Edge, str] = {}
        for u, v, op in edges:
            if (u, v) in ops:
                raise GenomeError(f"genome JSON field 'edges' lists edge ({u}, {v}) twice")
            ops[(u, v)] = op
        return cls(resolved, ops, data.get("ratio"))

    @classmethod
    def from_json(cls, text: str, space: CellSpace | str | None = None) -> Genome:
        """Genome from a JSON string written by `to_json`.

        Args:
            text: the JSON document.
            space: as in `from_dict`.

        Returns:
            The genome.

        Raises:
            GenomeError: the text is not JSON or not a genome document.
        """
        return cls.from_dict(loads_json(text, "genome JSON", GenomeError), space)

    # ----------------------------------------------------------------------------- NAS-Bench-201
    @classmethod
    def from_nb201(cls, arch: str, space: CellSpace | str = "nb201") -> Genome:
        """Genome from a NAS-Bench-201 arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

        Args:
            arch: the arch string, as in NAS-Bench-201's tables.
            space: the space to read it into (the ``nb201`` space by default).

        Returns:
            The genome.

        Raises:
            GenomeError: a malformed string, an unknown op or an edge given twice.
        """
        space = _resolve_space(space)
        if not isinstance(arch, str):
            raise GenomeError(f"NB201 arch must be a string, got {type(arch).__name__}")
        ops: dict[Edge, str] = {}
        nodes = arch.split("+")
        if len(nodes) != space.num_nodes - 1:
            raise GenomeError(f"NB201 arch {arch!r}: expected {space.num_nodes - 1} node groups, got {len(nodes)}")
        for target, group in enumerate(nodes, start=1):
            if not (group.startswith("|") and group.endswith("|")):
                raise GenomeError(f"NB201 arch {arch!r}: node group {group!r} must be delimited by '|'")
            for token in group[1:-1].split("|"):
                op, sep, src = token.partition("~")
                if not sep or not src.isdigit():
                    raise GenomeError(f"NB201 arch {arch!r}: malformed edge token {token!r} (expected op~index)")
                edge = (int(src), target)
                if edge not in space.edges:
                    raise GenomeError(f"NB201 arch {arch!r}: edge {edge} is not in space {space.name!r}")
                if edge in ops:
                    raise GenomeError(f"NB201 arch {arch!r}: edge {edge} appears twice")
                ops[edge] = op
        if len(ops) != space.num_edges:
            missing = [e for e in space.edges if e not in ops]
            raise GenomeError(f"NB201 arch {arch!r}: edges {missing} are missing")
        return cls(space, ops)

    def to_nb201(self) -> str:
        """The NAS-Bench-201 arch string of this genome."""
        if self.space.has_ratio or self.space.io_nodes:
            raise GenomeError(f"space {self.space.name!r} has no NB201 arch string (it has IO nodes or ratios)")
        groups = []
        by_edge = self.edge_ops
        for target in range(1, self.space.num_nodes):
            tokens = [f"{by_edge[(src, target)]}~{src}" for src in range(target) if (src, target) in by_edge]
            groups.append("|" + "|".join(tokens) + "|")
        return "+".join(groups)


def _is_edge(item: Any) -> bool:
    """``[u, v, op]`` with integer nodes and a string op."""
    return (isinstance(item, list) and len(item) == 3 and isinstance(item[2], str)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in item[:2]))


def _ops_from_mapping(space: CellSpace, ops: Mapping[Edge, str]) -> tuple[str, ...]:
    for edge in ops:
        if tuple(edge) not in space.edges:
            raise GenomeError(f"space {space.name!r}: edge {tuple(edge)} is not in the space; edges are {space.edges}")
    missing = [e for e in space.edges if e not in ops]
    if missing and space.zero_op is None:
        raise GenomeError(f"space {space.name!r}: edges {missing} have no op and the space has no zero op")
    return tuple(ops.get(e, space.zero_op) for e in space.edges)  # type: ignore[misc]
