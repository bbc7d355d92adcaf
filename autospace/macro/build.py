"""`build_macro`: a `MacroGenome` as an ``nn.Sequential`` (an ``nn.Flatten`` before the Linear
that follows a feature map), and the residual `Bottleneck` block."""

from __future__ import annotations

import torch
from torch import nn

from autospace.macro.genome import MacroGenome
from autospace.macro.layers import BOTTLENECK_EXPANSION, LayerSpec, Shape


class Bottleneck(nn.Module):
    """ResNet's bottleneck at expansion 2: 1x1 -> 3x3 (``stride``) -> 1x1 convs with BatchNorm and
    ReLU, plus the input (through a strided 1x1 conv + BatchNorm when the shape changes), then ReLU."""

    def __init__(self, c_in: int, planes: int, stride: int) -> None:
        super().__init__()
        c_out = planes * BOTTLENECK_EXPANSION
        self.body = nn.Sequential(
            nn.Conv2d(c_in, planes, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
            nn.Conv2d(planes, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
            nn.Conv2d(planes, c_out, 1, bias=False), nn.BatchNorm2d(c_out),
        )
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


def build_layer(layer: LayerSpec, shape: Shape) -> nn.Module:
    """The module of ``layer`` on inputs of ``shape`` (Linear on a map: its input flattened)."""
    kind = layer.type
    if kind == "Conv2d":
        k = layer["kernel_size"]
        return nn.Conv2d(shape[0], layer["out_channels"], k, padding=k // 2, bias=False)
    if kind == "Bottleneck":
        return Bottleneck(shape[0], layer["planes"], layer["stride"])
    if kind == "MaxPool2d":
        return nn.MaxPool2d(layer["kernel_size"])
    if kind == "AvgPool2d":
        return nn.AvgPool2d(layer["kernel_size"])
    if kind == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(layer["output_size"])
    if kind == "BatchNorm2d":
        return nn.BatchNorm2d(shape[0])
    if kind == "ReLU":
        return nn.ReLU()
    if kind == "ReLU6":
        return nn.ReLU6()
    if kind == "Dropout":
        return nn.Dropout(layer["p"])
    features = 1
    for size in shape:
        features *= size
    linear = nn.Linear(features, layer["out_features"])
    return nn.Sequential(nn.Flatten(), linear) if len(shape) == 3 else linear


def build_macro(genome: MacroGenome) -> nn.Sequential:
    """The network of ``genome`` (module ``i`` is layer ``i``), freshly initialised from torch's
    global generator (wrap in `autospace.train.device.seeded` for a reproducible init)."""
    shapes = (genome.input_shape, *genome.shapes[:-1])
    return nn.Sequential(*(build_layer(layer, shape) for layer, shape in zip(genome.layers, shapes)))
