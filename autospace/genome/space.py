"""`CellSpace`: the set of cells one searchable layer may take: nodes, searchable edges (in encoding
order), an op alphabet and optional expansion ratios — plain data, so a user's space is one constructor call."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from autospace.errors import GenomeError
from autospace.genome.distance import mean_pairwise_hamming
from autospace.genome.genome import Genome

Edge = tuple[int, int]
RngLike = np.random.Generator | int | None


def as_rng(rng: RngLike) -> np.random.Generator:
    """A numpy Generator from a Generator, a seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


@dataclass(frozen=True)
class CellSpace:
    """A cell search space: a DAG over ``num_nodes`` nodes with one op per searchable edge.

    Args:
        name: unique name; genomes are serialised with it.
        num_nodes: number of nodes, numbered ``0 .. num_nodes - 1`` in topological order.
        edges: the searchable edges ``(u, v)`` with ``u < v``, in encoding order.
        ops: the op alphabet of every searchable edge.
        ratios: expansion ratios a genome may take; empty when the space has none.
        source: node that receives the cell's input (after the expand node, if any).
        sink: node whose value leaves the cell (before the project node, if any).
        io_nodes: True when a fixed input node (1x1 expand, ``0 -> source``) and output node
            (1x1 project, ``sink -> num_nodes - 1``) surround the searchable DAG.
        zero_op: the op that contributes nothing (``None`` if the space has none).
        identity_op: the op that passes its input on unchanged (``None`` if none).
        aggregation: how a node combines its incoming edges (``"sum"``).
        single_zero_cell: when True, a cell whose edges are all ``zero_op`` computes zero
            whatever its ratio, so it counts once, with ``ratios[0]`` (the IRB "skip" choice).
    """

    name: str
    num_nodes: int
    edges: tuple[Edge, ...]
    ops: tuple[str, ...]
    ratios: tuple[int, ...] = ()
    source: int = 0
    sink: int = -1
    io_nodes: bool = False
    zero_op: str | None = None
    identity_op: str | None = None
    aggregation: str = "sum"
    single_zero_cell: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", tuple((int(u), int(v)) for u, v in self.edges))
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "ratios", tuple(int(r) for r in self.ratios))
        if self.sink < 0:
            object.__setattr__(self, "sink", self.num_nodes + self.sink - (1 if self.io_nodes else 0))
        self._validate()

    def _validate(self) -> None:
        if not self.name:
            raise GenomeError("space name must be a non-empty string, got ''")
        if self.num_nodes < 2:
            raise GenomeError(f"space {self.name!r}: num_nodes must be >= 2, got {self.num_nodes}")
        if not self.edges:
            raise GenomeError(f"space {self.name!r}: edges must not be empty")
        if len(set(self.edges)) != len(self.edges):
            raise GenomeError(f"space {self.name!r}: edges contain a duplicate: {self.edges}")
        for u, v in self.edges:
            if not (0 <= u < v < self.num_nodes):
                raise GenomeError(
                    f"space {self.name!r}: edge ({u}, {v}) must satisfy 0 <= u < v < num_nodes={self.num_nodes}"
                )
        if not self.ops or len(set(self.ops)) != len(self.ops):
            raise GenomeError(f"space {self.name!r}: ops must be non-empty and unique, got {self.ops}")
        for field_name in ("zero_op", "identity_op"):
            op = getattr(self, field_name)
            if op is not None and op not in self.ops:
                raise GenomeError(f"space {self.name!r}: {field_name}={op!r} is not one of ops {self.ops}")
        if any(r < 1 for r in self.ratios) or len(set(self.ratios)) != len(self.ratios):
            raise GenomeError(f"space {self.name!r}: ratios must be unique positive integers, got {self.ratios}")
        if self.aggregation != "sum":
            raise GenomeError(f"space {self.name!r}: aggregation={self.aggregation!r} is not supported (use 'sum')")
        if self.single_zero_cell and (self.zero_op is None or not self.ratios):
            raise GenomeError(f"space {self.name!r}: single_zero_cell needs a zero_op and ratios")
        inner = {n for e in self.edges for n in e}
        for field_name in ("source", "sink"):
            node = getattr(self, field_name)
            if node not in inner:
                raise GenomeError(f"space {self.name!r}: {field_name}={node} is not on any searchable edge")
        if self.io_nodes and (self.source == 0 or self.sink == self.num_nodes - 1):
            raise GenomeError(
                f"space {self.name!r}: with io_nodes, node 0 and node {self.num_nodes - 1} are the fixed "
                f"input/output nodes; source={self.source} and sink={self.sink} must be inner nodes"
            )

    # ----------------------------------------------------------------------------- structure
    @property
    def num_edges(self) -> int:
        return len(self.edges)

    @property
    def has_ratio(self) -> bool:
        return bool(self.ratios)

    @property
    def encoding_width(self) -> int:
        """Columns of `encode`: one per edge, plus one for the ratio when the space has one."""
        return self.num_edges + (1 if self.has_ratio else 0)

    @property
    def size(self) -> int:
        """Number of distinct genomes in the space."""
        raw = len(self.ops) ** self.num_edges * max(1, len(self.ratios))
        if self.single_zero_cell:
            raw -= len(self.ratios) - 1
        return raw

    @property
    def distinct_size(self) -> int:
        """Number of canonical classes (cells computing distinct functions): one pass over the
        space, done once per space and process (`_distinct_size`)."""
        return _distinct_size(self)

    def node_roles(self) -> dict[int, str]:
        """Role of each node: ``input``, ``output`` or ``inner``."""
        roles = {n: "inner" for n in range(self.num_nodes)}
        if self.io_nodes:
            roles[0], roles[self.num_nodes - 1] = "input", "output"
        else:
            roles[self.source], roles[self.sink] = "input", "output"
        return roles

    def fixed_edges(self) -> tuple[tuple[int, int, str], ...]:
        """Edges that are not searched: the expand and project edges of a space with io_nodes."""
        if not self.io_nodes:
            return ()
        return ((0, self.source, "expand"), (self.sink, self.num_nodes - 1, "project"))

    def dag(self) -> nx.DiGraph:
        """The space's full graph (fixed and searchable edges) without ops."""
        g = nx.DiGraph()
        g.add_nodes_from(range(self.num_nodes))
        g.add_edges_from(self.edges)
        g.add_edges_from((u, v) for u, v, _ in self.fixed_edges())
        return g

    # ----------------------------------------------------------------------------- validation
    def check_op(self, op: str, edge: Edge) -> None:
        if op not in self.ops:
            raise GenomeError(f"space {self.name!r}: unknown op {op!r} on edge {edge}; expected one of {self.ops}")

    def check_ratio(self, ratio: int | None) -> None:
        if not self.has_ratio:
            if ratio is not None:
                raise GenomeError(f"space {self.name!r} has no expansion ratio, got ratio={ratio!r}")
            return
        if ratio not in self.ratios:
            raise GenomeError(f"space {self.name!r}: ratio={ratio!r} is out of range; expected one of {self.ratios}")

    def is_all_zero(self, ops: Sequence[str]) -> bool:
        return self.zero_op is not None and all(op == self.zero_op for op in ops)

    def normalise_ratio(self, ops: Sequence[str], ratio: int | None) -> int | None:
        """The ratio a genome with these ops stores (the single zero cell has ``ratios[0]``).

        Args:
            ops: the genome's ops, in edge order.
            ratio: the ratio given.

        Returns:
            The ratio to store.
        """
        if self.single_zero_cell and self.is_all_zero(ops):
            return self.ratios[0]
        return ratio

    # ----------------------------------------------------------------------------- genomes
    def genome(self, ops: Sequence[str] | dict[Edge, str], ratio: int | None = None) -> Genome:
        """A validated genome of this space.

        Args:
            ops: a sequence in edge order, or a mapping ``{(u, v): op}``.
            ratio: the expansion ratio, for a space that has ratios.

        Returns:
            The genome.

        Raises:
            GenomeError: an op or ratio the space does not offer.
        """
        return Genome(self, ops, ratio)

    def _make(self, ops: tuple[str, ...], ratio: int | None) -> Genome:
        return Genome._trusted(self, ops, self.normalise_ratio(ops, ratio))

    def enumerate(self) -> Iterator[Genome]:
        """Every genome of the space, once, in a fixed order."""
        ratios: Iterable[int | None] = self.ratios if self.has_ratio else (None,)
        for ops in itertools.product(self.ops, repeat=self.num_edges):
            if self.single_zero_cell and self.is_all_zero(ops):
                yield self._make(ops, self.ratios[0])
                continue
            for ratio in ratios:
                yield self._make(ops, ratio)

    def sample(self, rng: RngLike = None) -> Genome:
        """One genome drawn uniformly from the space.

        Args:
            rng: a numpy ``Generator``, a seed, or None (a fresh unseeded generator).

        Returns:
            The genome.
        """
        rng = as_rng(rng)
        n_ops, n_ratios = len(self.ops), max(1, len(self.ratios))
        raw = n_ops**self.num_edges * n_ratios
        while True:
            # one draw over the whole product, decoded in mixed radix (one numpy call per genome)
            index = int(rng.integers(raw))
            index, ratio_index = divmod(index, n_ratios)
            digits = []
            for _ in range(self.num_edges):
                index, digit = divmod(index, n_ops)
                digits.append(self.ops[digit])
            ops = tuple(digits)
            ratio = self.ratios[ratio_index] if self.has_ratio else None
            if self.single_zero_cell and self.is_all_zero(ops) and ratio != self.ratios[0]:
                continue  # rejection keeps the single zero cell at probability 1 / size
            return self._make(ops, ratio)

    def neighbors(self, genome: Genome) -> list[Genome]:
        """All distinct genomes one edit away: one edge's op or the ratio changed.

        Args:
            genome: a genome of this space.

        Returns:
            The neighbours, in a fixed order.

        Raises:
            GenomeError: the genome belongs to another space.
        """
        self.check_member(genome)
        seen: dict[Genome, None] = {}
        for i in range(self.num_edges):
            for op in self.ops:
                if op != genome.ops[i]:
                    ops = genome.ops[:i] + (op,) + genome.ops[i + 1 :]
                    seen.setdefault(self._make(ops, genome.ratio), None)
        for ratio in self.ratios:
            if ratio != genome.ratio:
                seen.setdefault(self._make(genome.ops, ratio), None)
        seen.pop(genome, None)
        return list(seen)

    def mutate(self, genome: Genome, rng: RngLike = None) -> Genome:
        """One random edit of ``genome``: a uniformly drawn neighbour.

        Args:
            genome: a genome of this space.
            rng: a numpy ``Generator``, a seed, or None.

        Returns:
            A neighbour of ``genome``.

        Raises:
            GenomeError: the genome belongs to another space.
        """
        rng = as_rng(rng)
        options = self.neighbors(genome)
        return options[int(rng.integers(len(options)))]

    def check_member(self, genome: Genome) -> None:
        if genome.space.name != self.name:
            raise GenomeError(f"genome of space {genome.space.name!r} used with space {self.name!r}")

    # ----------------------------------------------------------------------------- encoding
    def encode(self, genomes: Iterable[Genome]) -> np.ndarray:
        """Integer matrix, one row per genome: op index per edge, then the ratio index.

        Args:
            genomes: genomes of this space.

        Returns:
            An array of shape ``(len(genomes), encoding_width)``.

        Raises:
            GenomeError: a genome of another space.
        """
        op_index = {op: i for i, op in enumerate(self.ops)}
        ratio_index = {r: i for i, r in enumerate(self.ratios)}
        rows = []
        for g in genomes:
            self.check_member(g)
            row = [op_index[op] for op in g.ops]
            if self.has_ratio:
                row.append(ratio_index[g.ratio])
            rows.append(row)
        return np.asarray(rows, dtype=np.int8).reshape(len(rows), self.encoding_width)

    def diversity(self, genomes: Iterable[Genome]) -> float:
        """A population's diversity: the mean Hamming distance between the `encode` rows of its pairs.

        Args:
            genomes: the population.

        Returns:
            The mean pairwise Hamming distance (0.0 for fewer than two genomes).
        """
        return mean_pairwise_hamming(self.encode(genomes))

    def decode(self, encoded: np.ndarray) -> list[Genome]:
        """Genomes from rows of `encode`.

        Args:
            encoded: an array of `encode` rows.

        Returns:
            One genome per row.

        Raises:
            GenomeError: rows of the wrong width.
        """
        encoded = np.atleast_2d(np.asarray(encoded))
        if encoded.shape[1] != self.encoding_width:
            raise GenomeError(
                f"space {self.name!r}: encoded width {encoded.shape[1]} != encoding_width {self.encoding_width}"
            )
        out = []
        for row in encoded:
            ops = tuple(self.ops[int(i)] for i in row[: self.num_edges])
            ratio = self.ratios[int(row[-1])] if self.has_ratio else None
            out.append(self.genome(ops, self.normalise_ratio(ops, ratio)))
        return out

    def describe(self) -> dict[str, object]:
        """Plain-data summary of the space (for `autospace space info`)."""
        return {
            "name": self.name,
            "size": self.size,
            "num_nodes": self.num_nodes,
            "edges": [list(e) for e in self.edges],
            "ops": list(self.ops),
            "ratios": list(self.ratios),
            "io_nodes": self.io_nodes,
            "aggregation": self.aggregation,
        }


@functools.cache
def _distinct_size(space: CellSpace) -> int:
    return len({genome.key for genome in space.enumerate()})

