"""The torch device of a run and its mixed-precision context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from autospace.errors import ConfigError


def resolve_device(device: str | torch.device) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available) as a torch device."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, str) or device.split(":")[0] not in ("cpu", "cuda"):
        raise ConfigError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device={device!r} but CUDA is not available")
    return torch.device(device)


def autocast(device: torch.device) -> torch.autocast:
    """bf16 autocast on CUDA; a disabled context on CPU."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def check_threads(threads: int | None, field: str = "threads", *, optional: bool = True) -> None:
    """A thread count must be an integer >= 0 (0: torch's setting), or None where ``optional``."""
    if threads is None and optional:
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise ConfigError(f"{field}={threads!r} must be an integer >= 0")


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch CPU threads, then restore the previous setting.

    Args:
        threads: the thread count (``None`` or ``0``: keep torch's setting).

    Returns:
        A context manager.

    Raises:
        ConfigError: a negative or non-integer ``threads``.
    """
    check_threads(threads)
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's global generators seeded with ``seed``, then restore their state
    (weight init and dropout are reproducible, and the caller's random stream is untouched).

    Args:
        seed: the seed.

    Returns:
        A context manager.
    """
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
