"""`ShrinkConfig` (the ``[shrink]`` keys) and the shrink run config file: ``[shrink]``, ``[evaluator]``
(the score the shrinker ranks by) and an optional ``[cheap]`` (a second, cheaper evaluator for the
good-neighbour filter, e.g. a zero-cost proxy). Relative evaluator paths are resolved against the
config file's folder; the run's ``config.toml`` holds every default filled in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autospace.config import check_sections, non_negative, parse_parts, positive, read_toml, to_table
from autospace.errors import ConfigError, UnknownNameError
from autospace.evaluators.registry import EvaluatorSpec, parse_evaluator
from autospace.evolve.parallel import ParallelSettings
from autospace.genome import CellSpace, get_space, list_spaces
from autospace.shrink.base import list_shrinkers

SECTIONS = ("shrink", "evaluator", "cheap")
MAX_CELLS = 100_000
"""Bound of the cell counts (n, k, size): every one is held and compared per iteration."""


@dataclass(frozen=True)
class ShrinkConfig:
    """Settings of one shrink run (defaults: our choice for NAS-Bench-201, docs/lissnas.md).

    Args:
        method: ``lissnas`` or a baseline: ``random`` (a uniform subset of ``size`` cells),
            ``op_prune`` (ABS-like: per edge, drop the op of lowest mean score, down to ``size``)
            or ``autospace`` (the top-``size`` cells of an AutoSpace evolution run).
        space: the registered cell space to shrink.
        skeleton: the macro network the space is shrunk for (``layers`` defaults to its
            searchable layers; recorded in the shrunk space for ``autospace search``).
        layers: searchable layers, each shrunk on its own (1 for a cell-based space).
        seed: the one seed every random choice flows from.
        n: cells sampled (and scored) per iteration and layer, distinct by canonical key.
        k: seeds per iteration: the best scored cells of the current space.
        r: Hamming radius (Eq. 2) of the balls around the seeds that form the next space.
        eps: stop when the sample's mean score improves by less than this over the previous iteration.
        max_iters: at most this many sampling iterations.
        good_neighbours: keep only ball cells whose ``[cheap]`` score is at least the seeds'
            median cheap score (needs a ``[cheap]`` section).
        size: cells per layer of a baseline's space (required by ``random``, ``op_prune``, ``autospace``).
        queries: scored cells per layer a baseline may spend (``op_prune``, ``autospace``;
            None: ``n * max_iters``).
        population: population of the ``autospace`` baseline's evolution run.
    """

    method: str = "lissnas"
    space: str = "nb201"
    skeleton: str | None = None
    layers: int = 1
    seed: int = 0
    n: int = 20
    k: int = 5
    r: int = 1
    eps: float = 0.0
    max_iters: int = 4
    good_neighbours: bool = False
    size: int | None = None
    queries: int | None = None
    population: int = 20

    def __post_init__(self) -> None:
        if self.method not in list_shrinkers():
            raise UnknownNameError(f"shrink.method={self.method!r} is not a known shrinker; "
                                   f"choose one of {list_shrinkers()}")
        positive("shrink", self, "layers", "n", "k", "r", "max_iters", "population")
        non_negative("shrink", self, "seed")
        positive("shrink", self, *(name for name in ("size", "queries") if getattr(self, name) is not None))
        for name in ("n", "k", "size", "queries", "population"):
            value = getattr(self, name)
            if value is not None and value > MAX_CELLS:
                raise ConfigError(f"shrink.{name}={value!r} is more than the {MAX_CELLS:,} cells a run can hold")
        if self.layers > 1_000:
            raise ConfigError(f"shrink.layers={self.layers!r} is more than the 1,000 layers a run can hold")
        non_negative("shrink", self, "eps")
        if self.k > self.n:
            raise ConfigError(f"shrink.k={self.k!r} is more than shrink.n={self.n!r}: the seeds are the best of the "
                              "cells sampled")
        if self.method != "lissnas" and self.size is None:
            raise ConfigError(f"shrink.size is required by method={self.method!r} (cells per layer of its space)")

    @property
    def query_budget(self) -> int:
        """Scored cells per layer a baseline may spend."""
        return self.n * self.max_iters if self.queries is None else self.queries

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ShrinkRunConfig:
    """A validated shrink run.

    Attributes:
        shrink: the ``[shrink]`` settings.
        space: the cell space to shrink.
        evaluator: the parsed ``[evaluator]``.
        cheap: the parsed ``[cheap]`` evaluator, if any.
        parallel: where independent evaluators score (``[shrink] backend / workers / ...``).
    """

    shrink: ShrinkConfig
    space: CellSpace
    evaluator: EvaluatorSpec
    cheap: EvaluatorSpec | None = None
    parallel: ParallelSettings = field(default_factory=ParallelSettings)

    def to_tables(self) -> dict[str, dict[str, Any]]:
        tables = {"shrink": self.shrink.to_dict() | to_table(self.parallel), "evaluator": self.evaluator.to_table()}
        if self.cheap is not None:
            tables["cheap"] = self.cheap.to_table()
        return tables


def parse_shrink_config(data: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".",
                        overrides: Mapping[str, Any] | None = None) -> ShrinkRunConfig:
    """Validate the tables of a shrink config (the module docstring).

    Args:
        data: the TOML tables ``[shrink]``, ``[evaluator]`` and optionally ``[cheap]``.
        base_dir: the folder relative paths are taken relative to.
        overrides: values replacing ``[shrink]`` keys (CLI flags).

    Returns:
        The validated run.

    Raises:
        ConfigError: a missing section, a bad key or value (named), or ``good_neighbours`` without
            a ``[cheap]`` section.
        UnknownNameError: an unknown space or method.
    """
    check_sections(data, SECTIONS, "the shrink config")
    table = {**data.get("shrink", {}), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    skeleton = table.get("skeleton")
    if isinstance(skeleton, str) and "layers" not in table:
        from autospace.nn import get_skeleton  # an unknown name is an UnknownNameError

        table["layers"] = get_skeleton(skeleton).num_layers
    config, parallel = parse_parts((ShrinkConfig, ParallelSettings), "shrink", table)
    parallel.check("shrink")
    try:
        space = get_space(config.space)
    except UnknownNameError:
        raise UnknownNameError(f"shrink.space={config.space!r} is not a registered space; "
                               f"choose one of {list_spaces()}") from None
    check_counts(config, space)
    if "evaluator" not in data:
        raise ConfigError("[evaluator] section is missing (at least: name = ...)")
    evaluator = parse_evaluator(data["evaluator"], base_dir)
    cheap = None
    if "cheap" in data:
        try:
            cheap = parse_evaluator(data["cheap"], base_dir)
        except ConfigError as exc:
            raise type(exc)(f"[cheap] {exc}") from None
    if config.good_neighbours and cheap is None:
        raise ConfigError("shrink.good_neighbours=true needs a [cheap] evaluator section")
    return ShrinkRunConfig(config, space, evaluator, cheap, parallel)


def check_counts(config: ShrinkConfig, space: CellSpace) -> None:
    """``n`` at most the space's distinct cells (they are sampled distinct by canonical key) and
    ``size`` at most its cells: a `ConfigError` naming the field, the value and the space's count."""
    if config.size is not None and config.size > space.size:
        raise ConfigError(f"shrink.size={config.size!r} is more than the {space.size:,} cells of space {space.name!r}")
    if config.n > space.size or config.n > space.distinct_size:
        raise ConfigError(f"shrink.n={config.n!r} is more than the {space.distinct_size:,} distinct cells (canonical "
                          f"classes) of space {space.name!r}")


def load_shrink_config(path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None) -> ShrinkRunConfig:
    """Read and validate a TOML shrink config.

    Args:
        path: the config file; relative paths in it are relative to its folder.
        overrides: values replacing ``[shrink]`` keys.

    Returns:
        The validated run.

    Raises:
        ConfigError: a missing or malformed file, or what `parse_shrink_config` refuses.
    """
    path = Path(path)
    return parse_shrink_config(read_toml(path, what="config"), path.parent, overrides)
