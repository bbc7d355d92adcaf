"""Edge ops of a cell: a registry of op name -> module builder and its exact cost, which must agree.

Every op maps ``(N, c_in, h, w)`` to ``(N, c_out, ceil(h / stride), ceil(w / stride))``. AutoSpace
ops (Conv-BN-ReLU6, as MobileNetV2): ``conv1x1``, ``conv3x3``, ``dwconv3x3`` (5x5, 7x7), ``identity``;
NAS-Bench-201 ops (ReLU-Conv-BN): ``nor_conv_1x1``, ``nor_conv_3x3``, ``avg_pool_3x3``, ``skip_connect``;
and ``resnet_basic_block``, NAS-Bench-201's fixed reduction block (a skeleton stage's ``entry``).
A space's zero op (``zero``, ``none``) is never built: an edge carrying it contributes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING

from autospace.errors import ConfigError, GenomeError
from autospace.registry import Registry

if TYPE_CHECKING:
    from torch import nn

Cost = tuple[int, int]
"""``(madds, params)`` for one image."""


def _layers() -> ModuleType:
    """`autospace.nn.layers` (torch), imported at the first build: costs need no torch."""
    return importlib.import_module("autospace.nn.layers")


def out_size(size: int, stride: int) -> int:
    """Output length of a 'same'-padded op with odd kernel: ``ceil(size / stride)``."""
    return (size - 1) // stride + 1


def check_stride(stride: int) -> None:
    """Cells and ops support stride 1 and 2."""
    if stride not in (1, 2):
        raise ConfigError(f"stride must be 1 or 2, got stride={stride!r}")


def positive_int(field: str, value: object, owner: str = "") -> None:
    """``value`` (of ``field``, in ``owner`` if given) must be an int >= 1 (not a bool)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{owner + ': ' if owner else ''}{field} must be a positive integer, got {field}={value!r}")


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class OpSpec:
    """An edge op, registered with `register_op`.

    Attributes:
        name: the op's name in cell spaces.
        build: ``build(c_in, c_out, stride) -> nn.Module``.
        cost: its exact ``cost(c_in, c_out, h, w, stride) -> (madds, params)``.
    """

    name: str
    build: Callable[[int, int, int], nn.Module]
    cost: Callable[[int, int, int, int, int], Cost]


_OPS: Registry[OpSpec] = Registry("op")


def register_op(spec: OpSpec, *, overwrite: bool = False) -> OpSpec:
    """Make an op available to `build_cell` and the cost model under ``spec.name``.

    Registering the very same spec again is a no-op.

    Args:
        spec: the op.
        overwrite: replace another op registered under the same name.

    Returns:
        ``spec``.

    Raises:
        UnknownNameError: the name is taken by another op without ``overwrite``.
    """
    return _OPS.register(spec.name, spec, overwrite=overwrite, same_ok=True)


def get_op(name: str) -> OpSpec:
    """The op registered under ``name``.

    Args:
        name: an op name (``list_ops()`` lists them).

    Returns:
        Its spec.

    Raises:
        UnknownNameError: no op has that name; the message lists the known ones.
    """
    return _OPS.get(name)


def list_ops() -> list[str]:
    """Names of the registered ops."""
    return _OPS.names()


def _same_width(name: str, c_in: int, c_out: int) -> None:
    if c_in != c_out:
        raise GenomeError(f"op {name!r} keeps the width; it cannot map c_in={c_in} to c_out={c_out}")


def conv_cost(c_in: int, c_out: int, h: int, w: int, stride: int, kernel: int = 1, depthwise: bool = False) -> Cost:
    """``(madds, params)`` of `autospace.nn.layers.conv_bn` (conv without bias + BatchNorm with affine weights)."""
    weights = c_out * (1 if depthwise else c_in) * kernel * kernel
    return ((h - 1) // stride + 1) * ((w - 1) // stride + 1) * weights, weights + 2 * c_out


def _conv_op(name: str, kernel: int) -> OpSpec:
    return OpSpec(name, lambda ci, co, s: _layers().conv_bn(ci, co, kernel, s), partial(conv_cost, kernel=kernel))


def _dwconv_op(name: str, kernel: int) -> OpSpec:
    def build(ci: int, co: int, s: int) -> nn.Module:
        _same_width(name, ci, co)
        return _layers().conv_bn(ci, co, kernel, s, groups=ci)

    def cost(ci: int, co: int, h: int, w: int, s: int) -> Cost:
        _same_width(name, ci, co)
        return conv_cost(ci, co, h, w, s, kernel, depthwise=True)

    return OpSpec(name, build, cost)


def _build_identity(ci: int, co: int, s: int) -> nn.Module:
    _same_width("identity", ci, co)
    return _layers().strided_identity(s)


def _identity_cost(ci: int, co: int, h: int, w: int, s: int) -> Cost:
    _same_width("identity", ci, co)
    return 0, 0


def _nor_conv_op(name: str, kernel: int) -> OpSpec:
    return OpSpec(name, lambda ci, co, s: _layers().ReLUConvBN(ci, co, kernel, s), partial(conv_cost, kernel=kernel))


def _avg_pool_cost(ci: int, co: int, h: int, w: int, s: int) -> Cost:
    return conv_cost(ci, co, h, w, 1) if ci != co else (0, 0)


def _skip_connect_cost(ci: int, co: int, h: int, w: int, s: int) -> Cost:
    return (0, 0) if s == 1 and ci == co else conv_cost(ci, co, h, w, s)


def _resnet_basic_block_cost(ci: int, co: int, h: int, w: int, s: int) -> Cost:
    h_out, w_out = out_size(h, s), out_size(w, s)
    a, b = conv_cost(ci, co, h, w, s, 3), conv_cost(co, co, h_out, w_out, 1, 3)
    if s == 2:  # 2x2 average pool (free), then a 1x1 conv without bias or BN
        shortcut = (h_out * w_out * ci * co, ci * co)
    else:
        shortcut = conv_cost(ci, co, h, w, 1) if ci != co else (0, 0)
    return a[0] + b[0] + shortcut[0], a[1] + b[1] + shortcut[1]


for _spec in (
    _conv_op("conv1x1", 1),
    _conv_op("conv3x3", 3),
    _dwconv_op("dwconv3x3", 3),
    _dwconv_op("dwconv5x5", 5),
    _dwconv_op("dwconv7x7", 7),
    OpSpec("identity", _build_identity, _identity_cost),
    _nor_conv_op("nor_conv_1x1", 1),
    _nor_conv_op("nor_conv_3x3", 3),
    OpSpec("avg_pool_3x3", lambda ci, co, s: _layers().AvgPool(ci, co, s), _avg_pool_cost),
    OpSpec("skip_connect", lambda ci, co, s: _layers().skip_connect(ci, co, s), _skip_connect_cost),
    OpSpec("resnet_basic_block", lambda ci, co, s: _layers().ResNetBasicBlock(ci, co, s), _resnet_basic_block_cost),
):
    register_op(_spec)
