"""Skeletons: layer specs, assembled networks, custom layer modules, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from autospace.errors import ConfigError
from autospace.genome import AUTOSPACE, IRB, MBCONV, NB201, Genome
from autospace.nn import (
    Head,
    SearchableLayer,
    Skeleton,
    Stem,
    assemble,
    build_network,
    get_skeleton,
    list_skeletons,
    mobilenet_v2_genomes,
)


def test_named_skeletons() -> None:
    assert set(list_skeletons()) >= {"mobilenet_v2", "proxyless", "cifar", "tiny", "nb201"}
    expected = {"mobilenet_v2": (17, 224, 3), "proxyless": (21, 224, 3), "cifar": (11, 32, 3), "tiny": (4, 8, 1),
                "nb201": (1, 32, 3)}
    for name, (layers, size, channels) in expected.items():
        skeleton = get_skeleton(name)
        assert (skeleton.num_layers, skeleton.input_size, skeleton.in_channels) == (layers, size, channels)
        assert len(skeleton.layers) == layers


def test_mobilenet_v2_layers_follow_torchvision_table() -> None:
    layers = get_skeleton("mobilenet_v2").layers
    assert layers[0] == SearchableLayer(0, 32, 16, 1, 112)
    assert layers[1] == SearchableLayer(1, 16, 24, 2, 112)
    assert [l.c_out for l in layers] == [16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320]
    assert [l.stride for l in layers] == [1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1]
    assert [l.hw for l in layers][-1] == 7 and layers[-1].hw_out == 7
    assert all(a.c_out == b.c_in and a.hw_out == b.hw for a, b in itertools.pairwise(layers))


def test_proxyless_layers() -> None:
    skeleton = get_skeleton("proxyless")
    layers = skeleton.layers
    assert skeleton.stem.out_channels == 16 and layers[0] == SearchableLayer(0, 16, 24, 2, 112)
    widths = [24] * 4 + [40] * 4 + [80] * 4 + [96] * 4 + [192] * 4 + [320]
    assert [l.c_out for l in layers] == widths
    assert [l.index for l in layers if l.stride == 2] == [0, 4, 8, 16]
    assert layers[-1].hw_out == 7


def test_tiny_overrides_for_mnist() -> None:
    skeleton = get_skeleton("tiny", input_size=28)
    assert skeleton.input_shape == (1, 28, 28)
    assert [l.hw for l in skeleton.layers] == [28, 28, 14, 14]
    assert get_skeleton("tiny", in_channels=3).input_shape == (3, 8, 8)
    assert get_skeleton("tiny").input_size == 8  # overrides do not change the registry


@pytest.mark.parametrize(
    ("name", "overrides", "spaces"),
    [
        ("tiny", {}, [AUTOSPACE, NB201, IRB]),
        ("tiny", {"input_size": 28}, [AUTOSPACE, IRB]),
        ("cifar", {}, [AUTOSPACE, NB201, IRB]),
        ("proxyless", {"input_size": 64}, [IRB, MBCONV, AUTOSPACE]),
        ("mobilenet_v2", {"input_size": 64}, [IRB, AUTOSPACE]),
    ],
)
def test_build_network_forward(name: str, overrides: dict, spaces: list) -> None:
    skeleton = get_skeleton(name, **overrides)
    rng = np.random.default_rng(0)
    chosen = [spaces[i % len(spaces)].sample(rng) for i in range(skeleton.num_layers)]
    torch.manual_seed(0)
    net = build_network(skeleton, chosen, num_classes=7)
    logits = net(torch.randn(2, *skeleton.input_shape))
    assert logits.shape == (2, 7) and logits.isfinite().all()
    logits.sum().backward()


def test_build_network_by_name_full_resolution() -> None:
    net = build_network("mobilenet_v2", mobilenet_v2_genomes(), 1000).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 224, 224)).shape == (1, 1000)


class _Mixed(nn.Module):
    """A stand-in for a supernet's mixed layer: the mean of two paths."""

    def __init__(self, a: nn.Module, b: nn.Module) -> None:
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.a(x) + self.b(x)) / 2


