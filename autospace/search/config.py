"""Search settings: the ``[search]`` section, and typed parsing of any TOML section into a dataclass.

A search config file (TOML) has the sections ``[search]`` (`SearchSettings`), ``[data]``
(`autospace.search.data.DataConfig`) and one per algorithm (``[proxyless-g]``, ``[rl]``,
``[spos]``, ``[ea]``; see each algorithm's config class). Unknown keys and wrongly typed values
are `ConfigError` s naming ``section.key`` and the value.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from autospace.errors import ConfigError

T = TypeVar("T")

SECTIONS = ("search", "data", "proxyless-g", "rl", "spos", "ea")


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Settings shared by every algorithm.

    Args:
        skeleton: macro network (`autospace.nn.get_skeleton`); its input size and channels are
            taken from the data. None: the skeleton a learned space file names, else ``tiny``.
        seed: the one seed of the search (weights, paths, sampling, the ``open`` cell sample).
        tolerance: relative MAdds window around the budget (see `autospace.search.budget`).
        open_k: cells per layer drawn from the open space for gradient / RL / SPOS search.
        batch_size: images per training and validation batch.
        device: ``cpu``, ``cuda`` or ``auto``.
        threads: torch CPU threads for the run (None: leave torch's setting alone).
    """

    skeleton: str | None = None
    seed: int = 0
    tolerance: float = 0.1
    open_k: int = 7
    batch_size: int = 64
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        positive("search", self, "open_k", "batch_size")
        if self.threads is not None:
            positive("search", self, "threads")
        if self.seed < 0:
            raise ConfigError(f"search.seed={self.seed!r} must be >= 0")


def positive(section: str, obj: Any, *names: str) -> None:
    """Each field ``names`` of ``obj`` must be > 0."""
    for name in names:
        value = getattr(obj, name)
        if not value > 0:
            raise ConfigError(f"{section}.{name}={value!r} must be > 0")


def _accepts(hint: Any, value: Any) -> bool:
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(h, value) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is tuple:
        return isinstance(value, (list, tuple))
    return isinstance(value, hint)


def parse_section(cls: type[T], section: str, data: Mapping[str, Any] | None) -> T:
    """An instance of dataclass ``cls`` from a config section (defaults for missing keys)."""
    data = dict(data or {})
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    for key, value in data.items():
        if key not in names:
            raise ConfigError(f"{section}.{key} is not a setting of [{section}]; settings: {sorted(names)}")
        if not _accepts(hints[key], value):
            raise ConfigError(f"{section}.{key}={value!r} has the wrong type (expected {hints[key]})")
        if isinstance(value, list):
            data[key] = tuple(value)
        elif hints[key] is float and isinstance(value, int):
            data[key] = float(value)
    return cls(**data)


def read_config(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """The sections of a TOML config file (empty without a file); unknown sections are errors."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read --config {str(path)!r}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {str(path)!r} is not valid TOML: {exc}") from None
    for key, value in data.items():
        if key not in SECTIONS:
            raise ConfigError(f"config section [{key}] is unknown; sections: {list(SECTIONS)}")
        if not isinstance(value, dict):
            raise ConfigError(f"config key {key!r} must be a [section], got {value!r}")
    return data


def as_dict(obj: Any) -> dict[str, Any]:
    """A config dataclass as plain JSON data."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(obj).items()}
