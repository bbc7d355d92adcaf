"""ProxylessNAS binary gates over ``softmax(alpha)`` (AutoSpace Eq. 3) and their alpha gradients.

A step samples, per mixed layer, the *involved* paths (one in ``"single"`` mode, two in
``"two"`` mode) and the one *active* path whose gate is 1. Only the active path runs with a graph;
the other involved path runs without one (its output is needed for its gate's gradient only).

Alpha gradient from the binary-gate gradients ``dL/dg_j`` (ProxylessNAS, Cai et al. 2019):
``dL/dalpha_i = sum_j dL/dg_j * p_j * (delta_ij - p_i)``. In ``"two"`` mode ``p`` is the softmax
restricted to the two involved paths and only their alphas move; after the optimiser step the
two are shifted so that the other paths' probabilities are unchanged (`rescale_involved`). In
``"single"`` mode ``p`` is the full softmax and only the active gate's gradient is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

GateMode = Literal["single", "two"]
GATE_MODES: tuple[str, ...] = ("single", "two")


def sample_paths(alpha: torch.Tensor, mode: GateMode, generator: torch.Generator) -> tuple[list[int], int]:
    """``(involved, active)`` path indices drawn from ``softmax(alpha)`` with ``generator`` (CPU)."""
    probs = torch.softmax(alpha.detach().float().cpu(), 0)
    if mode == "single" or len(probs) == 1:
        active = int(torch.multinomial(probs, 1, generator=generator))
        return [active], active
    involved = torch.multinomial(probs, 2, replacement=False, generator=generator).tolist()
    pick = int(torch.multinomial(probs[involved] / probs[involved].sum(), 1, generator=generator))
    return involved, involved[pick]


def alpha_grad(alpha: torch.Tensor, involved: Sequence[int], gate_grads: torch.Tensor, mode: GateMode) -> torch.Tensor:
    """Gradient of the loss w.r.t. ``alpha`` from the gradients of the involved binary gates."""
    grad = torch.zeros_like(alpha)
    idx = torch.as_tensor(list(involved), device=alpha.device)
    gate_grads = gate_grads.to(alpha.dtype)
    if mode == "two" and len(involved) > 1:
        p = torch.softmax(alpha.detach()[idx], 0)
        jac = torch.diag(p) - torch.outer(p, p)  # d p_j / d alpha_i, symmetric
        grad[idx] = jac @ gate_grads
        return grad
    p = torch.softmax(alpha.detach(), 0)
    for j, g in zip(involved, gate_grads):
        delta = torch.zeros_like(p)
        delta[j] = 1.0
        grad += g * p[j] * (delta - p)
    return grad


@torch.no_grad()
def rescale_involved(alpha: torch.Tensor, before: torch.Tensor, involved: Sequence[int]) -> None:
    """Shift the involved alphas so that ``sum exp`` over them equals its value ``before`` the step."""
    idx = torch.as_tensor(list(involved), device=alpha.device)
    offset = torch.logsumexp(alpha[idx], 0) - torch.logsumexp(before[idx], 0)
    alpha[idx] -= offset
