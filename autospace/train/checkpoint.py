"""Tensor files (checkpoints, state dicts): written atomically, read with ``weights_only=True``."""

from __future__ import annotations

import os
import pickle
import warnings
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
        with warnings.catch_warnings():  # torch warns about pickle protocols of files it then refuses
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(f"{str(path)!r} is not a tensor file: it holds other pickled objects "
                              "(refused: loading it could run code) or is not a checkpoint at all") from None
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        reason = str(exc).split("\n")[0] or f"{type(exc).__name__} (empty or truncated file?)"
        raise CheckpointError(f"cannot read {str(path)!r}: {reason}") from None
