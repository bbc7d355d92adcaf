"""Binary gates (Eq. 3): sampling, alpha gradients, rescaling, and the mixed layer's memory shape."""

from __future__ import annotations

import torch
from torch import nn

from autospace.evaluators.gates import alpha_grad, rescale_involved, sample_paths
from autospace.evaluators.mixed_op import MixedPathLayer


def test_sampling_follows_softmax_and_pairs_are_distinct() -> None:
    alpha = torch.tensor([2.0, 0.0, -1.0, 0.5])
    gen = torch.Generator().manual_seed(0)
    counts = torch.zeros(4)
    for _ in range(4000):
        involved, active = sample_paths(alpha, "single", gen)
        assert involved == [active]
        counts[active] += 1
    assert torch.allclose(counts / counts.sum(), torch.softmax(alpha, 0), atol=0.03)
    for _ in range(200):
        involved, active = sample_paths(alpha, "two", gen)
        assert len(set(involved)) == 2 and active in involved


def test_two_path_gradient_matches_restricted_softmax() -> None:
    alpha = torch.tensor([0.3, -0.2, 1.0, 0.1])
    involved, gate_grads = [2, 0], torch.tensor([0.7, -0.4])
    a = alpha.clone().requires_grad_(True)
    (torch.softmax(a[involved], 0) * gate_grads).sum().backward()
    assert torch.allclose(alpha_grad(alpha, involved, gate_grads, "two"), a.grad, atol=1e-6)
    single = alpha_grad(alpha, [1], torch.tensor([0.5]), "single")
    b = alpha.clone().requires_grad_(True)
    (torch.softmax(b, 0)[1] * 0.5).backward()
    assert torch.allclose(single, b.grad, atol=1e-6)


def test_rescale_keeps_other_paths_probabilities() -> None:
    before = torch.tensor([0.5, -1.0, 0.2, 0.0])
    after = before.clone()
    after[[0, 2]] += torch.tensor([0.3, -0.1])
    rescale_involved(after, before, [0, 2])
    p0, p1 = torch.softmax(before, 0), torch.softmax(after, 0)
    assert torch.allclose(p0[[1, 3]], p1[[1, 3]], atol=1e-6)
    assert p1[0] > p0[0] and p1[2] < p0[2]


def test_mixed_layer_runs_active_path_with_graph_only() -> None:
    torch.manual_seed(0)
    layer = MixedPathLayer([nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)])
    x = torch.randn(5, 3)
    layer.use_path(1)
    assert torch.equal(layer(x), layer.paths[1](x))
    gates = layer.use_gates([2, 0], active=0, device=torch.device("cpu"))
    out = layer(x)
    assert torch.allclose(out, layer.paths[0](x))
    out.sum().backward()
    assert layer.paths[2].weight.grad is None and layer.paths[1].weight.grad is None
    assert layer.paths[0].weight.grad is not None
    # dL/dg_j = <dL/dout, path_j(x)> for the inactive involved path too
    assert torch.allclose(gates.grad, torch.stack([layer.paths[2](x).sum(), layer.paths[0](x).sum()]).detach())
