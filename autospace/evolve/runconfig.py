"""Run configuration files (TOML) of ``autospace evolve`` and the ``config.toml`` of every evolution
run directory (docs/formats.md): ``[evolve]`` (`EvolveRun`, `ParallelSettings` and `EvolveConfig`
keys), an optional ``[reference]`` (exactly one of nb201 / genome / file), ``[evaluator]`` (name + its keys) and, for
``space = "macro"`` (LCMNAS macro search), ``[lcmnas]`` (`MacroSettings` + `WalkSettings` keys).

Relative paths (``[evaluator]`` path keys, ``[reference] file``) are resolved against the config
file's directory; the config a run writes holds absolute paths and every default filled in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.config import check_sections, parse_parts, parse_section, read_toml, to_table
from autospace.errors import ConfigError, GenomeError, UnknownNameError
from autospace.evaluators.base import Evaluator
from autospace.evaluators.registry import EvaluatorSpec, parse_evaluator
from autospace.evolve.config import EvolveConfig
from autospace.evolve.parallel import ParallelSettings
from autospace.files import resolved
from autospace.genome import CellSpace, Genome, get_space, list_spaces
from autospace.genome.genome import read_document
from autospace.macro.space import MacroSettings, MacroSpace
from autospace.macro.walk import WalkSettings

SECTIONS = ("evolve", "reference", "evaluator", "lcmnas")


@dataclass(frozen=True)
class EvolveRun:
    """The ``[evolve]`` keys that are not `EvolveConfig` fields.

    Args:
        space: a registered cell space, or ``macro`` (whole networks, `MacroSpace`, set up by ``[lcmnas]``).
        skeleton: macro network (`autospace.nn`): ``layers`` defaults to its searchable layers
            and ``madds_cap`` uses its cost model.
        cells: a ``shrunk_space.json`` (`autospace shrink`; relative to the config file) whose
            cells every layer is restricted to (None: all of ``space``).
    """

    space: str = "autospace"
    skeleton: str | None = None
    cells: str | None = None


@dataclass(frozen=True)
class ReferenceSettings:
    """``[reference]``: exactly one of an NB201 string, a genome table or a genome JSON file."""

    nb201: str | None = None
    genome: dict[str, Any] | None = None
    file: str | None = None

    def __post_init__(self) -> None:
        given = [k for k in ("nb201", "genome", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ConfigError(f"[reference] needs exactly one of ['nb201', 'genome', 'file'], got {given}")

    def genome_in(self, space: CellSpace, base_dir: Path) -> Genome:
        """The reference genome (``file`` relative to ``base_dir``)."""
        if self.file is not None:
            path = base_dir / self.file
            try:
                return Genome.from_dict(read_document(path, "genome", ConfigError), space)
            except GenomeError as exc:
                raise ConfigError(f"reference.file={str(path)!r}: {exc}") from None
        key = "nb201" if self.nb201 is not None else "genome"
        try:
            if self.nb201 is not None:
                return Genome.from_nb201(self.nb201, space)
            return Genome.from_dict(self.genome, space)
        except GenomeError as exc:
            raise ConfigError(f"reference.{key}: {exc}") from None


@dataclass(frozen=True)
class RunConfig:
    """A validated, resolved run configuration (a config file's ``[evolve]``, ``[reference]`` and
    ``[evaluator]``).

    Attributes:
        space: the cell or macro space.
        skeleton: the skeleton name, if any.
        parallel: where independent evaluators score.
        evolve: the engine settings.
        reference: the reference cell, if any.
        evaluator: the parsed ``[evaluator]`` (None: an evaluator given as an object, which a config
            file cannot describe).
        cells: the cells every layer is restricted to, if any.
        cells_file: the ``shrunk_space.json`` they came from, if any.
    """

    space: CellSpace | MacroSpace
    skeleton: str | None
    parallel: ParallelSettings
    evolve: EvolveConfig
    reference: Genome | None
    evaluator: EvaluatorSpec | None
    cells: tuple[tuple[Genome, ...], ...] | None = None
    cells_file: str | None = None

    def build_evaluator(self) -> Evaluator:
        """Build the ``[evaluator]``.

        Returns:
            The evaluator, for this config's space and layers.

        Raises:
            ConfigError: the config has no ``[evaluator]``.
        """
        if self.evaluator is None:
            raise ConfigError("the run config has no [evaluator] section (its evaluator was a Python object)")
        return self.evaluator.create(space=self.space, layers=self.evolve.layers)

    def to_tables(self) -> dict[str, dict[str, Any]]:
        """The config as TOML tables (None values are left out when written)."""
        evolve = {"space": self.space.name, "skeleton": self.skeleton, **to_table(self.parallel), "cells": self.cells_file}
        tables: dict[str, dict[str, Any]] = {"evolve": evolve | self.evolve.to_dict()}
        if isinstance(self.space, MacroSpace):
            tables["lcmnas"] = self.space.to_table()
        if self.reference is not None:
            tables["reference"] = {"genome": self.reference.to_dict()}
        if self.evaluator is not None:
            tables["evaluator"] = self.evaluator.to_table()
        return tables


def default_layers(table: Mapping[str, Any], skeleton: Any) -> dict[str, Any]:
    """``[evolve]`` keys with ``layers`` set to the skeleton's searchable layers unless given."""
    if isinstance(skeleton, str) and "layers" not in table:
        from autospace.nn import get_skeleton

        return {**table, "layers": get_skeleton(skeleton).num_layers}
    return dict(table)


