"""`WDG`: LCMNAS's weighted directed graph of one model — nodes are layer types plus START and END,
edge weights count the transitions between consecutive layers, and every node type keeps the
frequency counts of its hyper-parameter values (its "hidden states"). Pure Python: no torch.

JSON (docs/formats.md)::

    {"schema_version": 1, "name": "resnet18",
     "transitions": {"START": {"Conv2d": 1}, "Conv2d": {"BatchNorm2d": 20}, ...},
     "params": {"Conv2d": {"out_channels": [[64, 7], [128, 5]], "kernel_size": [[3, 16], [1, 3]]}, ...},
     "skipped": {"Flatten": 1}}

``params`` lists ``[value, count]`` pairs (JSON objects cannot have numeric keys); ``skipped``
counts the layers of a source model outside the macro genome's vocabulary (`LAYER_FIELDS`),
which are left out of the chain.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from autospace.atomic import write_json
from autospace.errors import GenomeError
from autospace.genome.genome import check_document, load_document
from autospace.macro.genome import MacroGenome
from autospace.macro.layers import LAYER_FIELDS, LayerSpec, field_problem

START, END = "START", "END"

Value = int | float


@dataclass(frozen=True)
class WDG:
    """One model's weighted directed graph (module docstring).

    Build with `from_layers`, `from_genome`, `autospace.macro.extract.extract_wdg` or `from_dict`.

    Attributes:
        name: the source model's name.
        transitions: ``transitions[u][v]``: how often layer type ``v`` follows ``u`` (with the
            ``START`` and ``END`` nodes).
        params: ``params[type][field][value]``: how often a layer of ``type`` has that value.
        skipped: leaf module types outside the vocabulary, with their counts.
    """

    name: str
    transitions: dict[str, dict[str, int]]
    params: dict[str, dict[str, dict[Value, int]]]
    skipped: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_layers(cls, name: str, layers: Iterable[LayerSpec], skipped: Mapping[str, int] | None = None) -> WDG:
        """The WDG of a layer sequence: START -> first layer type -> ... -> END.

        Args:
            name: the WDG's name.
            layers: the layers, in order.
            skipped: module types left out, with their counts.

        Returns:
            The WDG.
        """
        transitions: dict[str, Counter[str]] = {}
        params: dict[str, dict[str, Counter[Value]]] = {}
        previous = START
        for layer in layers:
            transitions.setdefault(previous, Counter())[layer.type] += 1
            fields = params.setdefault(layer.type, {name: Counter() for name in LAYER_FIELDS[layer.type]})
            for key, value in layer.params:
                fields[key][value] += 1
            previous = layer.type
        transitions.setdefault(previous, Counter())[END] += 1
        return cls(name, {u: dict(c) for u, c in transitions.items()},
                   {t: {f: dict(c) for f, c in fs.items()} for t, fs in params.items()}, dict(skipped or {}))

    @classmethod
    def from_genome(cls, genome: MacroGenome, name: str = "genome") -> WDG:
        """The WDG of a macro genome's chain (what LCMNAS re-extracts for every child).

        Args:
            genome: the network.
            name: the WDG's name.

        Returns:
            The WDG.
        """
        return cls.from_layers(name, genome.layers)

    @property
    def nodes(self) -> set[str]:
        """Every node: layer types, START and END."""
        return set(self.transitions) | {v for out in self.transitions.values() for v in out}

    def successors(self, node: str) -> dict[str, int]:
        """Out-edges of ``node`` with their counts.

        Args:
            node: a layer type, ``START`` or ``END``.

        Returns:
            ``{successor: count}`` (empty for END or a node the model lacks).
        """
        return self.transitions.get(node, {})

    def values(self, layer_type: str, name: str) -> dict[Value, int]:
        """The counts of each value of a layer type's field.

        Args:
            layer_type: a layer type.
            name: one of its fields.

        Returns:
            ``{value: count}`` (empty when unseen).
        """
        return self.params.get(layer_type, {}).get(name, {})

    @property
    def graph(self) -> nx.DiGraph:
        """A networkx view: edge attribute ``weight`` (the count), node attribute ``params``."""
        g = nx.DiGraph(name=self.name)
        for node in sorted(self.nodes):
            g.add_node(node, params=self.params.get(node, {}))
        for u, out in self.transitions.items():
            for v, count in out.items():
                g.add_edge(u, v, weight=count)
        return g

    # ----------------------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The WDG as JSON-ready data."""
        return {
            "schema_version": 1,
            "name": self.name,
            "transitions": self.transitions,
            "params": {t: {f: [[v, c] for v, c in counts.items()] for f, counts in fs.items()}
                       for t, fs in self.params.items()},
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, data: Any) -> WDG:
        """WDG from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.

        Returns:
            The WDG.

        Raises:
            GenomeError: a malformed document; the message names the field.
        """
        check_document(data, "WDG", ("name", "transitions", "params"), optional=("skipped",))
        name, transitions, params = data["name"], data["transitions"], data["params"]
        if not isinstance(name, str):
            raise GenomeError(f"WDG field 'name' must be a string, got {name!r}")
        if not isinstance(transitions, Mapping):
            raise GenomeError(f"WDG field 'transitions' must be an object, got {transitions!r}")
        known = set(LAYER_FIELDS) | {START, END}
        for u, out in transitions.items():
            if u not in known or u == END or not isinstance(out, Mapping):
                raise GenomeError(f"WDG field 'transitions': node {u!r} must be START or a layer type "
                                  f"with an object of successors")
            for v, count in out.items():
                if v not in known or v == START or not _count(count):
                    raise GenomeError(f"WDG field 'transitions': edge {u!r} -> {v!r} with count {count!r} "
                                      "must lead to a layer type or END with a positive int count")
        if not isinstance(params, Mapping):
            raise GenomeError(f"WDG field 'params' must be an object, got {params!r}")
        parsed: dict[str, dict[str, dict[Value, int]]] = {}
        for t, fields in params.items():
            if t not in LAYER_FIELDS or not isinstance(fields, Mapping) or set(fields) - set(LAYER_FIELDS[t]):
                raise GenomeError(f"WDG field 'params': {t!r} must be a layer type with an object of its fields")
            parsed[t] = {}
            for f, pairs in fields.items():
                if not isinstance(pairs, list) or not all(_pair(p) for p in pairs):
                    raise GenomeError(f"WDG field 'params': {t}.{f} must be a list of [value, count] pairs")
                for value, _ in pairs:
                    problem = field_problem(f, value)
                    if problem is not None:
                        raise GenomeError(f"WDG field 'params': {t}.{f} holds the value {value!r}; it must be {problem}")
                parsed[t][f] = {v: c for v, c in pairs}
        skipped = data.get("skipped", {})
        if not isinstance(skipped, Mapping) or not all(_count(c) for c in skipped.values()):
            raise GenomeError(f"WDG field 'skipped' must be an object of positive int counts, got {skipped!r}")
        wdg = cls(name, {u: dict(out) for u, out in transitions.items()}, parsed, dict(skipped))
        wdg.check_walkable()
        return wdg

    def check_walkable(self) -> None:
        """A walk can start, end and draw every node it reaches: a path from START to END, and the
        values of every field of every layer type on the way (a `GenomeError` naming what lacks)."""
        graph = self.graph
        if START not in graph or END not in graph or not nx.has_path(graph, START, END):
            raise GenomeError(f"WDG field 'transitions' of {self.name!r} has no path from START to END")
        for node in nx.descendants(graph, START) - {END}:
            for f in LAYER_FIELDS[node]:
                if not self.values(node, f):
                    raise GenomeError(f"WDG field 'params' of {self.name!r} has no value of {node}.{f}, a node "
                                      "the walk reaches")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write as JSON, atomically.

        Args:
            path: the file.
        """
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> WDG:
        """Read a WDG JSON file.

        Args:
            path: the file (``autospace macro extract`` writes them).

        Returns:
            The WDG.

        Raises:
            GenomeError: a malformed file; the message names it.
        """
        return load_document(path, "WDG", cls.from_dict)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _pair(item: Any) -> bool:
    return (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (int, float))
            and not isinstance(item[0], bool) and _count(item[1]))
