"""Thin helpers over ``torch.distributed`` for supernet training under ``torchrun`` (DDP)."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.distributed as dist
from torch import nn

from autospace.errors import EvaluatorError


def world() -> tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _launched_world_size() -> int:
    """The number of ranks torchrun launched (1 outside torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


@contextmanager
def process_group() -> Iterator[None]:
    """Join the process group torchrun's environment describes for the block, then leave it
    (gloo for CPU tensors, nccl for CUDA ones). Does nothing outside torchrun or inside a group."""
    if _launched_world_size() <= 1 or not dist.is_available() or dist.is_initialized():
        yield
        return
    cuda = torch.cuda.is_available() and dist.is_nccl_available()
    dist.init_process_group(backend="cpu:gloo,cuda:nccl" if cuda else "gloo")
    try:
        yield
    finally:
        dist.destroy_process_group()


def require_group() -> None:
    """Raise `EvaluatorError` under torchrun outside a process group (the ranks would train apart)."""
    if _launched_world_size() > 1 and world()[1] == 1:
        raise EvaluatorError(
            f"torchrun launched {_launched_world_size()} ranks but no process group is joined; "
            "run inside autospace.supernet.distributed.process_group()"
        )


def local_device(device: torch.device) -> torch.device:
    """On CUDA under torchrun, the GPU of this process's ``LOCAL_RANK``."""
    if device.type == "cuda" and device.index is None and "LOCAL_RANK" in os.environ:
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    return device


def all_reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """Average ``tensor`` over the ranks in place (no-op outside a process group)."""
    _, size = world()
    if size > 1:
        dist.all_reduce(tensor)
        tensor /= size
    return tensor


def finite_on_all_ranks(value: float, device: torch.device) -> bool:
    """True when the host number ``value`` is finite on every rank."""
    _, size = world()
    if size <= 1:
        return math.isfinite(value)
    flag = torch.tensor([float(math.isfinite(value))], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    return bool(flag.item() > 0)


def same_on_all_ranks(text: str, device: torch.device) -> bool:
    """True when ``text`` is identical on every rank (compared by a 56-bit digest)."""
    _, size = world()
    if size <= 1:
        return True
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "big")
    bounds = torch.tensor([digest, -digest], dtype=torch.int64, device=device)
    dist.all_reduce(bounds, op=dist.ReduceOp.MIN)  # [min, -max]
    return int(bounds[0]) == digest == -int(bounds[1])


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """``model`` in DistributedDataParallel when running distributed (paths change per step, so
    unused parameters are expected), else ``model`` itself."""
    _, size = world()
    if size <= 1:
        return model
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids, find_unused_parameters=True)


def broadcast_buffers(model: nn.Module) -> None:
    """Copy rank 0's buffers (BatchNorm statistics) to every rank."""
    _, size = world()
    if size > 1:
        for buf in model.buffers():
            dist.broadcast(buf, src=0)
