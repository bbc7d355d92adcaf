"""One typed config layer: every TOML section of every command is parsed into a frozen dataclass.

Unknown keys, wrong types (pydantic strict: ``1`` is a valid float, ``true`` is not an int, ``"1"``
is not a number) and values ``__post_init__`` rejects are `ConfigError` s naming ``section.key`` and
the value. Configs are written back with tomli-w (`write_toml`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tomllib
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

import tomli_w
from pydantic import TypeAdapter, ValidationError

from autospace.atomic import write_text
from autospace.errors import AutospaceError, ConfigError
from autospace.files import check_finite, read_utf8, shown

T = TypeVar("T")


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def keys_of(cls: type) -> list[str]:
    """The config keys of a config dataclass.

    Args:
        cls: the dataclass.

    Returns:
        Its ``init`` fields, in order.
    """
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _table(section: str, data: Mapping[str, Any] | None, known: Sequence[str]) -> Mapping[str, Any]:
    """``data`` (None: an empty table), checked to be a table of ``known`` keys only."""
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{section}] must be a table of keys, got {data!r}")
    unknown = sorted(k for k in data if k not in known)
    if unknown:
        raise ConfigError(f"{section}.{unknown[0]} is not a key of [{section}]; keys: {sorted(known)}")
    return data


def parse_section(cls: type[T], section: str, data: Mapping[str, Any] | None = None) -> T:
    """A TOML table as an instance of a config dataclass, type-checked strictly.

    Args:
        cls: the dataclass.
        section: the table's name, for messages (``evolve``, ``evaluator``, ...).
        data: the table (None for an absent one: every default).

    Returns:
        The instance.

    Raises:
        ConfigError: an unknown key, a value of the wrong type or out of range; the message names
            ``section.key`` and the value.
    """
    data = _table(section, data, keys_of(cls))
    for key, value in data.items():
        finite(f"{section}.{key}", value)
    try:
        text = json.dumps(dict(data))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{section}] holds a value that is not a string, number, boolean or array: {exc}") from None
    try:
        return _adapter(cls).validate_json(text, strict=True)
    except ValidationError as exc:
        raise _config_error(section, data, exc) from None


def _config_error(section: str, data: Mapping[str, Any], exc: ValidationError) -> AutospaceError:
    err = exc.errors()[0]
    inner = (err.get("ctx") or {}).get("error")
    if isinstance(inner, AutospaceError):  # raised by __post_init__: already names field and value
        return inner
    loc = [str(p) for p in err["loc"]]
    if not loc:
        return ConfigError(f"[{section}]: {err['msg']}")
    if err["type"] == "missing":
        return ConfigError(f"{section}.{loc[0]} is required")
    value: Any = data.get(loc[0], err.get("input"))
    path = ".".join([section, *loc])
    return ConfigError(f"{path}={value!r}: {err['msg'].lower()}")


def parse_parts(classes: Sequence[type], section: str, data: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """One section whose keys are the fields of several dataclasses (not overlapping).

    Args:
        classes: the dataclasses.
        section: the table's name, for messages.
        data: the table (None: every default).

    Returns:
        One instance of each class, in order.

    Raises:
        ConfigError: as `parse_section`.
    """
    data = _table(section, data, [key for cls in classes for key in keys_of(cls)])
    return tuple(parse_section(cls, section, {k: v for k, v in data.items() if k in keys_of(cls)}) for cls in classes)


def check_sections(data: Mapping[str, Any], sections: Sequence[str], what: str = "--config") -> dict[str, Any]:
    """Check that a parsed TOML file holds only known tables.

    Args:
        data: the parsed file.
        sections: the allowed table names.
        what: what the file is, for messages.

    Returns:
        ``data`` as a dict.

    Raises:
        ConfigError: a table not named in ``sections``.
    """
    for name, table in data.items():
        if name not in sections:
            raise ConfigError(f"[{name}] is not a config section of {what}; sections: {list(sections)}")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{what} key {name!r} must be a [section], got {table!r}")
    return dict(data)


def to_table(obj: Any) -> dict[str, Any]:
    """A config dataclass as a TOML table: tuples as arrays, None values left out (TOML has no null).

    Args:
        obj: a config dataclass instance.

    Returns:
        The table.
    """
    return _plain(dataclasses.asdict(obj))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def dumps_toml(tables: Mapping[str, Any]) -> str:
    """TOML text of ``{section: table}``; None values are left out.

    Args:
        tables: the tables by section name.

    Returns:
        The TOML text.
    """
    return tomli_w.dumps(_plain(tables))


def write_toml(path: str | os.PathLike[str], tables: Mapping[str, Any]) -> None:
    """Write ``{section: table}`` as TOML, atomically.

    Args:
        path: the file.
        tables: the tables by section name.
    """
    write_text(path, dumps_toml(tables))


def read_toml(path: str | os.PathLike[str], what: str = "--config") -> dict[str, Any]:
    """Read a TOML file (`autospace.files.read_utf8`: a regular UTF-8 file, a byte-order mark allowed).

    Args:
        path: the file.
        what: what the file is, for messages (``--config``).

    Returns:
        The file's tables as a dict; every number in it is finite.

    Raises:
        ConfigError: a missing, malformed or non-finite file; the message names it.
    """
    text = read_utf8(path, what, ConfigError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {shown(path)} is not valid TOML: {exc}") from None
    check_finite(data, f"{what} {shown(path)}", ConfigError)
    return data


MAX_NUMBER = 1e12
"""The largest magnitude a setting may have: beyond it, arithmetic overflows or a loop never ends."""


def finite(field: str, value: Any) -> None:
    """Check that a setting holds no NaN, infinity or number beyond `MAX_NUMBER`.

    Args:
        field: the setting's name (``section.key``), for the message.
        value: the value, or an array of them.

    Raises:
        ConfigError: a non-finite or too large number.
    """
    values = value if isinstance(value, (list, tuple)) else [value]
    for item in values:
        if isinstance(item, (list, tuple)):
            finite(field, item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if not math.isfinite(item):
                raise ConfigError(f"{field}={value!r} must be a finite number")
            if abs(item) > MAX_NUMBER:
                raise ConfigError(f"{field}={value!r} is beyond the sane range of settings (|x| <= {MAX_NUMBER:.0e})")


def positive(section: str, obj: Any, *names: str) -> None:
    """Check fields of a config dataclass in ``__post_init__`` (also when it was built in Python rather
    than parsed from TOML).

    Args:
        section: the config section, for messages.
        obj: the dataclass instance.
        *names: the fields that must be finite numbers > 0 (integers where annotated ``int``).

    Raises:
        ConfigError: a field out of range; the message names ``section.field`` and the value.
    """
    _bounded(section, obj, names, zero_ok=False)


def non_negative(section: str, obj: Any, *names: str) -> None:
    """As `positive`, for fields that may also be 0.

    Args:
        section: the config section, for messages.
        obj: the dataclass instance.
        *names: the fields that must be finite numbers >= 0.

    Raises:
        ConfigError: a field out of range.
    """
    _bounded(section, obj, names, zero_ok=True)


def _bounded(section: str, obj: Any, names: Sequence[str], zero_ok: bool) -> None:
    hints = typing.get_type_hints(type(obj))
    for name in names:
        value = getattr(obj, name)
        kind = int if hints.get(name) in (int, int | None) else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not (value >= 0 if zero_ok else value > 0):
            what = "an integer" if kind is int else "a number"
            raise ConfigError(f"{section}.{name}={value!r} must be {what} {'>=' if zero_ok else '>'} 0")
        finite(f"{section}.{name}", value)


def changed_settings(section: str, saved: Mapping[str, Any], now: Mapping[str, Any], done: Any, steps: str) -> str:
    """The message for a checkpoint whose settings (``saved``) differ from the run's config
    (``now``): the first differing ``section.key`` with both values, and when the config asks for
    fewer ``steps`` (``rounds``, ``max_iters``) than the ``done`` ones, that too."""
    key = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))[0]
    fewer = (key == steps and isinstance(now.get(key), int) and isinstance(done, int) and now[key] < done)
    return (f"the checkpoint was written with other settings: {section}.{key}={saved.get(key)!r} there, "
            f"{now.get(key)!r} in the run's config" + (f" (fewer than the {done} {steps.replace('max_iters', 'iterations')}"
                                                       " already done)" if fewer else "")
            + "; a resumed run keeps the settings it started with")

