"""The one training recipe: SGD (momentum, Nesterov, weight decay), label smoothing and a per-step
learning rate that warms up linearly and then follows a cosine to zero (torch's schedulers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR

from autospace.config import non_negative, positive
from autospace.errors import ConfigError


@dataclass(frozen=True)
class TrainRecipe:
    """How a network is trained from scratch (the ``[train]`` keys).

    The defaults are the final-training recipe of ``autospace train``; short scoring runs use
    `ScoringRecipe`.

    Attributes:
        epochs: passes over the training split.
        batch_size: images per step.
        lr: the peak learning rate of SGD.
        momentum: SGD momentum.
        nesterov: Nesterov momentum (ignored when ``momentum`` is 0).
        weight_decay: L2 weight decay.
        warmup_epochs: the learning rate rises linearly over that many epochs of steps, then a
            cosine takes it to zero at the last step (0: plain cosine).
        label_smoothing: of the cross-entropy, in [0, 1).
        seed: the batch order (final training also seeds the initialisation).
        max_steps_per_epoch: caps an epoch (smoke runs; None: full epochs).

    Raises:
        ConfigError: a value out of range; the message names ``train.<field>``.
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 4e-5
    warmup_epochs: int = 1
    label_smoothing: float = 0.1
    seed: int = 0
    max_steps_per_epoch: int | None = None

    def __post_init__(self) -> None:
        capped = ("max_steps_per_epoch",) if self.max_steps_per_epoch is not None else ()
        positive("train", self, "epochs", "batch_size", "lr", *capped)
        non_negative("train", self, "momentum", "weight_decay", "warmup_epochs", "seed")
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"train.label_smoothing={self.label_smoothing!r} must be in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        """The recipe as a plain dict."""
        return asdict(self)

    def steps_per_epoch(self, examples: int) -> int:
        """Steps of one epoch (full batches, capped by ``max_steps_per_epoch``).

        Args:
            examples: the number of training examples.

        Returns:
            The number of steps.

        Raises:
            ConfigError: ``batch_size`` exceeds ``examples``.
        """
        steps = examples // self.batch_size
        if steps < 1:
            raise ConfigError(f"train.batch_size={self.batch_size} exceeds the {examples} training examples")
        return steps if self.max_steps_per_epoch is None else min(steps, self.max_steps_per_epoch)

    def optimizer(self, params: Iterable[torch.nn.Parameter]) -> torch.optim.SGD:
        """The recipe's SGD optimizer.

        Args:
            params: the parameters to train.

        Returns:
            SGD with the recipe's learning rate, momentum (Nesterov when set) and weight decay.
        """
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay,
                               nesterov=self.nesterov and self.momentum > 0)

    def scheduler(self, optimizer: torch.optim.Optimizer, total_steps: int, steps_per_epoch: int) -> LRScheduler:
        """The per-step learning-rate schedule, stepped once after every optimiser step: ``lr * (t + 1) / W``
        for the first ``W = warmup_epochs * steps_per_epoch`` steps, then a cosine from ``lr`` to zero at
        ``total_steps``.

        Args:
            optimizer: the optimizer from `optimizer`.
            total_steps: the run's optimiser steps.
            steps_per_epoch: steps of one epoch.

        Returns:
            The scheduler.
        """
        warmup = self.warmup_epochs * steps_per_epoch
        if warmup == 0:
            return CosineAnnealingLR(optimizer, max(total_steps, 1))
        linear = LinearLR(optimizer, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1)
        cosine = CosineAnnealingLR(optimizer, max(total_steps - warmup, 1))
        return SequentialLR(optimizer, [linear, cosine], milestones=[warmup])


@dataclass(frozen=True)
class ScoringRecipe(TrainRecipe):
    """`TrainRecipe` with the defaults of short scoring runs (low fidelity, ranking ground truth, the
    direct EA): 2 epochs of momentum SGD without Nesterov, weight decay 5e-4, plain cosine, no label
    smoothing.

    Attributes:
        epochs: as in `TrainRecipe` (default 2).
        batch_size: as in `TrainRecipe`.
        lr: as in `TrainRecipe`.
        momentum: as in `TrainRecipe`.
        nesterov: as in `TrainRecipe` (default False).
        weight_decay: as in `TrainRecipe` (default 5e-4).
        warmup_epochs: as in `TrainRecipe` (default 0: plain cosine).
        label_smoothing: as in `TrainRecipe` (default 0).
        seed: as in `TrainRecipe`.
        max_steps_per_epoch: as in `TrainRecipe`.
    """

    epochs: int = 2
    nesterov: bool = False
    weight_decay: float = 5e-4
    warmup_epochs: int = 0
    label_smoothing: float = 0.0
