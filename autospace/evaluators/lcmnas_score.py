"""LCMNAS's zero-cost score (Lopes & Alexandre 2022), next to the proxies of
`autospace.evaluators.proxies`: the input Jacobians of the summed logits of a batch (256 augmented
training images, the network in train mode), their correlation matrix's eigenvalues ``v``, and
``1e4 / sum(log(v + k) + 1 / (v + k))`` with ``k = 1e-5``. Higher is better.

The original takes the eigenvalues with ``np.linalg.eig`` (complex in general); the matrix is
symmetric, so we use ``eigvalsh`` and clamp round-off negatives to 0. A network whose Jacobian
carries no signal (no gradient, a constant row) scores `FLOOR`, as the other proxies do.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from autospace.evaluators.proxies import FLOOR, jacobian_eigenvalues, register_proxy

K = 1e-5


def eigen_score(eigenvalues: torch.Tensor) -> float:
    """``1e4 / sum(log(v + k) + 1 / (v + k))`` of the eigenvalues ``v``."""
    v = eigenvalues.double().clamp_min(0)
    total = float((torch.log(v + K) + 1.0 / (v + K)).sum())
    return 1e4 / total if total != 0 and math.isfinite(total) else FLOOR


def lcmnas_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The LCMNAS score of ``net`` on the batch ``x`` (``y`` unused)."""
    eigenvalues = jacobian_eigenvalues(net, x)
    return FLOOR if eigenvalues is None else eigen_score(eigenvalues)


register_proxy("lcmnas", lcmnas_score, batch_size=256, augment=True)
