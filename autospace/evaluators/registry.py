"""Evaluators by name, so config files can name them (``[evaluator] name = "tabular"``).

A factory is a callable ``factory(*, space, layers, **params) -> Evaluator``; ``space`` and
``layers`` come from the run, every other keyword parameter is a config key, and its default
(if any) is the key's default. Keys listed as ``path_keys`` are file paths: a relative path is
resolved against the directory of the config file. The supernet registers itself the same way.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.errors import ConfigError
from autospace.evaluators.analytic import AnalyticEvaluator
from autospace.evaluators.base import Evaluator
from autospace.evaluators.cost import CostEvaluator
from autospace.evaluators.tabular import TabularEvaluator
from autospace.genome import CellSpace

EvaluatorFactory = Callable[..., Evaluator]
_CONTEXT = ("space", "layers")
_REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class _Entry:
    factory: EvaluatorFactory
    path_keys: tuple[str, ...]

    def params(self) -> dict[str, Any]:
        """Config key -> default (``inspect.Parameter.empty`` when required)."""
        sig = inspect.signature(self.factory)
        return {n: p.default for n, p in sig.parameters.items() if n not in _CONTEXT and p.kind is p.KEYWORD_ONLY}


_REGISTRY: dict[str, _Entry] = {}
# evaluators whose module registers them on import, imported when their name is first used
_LAZY_MODULES = {
    "supernet": "autospace.evaluators.supernet",
    "low_fidelity": "autospace.evaluators.low_fidelity",
    "mixed": "autospace.evaluators.mixed",
    "zero_cost": "autospace.evaluators.zero_cost",
}


def register_evaluator(
    name: str, factory: EvaluatorFactory, *, path_keys: tuple[str, ...] = (), overwrite: bool = False
) -> None:
    """Make ``factory`` available under ``name`` in config files."""
    if name in _REGISTRY and not overwrite:
        raise ConfigError(f"evaluator name={name!r} is already registered (pass overwrite=True)")
    _REGISTRY[name] = _Entry(factory, tuple(path_keys))


def list_evaluators() -> list[str]:
    """Names of the registered evaluators (and of the built-in ones imported on first use)."""
    return sorted(set(_REGISTRY) | set(_LAZY_MODULES))


def _entry(name: Any) -> _Entry:
    if isinstance(name, str) and name not in _REGISTRY and name in _LAZY_MODULES:
        importlib.import_module(_LAZY_MODULES[name])
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ConfigError(f"evaluator.name={name!r} is not a registered evaluator; choose one of {list_evaluators()}")
    return _REGISTRY[name]


def _check_type(key: str, value: Any, default: Any) -> None:
    if default is _REQUIRED or default is None:
        return
    expected = (int, float) if isinstance(default, float) else type(default)
    if isinstance(value, bool) and not isinstance(default, bool) or not isinstance(value, expected):
        raise ConfigError(f"evaluator.{key}={value!r} must be of type {type(default).__name__}")


def resolve_evaluator_config(section: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """Validate an ``[evaluator]`` section and fill in defaults; relative paths become absolute."""
    entry = _entry(section.get("name"))
    params = entry.params()
    resolved: dict[str, Any] = {"name": section["name"]}
    for key, value in section.items():
        if key == "name":
            continue
        if key not in params:
            raise ConfigError(f"evaluator.{key} is not a key of evaluator {section['name']!r}; keys: {sorted(params)}")
        _check_type(key, value, params[key])
    for key, default in params.items():
        if key in section:
            value = section[key]
        elif default is _REQUIRED:
            raise ConfigError(f"evaluator.{key} is required for evaluator {section['name']!r}")
        else:
            value = default
        if key in entry.path_keys and value is not None:
            value = str((Path(base_dir) / str(value)).resolve())
        if value is not None:
            resolved[key] = value
    return resolved


def make_evaluator(config: Mapping[str, Any], *, space: CellSpace, layers: int = 1) -> Evaluator:
    """Build the evaluator a resolved ``[evaluator]`` section describes."""
    entry = _entry(config.get("name"))
    params = {k: v for k, v in config.items() if k != "name"}
    return entry.factory(space=space, layers=layers, **params)


def _tabular(
    *, space: CellSpace, layers: int, path: str, search_metric: str = "val12", report_metric: str = "test200"
) -> TabularEvaluator:
    return TabularEvaluator.from_csv(path, search_metric=search_metric, report_metric=report_metric, space=space)


def _analytic(*, space: CellSpace, layers: int, seed: int = 0, delay: float = 0.0) -> AnalyticEvaluator:
    return AnalyticEvaluator(space, layers=layers, seed=seed, delay=delay)


def _cost(
    *, space: CellSpace, layers: int, skeleton: str, metric: str = "madds", minimize: bool = True
) -> CostEvaluator:
    return CostEvaluator(skeleton, metric=metric, minimize=minimize)


register_evaluator("tabular", _tabular, path_keys=("path",))
register_evaluator("analytic", _analytic)
register_evaluator("cost", _cost)
