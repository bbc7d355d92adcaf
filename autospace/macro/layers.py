"""`LayerSpec`: one layer of a macro genome — a layer type and its hyper-parameters — and the
vocabulary of layer types with the fields each one takes and how it changes the tensor's shape.

Shapes are ``(c, h, w)`` feature maps or ``(f,)`` feature vectors. Conv2d keeps the map size
(stride 1, same padding, odd kernels); a pool of kernel ``k`` has stride ``k`` and no padding;
the first Linear after a map flattens it; layers that need a map (Conv2d, Bottleneck, pools,
BatchNorm2d) cannot follow a Linear. Pure Python: no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autospace.errors import GenomeError

Shape = tuple[int, ...]

BOTTLENECK_EXPANSION = 2
"""A Bottleneck of ``planes`` outputs ``planes * BOTTLENECK_EXPANSION`` channels (1x1 -> 3x3 -> 1x1)."""


MAX_SIZE = 1 << 16
"""The largest channel count, width, kernel or output size a layer may have (65,536: above every
zoo model's, and far below what the cost model or a build can hold)."""


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SIZE


def _odd_int(value: Any) -> bool:
    return _positive_int(value) and value % 2 == 1


def _stride(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in (1, 2)


def _probability(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value < 1.0


_SIZE = f"a positive int up to {MAX_SIZE:,}"
_CHECKS = {
    "out_channels": (_positive_int, _SIZE),
    "kernel_size": (_positive_int, _SIZE),
    "output_size": (_positive_int, _SIZE),
    "out_features": (_positive_int, _SIZE),
    "planes": (_positive_int, _SIZE),
    "stride": (_stride, "1 or 2"),
    "p": (_probability, "a number in [0, 1)"),
}

LAYER_FIELDS: dict[str, tuple[str, ...]] = {
    "Conv2d": ("out_channels", "kernel_size"),
    "Bottleneck": ("planes", "stride"),
    "MaxPool2d": ("kernel_size",),
    "AvgPool2d": ("kernel_size",),
    "AdaptiveAvgPool2d": ("output_size",),
    "BatchNorm2d": (),
    "ReLU": (),
    "ReLU6": (),
    "Dropout": ("p",),
    "Linear": ("out_features",),
}
"""Every layer type of a macro genome and its hyper-parameter fields (the WDG node types too)."""

def field_problem(name: str, value: Any) -> str | None:
    """What a value of the hyper-parameter field ``name`` must be, when ``value`` is not that (else
    None): the one check of a field's values, for macro genomes and for WDG counts alike."""
    test, what = _CHECKS[name]
    return None if test(value) else what


MAP_ONLY = frozenset({"Conv2d", "Bottleneck", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d"})
"""Layer types that need a ``(c, h, w)`` feature map as input."""


@dataclass(frozen=True)
class LayerSpec:
    """An immutable layer. Build one with `LayerSpec.of`.

    Attributes:
        type: a key of `LAYER_FIELDS` (``Conv2d``, ``Bottleneck``, ``Linear``, ...).
        params: the hyper-parameters as sorted ``(field, value)`` pairs.
    """

    type: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, type: str, **params: Any) -> LayerSpec:
        """A layer from keyword hyper-parameters: ``LayerSpec.of("Conv2d", out_channels=16, kernel_size=3)``.

        Args:
            type: the layer type.
            **params: its fields (`LAYER_FIELDS`).

        Returns:
            The layer (validated when a `MacroGenome` holds it, or by `check`).
        """
        return cls(type, tuple(sorted(params.items())))

    def __getitem__(self, field: str) -> Any:
        for name, value in self.params:
            if name == field:
                return value
        raise KeyError(field)

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.params)

    def check(self, index: int) -> None:
        """Validate the layer's type and fields.

        Args:
            index: the layer's position, for messages.

        Raises:
            GenomeError: an unknown type, a missing, unknown or bad field; the message names layer
                ``index`` and the field.
        """
        where = f"macro genome layer {index}"
        if self.type not in LAYER_FIELDS:
            raise GenomeError(f"{where}: type={self.type!r} is not a layer type; choose one of {sorted(LAYER_FIELDS)}")
        where = f"{where} ({self.type})"
        expected = LAYER_FIELDS[self.type]
        given = [name for name, _ in self.params]
        for name in expected:
            if name not in given:
                raise GenomeError(f"{where}: field {name!r} is missing; {self.type} takes {list(expected)}")
        for name, value in self.params:
            if name not in expected:
                raise GenomeError(f"{where}: field {name!r} is unknown; {self.type} takes {list(expected)}")
            problem = field_problem(name, value)
            if problem is not None:
                raise GenomeError(f"{where}: field {name!r}={value!r} must be {problem}")
        if self.type == "Conv2d" and not _odd_int(self["kernel_size"]):
            raise GenomeError(f"{where}: field 'kernel_size'={self['kernel_size']!r} must be odd (same padding)")

    def out_shape(self, index: int, shape: Shape) -> Shape:
        """The output shape on an input of ``shape``.

        Args:
            index: the layer's position, for messages.
            shape: the input shape, ``(c, h, w)`` or ``(features,)``.

        Returns:
            The output shape.

        Raises:
            GenomeError: the layer cannot take that input (a map layer after a Linear, a pool larger
                than the map); the message names layer ``index``.
        """
        where = f"macro genome layer {index} ({self.type})"
        if self.type in MAP_ONLY and len(shape) != 3:
            raise GenomeError(f"{where} needs a feature map but follows a Linear (input {shape})")
        if self.type == "Linear":
            return (self["out_features"],)
        if len(shape) != 3:
            return shape
        c, h, w = shape
        if self.type == "Conv2d":
            return (self["out_channels"], h, w)
        if self.type == "Bottleneck":
            s = self["stride"]
            return (self["planes"] * BOTTLENECK_EXPANSION, (h - 1) // s + 1, (w - 1) // s + 1)
        if self.type in ("MaxPool2d", "AvgPool2d"):
            k = self["kernel_size"]
            if k > min(h, w):
                raise GenomeError(f"{where}: field 'kernel_size'={k} is larger than the {h}x{w} map")
            return (c, h // k, w // k)
        if self.type == "AdaptiveAvgPool2d":
            s = self["output_size"]
            if s > min(h, w):
                raise GenomeError(f"{where}: field 'output_size'={s} is larger than the {h}x{w} map")
            return (c, s, s)
        return shape

    def to_dict(self) -> dict[str, Any]:
        """The layer as JSON-ready data: ``{"type": ..., field: value, ...}``."""
        return {"type": self.type, **dict(self.params)}

    @classmethod
    def from_dict(cls, data: Any, index: int) -> LayerSpec:
        """Layer from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.
            index: the layer's position, for messages.

        Returns:
            The validated layer.

        Raises:
            GenomeError: a malformed layer; the message names layer ``index`` and the field.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
            raise GenomeError(f"macro genome layer {index} must be an object with a string 'type', got {data!r}")
        spec = cls.of(data["type"], **{k: v for k, v in data.items() if k != "type"})
        spec.check(index)
        return spec

    def label(self) -> str:
        """``Conv2d(kernel_size=3,out_channels=16)``: the spec as one token of a canonical key."""
        inner = ",".join(f"{k}={v}" for k, v in self.params)
        return f"{self.type}({inner})" if inner else self.type
