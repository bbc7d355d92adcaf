"""Skeletons (macro networks): everything but the cells — stem, stages of searchable layers, head.

Named ones (`get_skeleton`): ``mobilenet_v2`` (torchvision's stage table, 224x224, 17 layers),
``proxyless`` (ProxylessNAS mobile: the e=1 k3 MBConv fixed in the stem, then 21 layers, 224x224),
``cifar`` (32x32, 11 layers), ``tiny`` (1-channel 8x8 digits, 4 layers; ``input_size=28`` for MNIST)
and ``nb201`` (NAS-Bench-201's network, 32x32: 15 cell positions sharing one searchable layer,
ResNet basic blocks between its three stages), with its reduced forms ``nb201-c16n1``, ``nb201-c8n3``, ``nb201-c8n2``
and ``nb201-c8n1`` (`nb201_skeleton`: width C, N cells per stage).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autospace.errors import ConfigError
from autospace.genome import MBCONV, Genome, get_space
from autospace.nn.ops import check_stride, get_op, out_size, positive_int
from autospace.registry import Registry


@dataclass(frozen=True)
class Stage:
    """``repeats`` cell positions of width ``channels``; the first has stride ``stride``. With
    ``entry`` (a registered op, e.g. ``resnet_basic_block``) that fixed block maps the previous
    width to ``channels`` at ``stride`` first, and every cell of the stage has stride 1."""

    channels: int
    repeats: int
    stride: int
    entry: str | None = None

    def __post_init__(self) -> None:
        positive_int("channels", self.channels, "stage")
        positive_int("repeats", self.repeats, "stage")
        check_stride(self.stride)
        if self.entry is not None:
            get_op(self.entry)  # an unknown op is an UnknownNameError naming it


@dataclass(frozen=True)
class Stem:
    """``kernel x kernel`` conv to ``channels`` at ``stride`` + BN + ReLU6 (no ReLU6 when
    ``relu6`` is False), then the fixed ``cells``, each ``(genome, c_out)`` at stride 1."""

    channels: int
    stride: int = 2
    kernel: int = 3
    cells: tuple[tuple[Genome, int], ...] = ()
    relu6: bool = True

    def __post_init__(self) -> None:
        positive_int("channels", self.channels, "stem")
        check_stride(self.stride)
        positive_int("kernel", self.kernel, "stem")
        if self.kernel % 2 == 0:
            raise ConfigError(f"stem: kernel must be odd, got kernel={self.kernel}")
        object.__setattr__(self, "cells", tuple(tuple(c) for c in self.cells))
        for genome, c_out in self.cells:
            if not isinstance(genome, Genome):
                raise ConfigError(f"stem: cells must hold (Genome, c_out) pairs, got genome={genome!r}")
            positive_int("cells c_out", c_out, "stem")

    @property
    def out_channels(self) -> int:
        return self.cells[-1][1] if self.cells else self.channels


@dataclass(frozen=True)
class Head:
    """Optional 1x1 conv to ``channels`` + BN + ReLU6 (or, with ``bn_relu``, BN + ReLU:
    NAS-Bench-201's ``lastact``), global average pool, dropout, linear."""

    channels: int | None = 1280
    dropout: float = 0.0
    bn_relu: bool = False

    def __post_init__(self) -> None:
        if self.channels is not None:
            positive_int("channels", self.channels, "head")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"head: dropout must be in [0, 1), got dropout={self.dropout!r}")
        if self.bn_relu and self.channels is not None:
            raise ConfigError(f"head: bn_relu needs channels=None, got channels={self.channels!r}")


@dataclass(frozen=True)
class CellPosition:
    """Where a cell (or a fixed block) sits: ``c_in -> c_out`` at ``stride`` on an ``hw x hw`` input."""

    c_in: int
    c_out: int
    stride: int
    hw: int

    @property
    def hw_out(self) -> int:
        return out_size(self.hw, self.stride)


