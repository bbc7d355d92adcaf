"""LCMNAS's generator: a weighted random walk over the WDGs of a population of parents builds a
whole network, layer by layer (multi-parent recombination). Deterministic from the numpy Generator.

From START, each step picks a parent by rank roulette among the parents whose WDG has out-edges
from the current node, draws the next node from those out-edges in proportion to their counts and
each hyper-parameter from that parent's counts of the node, and checks the shape rules:

* Conv2d keeps the map (same padding; an even kernel is re-drawn); with probability ``residual``
  it becomes a Bottleneck (1x1 -> 3x3 -> 1x1, expansion 2) — of ``planes = c_in // 2`` at stride 1
  (the channels stay), or, with probability ``downsample`` when the map is at least 3x3, of
  ``planes = out_channels`` at stride 2 — and the walk goes on from ReLU (as the original does);
* pools only when their kernel is smaller than the map, adaptive pools only to a size not larger;
* the first Linear flattens the map, pooled first (adaptive average pool to the largest size
  that fits) so that at most ``max_features`` values enter it; map layers never follow a Linear;
* the walk ends at END, at a node no parent leaves, or at ``max_length`` effective layers (a
  Bottleneck counts as its 3 convs), and closes with the ``num_classes`` classifier: the last
  Linear is resized, or a Linear is appended.

An invalid draw is re-drawn (parent, node and values) up to ``max_redraws`` times; then the walk
fails with a `GenomeError` naming the node and the map. ``mode = "uniform"`` is LCMNAS's
random-search baseline: parents, successors and values are drawn uniformly. ``param_counts =
"uniform"`` reproduces the original code's hidden states, whose counts are all 1 (docs/lcmnas.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from autospace.errors import ConfigError, GenomeError
from autospace.macro.genome import MacroGenome
from autospace.macro.layers import LAYER_FIELDS, MAP_ONLY, LayerSpec, Shape
from autospace.macro.wdg import END, START, WDG

MODES = ("weighted", "uniform")
COUNTS = ("frequency", "uniform")


@dataclass(frozen=True)
class WalkSettings:
    """The walk's knobs (module docstring); ``width`` scales every drawn channel count and hidden
    Linear width (rounded up; 1.0 = as drawn), our addition for small compute budgets."""

    mode: str = "weighted"
    param_counts: str = "frequency"
    residual: float = 0.5
    downsample: float = 0.3
    max_features: int = 6000
    max_length: int = 500
    max_redraws: int = 100
    width: float = 1.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"lcmnas.mode={self.mode!r} is not one of {list(MODES)}")
        if self.param_counts not in COUNTS:
            raise ConfigError(f"lcmnas.param_counts={self.param_counts!r} is not one of {list(COUNTS)}")
        for name in ("residual", "downsample"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"lcmnas.{name}={getattr(self, name)!r} must be in [0, 1]")
        for name in ("max_features", "max_length", "max_redraws"):
            if getattr(self, name) < 1:
                raise ConfigError(f"lcmnas.{name}={getattr(self, name)!r} must be >= 1")
        if not (0.0 < self.width <= 1.0):
            raise ConfigError(f"lcmnas.width={self.width!r} must be in (0, 1]")


def _draw(rng: np.random.Generator, options: Sequence[object], weights: Sequence[float] | None) -> object:
    """One of ``options``, in proportion to ``weights`` (None: uniformly)."""
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def _scaled(value: int, width: float) -> int:
    return max(1, math.ceil(value * width))


def _pool_to_fit(shape: Shape, max_features: int) -> LayerSpec | None | bool:
    """The adaptive pool that makes ``shape`` flatten to at most ``max_features`` values: None
    when it already does, False when even a 1x1 map is too large."""
    c, h, w = shape
    if c * h * w <= max_features:
        return None
    if c > max_features:
        return False
    side = min(h, w, math.isqrt(max_features // c))
    return LayerSpec.of("AdaptiveAvgPool2d", output_size=side)


class _Walk:
    def __init__(self, parents: Sequence[WDG], fitness: Sequence[float], input_shape: Shape, num_classes: int,
                 rng: np.random.Generator, settings: WalkSettings) -> None:
        self.parents, self.fitness, self.rng, self.s = parents, fitness, rng, settings
        self.input_shape, self.num_classes = input_shape, num_classes
        self.layers: list[LayerSpec] = []
        self.shape: Shape = input_shape
        self.length = 0

    def _parent(self, node: str) -> WDG | None:
        holders = [i for i, p in enumerate(self.parents) if p.successors(node)]
        if not holders:
            return None
        weights = None if self.s.mode == "uniform" else rankdata([self.fitness[i] for i in holders])
        return self.parents[_draw(self.rng, holders, weights)]  # type: ignore[index]

    def _value(self, parent: WDG, kind: str, name: str) -> object:
        counts = parent.values(kind, name)
        options = list(counts)
        uniform = self.s.mode == "uniform" or self.s.param_counts == "uniform"
        return _draw(self.rng, options, None if uniform else [counts[v] for v in options])

    def _append(self, layer: LayerSpec) -> None:
        self.shape = layer.out_shape(len(self.layers), self.shape)
        self.layers.append(layer)
        self.length += 3 if layer.type == "Bottleneck" else 1

    def _place(self, kind: str, values: dict[str, object]) -> tuple[list[LayerSpec], str] | None:
        """The layers a drawn node becomes here, and the node the walk continues from (None: invalid)."""
        s, shape = self.s, self.shape
        on_map = len(shape) == 3
        if kind in MAP_ONLY and not on_map:
            return None
        if kind == "Conv2d":
            k, c = values["kernel_size"], _scaled(values["out_channels"], s.width)  # type: ignore[arg-type]
            if k % 2 == 0:  # type: ignore[operator]
                return None
            if self.rng.uniform() < s.residual:
                down = self.rng.uniform() < s.downsample and min(shape[1:]) >= 3
                planes = c if down else max(1, shape[0] // 2)
                return [LayerSpec.of("Bottleneck", planes=planes, stride=2 if down else 1)], "ReLU"
            return [LayerSpec.of("Conv2d", out_channels=c, kernel_size=k)], kind
        if kind == "Bottleneck":
            stride = values["stride"] if min(shape[1:]) >= 3 else 1
            planes = _scaled(values["planes"], s.width)  # type: ignore[arg-type]
            return [LayerSpec.of("Bottleneck", planes=planes, stride=stride)], kind
        if kind in ("MaxPool2d", "AvgPool2d") and values["kernel_size"] >= min(shape[1:]):  # type: ignore[operator]
            return None
        if kind == "AdaptiveAvgPool2d" and values["output_size"] > min(shape[1:]):  # type: ignore[operator]
            return None
        if kind == "Linear":
            before = _pool_to_fit(shape, s.max_features) if on_map else None
            if before is False:
                return None
            linear = LayerSpec.of("Linear", out_features=_scaled(values["out_features"], s.width))  # type: ignore[arg-type]
            return [before, linear] if before else [linear], kind  # type: ignore[list-item]
        return [LayerSpec.of(kind, **values)], kind

    def _step(self, node: str) -> str | None:
        """Append the next layer(s); the node to continue from, or None at the end of the walk."""
        for _ in range(self.s.max_redraws):
            parent = self._parent(node)
            if parent is None:
                return None
            successors = parent.successors(node)
            options = list(successors)
            weights = None if self.s.mode == "uniform" else [successors[v] for v in options]
            kind = _draw(self.rng, options, weights)
            if kind == END:
                return None
            values = {name: self._value(parent, kind, name) for name in LAYER_FIELDS[kind]}  # type: ignore[index]
            placed = self._place(kind, values)  # type: ignore[arg-type]
            if placed is not None:
                for layer in placed[0]:
                    self._append(layer)
                return placed[1]
        raise GenomeError(f"random walk: no valid layer after {node!r} on a {self.shape} input in "
                          f"max_redraws={self.s.max_redraws} draws (layer {len(self.layers)})")

    def run(self) -> MacroGenome:
        node: str | None = START
        while node is not None and self.length < self.s.max_length:
            node = self._step(node)
        self._close()
        return MacroGenome(self.layers, self.input_shape, self.num_classes)

    def _close(self) -> None:
        classifier = LayerSpec.of("Linear", out_features=self.num_classes)
        if self.layers and self.layers[-1].type == "Linear":
            self.layers.pop()
            self.shape = self._replay()
        if len(self.shape) == 3:
            before = _pool_to_fit(self.shape, self.s.max_features)
            if before is False:
                raise GenomeError(f"random walk: the {self.shape} map cannot be classified with at most "
                                  f"max_features={self.s.max_features} inputs")
            if before:
                self._append(before)
        self._append(classifier)

    def _replay(self) -> Shape:
        shape = self.input_shape
        for i, layer in enumerate(self.layers):
            shape = layer.out_shape(i, shape)
        return shape


def random_walk(parents: Sequence[WDG], fitness: Sequence[float], input_shape: Sequence[int], num_classes: int,
                rng: np.random.Generator, settings: WalkSettings | None = None) -> MacroGenome:
    """A macro genome walked over ``parents`` (rank roulette by ``fitness``, higher is better)."""
    if not parents:
        raise GenomeError("random walk needs at least one parent WDG")
    if len(fitness) != len(parents):
        raise GenomeError(f"random walk: {len(fitness)} fitness values for {len(parents)} parents")
    return _Walk(parents, fitness, tuple(input_shape), num_classes, rng, settings or WalkSettings()).run()
