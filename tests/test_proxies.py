"""Each zero-cost proxy on fixed tiny networks against a value computed by hand (closed forms)
or by an independent route (torch's full Hessian), determinism, FLOOR for dead networks, and the
registry of proxies by name."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from autospace.errors import ConfigError, UnknownNameError
from autospace.evaluators import get_proxy, list_proxies, register_proxy
from autospace.evaluators.proxies import (
    _PROXIES,
    FLOOR,
    STANDARD_PROXIES,
    fisher,
    grad_norm,
    grasp,
    jacob_cov,
    naswot,
    snip,
    synflow,
)
from autospace.genome import Genome
from autospace.nn import build_network, get_skeleton

X = torch.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0], [2.0, 0.5, 1.0], [-1.0, -1.0, 3.0]])
Y = torch.tensor([0, 1, 1, 0])
W = torch.tensor([[0.5, -1.0, 0.25], [-0.5, 0.75, 1.0]])


def _linear() -> nn.Linear:
    net = nn.Linear(3, 2, bias=False)
    with torch.no_grad():
        net.weight.copy_(W)
    return net


def _loss_grad() -> torch.Tensor:
    """dL/dW of the mean cross-entropy of ``X W^T`` by hand: ``(softmax - onehot)^T X / N``."""
    delta = torch.softmax(X @ W.T, 1) - nn.functional.one_hot(Y, 2).float()
    return delta.T @ X / len(X)


def test_grad_norm_and_snip_of_a_linear_layer() -> None:
    g = _loss_grad()
    assert grad_norm(_linear(), X, Y) == pytest.approx(float(g.norm()), rel=1e-5)
    assert snip(_linear(), X, Y) == pytest.approx(float((W * g).abs().sum()), rel=1e-5)


def test_grasp_is_minus_w_hessian_gradient() -> None:
    def loss(w: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(X @ w.view(2, 3).T, Y)

    w = W.flatten().double()
    hessian = torch.autograd.functional.hessian(lambda v: loss(v.float()).double(), w)
    expected = -(w @ hessian @ _loss_grad().flatten().double())
    assert grasp(_linear(), X, Y) == pytest.approx(float(expected), rel=1e-4)


def test_fisher_of_a_linear_layer() -> None:
    z = X @ W.T
    dz = (torch.softmax(z, 1) - nn.functional.one_hot(Y, 2).float()) / len(X)
    expected = 3 * 0.5 * float((z * dz).pow(2).mean(0).sum())  # fan-in 3 weights per output channel
    assert fisher(_linear(), X, Y) == pytest.approx(expected, rel=1e-5)


def test_synflow_of_two_linear_layers_removes_batchnorm() -> None:
    w1 = torch.tensor([[1.0, -2.0, 0.5], [0.5, 0.5, -1.0]])
    w2 = torch.tensor([[-1.0, 2.0]])
    net = nn.Sequential(nn.Linear(3, 2, bias=False), nn.BatchNorm1d(2), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(w1)
        net[2].weight.copy_(w2)
        net[1].weight.fill_(-5.0)  # would change R if the BatchNorm were kept
    r = float(w2.abs() @ w1.abs() @ torch.ones(3))  # R for an all-ones input, absolute weights
    assert synflow(net, X, Y) == pytest.approx(math.log(2 * r))  # each layer contributes sum |w dR/dw| = R


def test_jacob_cov_of_a_linear_map() -> None:
    # every image has the same Jacobian (W's column sums): correlations all 1, eigenvalues N, 0, ..., 0
    n, k = len(X), 1e-5
    expected = -(math.log(n + k) + 1 / (n + k) + (n - 1) * (math.log(k) + 1 / k))
    assert jacob_cov(_linear(), X, Y) == pytest.approx(expected, rel=1e-6)


def test_naswot_counts_agreeing_relu_codes() -> None:
    x = torch.tensor([[1.0, -1.0, 2.0], [3.0, 0.5, -2.0], [-1.0, -1.0, -1.0]])
    # codes 101, 110, 000: K = agreements = [[3, 1, 1], [1, 3, 1], [1, 1, 3]], det = 20
    assert naswot(nn.Sequential(nn.ReLU()), x, Y[:3]) == pytest.approx(math.log(20.0))
    assert naswot(nn.Sequential(nn.ReLU(), nn.ReLU()), x, Y[:3]) == pytest.approx(math.log(160.0))  # 2K


class _Dead(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 0


@pytest.mark.parametrize("name", sorted(STANDARD_PROXIES))
def test_dead_networks_score_the_floor(name: str) -> None:
    torch.manual_seed(0)
    dead = nn.Sequential(nn.Linear(3, 4, bias=False), _Dead(), nn.ReLU(), nn.Linear(4, 4, bias=False), nn.ReLU(),
                         nn.Linear(4, 2, bias=False))
    assert get_proxy(name).score(dead, X, Y) == FLOOR
    assert math.isfinite(get_proxy(name).score(nn.Sequential(nn.Linear(3, 2)), X[:1], Y[:1]))  # one image


@pytest.mark.parametrize("name", sorted(STANDARD_PROXIES))
def test_nb201_cells_deterministic_and_never_nan(name: str) -> None:
    sk = get_skeleton("nb201")
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 3, 32, 32, generator=gen), torch.randint(0, 10, (8,), generator=gen)
    scores = []
    for arch in ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # every cell computes zero
                 "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|",
                 "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"):
        torch.manual_seed(1)
        net = build_network(sk, Genome.from_nb201(arch), 10, build_rule="all").train()
        scores.append(get_proxy(name).score(net, x, y))
    assert scores[0] == FLOOR
    assert math.isfinite(scores[1]) and scores[1] > FLOOR and scores[1] == scores[2]


def test_published_batches() -> None:
    assert {(get_proxy(n).batch_size, get_proxy(n).augment) for n in STANDARD_PROXIES if n != "naswot"} == {(64, True)}
    assert (get_proxy("naswot").batch_size, get_proxy("naswot").augment) == (128, False)


def test_registry_lists_every_built_in_proxy_and_lcmnas() -> None:
    assert list_proxies() == sorted([*STANDARD_PROXIES, "lcmnas"])
    lcmnas = get_proxy("lcmnas")
    assert (lcmnas.score.__name__, lcmnas.batch_size, lcmnas.augment) == ("lcmnas_score", 256, True)


def test_duplicate_and_unknown_names_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_PROXIES, "_items", dict(_PROXIES._items))  # registrations end with the test
    with pytest.raises(UnknownNameError, match=r"proxy name='snip' is already registered \(pass overwrite=True\)"):
        register_proxy("snip", grad_norm)
    assert register_proxy("snip", grad_norm, overwrite=True).score is grad_norm
    with pytest.raises(UnknownNameError, match=r"proxy='magic' is not a known proxy; choose one of \['fisher'"):
        get_proxy("magic")
    with pytest.raises(ConfigError, match="batch_size=0"):
        register_proxy("tiny_batch", grad_norm, batch_size=0)
