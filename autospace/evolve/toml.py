"""A small TOML writer for resolved configs (tables of strings, numbers, booleans, arrays and
inline tables); `tomllib` reads the result back."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from autospace.errors import ConfigError


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = [f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}"
    raise ConfigError(f"cannot write {value!r} of type {type(value).__name__} to TOML")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def dumps(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """TOML text of ``{table: {key: value}}``; keys whose value is None are left out."""
    lines: list[str] = []
    for name, table in tables.items():
        lines.append(f"[{_key(name)}]")
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]
        lines.append("")
    return "\n".join(lines)
