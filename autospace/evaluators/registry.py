"""Evaluators by name, so config files can name them (``[evaluator] name = "tabular"``).

``register_evaluator(name, factory, settings=(Cls, ...), path_keys=(...))``: the keys of an
``[evaluator]`` section are ``name`` and the fields of the settings dataclasses;
``factory(*settings, space=..., layers=...)`` builds the evaluator; a relative path in a
``path_keys`` key is resolved against the config file's directory. Torch-based evaluators register
themselves when their module is first imported (`TORCH_EVALUATORS`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.config import keys_of, parse_parts, to_table
from autospace.errors import ConfigError
from autospace.evaluators.analytic import AnalyticEvaluator
from autospace.evaluators.base import Evaluator
from autospace.evaluators.cost import CostEvaluator
from autospace.evaluators.tabular import TabularEvaluator
from autospace.files import resolved
from autospace.genome import CellSpace
from autospace.registry import Registry

EvaluatorFactory = Callable[..., Evaluator]

TORCH_EVALUATORS = {
    "supernet": ("autospace.evaluators.supernet", "SupernetEvaluator"),
    "low_fidelity": ("autospace.evaluators.low_fidelity", "LowFidelityEvaluator"),
    "mixed": ("autospace.evaluators.mixed", "MixedEvaluator"),
    "zero_cost": ("autospace.evaluators.zero_cost", "ZeroCostEvaluator"),
}
"""Built-in evaluators that need torch: name -> (the module that registers it on import, its class).
They are imported on first use, so that runs with table or analytic scores start without torch."""


@dataclass(frozen=True)
class EvaluatorEntry:
    """A registered evaluator: its factory, settings dataclasses and path keys."""

    name: str
    factory: EvaluatorFactory
    settings: tuple[type, ...]
    path_keys: tuple[str, ...]

    def keys(self) -> list[str]:
        """The keys of its ``[evaluator]`` section besides ``name``."""
        return [key for cls in self.settings for key in keys_of(cls)]


@dataclass(frozen=True)
class EvaluatorSpec:
    """A parsed ``[evaluator]`` section, relative paths resolved.

    Attributes:
        name: the evaluator's registered name.
        settings: one settings object per settings dataclass it registered.
    """

    name: str
    settings: tuple[Any, ...]

    def create(self, *, space: CellSpace, layers: int = 1) -> Evaluator:
        """Build the evaluator for a run.

        Args:
            space: the run's space.
            layers: the run's number of searchable layers.

        Returns:
            The evaluator.
        """
        return get_evaluator(self.name).factory(*self.settings, space=space, layers=layers)

    def to_table(self) -> dict[str, Any]:
        """The section as a TOML table, every default filled in."""
        table: dict[str, Any] = {"name": self.name}
        for part in self.settings:
            table |= to_table(part)
        return table


_EVALUATORS: Registry[EvaluatorEntry] = Registry(
    "evaluator", lazy={name: module for name, (module, _) in TORCH_EVALUATORS.items()}
)


def register_evaluator(name: str, factory: EvaluatorFactory, *, settings: type | tuple[type, ...] = (),
                       path_keys: tuple[str, ...] = (), overwrite: bool = False) -> None:
    """Make ``factory`` available under ``name`` in config files and `create_evaluator`.

    Args:
        name: the ``[evaluator] name`` it answers to.
        factory: ``factory(*settings_objects, space=..., layers=...) -> Evaluator``.
        settings: the dataclass(es) whose fields are its ``[evaluator]`` keys; they must not overlap.
        path_keys: keys holding paths, resolved against the config file's folder.
        overwrite: replace another evaluator registered under the same name.

    Raises:
        ConfigError: settings keys that overlap (or are ``name``), or path keys that are not keys.
        UnknownNameError: the name is taken without ``overwrite``.
    """
    parts = settings if isinstance(settings, tuple) else (settings,)
    entry = EvaluatorEntry(name, factory, parts, tuple(path_keys))
    keys = entry.keys()
    clash = sorted({k for k in keys if keys.count(k) > 1} | ({"name"} & set(keys)))
    if clash:
        raise ConfigError(f"evaluator {name!r}: settings key {clash[0]!r} is taken (by another dataclass or 'name')")
    if set(entry.path_keys) - set(keys):
        raise ConfigError(f"evaluator {name!r}: path_keys {sorted(set(entry.path_keys) - set(keys))} are not keys")
    _EVALUATORS.register(name, entry, overwrite=overwrite)


def get_evaluator(name: str) -> EvaluatorEntry:
    """The evaluator registered as ``name`` (a built-in is imported on first use).

    Args:
        name: a registered evaluator name.

    Returns:
        Its registry entry: factory, settings dataclasses (``keys()`` lists its keys) and path keys.

    Raises:
        UnknownNameError: no evaluator has that name; the message lists the known ones.
    """
    return _EVALUATORS.get(name)


def list_evaluators() -> list[str]:
    """Names of the registered evaluators (the built-in ones included)."""
    return _EVALUATORS.names()


def parse_evaluator(section: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".") -> EvaluatorSpec:
    """Validate an ``[evaluator]`` section.

    Args:
        section: the table, with ``name`` and that evaluator's keys.
        base_dir: the folder relative paths are taken relative to (a config file's folder).

    Returns:
        The parsed section; `EvaluatorSpec.create` builds the evaluator.

    Raises:
        ConfigError: a missing or unknown name, or a bad key or value (the message names it).
    """
    if not isinstance(section, Mapping):
        raise ConfigError(f"[evaluator] must be a table of keys, got {section!r}")
    name = section.get("name")
    if not isinstance(name, str):
        raise ConfigError(f"evaluator.name={name!r} must name an evaluator; choose one of {list_evaluators()}")
    entry = get_evaluator(name)
    data = {k: v for k, v in section.items() if k != "name"}
    for key in entry.path_keys:
        if isinstance(data.get(key), str):
            data[key] = str(resolved(Path(base_dir) / data[key], f"evaluator.{key}", ConfigError))
    return EvaluatorSpec(name, parse_parts(entry.settings, "evaluator", data))


def create_evaluator(name: str, *, space: CellSpace, layers: int = 1, **keys: Any) -> Evaluator:
    """The evaluator ``name`` built from ``[evaluator]`` keys.

    For example ``create_evaluator("tabular", space=nb201, path="cifar10.csv")``.

    Args:
        name: a registered evaluator name (`list_evaluators`).
        space: the space of the cells it will score.
        layers: the number of searchable layers of the run.
        **keys: that evaluator's ``[evaluator]`` keys; relative paths are relative to the working
            directory.

    Returns:
        The evaluator.

    Raises:
        ConfigError: an unknown name, key or a bad value (the message names it).
    """
    return parse_evaluator({"name": name, **keys}).create(space=space, layers=layers)


@dataclass(frozen=True)
class TabularSettings:
    """``[evaluator]`` keys of ``tabular``: the CSV table and its metric columns."""

    path: str
    search_metric: str = "val12"
    report_metric: str = "test200"


@dataclass(frozen=True)
class AnalyticSettings:
    """``[evaluator]`` keys of ``analytic``: the seed of its target cells and a per-query delay."""

    seed: int = 0
    delay: float = 0.0


@dataclass(frozen=True)
class CostSettings:
    """``[evaluator]`` keys of ``cost``: the skeleton whose cost model scores, and the metric."""

    skeleton: str
    metric: str = "madds"
    minimize: bool = True


def _tabular(s: TabularSettings, *, space: CellSpace, layers: int) -> TabularEvaluator:
    return TabularEvaluator.from_csv(s.path, search_metric=s.search_metric, report_metric=s.report_metric, space=space)


def _analytic(s: AnalyticSettings, *, space: CellSpace, layers: int) -> AnalyticEvaluator:
    return AnalyticEvaluator(space, layers=layers, seed=s.seed, delay=s.delay)


def _cost(s: CostSettings, *, space: CellSpace, layers: int) -> CostEvaluator:
    return CostEvaluator(s.skeleton, metric=s.metric, minimize=s.minimize)


register_evaluator("tabular", _tabular, settings=TabularSettings, path_keys=("path",))
register_evaluator("analytic", _analytic, settings=AnalyticSettings)
register_evaluator("cost", _cost, settings=CostSettings)