@dataclass(frozen=True)
class SearchableLayer:
    """One searchable layer: its cell ``c_in -> c_out`` at ``stride`` on an ``hw x hw`` input,
    and at the ``tied`` further positions (a skeleton with ``shared_cell``), all with one genome."""

    index: int
    c_in: int
    c_out: int
    stride: int
    hw: int
    tied: tuple[CellPosition, ...] = ()

    @property
    def hw_out(self) -> int:
        return out_size(self.hw, self.stride)

    @property
    def positions(self) -> tuple[CellPosition, ...]:
        """Every cell position that takes this layer's genome, the first one first."""
        return (CellPosition(self.c_in, self.c_out, self.stride, self.hw), *self.tied)


@dataclass(frozen=True)
class EntryBlock:
    """A stage's fixed entry block: op ``op`` at ``position``, run just before cell position ``before``."""

    op: str
    position: CellPosition
    before: int


@dataclass(frozen=True)
class Skeleton:
    """A macro network with one cell position per stage repeat. Each position is a searchable
    layer, or with ``shared_cell`` all positions are one searchable layer (NAS-Bench-201's one
    cell for the whole network)."""

    name: str
    stem: Stem
    stages: tuple[Stage, ...]
    head: Head
    input_size: int = 224
    in_channels: int = 3
    shared_cell: bool = False

    def __post_init__(self) -> None:
        owner = f"skeleton {self.name!r}"
        for field, cls in (("stem", Stem), ("head", Head)):
            if not isinstance(getattr(self, field), cls):
                raise ConfigError(f"{owner}: {field} must be a {cls.__name__}, got {field}={getattr(self, field)!r}")
        stages = tuple(s if isinstance(s, Stage) else _stage(owner, s) for s in self.stages)
        if not stages:
            raise ConfigError(f"{owner}: stages must not be empty, got stages={self.stages!r}")
        object.__setattr__(self, "stages", stages)
        positive_int("input_size", self.input_size, owner)
        positive_int("in_channels", self.in_channels, owner)

    def _walk(self) -> tuple[list[CellPosition], list[EntryBlock]]:
        positions: list[CellPosition] = []
        entries: list[EntryBlock] = []
        c, hw = self.stem.out_channels, out_size(self.input_size, self.stem.stride)
        for stage in self.stages:
            stride = stage.stride
            if stage.entry is not None:
                entries.append(EntryBlock(stage.entry, CellPosition(c, stage.channels, stride, hw), len(positions)))
                c, hw, stride = stage.channels, out_size(hw, stride), 1
            for i in range(stage.repeats):
                position = CellPosition(c, stage.channels, stride if i == 0 else 1, hw)
                positions.append(position)
                c, hw = position.c_out, position.hw_out
        return positions, entries

    @property
    def positions(self) -> list[CellPosition]:
        """Every cell position, in network order."""
        return self._walk()[0]

    @property
    def entries(self) -> list[EntryBlock]:
        """The stages' fixed entry blocks, in network order."""
        return self._walk()[1]

    @property
    def layers(self) -> list[SearchableLayer]:
        """The searchable layers, in order: one per position, or one for all with ``shared_cell``."""
        positions = self.positions
        if self.shared_cell:
            first = positions[0]
            return [SearchableLayer(0, first.c_in, first.c_out, first.stride, first.hw, tuple(positions[1:]))]
        return [SearchableLayer(i, p.c_in, p.c_out, p.stride, p.hw) for i, p in enumerate(positions)]

    @property
    def num_layers(self) -> int:
        return 1 if self.shared_cell else self.num_positions

    @property
    def num_positions(self) -> int:
        return sum(s.repeats for s in self.stages)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(in_channels, input_size, input_size)`` of one image."""
        return self.in_channels, self.input_size, self.input_size


def _stage(owner: str, value: Any) -> Stage:
    try:
        channels, repeats, stride = value
    except (TypeError, ValueError):
        raise ConfigError(f"{owner}: a stage must be (channels, repeats, stride), got stage={value!r}") from None
    return Stage(channels, repeats, stride)


def _check_count(skeleton: Skeleton, genomes: Sequence[Genome], counts: set[int]) -> None:
    if isinstance(genomes, Genome) or len(genomes) not in counts:
        count = 1 if isinstance(genomes, Genome) else len(genomes)
        where = f"{skeleton.num_layers} searchable layers"
        if skeleton.shared_cell:
            where = f"1 searchable layer shared by {skeleton.num_positions} cell positions"
        raise ConfigError(f"skeleton {skeleton.name!r} has {where}, but {count} cells were given (one per layer)")
    for i, genome in enumerate(genomes):
        if not isinstance(genome, Genome):
            raise ConfigError(f"genomes_per_layer[{i}] must be a Genome, got {genome!r}")


def check_genomes(skeleton: Skeleton, genomes_per_layer: Sequence[Genome]) -> None:
    """One `Genome` per searchable layer."""
    _check_count(skeleton, genomes_per_layer, {skeleton.num_layers})


def genomes_per_position(skeleton: Skeleton, genomes: Genome | Sequence[Genome]) -> list[Genome]:
    """The cell of every position, from a `Genome` (the same cell everywhere), one genome per
    searchable layer, or one per position (which a ``shared_cell`` skeleton also takes)."""
    if isinstance(genomes, Genome):
        return [genomes] * skeleton.num_positions
    _check_count(skeleton, genomes, {skeleton.num_layers, skeleton.num_positions})
    if len(genomes) == skeleton.num_positions:
        return list(genomes)
    return [genome for layer, genome in zip(skeleton.layers, genomes) for _ in layer.positions]


# ----------------------------------------------------------------------------- registry
_MBCONV_E1_K3 = Genome(MBCONV, ["dwconv3x3"], 1)

_SKELETONS: Registry[Skeleton] = Registry("skeleton")


def register_skeleton(skeleton: Skeleton, *, overwrite: bool = False) -> Skeleton:
    """Make ``skeleton`` available to `get_skeleton` by its name; registering an equal skeleton
    again is a no-op, a different one under a taken name needs ``overwrite=True``."""
    return _SKELETONS.register(skeleton.name, skeleton, overwrite=overwrite, same_ok=True)


def get_skeleton(name: str, **overrides: Any) -> Skeleton:
    """The skeleton registered under ``name``, with fields replaced by ``overrides``
    (e.g. ``get_skeleton("tiny", input_size=28)``); an unknown name is an `UnknownNameError`."""
    skeleton = _SKELETONS.get(name)
    fields = {f.name for f in dataclasses.fields(Skeleton)} - {"name"}
    for key in overrides:
        if key not in fields:
            raise ConfigError(f"skeleton {name!r}: unknown field {key!r}; fields are {sorted(fields)}")
    return dataclasses.replace(skeleton, **overrides) if overrides else skeleton


def skeleton_for(skeleton: str | Skeleton, input_shape: tuple[int, int, int]) -> Skeleton:
    """A named skeleton with its input size and channels set to ``input_shape`` (C, H, W); a
    given `Skeleton` must already take that shape. Skeletons need square inputs."""
    channels, height, width = input_shape
    if height != width:
        raise ConfigError(f"input shape {tuple(input_shape)} is not square; skeletons need square inputs")
    if isinstance(skeleton, str):
        return get_skeleton(skeleton, input_size=height, in_channels=channels)
    if skeleton.input_shape != tuple(input_shape):
        shape = tuple(input_shape)
        raise ConfigError(f"skeleton {skeleton.name!r} takes input {skeleton.input_shape}, the data is {shape}")
    return skeleton


def list_skeletons() -> list[str]:
    """Names of the registered skeletons."""
    return _SKELETONS.names()


for _skeleton in (
    Skeleton(
        "mobilenet_v2",
        Stem(32, stride=2),
        ((16, 1, 1), (24, 2, 2), (32, 3, 2), (64, 4, 2), (96, 3, 1), (160, 3, 2), (320, 1, 1)),
        Head(1280, dropout=0.2),
    ),
    Skeleton(
        "proxyless",
        Stem(32, stride=2, cells=((_MBCONV_E1_K3, 16),)),
        ((24, 4, 2), (40, 4, 2), (80, 4, 2), (96, 4, 1), (192, 4, 2), (320, 1, 1)),
        Head(1280, dropout=0.1),
    ),
    Skeleton(
        "cifar",
        Stem(32, stride=1),
        ((16, 1, 1), (24, 2, 1), (32, 3, 2), (64, 3, 2), (96, 2, 1)),
        Head(512, dropout=0.1),
        input_size=32,
    ),
    Skeleton(
        "tiny",
        Stem(8, stride=1),
        ((8, 1, 1), (16, 1, 2), (16, 1, 1), (24, 1, 2)),
        Head(64),
        input_size=8,
        in_channels=1,
    ),
):
    register_skeleton(_skeleton)


def nb201_skeleton(channels: int = 16, cells_per_stage: int = 5, name: str | None = None) -> Skeleton:
    """NAS-Bench-201's network at stem / first-stage width ``channels`` (C) with ``cells_per_stage``
    (N) cell positions per stage: a 3x3 stem conv to C + BN, N cells at C, a ResNet basic block to 2C
    at stride 2, N cells, a basic block to 4C, N cells, BN + ReLU, pool, linear; one cell for all
    3N positions. ``C = 16, N = 5`` is the benchmark's own network (registered as ``nb201``); smaller
    ones are cheap proxies of it (registered: ``nb201-c16n1``, ``nb201-c8n3``, ``nb201-c8n2``, ``nb201-c8n1``). Its
    input is 32x32 RGB; a smaller input comes from average-pooled images (the data's ``image_size``).

    Args:
        channels: C, the width of the stem and the first stage (stages 2 and 3: 2C and 4C).
        cells_per_stage: N, the cell positions of each stage.
        name: the skeleton's name (default ``nb201`` for C=16, N=5, else ``nb201-c{C}n{N}``).

    Returns:
        The skeleton (not registered: `register_skeleton` makes a new one available by name).

    Raises:
        ConfigError: ``channels`` or ``cells_per_stage`` is not a positive integer.
    """
    positive_int("channels", channels, "nb201_skeleton")
    positive_int("cells_per_stage", cells_per_stage, "nb201_skeleton")
    if name is None:
        name = "nb201" if (channels, cells_per_stage) == (16, 5) else f"nb201-c{channels}n{cells_per_stage}"
    stages = (Stage(channels, cells_per_stage, 1), Stage(2 * channels, cells_per_stage, 2, "resnet_basic_block"),
              Stage(4 * channels, cells_per_stage, 2, "resnet_basic_block"))
    return Skeleton(name, Stem(channels, stride=1, relu6=False), stages, Head(None, bn_relu=True), input_size=32,
                    shared_cell=True)


for _channels, _cells in ((16, 5), (16, 1), (8, 3), (8, 2), (8, 1)):
    register_skeleton(nb201_skeleton(_channels, _cells))


def mobilenet_v2_genomes(kernel: int = 3) -> list[Genome]:
    """The 17 cells that make the ``mobilenet_v2`` skeleton torchvision's MobileNetV2 (kernel 3):
    an ``mbconv`` e=1 cell first, then ``irb`` e=6 cells."""
    if kernel not in (3, 5, 7):
        raise ConfigError(f"kernel must be 3, 5 or 7, got kernel={kernel!r}")
    op = f"dwconv{kernel}x{kernel}"
    irb = get_space("irb")
    return [Genome(MBCONV, [op], 1)] + [Genome(irb, [op], 6) for _ in range(16)]
