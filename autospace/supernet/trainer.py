"""One round of supernet training: weights by SGD on train batches, alpha by Adam on validation
batches, alternating; binary gates (Eq. 3), gradient compensation (Eq. 4), MAdds-aware loss (Eq. 6)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from autospace.data.batches import Batch
from autospace.errors import EvaluatorError
from autospace.supernet import distributed
from autospace.supernet.gates import GATE_MODES, alpha_grads, pad_alphas, rescale_involved, sample_gates
from autospace.supernet.mixed_layer import MixedPathLayer
from autospace.train.device import autocast

MADDS_LOSSES = ("none", "additive", "multiplicative")
LR_SCHEDULES = ("cosine", "constant")
WEIGHT_SAMPLING = ("probs", "uniform")


@dataclass
class SupernetConfig:
    """Hyper-parameters of supernet training (one round = ``steps`` weight + alpha step pairs).

    ``lr_schedule="cosine"`` decays the weight learning rate over ``total_steps`` weight steps
    counted across rounds (over each round's ``steps`` when ``total_steps`` is None).
    Eq. 6: ``madds_loss="additive"``: ``CE + madds_lambda * E[MAdds] / madds_budget``;
    ``"multiplicative"``: ``CE * (log E[MAdds] / log madds_budget) ** madds_beta``.
    ``weight_sampling``: the path of a weight step is drawn uniformly (``"uniform"``, the default,
    SPOS-like: every cell gets equal weight training) or from ``softmax(alpha)`` (``"probs"``,
    ProxylessNAS). With ``"probs"`` low-alpha paths stay under-trained and their alpha sinks
    further: in the Table 6 check (`ranking_fidelity`) two of five initialisations did not reach
    the right ranking in 8 epochs with ``"probs"`` and three took 7-8; all five took 1-3 with
    ``"uniform"``.
    """

    steps: int = 100
    batch_size: int = 64
    gate_mode: str = "two"
    weight_sampling: str = "uniform"
    weight_lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 4e-5
    grad_clip: float | None = None
    lr_schedule: str = "cosine"
    total_steps: int | None = None
    alpha_lr: float = 0.01
    alpha_betas: tuple[float, float] = (0.0, 0.999)
    compensate: bool = True
    madds_loss: str = "none"
    madds_budget: float | None = None
    madds_lambda: float = 0.1
    madds_beta: float = 0.6
    max_nonfinite: int = 3

    def __post_init__(self) -> None:
        self.alpha_betas = tuple(self.alpha_betas)  # type: ignore[assignment]
        for name in ("steps", "batch_size", "max_nonfinite"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise EvaluatorError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("weight_lr", "alpha_lr", "grad_clip"):
            if getattr(self, name) is not None and not getattr(self, name) > 0:
                raise EvaluatorError(f"{name} must be > 0, got {getattr(self, name)!r}")
        choices = {"gate_mode": GATE_MODES, "weight_sampling": WEIGHT_SAMPLING, "madds_loss": MADDS_LOSSES, "lr_schedule": LR_SCHEDULES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise EvaluatorError(f"{name} must be one of {list(allowed)}, got {getattr(self, name)!r}")
        if self.madds_loss != "none" and not (self.madds_budget and self.madds_budget > 1):
            raise EvaluatorError(f"madds_loss={self.madds_loss!r} needs madds_budget > 1, got {self.madds_budget!r}")

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "alpha_betas": list(self.alpha_betas)}


@dataclass
class RoundStats:
    """Per-step losses of one round and the number of discarded (non-finite) steps."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    skipped: int = 0


class SupernetTrainer:
    """Trains ``model`` (containing the mixed ``layers``) and the per-layer ``alphas`` for one round.

    The ``alphas`` are 1-D CPU leaf tensors (a few numbers per layer): gate sampling, the alpha
    gradients (Eq. 3-4), the MAdds term (Eq. 6) and Adam all run on the CPU, so an alpha step
    costs the device its forward/backward plus one transfer of the gate gradients, and a weight
    step one wait for its loss value (checked for NaN/inf before the optimiser step); under
    ``torchrun`` the ranks also agree on that check (one all-reduce).
    ``costs[l][k]`` is the MAdds of path ``k`` of layer ``l`` (for Eq. 6); ``fixed_madds`` those of
    the rest of the network. The gate ``generator`` (CPU) must be seeded alike on every rank.
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[MixedPathLayer],
        alphas: Sequence[torch.Tensor],
        config: SupernetConfig,
        device: torch.device,
        generator: torch.Generator,
        costs: Sequence[torch.Tensor] | None = None,
        fixed_madds: float = 0.0,
    ) -> None:
        self.model, self.layers, self.alphas, self.config = model, list(layers), list(alphas), config
        self.device, self.generator = device, generator
        if len(self.alphas) != len(self.layers):
            raise EvaluatorError(f"{len(self.alphas)} alpha vectors for {len(self.layers)} mixed layers")
        for i, (alpha, layer) in enumerate(zip(self.alphas, self.layers)):
            if alpha.device.type != "cpu" or alpha.dim() != 1 or len(alpha) != len(layer.paths):
                raise EvaluatorError(
                    f"alphas[{i}] must be a 1-D CPU tensor with one entry per path ({len(layer.paths)}), "
                    f"got shape {tuple(alpha.shape)} on {alpha.device}"
                )
        self.costs = [c.detach().float().cpu() for c in costs] if costs is not None else None
        self.fixed_madds = fixed_madds
        if config.madds_loss != "none" and self.costs is None:
            raise EvaluatorError(f"madds_loss={config.madds_loss!r} needs path costs")
        self.net = distributed.wrap(model, device)
        params = [p for p in model.parameters() if p.requires_grad]
        self.weight_opt = torch.optim.SGD(
            params, lr=config.weight_lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
        self.alpha_opt = torch.optim.Adam(self.alphas, lr=config.alpha_lr, betas=config.alpha_betas)
        self.uniform_table = pad_alphas([torch.zeros(len(a)) for a in self.alphas])
        self.active_counts = torch.zeros(self.uniform_table.shape)
        self.alpha_steps = 0
        self.nonfinite = {"weight": 0, "alpha": 0}
        width = 1 if config.gate_mode == "single" else 2
        # constant gate values (active first: 1, then 0), leaves that receive dL/dg every alpha step
        self.gate_leaves = [
            torch.tensor([1.0, 0.0][: min(width, len(a))], device=device).requires_grad_(True) for a in self.alphas
        ]

    # ----------------------------------------------------------------------------- losses
    def expected_madds(self) -> torch.Tensor:
        """E[MAdds] under ``softmax(alpha)`` per layer, plus the fixed part (differentiable, CPU)."""
        assert self.costs is not None
        total = torch.tensor(float(self.fixed_madds))
        for alpha, cost in zip(self.alphas, self.costs):
            total = total + (torch.softmax(alpha, 0) * cost).sum()
        return total

    def _madds_loss(self, ce: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        if cfg.madds_loss == "additive":
            return ce + cfg.madds_lambda * self.expected_madds() / cfg.madds_budget
        if cfg.madds_loss == "multiplicative":
            ratio = torch.log(self.expected_madds()) / math.log(cfg.madds_budget)  # type: ignore[arg-type]
            return ce * ratio.clamp_min(1e-6) ** cfg.madds_beta
        return ce

    def _finite_or_skip(self, finite: bool, kind: str, what: str) -> bool:
        """``finite``, after counting consecutive failures of this ``kind`` of step (weight / alpha):
        a failure warns, and raises once there are ``max_nonfinite`` of them."""
        if finite:
            self.nonfinite[kind] = 0
            return True
        self.nonfinite[kind] += 1
        count = self.nonfinite[kind]
        warnings.warn(f"supernet {what} is not finite ({count} consecutive); step discarded", RuntimeWarning, stacklevel=3)
        if count >= self.config.max_nonfinite:
            raise EvaluatorError(
                f"supernet training failed: {count} consecutive non-finite {kind} steps "
                f"(max_nonfinite={self.config.max_nonfinite}); no scores returned"
            )
        return False

    # ----------------------------------------------------------------------------- steps
    def lr_at(self, step: int) -> float:
        cfg = self.config
        if cfg.lr_schedule == "constant":
            return cfg.weight_lr
        horizon = cfg.total_steps or cfg.steps
        return 0.5 * cfg.weight_lr * (1 + math.cos(math.pi * min(step, horizon) / horizon))

    def weight_step(self, batch: Batch, lr: float) -> float | None:
        """One SGD step on a training batch through one path per layer (sampled from the gates)."""
        uniform = self.config.weight_sampling == "uniform"
        table = self.uniform_table if uniform else pad_alphas(self.alphas)
        for layer, k in zip(self.layers, sample_gates(table, "single", self.generator)[:, 0].tolist()):
            layer.use_path(k)
        x, y = (t.to(self.device, non_blocking=True) for t in batch)
        with autocast(self.device):
            loss = nn.functional.cross_entropy(self.net(x), y)
        self.weight_opt.zero_grad(set_to_none=True)
        loss.backward()
        value = float(loss.detach())  # the step's one wait on the device, after backward is queued
        if not self._finite_or_skip(distributed.finite_on_all_ranks(value, self.device), "weight", "training loss"):
            self.weight_opt.zero_grad(set_to_none=True)
            return None
        if self.config.grad_clip is not None:
            params = [p for g in self.weight_opt.param_groups for p in g["params"] if p.grad is not None]
            norm = float(nn.utils.clip_grad_norm_(params, self.config.grad_clip))
            if not self._finite_or_skip(distributed.finite_on_all_ranks(norm, self.device), "weight", "weight gradient"):
                self.weight_opt.zero_grad(set_to_none=True)
                return None
        for group in self.weight_opt.param_groups:
            group["lr"] = lr
        self.weight_opt.step()
        return value

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
                layer.gates = None
        parts = [ce.detach().float().reshape(1)]
        parts += [torch.zeros_like(leaf) if g is None else g.float() for g, leaf in zip(grads, self.gate_leaves)]
        return distributed.all_reduce_mean(torch.cat(parts)).cpu()

    def alpha_step(self, batch: Batch) -> float | None:
        """One Adam step of the alphas on a validation batch through the binary gates."""
        mode = self.config.gate_mode
        table = pad_alphas(self.alphas)
        involved = sample_gates(table, mode, self.generator)  # type: ignore[arg-type]
        for layer, row, gates in zip(self.layers, involved.tolist(), self.gate_leaves):
            layer.use_gates(row[: len(gates)], gates)
        values = self._gate_gradients(batch)
        if not self._finite_or_skip(bool(torch.isfinite(values).all()), "alpha", "validation loss"):
            return None
        gate_grads = torch.zeros(involved.shape)
        for row, g in zip(gate_grads, values[1:].split([len(g) for g in self.gate_leaves])):
            row[: len(g)] = g
        # Eq. 6 on the CPU: d loss / d ce scales the gate gradients; the MAdds term adds its own
        ce = values[0].clone().requires_grad_(True)
        loss = self._madds_loss(ce)
        direct = self.config.madds_loss != "none"
        outer = torch.autograd.grad(loss, [ce, *self.alphas] if direct else [ce])
        grads = alpha_grads(table, involved, gate_grads * outer[0], mode)  # type: ignore[arg-type]
        self.alpha_steps += 1
        self.active_counts[torch.arange(len(table)), involved[:, 0]] += 1
        if self.config.compensate:  # Eq. 4: scale by T / T_k
            grads = grads * (self.alpha_steps / self.active_counts.clamp_min(1.0))
        new_grads = [row[: len(a)] + (outer[1 + i] if direct else 0.0) for i, (row, a) in enumerate(zip(grads, self.alphas))]
        if not self._finite_or_skip(all(bool(torch.isfinite(g).all()) for g in new_grads), "alpha", "alpha gradient"):
            return None
        for alpha, g in zip(self.alphas, new_grads):
            alpha.grad = g.detach().clone()
        self.alpha_opt.step()
        self.alpha_opt.zero_grad(set_to_none=True)
        if mode == "two":
            rescale_involved(self.alphas, table, involved)
        return float(loss.detach())

    def train(
        self, train_batches: Iterator[Batch], val_batches: Iterator[Batch], start_step: int = 0
    ) -> RoundStats:
        """``config.steps`` alternating weight / alpha steps; ``start_step`` drives the LR schedule."""
        stats = RoundStats()
        self.model.train()
        for t in range(self.config.steps):
            loss = self.weight_step(next(train_batches), self.lr_at(start_step + t))
            if loss is None:
                stats.skipped += 1
            else:
                stats.train_loss.append(loss)
            val = self.alpha_step(next(val_batches))
            if val is None:
                stats.skipped += 1
            else:
                stats.val_loss.append(val)
        distributed.broadcast_buffers(self.model)
        return stats
