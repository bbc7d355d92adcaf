"""Zero-cost proxies: score a network at initialisation from a few batches, without training.

* ``naswot`` (Mellor et al. 2021): log-determinant of the Hamming-similarity kernel of the
  binary ReLU activation codes of a batch.
* ``jacob_cov`` (Mellor et al., v1; the eigenvalue score LCMNAS uses): from the correlation
  matrix of the per-example input Jacobians, ``-sum(log(v + k) + 1 / (v + k))`` over its
  eigenvalues ``v``, ``k = 1e-5``.
* ``synflow`` (Tanaka et al. 2020): ``sum |theta * dR/dtheta|`` with ``R`` the output sum for an
  all-ones input through the network with absolute weights (float64, eval mode); reported as a log.
* ``snip`` (Lee et al. 2019): ``sum |theta * dL/dtheta|`` over conv / linear weights.
* ``grad_norm``: ``sum ||dL/dtheta||`` over conv / linear weights.

Scores are deterministic given the seed (network init and batches), so the evaluator is exact.
A degenerate network (e.g. a cell that computes zero) gets the floor score `FLOOR`, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from autospace.data import DataSplit
from autospace.data.batches import epoch_batches
from autospace.errors import ConfigError, UnknownNameError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.registry import register_evaluator
from autospace.evaluators.standalone import StandaloneBuilder, check_layers
from autospace.genome import CellSpace, Genome
from autospace.nn import Skeleton

FLOOR = -1e9
"""Score of a network on which a proxy is undefined (no activations, zero Jacobian, ...)."""

_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Hardtanh)
_WEIGHTED = (nn.Conv2d, nn.Linear)


def naswot(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    codes: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: codes.append((out.detach() > 0).flatten(1).double()))
             for m in net.modules() if isinstance(m, _ACTIVATIONS)]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h in hooks:
            h.remove()
    if not codes:
        return FLOOR
    c = torch.cat(codes, 1)
    kernel = c @ c.T + (1 - c) @ (1 - c).T
    sign, logdet = torch.linalg.slogdet(kernel)
    return float(logdet) if sign > 0 else FLOOR


def jacob_cov(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    x = x.clone().requires_grad_(True)
    out = net(x).sum()
    if not out.requires_grad:
        return FLOOR
    (grad,) = torch.autograd.grad(out, x, allow_unused=True)
    if grad is None:
        return FLOOR
    jac = grad.flatten(1).double()
    if not torch.isfinite(jac).all() or (jac.std(1) == 0).any():
        return FLOOR
    eig = torch.linalg.eigvalsh(torch.corrcoef(jac)).clamp_min(0)
    k = 1e-5
    return float(-(torch.log(eig + k) + 1.0 / (eig + k)).sum())


def synflow(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    net = net.double().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    net(torch.ones((1, *x.shape[1:]), dtype=torch.float64)).sum().backward()
    total = sum(float((p.detach() * p.grad).abs().sum()) for p in net.parameters() if p.grad is not None)
    return math.log(total) if total > 0 and math.isfinite(total) else FLOOR


def _weighted_grads(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[nn.Parameter]:
    nn.functional.cross_entropy(net(x), y).backward()
    return [m.weight for m in net.modules() if isinstance(m, _WEIGHTED) and m.weight.grad is not None]


def snip(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(sum((w.detach() * w.grad).abs().sum() for w in _weighted_grads(net, x, y)))


def grad_norm(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(sum(w.grad.norm() for w in _weighted_grads(net, x, y)))


PROXIES: dict[str, Callable[[nn.Module, torch.Tensor, torch.Tensor], float]] = {
    "naswot": naswot, "jacob_cov": jacob_cov, "synflow": synflow, "snip": snip, "grad_norm": grad_norm,
}


class ZeroCostEvaluator(Evaluator):
    """Scores each candidate's standalone network at init with ``proxy``, averaged over ``batches``."""

    def __init__(self, proxy: str = "naswot", skeleton: str | Skeleton = "tiny", data: str | DataSplit = "digits",
                 data_root: str | None = None, *, batch_size: int = 64, batches: int = 1, context: Genome | None = None,
                 seed: int = 0) -> None:
        super().__init__()
        if proxy not in PROXIES:
            raise UnknownNameError(f"evaluator.proxy={proxy!r} is not a known proxy; choose one of {sorted(PROXIES)}")
        if batches < 1:
            raise ConfigError(f"evaluator.batches={batches!r} must be >= 1")
        self.proxy, self.batch_size, self.batches = proxy, batch_size, batches
        self.builder = StandaloneBuilder.create(skeleton, data, data_root, context, seed)
        gen = torch.Generator().manual_seed(seed)
        stream = epoch_batches(self.builder.data.train, batch_size, gen)
        self._batches = [next(stream) for _ in range(batches)]

    def score_one(self, candidate: Candidate) -> float:
        scores = []
        for x, y in self._batches:
            net = self.builder.network(candidate)
            net.train()
            scores.append(PROXIES[self.proxy](net, x, y))
        score = float(np.mean(scores))
        return score if math.isfinite(score) else FLOOR

    def describe(self) -> dict[str, Any]:
        return {"name": "zero_cost", "proxy": self.proxy, "batch_size": self.batch_size, "batches": self.batches,
                **self.builder.describe()}


@dataclass(frozen=True)
class ZeroCostSettings:
    """``[evaluator]`` keys of ``zero_cost`` (the arguments of `ZeroCostEvaluator`)."""

    proxy: str = "naswot"
    skeleton: str = "tiny"
    data: str = "digits"
    data_root: str | None = None
    batch_size: int = 64
    batches: int = 1
    seed: int = 0


def _factory(settings: ZeroCostSettings, *, space: CellSpace, layers: int) -> ZeroCostEvaluator:
    ev = ZeroCostEvaluator(**asdict(settings))
    check_layers(ev.builder.skeleton, layers)
    return ev


register_evaluator("zero_cost", _factory, settings=ZeroCostSettings, path_keys=("data_root",))
