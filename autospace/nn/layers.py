"""The PyTorch modules edge ops are built from (`autospace.nn.ops` builds them; its costs need no torch)."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.ops.misc import Conv2dNormActivation


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1, relu6: bool = True) -> nn.Module:
    """Conv (no bias) + BatchNorm, then ReLU6 unless ``relu6`` is False (a linear projection)."""
    activation = nn.ReLU6 if relu6 else None
    return Conv2dNormActivation(c_in, c_out, kernel, stride, groups=groups, activation_layer=activation)


class ReLUConvBN(nn.Sequential):
    """NAS-Bench-201's ReLU -> Conv (no bias) -> BatchNorm. The ReLU is not in place: the
    input tensor is shared with the other edges leaving the same node."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Subsample(nn.Module):
    """The strided identity: keeps every ``stride``-th pixel, i.e. a 1x1 identity convolution
    at that stride. No parameters, no MAdds; output grid ``ceil(h / stride)`` like strided convs."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride]

    def extra_repr(self) -> str:
        return f"stride={self.stride}"


class FactorizedReduce(nn.Module):
    """NAS-Bench-201's skip connection that changes width or resolution.

    Stride 1: 1x1 conv + BN. Stride 2: ReLU, then two stride-2 1x1 convs (``c_out // 2`` and
    the rest of the channels) on the input and on the input shifted by one pixel, concatenated,
    then BN.
    """

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        if stride == 1:
            self.convs = nn.ModuleList([nn.Conv2d(c_in, c_out, 1, bias=False)])
        else:
            halves = (c_out // 2, c_out - c_out // 2)  # c_out == 1: only the shifted half
            self.convs = nn.ModuleList([nn.Conv2d(c_in, c, 1, stride=stride, bias=False) for c in halves if c])
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return self.bn(self.convs[0](x))
        x = torch.relu(x)
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        inputs = (x, shifted)[-len(self.convs) :]
        return self.bn(torch.cat([conv(t) for conv, t in zip(self.convs, inputs)], dim=1))


class AvgPool(nn.Module):
    """NAS-Bench-201's 3x3 average pooling (padding not counted), after a ReLU-Conv1x1-BN
    when the width changes."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.preprocess = ReLUConvBN(c_in, c_out, 1, 1) if c_in != c_out else nn.Identity()
        self.pool = nn.AvgPool2d(3, stride, 1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.preprocess(x))


class ResNetBasicBlock(nn.Module):
    """NAS-Bench-201's ``ResNetBasicblock``: ReLU-Conv3x3-BN at ``stride``, ReLU-Conv3x3-BN, plus
    the shortcut. Stride 2: 2x2 average pool (``ceil_mode``, so odd grids give ``ceil(h / 2)``
    like the convs), then a 1x1 conv without bias or BN; stride 1: ReLU-Conv1x1-BN when the width
    changes, else the input itself."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut: nn.Module = nn.Identity()
        if stride == 2:
            self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2, ceil_mode=True), nn.Conv2d(c_in, c_out, 1, bias=False))
        elif c_in != c_out:
            self.shortcut = ReLUConvBN(c_in, c_out, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


def strided_identity(stride: int) -> nn.Module:
    """The identity op: ``nn.Identity`` at stride 1, else `Subsample`."""
    return nn.Identity() if stride == 1 else Subsample(stride)


def skip_connect(c_in: int, c_out: int, stride: int) -> nn.Module:
    """NAS-Bench-201's skip: the identity when shape is kept, else `FactorizedReduce`."""
    return nn.Identity() if stride == 1 and c_in == c_out else FactorizedReduce(c_in, c_out, stride)
