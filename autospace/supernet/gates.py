"""ProxylessNAS binary gates over ``softmax(alpha)`` (AutoSpace Eq. 3) and their alpha gradients.

A step samples per layer the *involved* paths (one in ``"single"`` mode, two in ``"two"`` mode, every
path in ``"all"`` mode), active path (gate 1) first. Alpha gradient from the gate gradients (Cai et al.
2019): ``dL/dalpha_i = sum_j dL/dg_j * p_j * (delta_ij - p_i)`` over the involved paths ``j``; in
``"two"`` mode ``p`` is the softmax restricted to the pair, and after the optimiser step the pair is
shifted so that the other paths' probabilities are unchanged (`rescale_involved`); in ``"single"`` mode
only the active path's gate gradient is known; in ``"all"`` mode every path gets its gate gradient (the
sum runs over all paths: ProxylessNAS's binary-gate estimator without its two-path sampling, at the cost
of one forward pass per path). All layers are handled at once as a padded ``(layers, max_paths)`` CPU
table (padding ``-inf``), so the gate math never waits on the device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

GateMode = Literal["single", "two", "all"]
GATE_MODES: tuple[str, ...] = ("single", "two", "all")


def pad_alphas(alphas: Sequence[torch.Tensor]) -> torch.Tensor:
    """The per-layer alphas as one ``(layers, max_paths)`` float table, padded with ``-inf``."""
    width = max(len(a) for a in alphas)
    table = torch.full((len(alphas), width), float("-inf"))
    for row, alpha in zip(table, alphas):
        row[: len(alpha)] = alpha.detach().float()
    return table


def sample_gates(table: torch.Tensor, mode: GateMode, generator: torch.Generator) -> torch.Tensor:
    """Involved path indices per layer, active first: ``(layers, 1)`` in ``"single"`` mode,
    ``(layers, 2)`` in ``"two"`` mode, ``(layers, max_paths)`` in ``"all"`` mode, drawn from ``softmax``
    of each row of ``table``.

    Two mode follows ProxylessNAS: a pair drawn without replacement from ``softmax(alpha)``
    (Gumbel top-2), then the active one of the pair from the probabilities restricted to it. A
    row with a single finite entry repeats it in both columns (`pair_rows` tells them apart), also
    when every row has one path (a table one column wide).
    All mode: the active path drawn from ``softmax(alpha)``, then the row's other paths in index
    order, then its padding.
    """
    u = torch.rand(table.shape, generator=generator).clamp_(1e-12, 1.0)
    keys = table - torch.log(-torch.log(u))  # Gumbel perturbation; padding stays -inf
    if mode == "single":
        return keys.argmax(1, keepdim=True)
    if mode == "all":
        active = keys.argmax(1, keepdim=True)
        width = table.shape[1]
        order = (width - torch.arange(width, dtype=table.dtype)).expand_as(table).clone()  # index order
        order[~torch.isfinite(table)] = -1.0  # padding last
        order.scatter_(1, active, float(width + 1))  # the active path first
        return order.argsort(dim=1, descending=True, stable=True)
    pair = keys.topk(min(2, table.shape[1]), dim=1).indices.expand(-1, 2).clone()
    single = ~pair_rows(table)
    pair[single, 1] = pair[single, 0]
    p = torch.softmax(table.gather(1, pair), 1)
    swap = torch.rand(len(table), generator=generator) >= p[:, 0]
    return torch.where(swap[:, None], pair.flip(1), pair)


def sample_paths(table: torch.Tensor, generator: torch.Generator) -> list[int]:
    """One path per layer drawn from ``softmax`` of each row of ``table``."""
    return sample_gates(table, "single", generator)[:, 0].tolist()


class UniformPaths:
    """A path policy: one path per layer drawn uniformly with ``generator`` (SPOS); calling it returns
    the next choice.

    Args:
        sizes: the number of paths of each layer.
        generator: the seeded generator of the draws.
    """

    def __init__(self, sizes: Sequence[int], generator: torch.Generator) -> None:
        self.table, self.generator = pad_alphas([torch.zeros(n) for n in sizes]), generator

    def __call__(self) -> list[int]:
        return sample_paths(self.table, self.generator)


def pair_rows(table: torch.Tensor) -> torch.Tensor:
    """Rows (layers) with at least two paths."""
    return torch.isfinite(table).sum(1) >= 2


def alpha_grads(table: torch.Tensor, involved: torch.Tensor, gate_grads: torch.Tensor, mode: GateMode) -> torch.Tensor:
    """``dL/dalpha`` as a padded table, from ``gate_grads`` (same shape as ``involved``).

    A layer with one path gets a zero gradient (its softmax is constant).
    """
    gate_grads = gate_grads.to(table.dtype)
    if mode == "two":
        p = torch.softmax(table.gather(1, involved), 1)  # restricted to the pair
        pair_grad = p * gate_grads - p * (p * gate_grads).sum(1, keepdim=True)
        pair_grad[~pair_rows(table)] = 0.0
        return torch.zeros_like(table).scatter_(1, involved, pair_grad)
    p = torch.softmax(table, 1)
    if mode == "all":
        grads = torch.zeros_like(table).scatter_(1, involved[:, : gate_grads.shape[1]], gate_grads)
        return p * (grads - (p * grads).sum(1, keepdim=True))
    active = involved[:, :1]
    g_active = gate_grads[:, :1] * p.gather(1, active)
    onehot = torch.zeros_like(table).scatter_(1, active, 1.0)
    return g_active * (onehot - p)


@torch.no_grad()
def rescale_involved(alphas: Sequence[torch.Tensor], before: torch.Tensor, involved: torch.Tensor) -> None:
    """Shift each layer's two involved alphas so that ``sum exp`` over them equals its value in
    ``before`` (the padded table before the optimiser step); single-path layers are left alone."""
    after = pad_alphas(alphas)
    offset = torch.logsumexp(after.gather(1, involved), 1) - torch.logsumexp(before.gather(1, involved), 1)
    for alpha, pair, shift, ok in zip(alphas, involved.tolist(), offset.tolist(), pair_rows(before).tolist()):
        if ok:
            alpha[pair] -= shift
