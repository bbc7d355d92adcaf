"""Standalone training and evaluation loops: a fixed recipe, top-1 accuracy, BatchNorm recalibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from autospace.data.batches import epoch_batches
from autospace.errors import EvaluatorError
from autospace.train.device import autocast


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


@torch.no_grad()
def recalibrate_bn(model: nn.Module, batches: Sequence[tuple[torch.Tensor, torch.Tensor]], device: torch.device) -> None:
    """Reset BatchNorm running statistics and re-estimate them (cumulative average) on ``batches``
    through the current path (SPOS: shared BN statistics do not fit any single path)."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    for x, _ in batches:
        model(x.to(device))
    for m, momentum in zip(norms, saved):
        m.momentum = momentum


@torch.no_grad()
def batch_accuracy(model: nn.Module, batches: Sequence[tuple[torch.Tensor, torch.Tensor]], device: torch.device) -> float:
    """Top-1 accuracy of ``model`` over ``batches`` in eval mode."""
    model.eval()
    correct = total = 0
    for x, y in batches:
        pred = model(x.to(device)).argmax(1)
        correct += int((pred == y.to(device)).sum())
        total += len(y)
    model.train()
    return correct / max(total, 1)
