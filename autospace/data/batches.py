"""Seeded batches of a dataset: one shuffled pass, or an endless stream (rank-sliced under DDP).
An `ImageTensors` set's batches pass through its transform (augmentation drawn from the same generator)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from autospace.data.augment import ImageTensors
from autospace.errors import ConfigError

Batch = tuple[torch.Tensor, torch.Tensor]


def epoch_batches(dataset: Dataset, batch_size: int, generator: torch.Generator, rank: int = 0,
                  world: int = 1) -> Iterator[Batch]:
    """One shuffled pass (full batches only). With ``world > 1`` every rank takes its own slice of
    each global batch (``batch_size`` is the global size), as a DistributedSampler would. An
    `ImageTensors` batch is transformed whole before it is sliced, so every world size sees the same
    augmented images and every rank's generator stays in step."""
    n = len(dataset)  # type: ignore[arg-type]
    if batch_size < world or batch_size > n:
        raise ConfigError(f"batch_size={batch_size} must be in [{world}, {n}] (world size, dataset size)")
    perm = torch.randperm(n, generator=generator)
    for start in range(0, n - batch_size + 1, batch_size):
        chunk = perm[start : start + batch_size]
        idx = chunk[rank::world]
        if isinstance(dataset, ImageTensors):
            x, y = dataset.batch(chunk, generator)
            yield x[rank::world], y[rank::world]
        elif isinstance(dataset, TensorDataset):
            x, y = dataset.tensors
            yield x[idx], y[idx]
        else:
            yield next(iter(DataLoader(torch.utils.data.Subset(dataset, idx.tolist()), batch_size=len(idx))))


def batch_stream(dataset: Dataset, batch_size: int, generator: torch.Generator, rank: int = 0,
                 world: int = 1) -> Iterator[Batch]:
    """Endless shuffled batches, epoch after epoch."""
    while True:
        yield from epoch_batches(dataset, batch_size, generator, rank, world)