def _space(run: EvolveRun, config: EvolveConfig, data: Mapping[str, Any], base_dir: Path) -> CellSpace | MacroSpace:
    """The run's space: a registered cell space, or the macro space of ``[lcmnas]``."""
    macro = run.space == MacroSpace.name
    if macro != (config.strategy == "lcmnas"):
        raise ConfigError(f"evolve.strategy={config.strategy!r} and evolve.space={run.space!r} do not fit: "
                          "strategy 'lcmnas' searches space 'macro', and only it does")
    if not macro:
        if "lcmnas" in data:
            raise ConfigError(f"[lcmnas] is only for evolve.space='macro', got evolve.space={run.space!r}")
        try:
            return get_space(run.space)
        except UnknownNameError:
            raise ConfigError(f"evolve.space={run.space!r} is not a registered space; "
                              f"choose one of {list_spaces() + ['macro']}") from None
    if run.skeleton is not None:
        raise ConfigError(f"evolve.space='macro' takes no skeleton (a macro genome is the whole network), "
                          f"got evolve.skeleton={run.skeleton!r}")
    if "reference" in data:
        raise ConfigError("evolve.space='macro' takes no [reference] (the reference constraint is for cells)")
    settings, walk = parse_parts((MacroSettings, WalkSettings), "lcmnas", data.get("lcmnas", {}))
    return MacroSpace(settings, walk, base_dir)


def load_run_config(path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None) -> RunConfig:
    """Read and validate a TOML run config.

    Args:
        path: the config file; relative paths in it are relative to its folder.
        overrides: values replacing ``[evolve]`` keys (CLI flags).

    Returns:
        The resolved configuration.

    Raises:
        ConfigError: a missing or malformed file, or a bad section, key or value (named).
    """
    path = Path(path)
    return parse_run_config(read_toml(path, what="config"), path.parent, overrides)


def parse_run_config(
    data: Mapping[str, Any], base_dir: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None
) -> RunConfig:
    """Validate the tables of a run config (see the module docstring)."""
    check_sections(data, SECTIONS, "the run config")
    table = {**data.get("evolve", {}), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    run, parallel, config = parse_parts((EvolveRun, ParallelSettings, EvolveConfig), "evolve",
                                        default_layers(table, table.get("skeleton")))
    parallel.check("evolve")
    space = _space(run, config, data, Path(base_dir))
    if run.skeleton is not None:
        from autospace.nn import get_skeleton  # an unknown name is an UnknownNameError

        get_skeleton(run.skeleton)
    if config.madds_cap is not None and run.skeleton is None:
        raise ConfigError("evolve.madds_cap needs evolve.skeleton (the cost model of its layers)")
    if "evaluator" not in data:
        raise ConfigError("[evaluator] section is missing (at least: name = ...)")
    evaluator = parse_evaluator(data["evaluator"], base_dir)
    reference = None
    if "reference" in data:
        reference = parse_section(ReferenceSettings, "reference", data["reference"]).genome_in(space, Path(base_dir))
    cells, cells_file = None, None
    if run.cells is not None:
        cells_file = str(resolved(Path(base_dir) / run.cells, "evolve.cells", ConfigError))
        cells = shrunk_cells(cells_file, space, config.layers)
    return RunConfig(space, run.skeleton, parallel, config, reference, evaluator, cells, cells_file)


def shrunk_cells(path: str, space: CellSpace, layers: int) -> tuple[tuple[Genome, ...], ...]:
    """The cells per layer of the shrunk space file ``path`` (one shrunk layer serves every layer)."""
    from autospace.shrink.space import ShrunkSpace  # autospace.shrink imports the engine

    try:
        shrunk = ShrunkSpace.load(path)
    except GenomeError as exc:
        raise ConfigError(f"evolve.cells: {exc}") from None
    if shrunk.space.name != space.name:
        raise ConfigError(f"evolve.cells={path!r} shrinks space {shrunk.space.name!r}, not evolve.space={space.name!r}")
    if shrunk.num_layers not in (1, layers):
        raise ConfigError(f"evolve.cells={path!r} has {shrunk.num_layers} layers, expected 1 or layers={layers}")
    return shrunk.layers * layers if shrunk.num_layers == 1 else shrunk.layers
