"""Motifs: the sub-structures that recur in a learned space's cells (the paper's Fig. 4).

A motif is a weakly connected subgraph of 1 to ``max_edges`` live edges of a cell, with the op on
every edge and the role of every node: ``in`` (the cell's source node), ``out`` (its sink) or
``inner``. Only live edges count (`live_edges`: dead and zero edges compute nothing); the fixed
expand / project edges are in every cell and are left out. Motifs are structural: two cells
with the same function (canonical key) but different graphs, e.g. through an ``identity`` edge,
can hold different motifs.

Two subgraphs are one motif when they are isomorphic as directed graphs with the same node roles
and edge ops: networkx's Weisfeiler-Lehman hash buckets them, `networkx.is_isomorphic` (node and
edge match) decides within a bucket. `mine_motifs` counts, for every motif, the learned cells and
layers that hold it, and the same share among cells drawn uniformly at random from the cells'
own space; the ratio of the two shares is its enrichment.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from networkx.algorithms.isomorphism import categorical_edge_match, categorical_node_match

from autospace.errors import GenomeError
from autospace.genome.liveness import live_edges

if TYPE_CHECKING:
    from autospace.genome.genome import Genome
    from autospace.genome.space import CellSpace, Edge

MotifEdge = tuple[int, int, str]
"""``(u, v, op)``: an edge of a motif or of a cell."""

_NODE_MATCH = categorical_node_match("role", None)
_EDGE_MATCH = categorical_edge_match("op", None)


@dataclass(frozen=True)
class Motif:
    """One motif and its support.

    ``edges`` and ``roles`` are a representative: nodes ``0..n-1`` in topological order of its
    first occurrence.

    Attributes:
        edges: the representative's edges ``(u, v, op)``.
        roles: ``roles[i]`` is the role of node ``i``: ``in`` (the searchable DAG's source), ``out``
            (its sink) or ``inner``.
        cells: how many learned cells hold the motif (of ``total``).
        total: the number of learned cells.
        layers: the layers in which at least one cell holds it.
        random_cells: how many cells of the random sample hold it (of ``random_total``).
        random_total: the size of the random sample.
        found_in: each learned cell that holds it, as ``(layer, rank, cell edges of its first
            occurrence)``.
    """

    edges: tuple[MotifEdge, ...]
    roles: tuple[str, ...]
    cells: int
    total: int
    layers: tuple[int, ...]
    random_cells: int
    random_total: int
    found_in: tuple[tuple[int, int, tuple[Edge, ...]], ...]

    @property
    def size(self) -> int:
        """Number of edges."""
        return len(self.edges)

    @property
    def share(self) -> float:
        """Share of the learned cells that hold the motif."""
        return self.cells / self.total

    @property
    def random_share(self) -> float:
        """Share of the random cells that hold the motif."""
        return self.random_cells / self.random_total

    @property
    def enrichment(self) -> float:
        """``share / random_share``; ``inf`` when no random cell holds the motif."""
        return self.share / self.random_share if self.random_cells else math.inf

    @property
    def graph(self) -> nx.DiGraph:
        """The representative as a DiGraph: node attribute ``role``, edge attribute ``op``."""
        return _motif_graph(self.edges, self.roles)

    def describe(self) -> str:
        """The edges as text, inner nodes named a, b, ... in order: ``in -conv1x1-> a, a -dwconv3x3-> out``."""
        inner = iter("abcdefghijklmnopqrstuvwxyz")
        names = [role if role in ("in", "out") else next(inner) for role in self.roles]
        return ", ".join(f"{names[u]} -{op}-> {names[v]}" for u, v, op in self.edges)


@dataclass(frozen=True)
class MotifTable:
    """The result of `mine_motifs`.

    Attributes:
        motifs: every motif found, most supported first (then more edges, higher enrichment, then
            by `Motif.describe`).
        space: the name of the cells' space.
        cells: the number of learned cells counted.
        layers: the number of layers they come from.
        random_cells: the size of the random sample of ``space``.
        seed: the seed the random sample was drawn with.
        max_edges: the largest motif size mined.
    """

    motifs: tuple[Motif, ...]
    space: str
    cells: int
    layers: int
    random_cells: int
    seed: int
    max_edges: int

    def of_size(self, size: int) -> list[Motif]:
        """The motifs with ``size`` edges, in table order.

        Args:
            size: the number of edges (1 to ``max_edges``).

        Returns:
            The motifs of that size, most supported first.
        """
        return [m for m in self.motifs if m.size == size]


def mine_motifs(
    layers: Sequence[Sequence[Genome]], *, max_edges: int = 3, random_cells: int = 1000, seed: int = 0
) -> MotifTable:
    """Count the motifs of ``layers`` (each layer's cells, e.g. a learned space's top-K).

    Every motif of 1 to ``max_edges`` edges found in any cell is listed with its support: the
    cells that hold it (a cell counts once however many times it holds the motif; a cell that
    appears in several layers counts once per layer), the layers where at least one cell does,
    and the number of ``random_cells`` cells drawn uniformly from the cells' space with
    ``numpy.random.default_rng(seed)`` that hold it (its enrichment is the learned share over the
    random share).

    Args:
        layers: the cells of each layer, all from one space.
        max_edges: the largest motif, in edges.
        random_cells: the size of the random baseline sample.
        seed: the seed of the random sample.

    Returns:
        The table of motifs with their support and enrichment.

    Raises:
        GenomeError: no cells, cells of several spaces, or a size below 1.
    """
    if max_edges < 1:
        raise GenomeError(f"mine_motifs: max_edges must be >= 1, got {max_edges}")
    if random_cells < 1:
        raise GenomeError(f"mine_motifs: random_cells must be >= 1, got {random_cells}")
    cells = [(layer, rank, g) for layer, entries in enumerate(layers) for rank, g in enumerate(entries)]
    if not cells:
        raise GenomeError("mine_motifs: no cells")
    spaces = {g.space.name for _, _, g in cells}
    if len(spaces) > 1:
        raise GenomeError(f"mine_motifs: cells come from several spaces: {sorted(spaces)}")
    space = cells[0][2].space
    catalog = _Catalog()
    found: dict[int, list[tuple[int, int, tuple[Edge, ...]]]] = {}
    for layer, rank, genome in cells:
        for motif, occurrence in _cell_motifs(genome, max_edges, catalog).items():
            found.setdefault(motif, []).append((layer, rank, occurrence))
    rng = np.random.default_rng(seed)
    in_random = dict.fromkeys(found, 0)
    for _ in range(random_cells):
        for motif in _cell_motifs(space.sample(rng), max_edges, catalog):
            if motif in in_random:
                in_random[motif] += 1
    motifs = [
        Motif(catalog.edges[m], catalog.roles[m], len(where), len(cells),
              tuple(sorted({layer for layer, _, _ in where})), in_random[m], random_cells, tuple(where))
        for m, where in found.items()
    ]
    motifs.sort(key=lambda m: (-m.cells, -m.size, -m.enrichment, m.describe()))
    return MotifTable(tuple(motifs), space.name, len(cells), len(layers), random_cells, seed, max_edges)


class _Catalog:
    """Motif ids by isomorphism class: WL-hash buckets, `nx.is_isomorphic` inside a bucket,
    memoised by the concrete (space, edges) of a subgraph."""

    def __init__(self) -> None:
        self.edges: list[tuple[MotifEdge, ...]] = []
        self.roles: list[tuple[str, ...]] = []
        self._graphs: list[nx.DiGraph] = []
        self._buckets: dict[str, list[int]] = {}
        self._seen: dict[tuple[str, tuple[MotifEdge, ...]], int] = {}

    def motif_id(self, space: CellSpace, edges: tuple[MotifEdge, ...]) -> int:
        """The id of the motif of the subgraph ``edges`` of a cell of ``space`` (new if unseen)."""
        memo = (space.name, edges)
        if memo in self._seen:
            return self._seen[memo]
        roles = _roles(space)
        graph = nx.DiGraph()
        for u, v, op in edges:
            graph.add_node(u, role=roles[u])
            graph.add_node(v, role=roles[v])
            graph.add_edge(u, v, op=op)
        with warnings.catch_warnings():  # networkx >= 3.5 warns that directed hashes changed (ours are never stored)
            warnings.filterwarnings("ignore", message="The hashes produced for directed graphs changed")
            digest = nx.weisfeiler_lehman_graph_hash(graph, edge_attr="op", node_attr="role")
        bucket = self._buckets.setdefault(digest, [])
        for motif in bucket:
            if nx.is_isomorphic(self._graphs[motif], graph, node_match=_NODE_MATCH, edge_match=_EDGE_MATCH):
                break
        else:
            motif = len(self._graphs)
            order = {n: i for i, n in enumerate(nx.lexicographical_topological_sort(graph))}
            self.edges.append(tuple(sorted((order[u], order[v], op) for u, v, op in edges)))
            self.roles.append(tuple(graph.nodes[n]["role"] for n in sorted(order, key=order.get)))
            self._graphs.append(graph)
            bucket.append(motif)
        self._seen[memo] = motif
        return motif


def _cell_motifs(genome: Genome, max_edges: int, catalog: _Catalog) -> dict[int, tuple[Edge, ...]]:
    """Motif id -> the cell edges of its first occurrence in ``genome``, for each motif it holds."""
    live = {(u, v): op for u, v, op in live_edges(genome)}
    out: dict[int, tuple[Edge, ...]] = {}
    for subset in _connected_subsets(genome.space, max_edges):
        if all(edge in live for edge in subset):
            motif = catalog.motif_id(genome.space, tuple((u, v, live[(u, v)]) for u, v in subset))
            out.setdefault(motif, subset)
    return out


@lru_cache(maxsize=64)
def _connected_subsets(space: CellSpace, max_edges: int) -> tuple[tuple[Edge, ...], ...]:
    """Every weakly connected set of 1 to ``max_edges`` searchable edges of ``space``, smallest first."""
    dag = nx.DiGraph(space.edges)
    return tuple(
        subset
        for size in range(1, min(max_edges, space.num_edges) + 1)
        for subset in itertools.combinations(space.edges, size)
        if nx.is_weakly_connected(dag.edge_subgraph(subset))
    )


def _roles(space: CellSpace) -> dict[int, str]:
    """Node -> ``in`` (the source), ``out`` (the sink) or ``inner``."""
    return {n: "in" if n == space.source else "out" if n == space.sink else "inner" for n in range(space.num_nodes)}


def _motif_graph(edges: Sequence[MotifEdge], roles: Sequence[str]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from((n, {"role": role}) for n, role in enumerate(roles))
    graph.add_edges_from((u, v, {"op": op}) for u, v, op in edges)
    return graph
