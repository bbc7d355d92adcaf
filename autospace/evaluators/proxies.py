"""Zero-cost proxies: pure functions ``(network, images, labels) -> float`` scoring a freshly
initialised network from one batch, without training, with each proxy's published conventions.

Common conventions (Abdelfattah et al. 2021, "Zero-Cost Proxies for Lightweight NAS"): one batch of
64 training images with the training augmentation (random crop + horizontal flip), the network in
train mode (BatchNorm uses the batch statistics), the cross-entropy loss averaged over the batch,
and per-weight (or per-channel) scores summed over the weights of every ``Conv2d`` and ``Linear``
(biases and BatchNorm parameters are not scored). Each proxy gets its own freshly built network.

* ``grad_norm``: ``sum_l ||dL/dW_l||_2``, the L2 norm of each weight's gradient, summed over layers.
* ``snip`` (Lee et al. 2019): ``sum |W * dL/dW|``.
* ``grasp`` (Wang et al. 2020): ``sum -W * (H g)`` with ``g = dL/dW`` and ``H`` the Hessian of the
  loss, ``H g`` by a second backward pass through ``g_detached . g``. The published code runs a
  second forward pass for it; in train mode that pass computes the same loss, so one is used.
* ``fisher`` (Theis et al. 2018, Turner et al. 2020): for every output channel ``c`` of every
  conv / linear layer, ``0.5 * mean_n (sum_hw a * dL/da)^2`` with ``a`` the layer's output
  (before its BatchNorm) for image ``n``. As in the published code, a channel's score is given
  to each of its weights (``fan_in = weight[c].numel()`` of them) before the sum over weights.
* ``synflow`` (Tanaka et al. 2020): the network with its BatchNorm layers *removed* (replaced by
  identities, as the published code builds a copy without BN), every parameter replaced by its
  absolute value, in float64; ``R`` = sum of the outputs for one all-ones input;
  ``sum |W * dR/dW|``. Reported as its natural log (a monotone map: the ranking is unchanged and
  the value stays representable).
* ``jacob_cov`` (Mellor et al. 2020, v1): the per-image input Jacobians ``d(sum of outputs)/dx``
  of the batch, their correlation matrix's eigenvalues ``v``: ``-sum(log(v + k) + 1 / (v + k))``,
  ``k = 1e-5``.
* ``naswot`` (Mellor et al. 2021): a batch of **128** training images **without** augmentation;
  each image's binary code is the sign pattern (``> 0``) of the inputs of every ReLU; the kernel
  ``K = c c^T + (1 - c)(1 - c)^T`` (units where two codes agree: code length minus Hamming
  distance), accumulated ReLU by ReLU; the score is ``log|K|`` by ``slogdet``.

Every proxy is registered by name with its batch convention (`Proxy`): `register_proxy` adds one
(a new proxy is a typical ablation), `get_proxy` finds one, `list_proxies` lists them, LCMNAS's
``lcmnas`` (`autospace.evaluators.lcmnas_score`) included. A network on which a
proxy carries no signal (every scored gradient zero, no activations, a constant Jacobian, a
singular kernel) or whose value is not finite scores `FLOOR`, never NaN. The published code would
give ``grasp`` 0 on such a net (the middle of its signed range); `FLOOR` ranks it last, where an
untrainable network belongs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from autospace.errors import ConfigError
from autospace.registry import Registry

FLOOR = -1e9
"""Score of a network on which a proxy is undefined (no activations, zero gradients, ...)."""

_RELUS = (nn.ReLU, nn.ReLU6)
_WEIGHTED = (nn.Conv2d, nn.Linear)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)

ProxyFn = Callable[[nn.Module, torch.Tensor, torch.Tensor], float]


def _finite(score: float) -> float:
    return score if math.isfinite(score) else FLOOR


def _weights(net: nn.Module) -> list[nn.Parameter]:
    return [m.weight for m in net.modules() if isinstance(m, _WEIGHTED) and m.weight.requires_grad]


def _loss(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(net(x), y)


def _grads(net: nn.Module, x: torch.Tensor, y: torch.Tensor,
           create_graph: bool = False) -> tuple[list[nn.Parameter], list[torch.Tensor]] | None:
    """The conv / linear weights and their loss gradients (unused weights dropped); None when no
    gradient is non-zero."""
    weights = _weights(net)
    loss = _loss(net, x, y)
    if not weights or not loss.requires_grad:
        return None
    grads = torch.autograd.grad(loss, weights, allow_unused=True, create_graph=create_graph)
    used = [(w, g) for w, g in zip(weights, grads) if g is not None]
    if not any(bool(g.detach().abs().sum() > 0) for _, g in used):
        return None
    return [w for w, _ in used], [g for _, g in used]


def grad_norm(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``grad_norm``: the L2 norms of the weights' gradients, summed over layers.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    found = _grads(net, x, y)
    return FLOOR if found is None else _finite(float(sum(g.norm() for g in found[1])))


def snip(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``snip`` (Lee et al. 2019): ``sum |W * dL/dW|``.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    found = _grads(net, x, y)
    if found is None:
        return FLOOR
    return _finite(float(sum((w.detach() * g).abs().sum() for w, g in zip(*found))))


def grasp(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``grasp`` (Wang et al. 2020): ``sum -W * (H g)``, ``g = dL/dW``, ``H`` the loss's Hessian.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    found = _grads(net, x, y, create_graph=True)
    if found is None:
        return FLOOR
    weights, grads = found
    g_dot_g = sum((g.detach() * g).sum() for g in grads)
    if not g_dot_g.requires_grad:  # the gradient does not depend on the weights: H g = 0
        return 0.0
    hessian_grad = torch.autograd.grad(g_dot_g, weights, allow_unused=True)
    total = sum(-(w.detach() * hg).sum() for w, hg in zip(weights, hessian_grad) if hg is not None)
    return _finite(float(total))


def fisher(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``fisher`` (Theis et al. 2018, Turner et al. 2020): per output channel ``0.5 * mean_n (sum_hw a * dL/da)^2``.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    pairs: list[list[Any]] = []

    def keep(module: nn.Module, _i: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        if out.requires_grad:
            pair: list[Any] = [module.weight[0].numel(), out.detach()]
            pairs.append(pair)
            out.register_hook(lambda grad: pair.append(grad.detach()))

    hooks = [m.register_forward_hook(keep) for m in net.modules() if isinstance(m, _WEIGHTED)]
    try:
        loss = _loss(net, x, y)
    finally:
        for h in hooks:
            h.remove()
    if not loss.requires_grad:
        return FLOOR
    loss.backward()
    if not any(w.grad is not None and bool(w.grad.abs().sum() > 0) for w in _weights(net)):
        return FLOOR
    total = 0.0
    for pair in pairs:
        if len(pair) == 3:
            fan_in, act, grad = pair
            per_image = (act * grad).flatten(2).sum(2) if act.dim() > 2 else act * grad
            total += fan_in * float(0.5 * per_image.pow(2).mean(0).sum())
    return _finite(total)


def synflow(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``synflow`` (Tanaka et al. 2020): ``log sum |W * dR/dW|`` on the BN-free, absolute-valued network.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    _remove_norms(net)
    net = net.double()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    weights = _weights(net)
    out = net(torch.ones((1, *x.shape[1:]), dtype=torch.float64, device=x.device)).sum()
    if not weights or not out.requires_grad:
        return FLOOR
    grads = torch.autograd.grad(out, weights, allow_unused=True)
    total = sum(float((w.detach() * g).abs().sum()) for w, g in zip(weights, grads) if g is not None)
    return math.log(total) if total > 0 and math.isfinite(total) else FLOOR


def _remove_norms(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, _NORMS):
            setattr(module, name, nn.Identity())
        else:
            _remove_norms(child)


def jacobian_eigenvalues(net: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    """Eigenvalues of the correlation matrix of a batch's per-image input Jacobians.

    Args:
        net: the network.
        x: one batch of images.

    Returns:
        The eigenvalues (float64, clamped at 0) of the correlation matrix of the Jacobians
        ``d(sum of outputs)/dx``; None where they carry no signal (no gradient, a non-finite or a
        constant Jacobian, fewer than two images).
    """
    x = x.clone().requires_grad_(True)
    out = net(x).sum()
    if not out.requires_grad:
        return None
    (grad,) = torch.autograd.grad(out, x, allow_unused=True)
    if grad is None:
        return None
    jac = grad.flatten(1).double()
    if len(jac) < 2 or not torch.isfinite(jac).all() or (jac.std(1) == 0).any():
        return None
    return torch.linalg.eigvalsh(torch.corrcoef(jac)).clamp_min(0)


def jacob_cov(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``jacob_cov`` (Mellor et al. 2020): ``-sum(log(v + k) + 1 / (v + k))`` over `jacobian_eigenvalues`.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    eig = jacobian_eigenvalues(net, x)
    if eig is None:
        return FLOOR
    k = 1e-5
    return _finite(float(-(torch.log(eig + k) + 1.0 / (eig + k)).sum()))


def naswot(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """``naswot`` (Mellor et al. 2021): ``log|K|`` of the ReLU codes' agreement kernel.

    Args:
        net: a freshly initialised network in train mode.
        x: one batch of training images.
        y: their labels.

    Returns:
        The score (higher: predicted better), or `FLOOR` where the proxy carries no signal.
    """
    kernel = torch.zeros((len(x), len(x)), dtype=torch.float64, device=x.device)

    def add_codes(_m: nn.Module, inp: tuple[torch.Tensor, ...], _out: torch.Tensor) -> None:
        c = (inp[0].detach() > 0).flatten(1).float()  # 0/1 sums below 2**24 are exact in float32
        ones = c.sum(1)
        hamming = ones[:, None] + ones[None, :] - 2 * (c @ c.T)
        kernel.add_((c.shape[1] - hamming).double())

    hooks = [m.register_forward_hook(add_codes) for m in net.modules() if isinstance(m, _RELUS)]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h in hooks:
            h.remove()
    if not hooks:
        return FLOOR
    sign, logdet = torch.linalg.slogdet(kernel)
    return _finite(float(logdet)) if sign > 0 else FLOOR


@dataclass(frozen=True)
class Proxy:
    """A proxy function and its published batch.

    Attributes:
        score: the function ``(net, images, labels) -> float``.
        batch_size: the training images of its batch.
        augment: whether the batch has the training augmentation (crop + flip).
    """

    score: ProxyFn
    batch_size: int = 64
    augment: bool = True


_PROXIES: Registry[Proxy] = Registry("proxy", lazy={"lcmnas": "autospace.evaluators.lcmnas_score"})


def register_proxy(name: str, score: ProxyFn, *, batch_size: int = 64, augment: bool = True,
                   overwrite: bool = False) -> Proxy:
    """Make ``score`` available under ``name``, e.g. as ``[evaluator] proxy = NAME`` of ``zero_cost``.

    Args:
        name: the name it answers to.
        score: the proxy, ``(net, images, labels) -> float`` (higher: predicted better).
        batch_size: the training images of its batch.
        augment: whether the batch has the training augmentation (crop + flip).
        overwrite: replace another proxy registered under the same name.

    Returns:
        The registered `Proxy`.

    Raises:
        ConfigError: ``batch_size`` below 1.
        UnknownNameError: the name is empty, or taken without ``overwrite``.
    """
    if batch_size < 1:
        raise ConfigError(f"proxy {name!r}: batch_size={batch_size!r} must be >= 1")
    return _PROXIES.register(name, Proxy(score, batch_size, augment), overwrite=overwrite)


def get_proxy(name: str) -> Proxy:
    """The proxy registered as ``name`` (LCMNAS's is imported on first use).

    Args:
        name: a registered proxy name.

    Returns:
        Its function and batch convention.

    Raises:
        UnknownNameError: no proxy has that name; the message lists the known ones.
    """
    return _PROXIES.get(name)


def list_proxies() -> list[str]:
    """Names of the registered proxies (the built-in ones included), sorted."""
    return _PROXIES.names()


STANDARD_PROXIES = ("grad_norm", "snip", "grasp", "fisher", "synflow", "jacob_cov", "naswot")
"""The proxies of this module in the order above: the set the NAS-Bench-201 benchmarks and the
training-free prior (`autospace.evaluators.prior`) offer (`list_proxies` also lists ``lcmnas`` and
those users register)."""

register_proxy("grad_norm", grad_norm)
register_proxy("snip", snip)
register_proxy("grasp", grasp)
register_proxy("fisher", fisher)
register_proxy("synflow", synflow)
register_proxy("jacob_cov", jacob_cov)
register_proxy("naswot", naswot, batch_size=128, augment=False)
