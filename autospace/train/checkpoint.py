"""Tensor files (checkpoints, state dicts): written atomically, read with ``weights_only=True``."""

from __future__ import annotations

import os
from typing import Any

import torch

from autospace.atomic import open_atomic
from autospace.errors import CheckpointError


def save_tensors(path: str | os.PathLike[str], obj: Any) -> None:
    """``torch.save`` atomically (a killed run leaves the previous file)."""
    with open_atomic(path) as fh:
        torch.save(obj, fh)


def load_tensors(path: str | os.PathLike[str]) -> Any:
    """What `save_tensors` wrote, on the CPU; tensors and plain data only (no pickled code)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as exc:
        raise CheckpointError(f"cannot read {str(path)!r}: {exc}") from None
