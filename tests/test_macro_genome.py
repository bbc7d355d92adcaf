"""Macro genomes: validation naming layer and field, JSON / graph round trips, canonical keys, and
the analytic cost against FlopCounterMode on random valid chains."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autospace.errors import GenomeError
from autospace.macro import LayerSpec, MacroGenome, macro_cost
from autospace.macro.build import build_macro
from autospace.nn.network import measure_cost

L = LayerSpec.of


@st.composite
def chains(draw: st.DrawFn) -> MacroGenome:
    """A random valid chain on a small input: map layers first, then the classifier part."""
    c, h = draw(st.integers(1, 4)), draw(st.integers(1, 12))
    shape = (c, h, h)
    layers: list[LayerSpec] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["Conv2d", "Bottleneck", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                                     "BatchNorm2d", "ReLU", "ReLU6", "Dropout"]))
        side = shape[1]
        if kind == "Conv2d":
            layer = L(kind, out_channels=draw(st.integers(1, 8)), kernel_size=draw(st.sampled_from([1, 3, 5])))
        elif kind == "Bottleneck":
            layer = L(kind, planes=draw(st.integers(1, 6)), stride=draw(st.sampled_from([1, 2])))
        elif kind in ("MaxPool2d", "AvgPool2d"):
            layer = L(kind, kernel_size=draw(st.integers(1, side)))
        elif kind == "AdaptiveAvgPool2d":
            layer = L(kind, output_size=draw(st.integers(1, side)))
        elif kind == "Dropout":
            layer = L(kind, p=draw(st.sampled_from([0.0, 0.5])))
        else:
            layer = L(kind)
        shape = layer.out_shape(len(layers), shape)
        layers.append(layer)
    for _ in range(draw(st.integers(0, 2))):
        layers.append(L("Linear", out_features=draw(st.integers(1, 9))))
        layers.append(draw(st.sampled_from([L("ReLU"), L("Dropout", p=0.1)])))
    classes = draw(st.integers(1, 5))
    return MacroGenome([*layers, L("Linear", out_features=classes)], (c, h, h), classes)


@settings(max_examples=40, deadline=None)
@given(chains())
def test_cost_equals_flop_counter_and_params(genome: MacroGenome) -> None:
    torch.manual_seed(0)
    net = build_macro(genome)
    assert macro_cost(genome) == measure_cost(net, genome.input_shape)
    out = net.eval()(torch.zeros(2, *genome.input_shape))
    assert tuple(out.shape) == (2, genome.num_classes)


@settings(max_examples=40, deadline=None)
@given(chains())
def test_round_trips_and_hash(genome: MacroGenome) -> None:
    again = MacroGenome.from_json(genome.to_json())
    assert again == genome and hash(again) == hash(genome) and again.key == genome.key
    assert MacroGenome.from_graph(genome.graph) == genome
    assert [genome.graph.nodes[i]["shape"] for i in range(len(genome))] == [list(s) for s in genome.shapes]


def test_immutable() -> None:
    genome = MacroGenome([L("Linear", out_features=3)], (1, 4, 4), 3)
    with pytest.raises(AttributeError):
        genome.layers = ()  # type: ignore[misc]


def test_canonical_key_merges_identities() -> None:
    head = [L("Conv2d", out_channels=4, kernel_size=3)]
    tail = [L("Linear", out_features=2)]
    plain = MacroGenome([*head, L("ReLU6"), *tail], (1, 6, 6), 2)
    noisy = MacroGenome([*head, L("ReLU"), L("Dropout", p=0.0), L("ReLU6"), L("MaxPool2d", kernel_size=1),
                         L("AdaptiveAvgPool2d", output_size=6), *tail], (1, 6, 6), 2)
    other = MacroGenome([*head, L("ReLU"), *tail], (1, 6, 6), 2)
    assert plain.key == noisy.key != other.key
    assert plain != noisy


@pytest.mark.parametrize(("layers", "message"), [
    ([L("Conv2d", out_channels=4)], "layer 0 (Conv2d): field 'kernel_size' is missing"),
    ([L("Conv2d", out_channels=4, kernel_size=2)], "layer 0 (Conv2d): field 'kernel_size'=2 must be odd"),
    ([L("Conv2d", out_channels=0, kernel_size=3)], "field 'out_channels'=0 must be a positive int"),
    ([L("ReLU", p=0.1)], "layer 0 (ReLU): field 'p' is unknown"),
    ([L("Dropout", p=1.0)], "field 'p'=1.0 must be a number in [0, 1)"),
    ([L("Bottleneck", planes=2, stride=3)], "field 'stride'=3 must be 1 or 2"),
    ([L("Conv3d", out_channels=1)], "layer 0: type='Conv3d' is not a layer type"),
    ([L("MaxPool2d", kernel_size=9)], "layer 0 (MaxPool2d): field 'kernel_size'=9 is larger than the 8x8 map"),
    ([L("AdaptiveAvgPool2d", output_size=9)], "field 'output_size'=9 is larger than the 8x8 map"),
    ([L("Linear", out_features=5), L("BatchNorm2d")], "layer 1 (BatchNorm2d) needs a feature map but follows a Linear"),
])
def test_bad_layers_name_layer_and_field(layers: list[LayerSpec], message: str) -> None:
    with pytest.raises(GenomeError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        MacroGenome([*layers, L("Linear", out_features=3)], (1, 8, 8), 3)


def test_classifier_and_document_errors() -> None:
    with pytest.raises(GenomeError, match=r"layer 0 \(ReLU\) must be the classifier"):
        MacroGenome([L("ReLU")], (1, 8, 8), 3)
    with pytest.raises(GenomeError, match="out_features=4 \\(num_classes\\)"):
        MacroGenome([L("Linear", out_features=3)], (1, 8, 8), 4)
    with pytest.raises(GenomeError, match="input_shape"):
        MacroGenome([L("Linear", out_features=3)], (8, 8), 3)
    good = MacroGenome([L("Linear", out_features=3)], (1, 8, 8), 3).to_dict()
    with pytest.raises(GenomeError, match="schema_version"):
        MacroGenome.from_dict({**good, "schema_version": 2})
    with pytest.raises(GenomeError, match="missing the field 'layers'"):
        MacroGenome.from_dict({k: v for k, v in good.items() if k != "layers"})
    with pytest.raises(GenomeError, match="layer 0 must be an object"):
        MacroGenome.from_dict({**good, "layers": [3]})
    with pytest.raises(GenomeError, match="macro genome JSON is not valid JSON"):
        MacroGenome.from_json("{")
