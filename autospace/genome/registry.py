"""The registry of cell spaces: `register_space`, `get_space`, `list_spaces` (built-ins: `autospace.genome.spaces`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autospace.registry import Registry

if TYPE_CHECKING:
    from autospace.genome.space import CellSpace

_SPACES: Registry[CellSpace] = Registry("space")


def get_space(name: str) -> CellSpace:
    """The space registered as ``name``.

    Args:
        name: ``autospace``, ``nb201``, ``irb``, ``mbconv`` or a name registered with `register_space`.

    Returns:
        The cell space.

    Raises:
        UnknownNameError: no space has that name; the message lists the known ones.
    """
    return _SPACES.get(name)


def register_space(space: CellSpace, *, overwrite: bool = False) -> CellSpace:
    """Make ``space`` available to `get_space` and to genome JSON files by its name.

    Registering an equal space again is a no-op.

    Args:
        space: the space to register.
        overwrite: replace a different space already registered under the same name.

    Returns:
        ``space``, so a module can write ``MINE = register_space(CellSpace(...))``.

    Raises:
        UnknownNameError: the name is empty, or taken by a different space without ``overwrite``.
    """
    return _SPACES.register(space.name, space, overwrite=overwrite, same_ok=True)


def list_spaces() -> list[str]:
    """Names of the registered spaces."""
    return _SPACES.names()