def test_skeleton_builds_any_layer_modules() -> None:
    from autospace.nn import build_cell

    skeleton = get_skeleton("tiny")
    modules = [
        _Mixed(
            build_cell(IRB.sample(s.index), s.c_in, s.c_out, s.stride),
            build_cell(AUTOSPACE.sample(s.index), s.c_in, s.c_out, s.stride),
        )
        for s in skeleton.layers
    ]
    net = assemble(skeleton, modules, num_classes=10)
    assert net.layers[2] is modules[2]
    assert net(torch.randn(3, 1, 8, 8)).shape == (3, 10)


def test_custom_skeleton() -> None:
    skeleton = Skeleton("user-test", Stem(4, stride=1), [(4, 2, 1), (8, 1, 2)], Head(None), input_size=6, in_channels=2)
    assert [(l.c_in, l.c_out, l.stride, l.hw) for l in skeleton.layers] == [(4, 4, 1, 6), (4, 4, 1, 6), (4, 8, 2, 6)]
    net = build_network(skeleton, [IRB.sample(0)] * 3, 5)
    assert net(torch.randn(2, 2, 6, 6)).shape == (2, 5)


def test_mobilenet_v2_genomes_round_trip_json() -> None:
    genomes = mobilenet_v2_genomes()
    assert genomes[0].space is MBCONV and genomes[0].ratio == 1
    assert all(g.space is IRB and g.ratio == 6 and g.ops == ("dwconv3x3",) for g in genomes[1:])
    assert Genome.from_json(genomes[0].to_json()) == genomes[0]


def test_unknown_skeleton_names_the_value() -> None:
    with pytest.raises(ConfigError, match="'resnet9000'"):
        get_skeleton("resnet9000")
    with pytest.raises(ConfigError, match="'resnet9000'"):
        build_network("resnet9000", [], 10)


def test_unknown_override_names_the_field() -> None:
    with pytest.raises(ConfigError, match="'depth'"):
        get_skeleton("tiny", depth=3)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"input_size": 0}, "input_size=0"),
        ({"in_channels": -1}, "in_channels=-1"),
        ({"stages": ()}, "stages"),
        ({"stages": [(8, 1, 3)]}, "stride=3"),
        ({"stages": [(8, 0, 1)]}, "repeats=0"),
        ({"stages": [(8, 1)]}, "stage=(8, 1)"),
    ],
)
def test_bad_skeleton_fields(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_skeleton("tiny", **overrides)


def test_wrong_number_of_genomes() -> None:
    with pytest.raises(ConfigError, match="4 searchable layers, but 3 cells"):
        build_network("tiny", [IRB.sample(0)] * 3, 10)
    with pytest.raises(ConfigError, match=r"genomes_per_layer\[1\]"):
        build_network("tiny", [IRB.sample(0), "irb", IRB.sample(0), IRB.sample(0)], 10)
    with pytest.raises(ConfigError, match="num_classes=0"):
        build_network("tiny", [IRB.sample(0)] * 4, 0)
    with pytest.raises(ConfigError, match="4 cell positions; got 3 layer_modules"):
        assemble(get_skeleton("tiny"), [nn.Identity()] * 3, 10)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_network_runs_on_cuda() -> None:
    skeleton = get_skeleton("cifar")
    chosen = [AUTOSPACE.sample(i) for i in range(skeleton.num_layers)]
    net = build_network(skeleton, chosen, 10).cuda()
    assert net(torch.randn(4, 3, 32, 32, device="cuda")).shape == (4, 10)


def test_skeleton_for_an_input_shape() -> None:
    from autospace.nn import skeleton_for

    sk = skeleton_for("tiny", (1, 28, 28))
    assert sk.input_shape == (1, 28, 28)
    assert skeleton_for(sk, (1, 28, 28)) is sk
    with pytest.raises(ConfigError, match="not square"):
        skeleton_for("tiny", (1, 28, 14))
    with pytest.raises(ConfigError, match=r"takes input \(1, 28, 28\), the data is \(3, 32, 32\)"):
        skeleton_for(sk, (3, 32, 32))
