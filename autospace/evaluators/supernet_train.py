"""One round of supernet training: weights by SGD on train batches, alpha by Adam on validation
batches, alternating; binary gates (Eq. 3), gradient compensation (Eq. 4), MAdds-aware loss (Eq. 6)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from autospace.errors import EvaluatorError
from autospace.evaluators import distributed
from autospace.evaluators.gates import GATE_MODES, alpha_grad, rescale_involved, sample_paths
from autospace.evaluators.mixed_op import MixedPathLayer
from autospace.evaluators.training import Batch, autocast

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
    further: in the Table 6 check (`ranking_fidelity`) no initialisation reached the right
    ranking in 8 epochs with ``"probs"``, all five did within 4 with ``"uniform"``.
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

    ``costs[l][k]`` is the MAdds of path ``k`` of layer ``l`` (for Eq. 6); ``fixed_madds`` those of
    the rest of the network. The gate ``generator`` must be seeded alike on every rank.
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
        self.costs = [c.to(device) for c in costs] if costs is not None else None
        self.fixed_madds = fixed_madds
        if config.madds_loss != "none" and self.costs is None:
            raise EvaluatorError(f"madds_loss={config.madds_loss!r} needs path costs")
        self.net = distributed.wrap(model, device)
        params = [p for p in model.parameters() if p.requires_grad]
        self.weight_opt = torch.optim.SGD(
            params, lr=config.weight_lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
        self.alpha_opt = torch.optim.Adam(self.alphas, lr=config.alpha_lr, betas=config.alpha_betas)
        self.active_counts = [torch.zeros(len(a), device=device) for a in self.alphas]
        self.alpha_steps = 0
        self.nonfinite = {"weight": 0, "alpha": 0}

    # ----------------------------------------------------------------------------- losses
    def expected_madds(self) -> torch.Tensor:
        """E[MAdds] under ``softmax(alpha)`` per layer, plus the fixed part (differentiable)."""
        assert self.costs is not None
        total = torch.tensor(self.fixed_madds, device=self.device)
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

    def _finite_or_skip(self, value: torch.Tensor, kind: str, what: str) -> bool:
        """True when ``value`` is finite; else warn, count consecutive failures of this ``kind``
        of step (weight / alpha) and raise once there are ``max_nonfinite`` of them."""
        if distributed.all_finite(value):
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

    def _cpu_alphas(self) -> list[torch.Tensor]:
        """All alphas on the CPU with one device transfer (gate sampling happens there)."""
        flat = torch.cat([a.detach().float() for a in self.alphas]).cpu()
        return list(flat.split([len(a) for a in self.alphas]))

    def weight_step(self, batch: Batch, lr: float) -> float | None:
        """One SGD step on a training batch through one path per layer (sampled from the gates)."""
        uniform = self.config.weight_sampling == "uniform"
        for layer, alpha in zip(self.layers, self._cpu_alphas()):
            layer.use_path(sample_paths(torch.zeros_like(alpha) if uniform else alpha, "single", self.generator)[1])
        x, y = (t.to(self.device, non_blocking=True) for t in batch)
        with autocast(self.device):
            loss = nn.functional.cross_entropy(self.net(x), y)
        if not self._finite_or_skip(loss.detach(), "weight", "training loss"):
            return None
        self.weight_opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip is not None:
            params = [p for g in self.weight_opt.param_groups for p in g["params"] if p.grad is not None]
            norm = nn.utils.clip_grad_norm_(params, self.config.grad_clip)
            if not self._finite_or_skip(norm, "weight", "weight gradient"):
                self.weight_opt.zero_grad(set_to_none=True)
                return None
        for group in self.weight_opt.param_groups:
            group["lr"] = lr
        self.weight_opt.step()
        return float(loss.detach())

    def alpha_step(self, batch: Batch) -> float | None:
        """One Adam step of the alphas on a validation batch through the binary gates."""
        mode = self.config.gate_mode
        picks = [sample_paths(alpha, mode, self.generator) for alpha in self._cpu_alphas()]  # type: ignore[arg-type]
        gates = [layer.use_gates(inv, act, self.device) for layer, (inv, act) in zip(self.layers, picks)]
        x, y = (t.to(self.device, non_blocking=True) for t in batch)
        with autocast(self.device):
            ce = nn.functional.cross_entropy(self.model(x), y)
        loss = self._madds_loss(ce.float())
        for layer in self.layers:
            layer.gates = None
        if not self._finite_or_skip(loss.detach(), "alpha", "validation loss"):
            return None
        # a gate gets no gradient when a later layer's active path is a zero cell
        wants = gates + (self.alphas if self.config.madds_loss != "none" else [])
        grads = torch.autograd.grad(loss, wants, allow_unused=True)
        self.alpha_steps += 1
        new_grads = []
        for i, (alpha, (involved, active)) in enumerate(zip(self.alphas, picks)):
            self.active_counts[i][active] += 1
            gate_grad = grads[i] if grads[i] is not None else torch.zeros(len(involved), device=self.device)
            g = alpha_grad(alpha, involved, gate_grad, mode)  # type: ignore[arg-type]
            if self.config.compensate:  # Eq. 4: scale by T / T_k
                g = g * (self.alpha_steps / self.active_counts[i].clamp_min(1.0))
            direct = grads[len(gates) + i] if len(grads) > len(gates) else None
            new_grads.append(g if direct is None else g + direct)
        flat = distributed.all_reduce_mean(torch.cat(new_grads))
        if not self._finite_or_skip(flat, "alpha", "alpha gradient"):
            return None
        before = [a.detach().clone() for a in self.alphas]
        for alpha, g in zip(self.alphas, flat.split([len(a) for a in self.alphas])):
            alpha.grad = g.clone()
        self.alpha_opt.step()
        self.alpha_opt.zero_grad(set_to_none=True)
        if mode == "two":
            for alpha, old, (involved, _) in zip(self.alphas, before, picks):
                if len(involved) > 1:
                    rescale_involved(alpha, old, involved)
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
