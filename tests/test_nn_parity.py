"""The ``mobilenet_v2`` skeleton with IRB kernel-3 cells is torchvision's MobileNetV2."""

from __future__ import annotations

import pytest
import torchvision

from autospace.nn import build_network, get_skeleton, measure_cost, mobilenet_v2_genomes, network_cost

TORCHVISION_PARAMS = 3_504_872


@pytest.fixture(scope="module")
def torchvision_cost() -> tuple[int, int]:
    model = torchvision.models.mobilenet_v2(weights=None)
    return measure_cost(model, (3, 224, 224))


def test_torchvision_reference(torchvision_cost: tuple[int, int]) -> None:
    assert torchvision_cost[1] == TORCHVISION_PARAMS


def test_analytic_cost_equals_torchvision(torchvision_cost: tuple[int, int]) -> None:
    assert network_cost("mobilenet_v2", mobilenet_v2_genomes(), 1000) == torchvision_cost


def test_built_network_equals_torchvision(torchvision_cost: tuple[int, int]) -> None:
    net = build_network("mobilenet_v2", mobilenet_v2_genomes(), 1000)
    assert measure_cost(net, (3, 224, 224)) == torchvision_cost


def test_same_parameter_shapes_in_the_same_order() -> None:
    ours = [tuple(p.shape) for p in build_network("mobilenet_v2", mobilenet_v2_genomes(), 1000).parameters()]
    theirs = [tuple(p.shape) for p in torchvision.models.mobilenet_v2(weights=None).parameters()]
    assert ours == theirs


def test_parity_holds_at_another_resolution_and_class_count() -> None:
    skeleton = get_skeleton("mobilenet_v2", input_size=96)
    model = torchvision.models.mobilenet_v2(weights=None, num_classes=10)
    assert network_cost(skeleton, mobilenet_v2_genomes(), 10) == measure_cost(model, (3, 96, 96))
