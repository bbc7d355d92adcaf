"""Analytic cost of a `MacroGenome`: ``(madds, params)`` of `build_macro` without building it
(no torch), with the conventions of `autospace.nn.cost`: MAdds are FlopCounterMode's FLOPs / 2
for one image (a conv ``h_out * w_out * c_out * c_in * k * k``, a Linear ``in * out``;
BatchNorm, activations, pools and the residual sum count zero); parameters are exact."""

from __future__ import annotations

import math

from autospace.macro.genome import MacroGenome
from autospace.macro.layers import LayerSpec, Shape

Cost = tuple[int, int]


def _conv(c_in: int, c_out: int, k: int, h_out: int, w_out: int) -> Cost:
    weights = c_out * c_in * k * k
    return h_out * w_out * weights, weights


def layer_cost(layer: LayerSpec, shape: Shape, out: Shape) -> Cost:
    """The exact cost of one layer.

    Args:
        layer: the layer.
        shape: its input shape, ``(c, h, w)`` or ``(features,)``.
        out: its output shape.

    Returns:
        ``(madds, params)``.
    """
    kind = layer.type
    if kind == "Conv2d":
        return _conv(shape[0], out[0], layer["kernel_size"], out[1], out[2])
    if kind == "Bottleneck":
        c_in, (c_out, h, w), planes = shape[0], out, layer["planes"]
        parts = [_conv(c_in, planes, 1, shape[1], shape[2]), _conv(planes, planes, 3, h, w), _conv(planes, c_out, 1, h, w)]
        bn = 2 * (2 * planes + c_out)
        if layer["stride"] != 1 or c_in != c_out:
            parts.append(_conv(c_in, c_out, 1, h, w))
            bn += 2 * c_out
        return sum(m for m, _ in parts), sum(p for _, p in parts) + bn
    if kind == "BatchNorm2d":
        return 0, 2 * shape[0]
    if kind == "Linear":
        features = math.prod(shape)
        return features * out[0], features * out[0] + out[0]
    return 0, 0


def macro_cost(genome: MacroGenome) -> Cost:
    """The exact cost of ``build_macro(genome)`` (see the module docstring), without building it.

    Args:
        genome: the network.

    Returns:
        ``(madds, params)``.
    """
    madds = params = 0
    shape = genome.input_shape
    for layer, out in zip(genome.layers, genome.shapes):
        m, p = layer_cost(layer, shape, out)
        madds, params, shape = madds + m, params + p, out
    return madds, params
