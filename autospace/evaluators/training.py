"""Shared train / evaluation loops: devices, seeded batch streams, standalone training, accuracy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from autospace.errors import EvaluatorError

Batch = tuple[torch.Tensor, torch.Tensor]


def resolve_device(device: str | torch.device) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available) as a torch device."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, str) or device.split(":")[0] not in ("cpu", "cuda"):
        raise EvaluatorError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EvaluatorError(f"device={device!r} but CUDA is not available")
    return torch.device(device)


def autocast(device: torch.device) -> torch.autocast:
    """bf16 autocast on CUDA; a disabled context on CPU."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def epoch_batches(
    dataset: Dataset, batch_size: int, generator: torch.Generator, rank: int = 0, world: int = 1
) -> Iterator[Batch]:
    """One shuffled pass (full batches only). With ``world > 1`` every rank takes its own slice of
    each global batch (``batch_size`` is the global size), as a DistributedSampler would."""
    n = len(dataset)  # type: ignore[arg-type]
    if batch_size < world or batch_size > n:
        raise EvaluatorError(f"batch_size={batch_size} must be in [{world}, {n}] (world size, dataset size)")
    perm = torch.randperm(n, generator=generator)
    for start in range(0, n - batch_size + 1, batch_size):
        idx = perm[start : start + batch_size][rank::world]
        if isinstance(dataset, TensorDataset):
            x, y = dataset.tensors
            yield x[idx], y[idx]
        else:
            yield next(iter(DataLoader(torch.utils.data.Subset(dataset, idx.tolist()), batch_size=len(idx))))


def batch_stream(
    dataset: Dataset, batch_size: int, generator: torch.Generator, rank: int = 0, world: int = 1
) -> Iterator[Batch]:
    """Endless shuffled batches, epoch after epoch."""
    while True:
        yield from epoch_batches(dataset, batch_size, generator, rank, world)


@dataclass(frozen=True)
class TrainRecipe:
    """A fixed standalone training recipe: SGD with momentum and a cosine learning rate."""

    epochs: int = 5
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    seed: int = 0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def train_standalone(
    model: nn.Module, train: Dataset, recipe: TrainRecipe, device: torch.device, max_steps: int | None = None
) -> list[float]:
    """Train ``model`` with ``recipe``; the mean training loss of every epoch."""
    model.to(device).train()
    gen = torch.Generator().manual_seed(recipe.seed)
    opt = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    steps_per_epoch = len(train) // recipe.batch_size  # type: ignore[arg-type]
    total = recipe.epochs * steps_per_epoch if max_steps is None else min(max_steps, recipe.epochs * steps_per_epoch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(total, 1))
    losses: list[float] = []
    step = 0
    for _ in range(recipe.epochs):
        running, count = 0.0, 0
        for x, y in epoch_batches(train, recipe.batch_size, gen):
            if step >= total:
                break
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with autocast(device):
                loss = nn.functional.cross_entropy(model(x), y)
            if not torch.isfinite(loss):
                raise EvaluatorError(f"standalone training diverged: loss={float(loss)} at step {step}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running, count, step = running + float(loss.detach()), count + 1, step + 1
        if count:
            losses.append(running / count)
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, dataset: Dataset, device: torch.device, batch_size: int = 512) -> float:
    """Top-1 accuracy of ``model`` on ``dataset`` (eval mode)."""
    model.to(device).eval()
    correct, total = 0, 0
    loader = (
        zip(dataset.tensors[0].split(batch_size), dataset.tensors[1].split(batch_size))
        if isinstance(dataset, TensorDataset)
        else DataLoader(dataset, batch_size=batch_size)
    )
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        with autocast(device):
            pred = model(x).argmax(1)
        correct += int((pred == y).sum())
        total += len(y)
    model.train()
    return correct / max(total, 1)
