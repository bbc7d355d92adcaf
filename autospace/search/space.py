"""`LayerSpace`: the candidate cells of every searchable layer, as phase 2 sees them (`resolve_space`).

Sources: a learned space (its top-K cells per layer); ``irb``, the paper's manual space (the same 6
inverted residual blocks at every layer); ``open``: ``open_k`` non-zero cells per layer drawn from the
full AutoSpace space with ``numpy.random.default_rng(seed)`` (its 93,750 cells do not fit in a supernet;
the direct EA searches all of them). Every source gets the zero (skip) cell where the layer allows it
(stride 1, ``c_in == c_out``: the identity through the residual) and loses it where it does not (there
it would output zeros and cut the network).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autospace.errors import ConfigError
from autospace.evolve import LearnedSpace
from autospace.files import check_file, stat_path
from autospace.genome import CellSpace, Genome, get_space
from autospace.macro.space import MacroSpace
from autospace.nn import SearchableLayer, Skeleton
from autospace.shrink.space import ShrunkSpace, is_shrunk_file

MANUAL = "irb"
OPEN = "open"


@dataclass(frozen=True)
class LayerSpace:
    """The candidates of every layer of a phase-2 search.

    Attributes:
        space: the cells' space.
        candidates: ``candidates[l]``: the cells layer ``l`` may take (distinct by canonical key).
        source: where they came from (``irb``, ``open`` or a learned space's path).
    """

    space: CellSpace
    candidates: tuple[tuple[Genome, ...], ...]
    source: str

    @property
    def num_layers(self) -> int:
        return len(self.candidates)

    def sizes(self) -> list[int]:
        """The number of candidates of every layer."""
        return [len(c) for c in self.candidates]

    def index(self, layer: int, genome: Genome) -> int:
        """Position of ``genome`` among layer ``layer``'s candidates.

        Args:
            layer: a searchable layer.
            genome: one of its candidates.

        Returns:
            Its index.

        Raises:
            ConfigError: the genome is not a candidate of that layer.
        """
        try:
            return self.candidates[layer].index(genome)
        except ValueError:
            raise ConfigError(f"layer {layer}: genome {genome!r} is not a candidate of space {self.source!r}") from None


def skip_allowed(spec: SearchableLayer) -> bool:
    """A layer may be skipped when its cell has a residual (stride 1, same width)."""
    return spec.stride == 1 and spec.c_in == spec.c_out


def zero_genome(space: CellSpace) -> Genome:
    """The cell of ``space`` that computes zero (every edge the zero op)."""
    if space.zero_op is None:
        raise ConfigError(f"space {space.name!r} has no zero op, so no layer can be skipped")
    ratio = space.ratios[0] if space.has_ratio else None
    return Genome(space, [space.zero_op] * space.num_edges, ratio)


def _with_skip_rule(space: CellSpace, cells: list[Genome], spec: SearchableLayer) -> tuple[Genome, ...]:
    """Non-zero cells, distinct by key, in order; then the zero cell where the layer allows it."""
    seen: set[str] = set()
    out: list[Genome] = []
    for g in cells:
        if not g.is_zero and g.key not in seen:
            seen.add(g.key)
            out.append(g)
    if skip_allowed(spec) and space.zero_op is not None:
        out.append(zero_genome(space))
    if not out:
        raise ConfigError(f"layer {spec.index} has no candidate cell (only zero cells, and it cannot be skipped)")
    return tuple(out)


def manual_space(skeleton: Skeleton) -> LayerSpace:
    """The ``irb`` space at every layer (kernel 3/5/7 x expansion 3/6, plus skip)."""
    space = get_space(MANUAL)
    cells = list(space.enumerate())
    return LayerSpace(space, tuple(_with_skip_rule(space, cells, s) for s in skeleton.layers), MANUAL)


def open_space_sample(skeleton: Skeleton, k: int, seed: int) -> LayerSpace:
    """``k`` uniformly drawn non-zero open-space cells per layer (seeded), plus skip."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ConfigError(f"open_k must be a positive integer, got open_k={k!r}")
    space = get_space("autospace")
    rng = np.random.default_rng(seed)
    layers = []
    for spec in skeleton.layers:
        cells: dict[str, Genome] = {}
        while len(cells) < k:
            g = space.sample(rng)
            if not g.is_zero:
                cells.setdefault(g.key, g)
        layers.append(_with_skip_rule(space, list(cells.values()), spec))
    return LayerSpace(space, tuple(layers), OPEN)


def learned_space(path: str | Path, skeleton: Skeleton) -> LayerSpace:
    """The top-K cells per layer of a learned space file; its layer count must match ``skeleton``."""
    learned = LearnedSpace.load(path)
    if isinstance(learned.space, MacroSpace):
        raise ConfigError(f"space {str(path)!r} is a macro learned space (whole networks from strategy 'lcmnas'); "
                          "phase-2 search picks cells per layer and needs a cell space")
    if len(learned.layers) != skeleton.num_layers:
        raise ConfigError(
            f"space {str(path)!r} has {len(learned.layers)} layers but skeleton {skeleton.name!r} "
            f"has {skeleton.num_layers} searchable layers"
        )
    layers = tuple(
        _with_skip_rule(learned.space, [r.genome for r in ranked], spec)
        for ranked, spec in zip(learned.layers, skeleton.layers)
    )
    return LayerSpace(learned.space, layers, str(path))


def shrunk_space(path: str | Path, skeleton: Skeleton) -> LayerSpace:
    """The cells of a shrunk space file per layer (one shrunk layer serves every layer of ``skeleton``)."""
    shrunk = ShrunkSpace.load(path)
    if shrunk.num_layers not in (1, skeleton.num_layers):
        raise ConfigError(f"space {str(path)!r} has {shrunk.num_layers} layers but skeleton {skeleton.name!r} "
                          f"has {skeleton.num_layers} searchable layers")
    cells = shrunk.layers * skeleton.num_layers if shrunk.num_layers == 1 else shrunk.layers
    layers = tuple(_with_skip_rule(shrunk.space, list(c), spec) for c, spec in zip(cells, skeleton.layers))
    return LayerSpace(shrunk.space, layers, str(path))


def file_skeleton(path: str | Path) -> str | None:
    """The skeleton a learned or shrunk space file was made for (None: any)."""
    return ShrunkSpace.load(path).skeleton if is_shrunk_file(path) else LearnedSpace.load(path).skeleton


def resolve_space(name: str, skeleton: Skeleton, *, open_k: int = 7, seed: int = 0) -> LayerSpace:
    """A named space or a space file as a `LayerSpace` on ``skeleton``.

    Args:
        name: ``irb``, ``open`` or the path of a learned or shrunk space JSON.
        skeleton: the skeleton the candidates are for.
        open_k: candidates per layer sampled from the open space.
        seed: the seed of that sample.

    Returns:
        The candidates per layer.

    Raises:
        ConfigError: any other name, or a file that does not fit the skeleton.
    """
    if name == MANUAL:
        return manual_space(skeleton)
    if name == OPEN:
        return open_space_sample(skeleton, open_k, seed)
    check_space_name(name)
    return shrunk_space(name, skeleton) if is_shrunk_file(name) else learned_space(name, skeleton)


def check_space_name(name: str) -> None:
    """`ConfigError` naming ``space`` unless it is ``irb``, ``open`` or an existing file."""
    if name in (MANUAL, OPEN):
        return
    if stat_path(name, "space", ConfigError) is None:
        raise ConfigError(f"space={name!r} is neither 'irb', 'open' nor an existing learned_space.json "
                          "or shrunk_space.json")
    check_file(name, "space", ConfigError)
