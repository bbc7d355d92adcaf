"""Supernet training: `WeightStepper` (SGD through the paths a *path policy* picks),
`AlphaStepper` (Adam on the alphas through binary gates, Eq. 3, 4, 6) and `train_round`
(alternating both). A step whose loss or gradient is not finite is discarded with a warning;
``max_nonfinite`` consecutive ones raise `EvaluatorError`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from autospace.config import non_negative, positive
from autospace.data.batches import Batch
from autospace.errors import ConfigError, EvaluatorError
from autospace.supernet import distributed
from autospace.supernet.gates import (
    GATE_MODES,
    UniformPaths,
    alpha_grads,
    pad_alphas,
    rescale_involved,
    sample_gates,
    sample_paths,
)
from autospace.supernet.mixed_layer import GatedLayer
from autospace.supernet.weight_bank import SHARING as WEIGHT_SHARING
from autospace.train.device import autocast

MADDS_LOSSES = ("none", "additive", "multiplicative")
LR_SCHEDULES = ("cosine", "constant")
WEIGHT_SAMPLING = ("probs", "uniform")
ALPHA_OPTIMIZERS = ("adam", "sgd")
ALPHA_INITS = ("fitness", "zero")
FITNESS = ("alpha", "val_loss", "val_accuracy", "perturbation")
SCORE_SCALES = ("raw", "z")
PRIOR_BLENDS = ("first", "every")
ALPHA_FITNESS = ("alpha", "perturbation")
"""The ``fitness`` read-outs that need the learned alpha."""

PathPolicy = Callable[[], Sequence[int]]
"""Returns the path of every mixed layer for the next weight step."""


@dataclass(frozen=True)
class SupernetConfig:
    """Hyper-parameters of supernet training (the ``[evaluator]`` keys of ``name = "supernet"``).

    Rounds and weights:
        steps: weight steps per round of the phase-1 evaluator (phase-2 algorithms count their own).
        batch_size: images per step.
        total_steps: the weight steps the learning-rate schedule spans, counted across rounds (None:
            each round's ``steps``, the schedule restarting every round).
        weight_sampling: the path of a weight step: ``"uniform"`` (SPOS-like, every cell gets equal
            training; the default) or drawn from ``softmax(alpha)`` (``"probs"``, ProxylessNAS: low-alpha
            paths then stay under-trained and their alpha sinks further).
        weight_lr, weight_momentum, weight_decay, grad_clip: SGD on the weights (clip: max gradient norm).
        lr_schedule: ``"cosine"`` (to zero at ``total_steps``) or ``"constant"``.
        weight_sharing: which cells share a tensor: ``"op"`` (two cells of a layer with the same op on the
            same edge share its weights, NAS-Bench-201's one-shot rule and the default) or ``"cell"``
            (every cell its own weights, kept across rounds: no interference between cells, at the
            memory of one network per cell).

    Architecture parameters (alpha, Eq. 3-4):
        gate_mode: binary gates over ``softmax(alpha)``: ``"two"`` (ProxylessNAS's two-path estimate, the
            default), ``"single"`` or ``"all"`` (every path gets its gate gradient; one forward pass per
            path). See `autospace.supernet.gates`.
        alpha_lr, alpha_betas, alpha_optimizer: ``"adam"`` (with ``alpha_betas``, the default) or
            ``"sgd"`` on the alphas.
        alpha_every: one alpha step after every ``alpha_every`` weight steps, counted across rounds (1:
            alternating, the default; ProxylessNAS's search code uses 5; 0: no alpha steps, for a
            ``fitness`` read from evaluation).
        alpha_warmup: weight-only steps before the first alpha step, counted across rounds
            (ProxylessNAS warms the weights up for a third of its training).
        alpha_init: a round's starting alpha: ``"fitness"`` (the cell's fitness, the mean fitness of
            its layer for a new cell; the default) or ``"zero"`` (ProxylessNAS's near-zero
            initialisation; the fitness still accumulates across rounds by Eq. 5).
        compensate: Eq. 4: scale a path's alpha gradient by ``T / T_k`` (``T_k``: the alpha steps in
            which path ``k`` was active), so rarely sampled cells are not under-rated.

    The score each candidate gets (the engine blends it into the fitness with Eq. 5):
        fitness: ``"alpha"`` (the paper: the learned alpha), ``"val_loss"`` (minus the path's one-shot
            validation cross-entropy on the shared weights after BatchNorm re-estimation, SPOS; Ning et
            al. 2021 find loss ranks better than accuracy), ``"val_accuracy"`` (its accuracy) or
            ``"perturbation"`` (how much the expected validation loss under ``softmax(alpha)`` rises
            when the path is left out: ``p_k * (mean loss of the others, weighted by p - loss_k)``, our
            single-path reading of DARTS-PT's perturbation score). The evaluation runs every path
            after the round (in a multi-layer supernet, balanced architectures through each path).
        eval_batches, bn_batches: validation batches each evaluated path is scored on, and training
            batches its BatchNorm statistics are re-estimated on (fixed for the run, drawn from the seed).
        score_scale: ``"raw"`` (the read-out as it is, the default) or ``"z"`` (each layer's scores of a
            round standardised over the round's candidates: removes the drift of a loss as training goes
            on, so that Eq. 5 averages a cell's standing rather than its round).
        prior: a training-free prior (`autospace.evaluators.prior`): ``"none"`` (the default),
            ``"params"`` or a zero-cost proxy such as ``"synflow"``, as a standardised rank among every cell
            of the layer the run has scored, blended into the score: ``prior_weight * prior + (1 - prior_weight) *
            score``. Needs ``score_scale = "z"``.
        prior_weight: the prior's weight in a blended score, in [0, 1].
        prior_blend: which scores are blended: ``"first"`` (a cell's first score only: the prior is where a
            new cell starts, and Eq. 5's momentum lets the supernet's scores take over; with the weight 0.9
            as if the prior were the cell's fitness before its first round) or ``"every"`` (every score:
            the fitness keeps the prior at ``prior_weight`` and the supernet refines the rest).

    Eq. 6 (the MAdds-aware loss): ``madds_loss="additive"``: ``CE + madds_lambda * E[MAdds] /
    madds_budget``; ``"multiplicative"``: ``CE * (log E[MAdds] / log madds_budget) ** madds_beta``.

    max_nonfinite: consecutive non-finite steps tolerated (each discarded with a warning) before the
        round fails.
    """

    steps: int = 100
    batch_size: int = 64
    gate_mode: str = "two"
    weight_sampling: str = "uniform"
    weight_lr: float = 0.05
    weight_momentum: float = 0.9
    weight_decay: float = 4e-5
    grad_clip: float | None = None
    lr_schedule: str = "cosine"
    total_steps: int | None = None
    alpha_lr: float = 0.01
    alpha_betas: tuple[float, float] = (0.0, 0.999)
    alpha_optimizer: str = "adam"
    alpha_every: int = 1
    alpha_warmup: int = 0
    alpha_init: str = "fitness"
    compensate: bool = True
    weight_sharing: str = "op"
    fitness: str = "alpha"
    eval_batches: int = 4
    bn_batches: int = 4
    score_scale: str = "raw"
    prior: str = "none"
    prior_weight: float = 0.9
    prior_blend: str = "first"
    madds_loss: str = "none"
    madds_budget: float | None = None
    madds_lambda: float = 0.1
    madds_beta: float = 0.6
    max_nonfinite: int = 3

    def __post_init__(self) -> None:
        optional = [name for name in ("total_steps", "grad_clip") if getattr(self, name) is not None]
        positive("evaluator", self, "steps", "batch_size", "max_nonfinite", "weight_lr", "alpha_lr", "eval_batches",
                 "bn_batches", *optional)
        choices = {"gate_mode": GATE_MODES, "weight_sampling": WEIGHT_SAMPLING, "madds_loss": MADDS_LOSSES, "lr_schedule": LR_SCHEDULES,
                   "alpha_optimizer": ALPHA_OPTIMIZERS, "alpha_init": ALPHA_INITS, "weight_sharing": WEIGHT_SHARING,
                   "fitness": FITNESS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"evaluator.{name}={getattr(self, name)!r} is not one of {list(allowed)}")
        non_negative("evaluator", self, "alpha_warmup", "alpha_every")
        if self.score_scale not in SCORE_SCALES:
            raise ConfigError(f"evaluator.score_scale={self.score_scale!r} is not one of {list(SCORE_SCALES)}")
        if not 0.0 <= self.prior_weight <= 1.0:
            raise ConfigError(f"evaluator.prior_weight={self.prior_weight!r} must be in [0, 1]")
        if self.prior_blend not in PRIOR_BLENDS:
            raise ConfigError(f"evaluator.prior_blend={self.prior_blend!r} is not one of {list(PRIOR_BLENDS)}")
        if self.prior != "none" and self.score_scale != "z":
            raise ConfigError(f"evaluator.prior={self.prior!r} needs score_scale='z' (the prior is blended in as a "
                              f"standardised rank), got score_scale={self.score_scale!r}")
        if self.alpha_every == 0 and (self.fitness in ALPHA_FITNESS or self.weight_sampling == "probs"):
            raise ConfigError(f"evaluator.alpha_every=0 trains no alpha, but fitness={self.fitness!r} and "
                              f"weight_sampling={self.weight_sampling!r} need one; set alpha_every >= 1")
        if self.madds_loss != "none" and not (self.madds_budget and self.madds_budget > 1):
            raise ConfigError(f"evaluator.madds_budget={self.madds_budget!r} must be > 1 for madds_loss={self.madds_loss!r}")

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "alpha_betas": list(self.alpha_betas)}


@dataclass
class RoundStats:
    """Per-step losses of one round and the number of discarded (non-finite) steps."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    skipped: int = 0

    def add(self, losses: list[float], loss: float | None) -> None:
        """Record a step's ``loss`` in ``losses``, or count the step as discarded (None)."""
        if loss is None:
            self.skipped += 1
        else:
            losses.append(loss)


class _NonFinite:
    """Counts consecutive non-finite steps of one kind; warns on each, raises at ``limit``."""

    def __init__(self, kind: str, limit: int) -> None:
        self.kind, self.limit, self.count = kind, limit, 0

    def ok(self, finite: bool, what: str) -> bool:
        if finite:
            self.count = 0
            return True
        self.count += 1
        warnings.warn(f"supernet {what} is not finite ({self.count} consecutive); step discarded", RuntimeWarning, stacklevel=3)
        if self.count >= self.limit:
            raise EvaluatorError(
                f"supernet training failed: {self.count} consecutive non-finite {self.kind} steps "
                f"(max_nonfinite={self.limit}); no scores returned"
            )
        return False


def lr_factor(schedule: str, step: int, horizon: int) -> float:
    """The weight learning rate at weight step ``step`` over ``weight_lr``: ``"constant"`` 1,
    ``"cosine"`` from 1 down to 0 at ``horizon`` (0 from then on)."""
    if schedule == "constant":
        return 1.0
    return 0.5 * (1 + math.cos(math.pi * min(step, horizon) / horizon))


class WeightStepper:
    """SGD steps of ``model``'s weights, each through the paths a path policy chose.

    The learning rate follows ``config.lr_schedule`` over ``horizon`` weight steps, of which
    ``start_step`` are already done: the evaluator's supernet of each round gets a new optimiser
    that continues the run's schedule, so the rate is the closed form (`lr_factor`) applied by
    `torch.optim.lr_scheduler.LambdaLR`; `CosineAnnealingLR` on a new optimiser starts again
    from the base rate. Under ``torchrun`` the model runs in DistributedDataParallel and the
    ranks agree on the finiteness check.
    """

    def __init__(self, model: nn.Module, layers: Sequence[GatedLayer], config: SupernetConfig,
                 device: torch.device, *, horizon: int, start_step: int = 0) -> None:
        self.model, self.layers, self.config, self.device = model, list(layers), config, device
        self.net = distributed.wrap(model, device)
        params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.SGD(params, lr=config.weight_lr, momentum=config.weight_momentum,
                                         weight_decay=config.weight_decay)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda t: lr_factor(config.lr_schedule, start_step + t, horizon)
        )
        self.nonfinite = _NonFinite("weight", config.max_nonfinite)

    def step(self, batch: Batch, paths: Sequence[int]) -> float | None:
        """One SGD step on a training batch through path ``paths[l]`` of layer ``l``; its loss,
        or None when the step was discarded."""
        for layer, k in zip(self.layers, paths):
            layer.use_path(k)
        try:
            return self._step(batch)
        finally:
            self.schedule.step()

    def _step(self, batch: Batch) -> float | None:
        x, y = (t.to(self.device, non_blocking=True) for t in batch)
        with autocast(self.device):
            loss = nn.functional.cross_entropy(self.net(x), y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        value = float(loss.detach())  # the step's one wait on the device, after backward is queued
        finite = self.nonfinite.ok(distributed.finite_on_all_ranks(value, self.device), "training loss")
        if finite and self.config.grad_clip is not None:
            params = [p for g in self.optimizer.param_groups for p in g["params"] if p.grad is not None]
            norm = float(nn.utils.clip_grad_norm_(params, self.config.grad_clip))
            finite = self.nonfinite.ok(distributed.finite_on_all_ranks(norm, self.device), "weight gradient")
        if not finite:
            self.optimizer.zero_grad(set_to_none=True)
            return None
        self.optimizer.step()
        return value


class AlphaStepper:
    """Adam steps of the per-layer ``alphas`` through binary gates (Eq. 3, 4, 6).

    The ``alphas`` are 1-D CPU leaf tensors (a few numbers per layer): gate sampling, the alpha
    gradients, the MAdds term and Adam all run on the CPU, so a step costs the device its
    forward/backward plus one transfer of the gate gradients; under ``torchrun`` the gate
    gradients are averaged over the ranks. ``costs[l][k]`` is the MAdds of path ``k`` of layer
    ``l`` (for Eq. 6); ``fixed_madds`` those of the rest of the network. The gate ``generator``
    (CPU) must be seeded alike on every rank. ``madds_lambda`` (from ``config``) is the Eq. 6
    weight in force; an algorithm may set it between steps.
    """

    def __init__(self, model: nn.Module, layers: Sequence[GatedLayer], alphas: Sequence[torch.Tensor],
                 config: SupernetConfig, device: torch.device, generator: torch.Generator,
                 costs: Sequence[Sequence[float]] | None = None, fixed_madds: float = 0.0) -> None:
        self.model, self.layers, self.alphas, self.config = model, list(layers), list(alphas), config
        self.device, self.generator = device, generator
        if len(self.alphas) != len(self.layers):
            raise EvaluatorError(f"{len(self.alphas)} alpha vectors for {len(self.layers)} mixed layers")
        for i, (alpha, layer) in enumerate(zip(self.alphas, self.layers)):
            if alpha.device.type != "cpu" or alpha.dim() != 1 or len(alpha) != layer.num_paths:
                raise EvaluatorError(
                    f"alphas[{i}] must be a 1-D CPU tensor with one entry per path ({layer.num_paths}), "
                    f"got shape {tuple(alpha.shape)} on {alpha.device}"
                )
        self.costs = [torch.tensor(c, dtype=torch.float32) for c in costs] if costs is not None else None
        self.fixed_madds = float(fixed_madds)
        if config.madds_loss != "none" and self.costs is None:
            raise EvaluatorError(f"madds_loss={config.madds_loss!r} needs path costs")
        self.madds_lambda = config.madds_lambda
        self.optimizer: torch.optim.Optimizer = (
            torch.optim.Adam(self.alphas, lr=config.alpha_lr, betas=config.alpha_betas)
            if config.alpha_optimizer == "adam" else torch.optim.SGD(self.alphas, lr=config.alpha_lr)
        )
        self.active_counts = torch.zeros(pad_alphas(self.alphas).shape)
        self.steps = 0
        self.nonfinite = _NonFinite("alpha", config.max_nonfinite)
        width = {"single": 1, "two": 2, "all": max(len(a) for a in self.alphas)}[config.gate_mode]
        # constant gate values (active first: 1, then 0), leaves that receive dL/dg every step
        self.gate_leaves = [
            torch.tensor([1.0] + [0.0] * (min(width, len(a)) - 1), device=device).requires_grad_(True)
            for a in self.alphas
        ]

    def sample_paths(self) -> list[int]:
        """The path policy ``softmax(alpha)`` (one path per layer)."""
        return sample_paths(pad_alphas(self.alphas), self.generator)

    def expected_madds(self) -> torch.Tensor:
        """E[MAdds] under ``softmax(alpha)`` per layer, plus the fixed part (differentiable, CPU)."""
        assert self.costs is not None
        total = torch.tensor(self.fixed_madds)
        for alpha, cost in zip(self.alphas, self.costs):
            total = total + (torch.softmax(alpha, 0) * cost).sum()
        return total

    def madds_loss(self, ce: torch.Tensor) -> torch.Tensor:
        """Eq. 6 applied to the cross-entropy ``ce`` (``ce`` itself with ``madds_loss="none"``)."""
        cfg = self.config
        if cfg.madds_loss == "additive":
            return ce + self.madds_lambda * self.expected_madds() / cfg.madds_budget
        if cfg.madds_loss == "multiplicative":
            ratio = torch.log(self.expected_madds()) / math.log(cfg.madds_budget)  # type: ignore[arg-type]
            return ce * ratio.clamp_min(1e-6) ** cfg.madds_beta
        return ce

    def _gate_gradients(self, batch: Batch) -> torch.Tensor:
        """Validation CE and ``dL/dg`` of every gate, averaged over ranks, as one CPU vector."""
        x, y = (t.to(self.device, non_blocking=True) for t in batch)
        try:
            with autocast(self.device):
                ce = nn.functional.cross_entropy(self.model(x), y)
            # a gate gets no gradient when a later layer's active path is a zero cell
            grads = torch.autograd.grad(ce, self.gate_leaves, allow_unused=True)
        finally:
            for layer in self.layers:
                layer.use_path(layer.active)
        parts = [ce.detach().float().reshape(1)]
        parts += [torch.zeros_like(leaf) if g is None else g.float() for g, leaf in zip(grads, self.gate_leaves)]
        return distributed.all_reduce_mean(torch.cat(parts)).cpu()

    def step(self, batch: Batch) -> float | None:
        """One Adam step of the alphas on a validation batch; its loss, or None when discarded."""
        mode = self.config.gate_mode
        table = pad_alphas(self.alphas)
        involved = sample_gates(table, mode, self.generator)  # type: ignore[arg-type]
        for layer, row, gates in zip(self.layers, involved.tolist(), self.gate_leaves):
            layer.use_gates(row[: len(gates)], gates)
        values = self._gate_gradients(batch)
        if not self.nonfinite.ok(bool(torch.isfinite(values).all()), "validation loss"):
            return None
        gate_grads = torch.zeros(involved.shape)
        for row, g in zip(gate_grads, values[1:].split([len(g) for g in self.gate_leaves])):
            row[: len(g)] = g
        # Eq. 6 on the CPU: d loss / d ce scales the gate gradients; the MAdds term adds its own
        ce = values[0].clone().requires_grad_(True)
        loss = self.madds_loss(ce)
        direct = self.config.madds_loss != "none"
        outer = torch.autograd.grad(loss, [ce, *self.alphas] if direct else [ce])
        grads = alpha_grads(table, involved, gate_grads * outer[0], mode)  # type: ignore[arg-type]
        self.steps += 1
        self.active_counts[torch.arange(len(table)), involved[:, 0]] += 1
        if self.config.compensate:  # Eq. 4: scale by T / T_k
            grads = grads * (self.steps / self.active_counts.clamp_min(1.0))
        new_grads = [row[: len(a)] + (outer[1 + i] if direct else 0.0) for i, (row, a) in enumerate(zip(grads, self.alphas))]
        if not self.nonfinite.ok(all(bool(torch.isfinite(g).all()) for g in new_grads), "alpha gradient"):
            return None
        for alpha, g in zip(self.alphas, new_grads):
            alpha.grad = g.detach().clone()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if mode == "two":
            rescale_involved(self.alphas, table, involved)
        return float(loss.detach())


def train_round(
    weights: WeightStepper, alphas: AlphaStepper, train_batches: Iterator[Batch], val_batches: Iterator[Batch], steps: int,
    warmup: int = 0, start: int = 0,
) -> RoundStats:
    """``steps`` weight steps, each followed by an alpha step every ``config.alpha_every`` weight steps
    (counted from ``start``, the weight steps of earlier rounds; never within the first ``warmup`` of this
    round); a weight step's paths are drawn with the alpha stepper's generator, uniformly or from
    ``softmax(alpha)`` (``config.weight_sampling``)."""
    if alphas.config.weight_sampling == "probs":
        paths: PathPolicy = alphas.sample_paths
    else:
        paths = UniformPaths([len(a) for a in alphas.alphas], alphas.generator)
    every = alphas.config.alpha_every
    stats = RoundStats()
    weights.model.train()
    for step in range(steps):
        stats.add(stats.train_loss, weights.step(next(train_batches), paths()))
        if step >= warmup and every and (start + step + 1) % every == 0:
            stats.add(stats.val_loss, alphas.step(next(val_batches)))
    distributed.broadcast_buffers(weights.model)
    return stats
