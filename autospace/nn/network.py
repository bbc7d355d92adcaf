"""`Network`: a skeleton's stem, one module per searchable layer and its head, as one PyTorch module."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from autospace.errors import ConfigError
from autospace.genome import Genome
from autospace.nn.cell import build_cell
from autospace.nn.layers import conv_bn
from autospace.nn.ops import Cost, positive_int
from autospace.nn.skeleton import Skeleton, check_genomes, get_skeleton


class Network(nn.Module):
    """``head(layers(stem(x)))``: the assembled macro network."""

    def __init__(self, stem: nn.Module, layers: Sequence[nn.Module], head: nn.Module) -> None:
        super().__init__()
        self.stem = stem
        self.layers = nn.ModuleList(layers)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


def assemble(skeleton: Skeleton, layer_modules: Sequence[nn.Module], num_classes: int) -> Network:
    """Stem + the given modules (layer ``i`` must map ``(N, c_in, h, w)`` to
    ``(N, c_out, h/stride, w/stride)`` of ``skeleton.layers[i]``) + head."""
    positive_int("num_classes", num_classes)
    if len(layer_modules) != skeleton.num_layers:
        raise ConfigError(f"skeleton {skeleton.name!r} has {skeleton.num_layers} searchable layers; "
                          f"got {len(layer_modules)} layer_modules")
    spec = skeleton.stem
    stem: list[nn.Module] = [conv_bn(skeleton.in_channels, spec.channels, spec.kernel, spec.stride)]
    c = spec.channels
    for genome, c_out in spec.cells:
        stem.append(build_cell(genome, c, c_out, 1))
        c = c_out
    c = skeleton.stages[-1].channels
    mix: list[nn.Module] = []
    if skeleton.head.channels is not None:
        mix, c = [conv_bn(c, skeleton.head.channels, 1)], skeleton.head.channels
    head = nn.Sequential(
        *mix, nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Dropout(skeleton.head.dropout), nn.Linear(c, num_classes)
    )
    return Network(nn.Sequential(*stem), layer_modules, head)


def build_network(skeleton: Skeleton | str, genomes_per_layer: Sequence[Genome], num_classes: int) -> Network:
    """The network of ``skeleton`` (a `Skeleton` or a registered name) with one cell per layer."""
    skeleton = get_skeleton(skeleton) if isinstance(skeleton, str) else skeleton
    check_genomes(skeleton, genomes_per_layer)
    cells = [build_cell(g, s.c_in, s.c_out, s.stride) for s, g in zip(skeleton.layers, genomes_per_layer)]
    return assemble(skeleton, cells, num_classes)


def measure_cost(module: nn.Module, input_shape: Sequence[int]) -> Cost:
    """``(madds, params)`` measured on a built module: FlopCounterMode FLOPs / 2 of one forward
    pass of a single zero image of shape ``input_shape`` (C, H, W), in eval mode."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(torch.zeros((1, *input_shape)))
    finally:
        module.train(was_training)
    return counter.get_total_flops() // 2, sum(p.numel() for p in module.parameters())
