"""Names a package imports on first use, so that importing it does not load torch (`lazy_exports`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` that imports each name of ``exports`` from its module on first use.

    Args:
        package: the package's name, for the error message.
        exports: each name and the module that defines it.

    Returns:
        The function to assign to the package's ``__getattr__``; it raises `AttributeError` for any
        other name.
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
