"""Canonical keys: two genomes that compute the same function share a key.

The algebra (docs/architecture.md): a zero edge contributes nothing; a node with no non-zero input is
zero and any op applied to zero is zero; identity passes its input's value on unchanged; a
node's value is the multiset of its incoming terms (sums are commutative and associative, so
nested sums are flattened); an op applied to a sum is one atomic term. The key of a cell is
the sorted term list of its sink node, prefixed by the expansion ratio where the space has
one. A cell whose sink is zero has the key ``"zero"`` whatever its ratio: it computes zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autospace.genome.liveness import live_edges

if TYPE_CHECKING:
    from autospace.genome.genome import Genome

ZERO_KEY = "zero"


def _node_terms(genome: Genome) -> dict[int, tuple[str, ...]]:
    """Value of every node on a live path as a sorted tuple of terms (dead nodes are zero and absent)."""
    values: dict[int, list[str]] = {genome.space.source: ["x"]}
    identity = genome.space.identity_op
    for u, v, op in live_edges(genome):  # topological order: a node's inputs are complete first
        value = sorted(values[u])
        terms = values.setdefault(v, [])
        if op == identity:
            terms.extend(value)
        else:
            terms.append(f"{op}({'+'.join(value)})")
    return {node: tuple(sorted(terms)) for node, terms in values.items()}


def canonical_key(genome: Genome) -> str:
    """The canonical key of ``genome`` under the functional algebra above.

    Args:
        genome: a cell of any space.

    Returns:
        The key: equal for two genomes that compute the same function, ``"zero"`` for a cell
        whose sink receives nothing.
    """
    sink = _node_terms(genome).get(genome.space.sink, ())
    if not sink:
        return ZERO_KEY
    expr = "+".join(sink)
    return f"e{genome.ratio}:{expr}" if genome.ratio is not None else expr


def nb201_unique_str(genome: Genome) -> str:
    """NAS-Bench-201's ``Structure.to_unique_str(consider_zero=True)`` on this genome.

    Its rule is weaker than `canonical_key`: a zero edge becomes a ``#`` term that stays in
    the sum, a node is zero only when an edge's op is ``none`` or its input is literally
    ``#``, and the string of a sum is not flattened when passed on by ``skip_connect``.
    """
    space = genome.space
    incoming: dict[int, list[tuple[int, str]]] = {}
    for (u, v), op in zip(space.edges, genome.ops):
        incoming.setdefault(v, []).append((u, op))
    nodes: dict[int, str] = {space.source: "0"}
    for node in sorted(incoming):
        parts = []
        for u, op in incoming[node]:
            if op == space.zero_op or nodes[u] == "#":
                parts.append("#")
            elif op == space.identity_op:
                parts.append(nodes[u])
            else:
                parts.append(f"({nodes[u]})@{op}")
        nodes[node] = "+".join(sorted(parts))
    return nodes[space.sink]
