"""The one training loop (`StandaloneTrainer`: a network trained from scratch with a `TrainRecipe`,
whole, pass by pass or step by step, resumable), top-1 accuracy, BatchNorm recalibration."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from autospace.data.batches import Batch, epoch_batches
from autospace.errors import TrainingDiverged
from autospace.train.device import autocast
from autospace.train.recipe import TrainRecipe


class StandaloneTrainer:
    """Trains ``model`` on ``train`` with ``recipe``; the learning-rate schedule spans the whole run.

    Args:
        model: the network.
        train: the training set.
        recipe: epochs, batch size and the optimiser's settings.
        device: where to train.
        steps: train exactly this many steps, over as many passes as they need (None:
            ``recipe.epochs`` epochs).
        generator: draws the batch order (default: seeded with ``recipe.seed``).

    Raises:
        TrainingDiverged: a non-finite loss, before it reaches the weights.
    """

    def __init__(self, model: nn.Module, train: Dataset, recipe: TrainRecipe, device: torch.device, *,
                 steps: int | None = None, generator: torch.Generator | None = None) -> None:
        self.model, self.train_set, self.recipe, self.device = model.to(device), train, recipe, device
        self.steps_per_epoch = recipe.steps_per_epoch(len(train))  # type: ignore[arg-type]
        self.total_steps = recipe.epochs * self.steps_per_epoch if steps is None else steps
        self.optimizer = recipe.optimizer(model.parameters())
        self.scheduler = recipe.scheduler(self.optimizer, self.total_steps, self.steps_per_epoch)
        self.generator = generator or torch.Generator().manual_seed(recipe.seed)
        self.step = 0

    @property
    def done(self) -> bool:
        return self.step >= self.total_steps

    def fit(self) -> list[float]:
        """Train to the end; the mean training loss of every pass."""
        losses = []
        while not self.done:
            losses.append(self.train_epoch())
        return losses

    def train_epoch(self, on_step: Callable[[], None] | None = None) -> float:
        """One shuffled pass (at most ``steps_per_epoch`` steps, none past the end).

        Args:
            on_step: called after every step (a progress bar).

        Returns:
            The pass's mean training loss.
        """
        self.model.train()
        running, count = 0.0, 0
        for x, y in epoch_batches(self.train_set, self.recipe.batch_size, self.generator):
            if count >= self.steps_per_epoch or self.done:
                break
            running += self.train_step(x, y)
            count += 1
            if on_step is not None:
                on_step()
        return running / max(count, 1)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """One optimiser and scheduler step on a batch.

        Args:
            x: the images.
            y: their labels.

        Returns:
            The step's loss.

        Raises:
            TrainingDiverged: the loss is not finite; the message suggests a lower ``train.lr``.
        """
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        with autocast(self.device):
            loss = nn.functional.cross_entropy(self.model(x), y, label_smoothing=self.recipe.label_smoothing)
        if not torch.isfinite(loss):
            lr = self.optimizer.param_groups[0]["lr"]
            raise TrainingDiverged(f"training diverged: loss={float(loss.detach())} at step {self.step} (lr={lr:.4g}); "
                                   f"lower the learning rate (train.lr={self.recipe.lr})")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return float(loss.detach())

    def state_dict(self) -> dict[str, Any]:
        """Weights, optimiser, schedule, batch order and step: all a resumed run needs."""
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "generator": self.generator.get_state(), "step": self.step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.generator.set_state(state["generator"])
        self.step = int(state["step"])


@torch.no_grad()
def accuracy(model: nn.Module, data: Dataset | Iterable[Batch], device: torch.device, batch_size: int = 512) -> float:
    """Top-1 accuracy of ``model`` (eval mode, autocast).

    Args:
        model: the network.
        data: a dataset, or ``(images, labels)`` batches.
        device: where the model runs.
        batch_size: the evaluation batch size for a dataset.

    Returns:
        The share of correct predictions.
    """
    model.to(device).eval()
    if isinstance(data, TensorDataset):
        data = zip(data.tensors[0].split(batch_size), data.tensors[1].split(batch_size))
    elif isinstance(data, Dataset):
        data = DataLoader(data, batch_size=batch_size)
    correct, total = 0, 0
    for x, y in data:
        x, y = x.to(device), y.to(device)
        with autocast(device):
            pred = model(x).argmax(1)
        correct += int((pred == y).sum())
        total += len(y)
    model.train()
    return correct / max(total, 1)


@torch.no_grad()
def loss_and_accuracy(model: nn.Module, batches: Iterable[Batch], device: torch.device) -> tuple[float, float]:
    """Mean cross-entropy and top-1 accuracy of ``model`` (eval mode, autocast) over ``batches``.

    Args:
        model: the network (put back in train mode afterwards).
        batches: (images, labels) pairs.
        device: where the model runs.

    Returns:
        ``(loss, accuracy)``, each averaged over the images.
    """
    model.to(device).eval()
    loss, correct, total = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        with autocast(device):
            logits = model(x)
        loss += float(nn.functional.cross_entropy(logits.float(), y, reduction="sum"))
        correct += int((logits.argmax(1) == y).sum())
        total += len(y)
    model.train()
    return loss / max(total, 1), correct / max(total, 1)


@torch.no_grad()
def recalibrate_bn(model: nn.Module, batches: Iterable[Batch], device: torch.device) -> None:
    """Reset BatchNorm running statistics and re-estimate them (cumulative average) on ``batches``
    through the current path (SPOS: shared BN statistics do not fit any single path).

    Args:
        model: the network.
        batches: ``(images, labels)`` training batches.
        device: where the model runs.
    """
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
