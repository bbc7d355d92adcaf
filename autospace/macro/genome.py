"""`MacroGenome`: a whole network as a chain of layers (LCMNAS's macro search), on the same
footing as a cell `Genome`: immutable, hashable, validated (errors name the layer and field),
JSON with the schema version, a networkx view and a canonical key. Pure Python: no torch.

JSON (docs/formats.md)::

    {"schema_version": 1, "input_shape": [3, 32, 32], "num_classes": 10,
     "layers": [{"type": "Conv2d", "out_channels": 16, "kernel_size": 3}, {"type": "ReLU"}, ...]}

A valid genome's shapes all check (`LayerSpec.out_shape`) and its last layer is the classifier:
a Linear with ``out_features == num_classes``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import networkx as nx

from autospace.errors import GenomeError
from autospace.files import loads_json
from autospace.genome.genome import check_document
from autospace.macro.layers import MAX_SIZE, LayerSpec, Shape

FIELDS = ("input_shape", "num_classes", "layers")


def _check_input_shape(shape: Any) -> Shape:
    if not (isinstance(shape, (list, tuple)) and len(shape) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SIZE for v in shape)):
        raise GenomeError(f"macro genome field 'input_shape'={shape!r} must be [channels, height, width] of positive "
                          f"ints up to {MAX_SIZE:,}")
    return tuple(shape)


class MacroGenome:
    """An immutable, hashable network: a chain of layers ending in a ``num_classes``-way Linear.

    Equal genomes hash equal; genomes computing the same function share `key`.

    Args:
        layers: the `LayerSpec` s, in order; the last is the classifier Linear.
        input_shape: ``(c, h, w)`` of the input.
        num_classes: the classifier's outputs.

    Raises:
        GenomeError: a malformed layer, a layer that cannot take its input's shape, or no classifier
            last; the message names the layer and field.
    """

    __slots__ = ("_hash", "_key", "_shapes", "input_shape", "layers", "num_classes")

    layers: tuple[LayerSpec, ...]
    input_shape: Shape
    num_classes: int

    def __init__(self, layers: Sequence[LayerSpec], input_shape: Sequence[int], num_classes: int) -> None:
        input_shape = _check_input_shape(input_shape)
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or not 1 <= num_classes <= MAX_SIZE:
            raise GenomeError(f"macro genome field 'num_classes'={num_classes!r} must be a positive int up to "
                              f"{MAX_SIZE:,}")
        layers = tuple(layers)
        if not layers:
            raise GenomeError("macro genome field 'layers' is empty; it needs at least the classifier Linear")
        shapes, shape = [], input_shape
        for i, layer in enumerate(layers):
            if not isinstance(layer, LayerSpec):
                raise GenomeError(f"macro genome layer {i} must be a LayerSpec, got {layer!r}")
            layer.check(i)
            shape = layer.out_shape(i, shape)
            shapes.append(shape)
        last = layers[-1]
        if last.type != "Linear" or last["out_features"] != num_classes:
            raise GenomeError(f"macro genome layer {len(layers) - 1} ({last.type}) must be the classifier: "
                              f"a Linear with out_features={num_classes} (num_classes)")
        for name, value in (("layers", layers), ("input_shape", input_shape), ("num_classes", num_classes),
                            ("_shapes", tuple(shapes)), ("_hash", hash((layers, input_shape, num_classes))),
                            ("_key", None)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"MacroGenome is immutable; cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MacroGenome):
            return NotImplemented
        return (self.layers, self.input_shape, self.num_classes) == (other.layers, other.input_shape,
                                                                     other.num_classes)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (MacroGenome, (self.layers, self.input_shape, self.num_classes))

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return f"MacroGenome({'-'.join(layer.type for layer in self.layers)} on {list(self.input_shape)})"

    # ----------------------------------------------------------------------------- views
    @property
    def shapes(self) -> tuple[Shape, ...]:
        """The output shape of every layer."""
        return self._shapes

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(layer.type for layer in self.layers)

    @property
    def key(self) -> str:
        """Canonical key of the function (see `canonical_layers`)."""
        if self._key is None:
            kept = canonical_layers(self)
            head = "x".join(map(str, self.input_shape))
            object.__setattr__(self, "_key", f"{head}>" + "|".join(layer.label() for layer in kept))
        return self._key

    @property
    def graph(self) -> nx.DiGraph:
        """A networkx path: node ``i`` is layer ``i`` (attributes ``type``, ``params``, ``shape``),
        edges ``i -> i + 1``; graph attributes ``input_shape`` and ``num_classes``."""
        g = nx.DiGraph(input_shape=list(self.input_shape), num_classes=self.num_classes)
        for i, (layer, shape) in enumerate(zip(self.layers, self._shapes)):
            g.add_node(i, type=layer.type, params=layer.fields, shape=list(shape))
            if i:
                g.add_edge(i - 1, i)
        return g

    @classmethod
    def from_graph(cls, graph: nx.DiGraph) -> MacroGenome:
        """The genome of a `graph` view.

        Args:
            graph: a path over nodes ``0 .. n-1`` whose nodes carry the layers.

        Returns:
            The genome.

        Raises:
            GenomeError: the graph is not such a path, or its layers are malformed.
        """
        n = graph.number_of_nodes()
        if set(graph.nodes) != set(range(n)) or set(graph.edges) != {(i, i + 1) for i in range(n - 1)}:
            raise GenomeError(f"macro genome graph must be the path 0 -> 1 -> ... -> {n - 1}")
        layers = [LayerSpec.from_dict({"type": graph.nodes[i].get("type"), **graph.nodes[i].get("params", {})}, i)
                  for i in range(n)]
        return cls(layers, graph.graph.get("input_shape"), graph.graph.get("num_classes"))

    # ----------------------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The genome as JSON-ready data: ``input_shape``, ``num_classes`` and ``layers``."""
        return {"schema_version": 1, "input_shape": list(self.input_shape), "num_classes": self.num_classes,
                "layers": [layer.to_dict() for layer in self.layers]}

    def to_json(self) -> str:
        """The genome as a JSON string (`to_dict`)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> MacroGenome:
        """Genome from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.

        Returns:
            The genome.

        Raises:
            GenomeError: a malformed document or network.
        """
        check_document(data, "macro genome", FIELDS)
        layers = data["layers"]
        if not isinstance(layers, list):
            raise GenomeError(f"macro genome field 'layers' must be a list of layer objects, got {layers!r}")
        return cls([LayerSpec.from_dict(item, i) for i, item in enumerate(layers)], data["input_shape"],
                   data["num_classes"])

    @classmethod
    def from_json(cls, text: str) -> MacroGenome:
        """Genome from a JSON string written by `to_json`.

        Args:
            text: the JSON document.

        Returns:
            The genome.

        Raises:
            GenomeError: the text is not JSON or not a macro genome.
        """
        return cls.from_dict(loads_json(text, "macro genome JSON", GenomeError))


_ACTIVATIONS = ("ReLU", "ReLU6")


def canonical_layers(genome: MacroGenome) -> list[LayerSpec]:
    """The layers that change the function, in order.

    Dropout with ``p = 0``, pools of kernel 1 and adaptive pools to the size they are given are
    identities and left out; a run of ReLU/ReLU6 computes ReLU6 if any of them is one
    (``relu(relu6(x)) = relu6(relu(x)) = relu6(x)``), else ReLU.

    Args:
        genome: the network.

    Returns:
        Its canonical layer list (what `MacroGenome.key` is made of).
    """
    out: list[LayerSpec] = []
    shape = genome.input_shape
    for layer, after in zip(genome.layers, genome.shapes):
        identity = ((layer.type == "Dropout" and layer["p"] == 0)
                    or (layer.type in ("MaxPool2d", "AvgPool2d") and layer["kernel_size"] == 1)
                    or (layer.type == "AdaptiveAvgPool2d" and after == shape))
        shape = after
        if identity:
            continue
        if layer.type in _ACTIVATIONS and out and out[-1].type in _ACTIVATIONS:
            if layer.type == "ReLU6":
                out[-1] = layer
            continue
        out.append(layer)
    return out
