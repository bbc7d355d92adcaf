"""The one plug-in convention: a `Registry` of named objects behind ``register_X`` / ``get_X`` / ``list_X``
(spaces, skeletons, evaluators, strategies, phase-2 algorithms). A *lazy* built-in is listed at once and
its module imported (registering it) on first use; an unknown name is an `UnknownNameError` listing the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Generic, TypeVar

from autospace.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Objects of one ``kind`` (e.g. ``"strategy"``) by name: what every ``register_X`` / ``get_X`` /
    ``list_X`` uses.

    Args:
        kind: what the objects are, for messages.
        lazy: built-in names and the module that registers each, imported on first use.
    """

    def __init__(self, kind: str, lazy: Mapping[str, str] | None = None) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._lazy = dict(lazy or {})

    def register(self, name: str, obj: T, *, overwrite: bool = False, same_ok: bool = False) -> T:
        """Add ``obj`` under ``name``.

        Args:
            name: a non-empty name.
            obj: the object.
            overwrite: replace another object registered under the name.
            same_ok: registering an equal object again is a no-op.

        Returns:
            ``obj``.

        Raises:
            UnknownNameError: an empty name, or a taken one without ``overwrite``.
        """
        if not isinstance(name, str) or not name:
            raise UnknownNameError(f"{self.kind} name={name!r} must be a non-empty string")
        if same_ok and name in self._items and self._items[name] == obj:
            return obj
        if name in self._items and not overwrite:
            raise UnknownNameError(f"{self.kind} name={name!r} is already registered (pass overwrite=True)")
        self._items[name] = obj
        return obj

    def get(self, name: str) -> T:
        """The object registered as ``name`` (a lazy built-in is imported first).

        Args:
            name: the name.

        Returns:
            The object.

        Raises:
            UnknownNameError: no object has that name; the message lists the known ones.
        """
        if isinstance(name, str) and name not in self._items and name in self._lazy:
            importlib.import_module(self._lazy[name])
        if not isinstance(name, str) or name not in self._items:
            raise UnknownNameError(f"{self.kind}={name!r} is not a known {self.kind}; choose one of {self.names()}")
        return self._items[name]

    def names(self) -> list[str]:
        """Sorted names, the lazy built-ins included."""
        return sorted(set(self._items) | set(self._lazy))

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._lazy
