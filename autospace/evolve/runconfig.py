"""Run configuration files (TOML) for ``autospace evolve``.

```toml
[evolve]                 # EvolveConfig fields, plus space, skeleton and workers
space = "nb201"
strategy = "autospace"
population = 20
rounds = 30
seed = 0

[reference]              # optional; exactly one of nb201 / genome / file
nb201 = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"

[evaluator]              # name + that evaluator's keys (see autospace.evaluators.registry)
name = "tabular"
path = "../../shared/data/nb201/cifar10.csv"
```

Relative paths (``[evaluator]`` path keys, ``[reference] file``) are resolved against the
directory of the config file; the resolved config a run writes holds absolute paths and every
default filled in.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from autospace.errors import ConfigError, GenomeError
from autospace.evaluators.base import Evaluator
from autospace.evaluators.registry import make_evaluator, resolve_evaluator_config
from autospace.evolve import toml
from autospace.evolve.config import EvolveConfig
from autospace.genome import CellSpace, Genome, get_space

SECTIONS = ("evolve", "reference", "evaluator")
RUN_KEYS = {"space": "autospace", "skeleton": None, "workers": 1}
REFERENCE_KEYS = ("nb201", "genome", "file")


@dataclass
class RunConfig:
    """A validated, resolved run configuration."""

    space: CellSpace
    skeleton: str | None
    workers: int
    evolve: EvolveConfig
    reference: Genome | None
    evaluator: dict[str, Any]

    def build_evaluator(self) -> Evaluator:
        return make_evaluator(self.evaluator, space=self.space, layers=self.evolve.layers)

    def to_tables(self) -> dict[str, dict[str, Any]]:
        evolve = {"space": self.space.name, "skeleton": self.skeleton, "workers": self.workers}
        evolve |= self.evolve.to_dict()
        tables: dict[str, dict[str, Any]] = {"evolve": evolve}
        if self.reference is not None:
            tables["reference"] = {"genome": self.reference.to_dict()}
        tables["evaluator"] = dict(self.evaluator)
        return tables

    def to_toml(self) -> str:
        return toml.dumps(self.to_tables())


def load_run_config(path: str | os.PathLike[str], overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read and validate a TOML run config; ``overrides`` replace ``[evolve]`` keys (CLI flags)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config {str(path)!r} is not valid TOML: {exc}") from None
    return parse_run_config(data, path.parent, overrides)


def parse_run_config(
    data: dict[str, Any], base_dir: str | os.PathLike[str], overrides: dict[str, Any] | None = None
) -> RunConfig:
    """Validate the tables of a run config (see the module docstring)."""
    for name, table in data.items():
        if name not in SECTIONS:
            raise ConfigError(f"[{name}] is not a config section; sections: {list(SECTIONS)}")
        if not isinstance(table, dict):
            raise ConfigError(f"{name} must be a table ([{name}])")
    evolve = dict(data.get("evolve", {}))
    evolve.update({k: v for k, v in (overrides or {}).items() if v is not None})
    known = set(RUN_KEYS) | {f.name for f in fields(EvolveConfig)}
    for key in evolve:
        if key not in known:
            raise ConfigError(f"evolve.{key} is not a config key; keys: {sorted(known)}")
    run = {key: evolve.pop(key, default) for key, default in RUN_KEYS.items()}
    try:
        space = get_space(run["space"])
    except GenomeError:
        raise ConfigError(f"evolve.space={run['space']!r} is not a registered space") from None
    if run["skeleton"] is not None and not isinstance(run["skeleton"], str):
        raise ConfigError(f"evolve.skeleton={run['skeleton']!r} must be a skeleton name")
    if isinstance(run["workers"], bool) or not isinstance(run["workers"], int) or run["workers"] < 1:
        raise ConfigError(f"evolve.workers={run['workers']!r} must be an integer >= 1")
    if run["skeleton"] is not None and "layers" not in evolve:
        from autospace.evaluators.cost import skeleton_layer_specs

        evolve["layers"] = len(skeleton_layer_specs(run["skeleton"]))
    if "madds_cap" in evolve and run["skeleton"] is None:
        raise ConfigError("evolve.madds_cap needs evolve.skeleton (the cost model of its layers)")
    try:
        config = EvolveConfig(**evolve)
    except ConfigError as exc:
        raise ConfigError(f"evolve.{exc}") from None
    if "evaluator" not in data:
        raise ConfigError("[evaluator] section is missing (at least: name = ...)")
    evaluator = resolve_evaluator_config(data["evaluator"], base_dir)
    reference = _reference(data.get("reference"), space, Path(base_dir))
    return RunConfig(space, run["skeleton"], run["workers"], config, reference, evaluator)


def _reference(table: dict[str, Any] | None, space: CellSpace, base_dir: Path) -> Genome | None:
    if table is None:
        return None
    for key in table:
        if key not in REFERENCE_KEYS:
            raise ConfigError(f"reference.{key} is not a config key; keys: {list(REFERENCE_KEYS)}")
    if len(table) != 1:
        raise ConfigError(f"[reference] needs exactly one of {list(REFERENCE_KEYS)}, got {sorted(table)}")
    key, value = next(iter(table.items()))
    try:
        if key == "nb201":
            return Genome.from_nb201(value, space)
        if key == "genome":
            return Genome.from_dict(value, space)
        path = base_dir / str(value)
        try:
            return Genome.from_dict(json.loads(path.read_text()), space)
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"reference.file={str(path)!r} cannot be read as genome JSON: {exc}") from None
    except GenomeError as exc:
        raise ConfigError(f"reference.{key}: {exc}") from None
