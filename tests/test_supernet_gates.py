"""Binary gates (Eq. 3): sampling, alpha gradients, rescaling, and the mixed layer's memory shape."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from autospace.supernet.gates import alpha_grads, pad_alphas, rescale_involved, sample_gates
from autospace.supernet.mixed_layer import MixedPathLayer


def test_sampling_follows_softmax_and_pairs_are_distinct() -> None:
    alpha = torch.tensor([2.0, 0.0, -1.0, 0.5])
    table = pad_alphas([alpha, torch.tensor([0.0])])  # a second, single-path layer
    gen = torch.Generator().manual_seed(0)
    single = torch.cat([sample_gates(table, "single", gen) for _ in range(4000)], 1)
    assert single.shape == (2, 4000) and (single[1] == 0).all()
    counts = torch.bincount(single[0], minlength=4).float()
    assert torch.allclose(counts / counts.sum(), torch.softmax(alpha, 0), atol=0.03)
    pairs = torch.stack([sample_gates(table, "two", gen) for _ in range(4000)])  # (draws, layers, 2)
    assert (pairs[:, 0, 0] != pairs[:, 0, 1]).all() and (pairs[:, 1] == 0).all()
    # ProxylessNAS: the pair without replacement, then the active one from the restricted softmax
    p = torch.softmax(alpha, 0)
    expected = torch.zeros(4, 4)
    for i in range(4):
        for j in range(4):
            if i != j:
                both = p[i] * p[j] / (1 - p[i]) + p[j] * p[i] / (1 - p[j])
                expected[i, j] = both * p[i] / (p[i] + p[j])
    seen = torch.zeros(4, 4)
    for a, b in pairs[:, 0].tolist():
        seen[a, b] += 1
    assert torch.allclose(seen / len(pairs), expected, atol=0.02)


def test_padding_never_sampled_and_is_minus_inf() -> None:
    table = pad_alphas([torch.tensor([0.1, 0.2, 0.3]), torch.tensor([5.0])])
    assert table[1, 1:].isneginf().all() and torch.equal(table[0], torch.tensor([0.1, 0.2, 0.3]))
    gen = torch.Generator().manual_seed(1)
    for _ in range(200):
        assert sample_gates(table, "two", gen)[1].tolist() == [0, 0]


def test_a_table_of_single_path_layers_samples_both_gates_on_the_one_path() -> None:
    """Every layer with one candidate (a one-column table, e.g. a MAdds cap that admits one cell):
    two mode repeats the path, its gradient is zero and rescaling leaves it alone."""
    table = pad_alphas([torch.tensor([0.4]), torch.tensor([-1.0])])
    gen = torch.Generator().manual_seed(0)
    for mode, width in (("single", 1), ("two", 2)):
        assert sample_gates(table, mode, gen).tolist() == [[0] * width, [0] * width]
    involved = sample_gates(table, "two", gen)
    assert torch.equal(alpha_grads(table, involved, torch.ones(2, 2), "two"), torch.zeros(2, 1))
    alphas = [torch.tensor([0.4]), torch.tensor([-1.0])]
    rescale_involved(alphas, table, involved)
    assert torch.equal(torch.cat(alphas), torch.tensor([0.4, -1.0]))


def test_two_path_gradient_matches_restricted_softmax() -> None:
    alpha = torch.tensor([0.3, -0.2, 1.0, 0.1])
    involved, gate_grads = [2, 0], torch.tensor([0.7, -0.4])
    a = alpha.clone().requires_grad_(True)
    (torch.softmax(a[involved], 0) * gate_grads).sum().backward()
    table = pad_alphas([alpha, torch.tensor([0.0])])
    grads = alpha_grads(table, torch.tensor([involved, [0, 0]]), torch.stack([gate_grads, torch.tensor([1.0, 0.0])]), "two")
    assert torch.allclose(grads[0], a.grad, atol=1e-6)
    assert torch.equal(grads[1], torch.zeros(4))  # one path: constant softmax
    single = alpha_grads(table, torch.tensor([[1], [0]]), torch.tensor([[0.5], [1.0]]), "single")
    b = alpha.clone().requires_grad_(True)
    (torch.softmax(b, 0)[1] * 0.5).backward()
    assert torch.allclose(single[0], b.grad, atol=1e-6) and torch.equal(single[1], torch.zeros(4))


def test_rescale_keeps_other_paths_probabilities() -> None:
    before = [torch.tensor([0.5, -1.0, 0.2, 0.0]), torch.tensor([1.0])]
    table = pad_alphas(before)
    after = [t.clone() for t in before]
    after[0][[0, 2]] += torch.tensor([0.3, -0.1])
    rescale_involved(after, table, torch.tensor([[0, 2], [0, 0]]))
    p0, p1 = torch.softmax(before[0], 0), torch.softmax(after[0], 0)
    assert torch.allclose(p0[[1, 3]], p1[[1, 3]], atol=1e-6)
    assert p1[0] > p0[0] and p1[2] < p0[2]
    assert torch.equal(after[1], before[1])


def test_mixed_layer_runs_active_path_with_graph_only() -> None:
    torch.manual_seed(0)
    layer = MixedPathLayer([nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)])
    x = torch.randn(5, 3)
    layer.use_path(1)
    assert torch.equal(layer(x), layer.paths[1](x)) and layer.active == 1
    gates = torch.tensor([1.0, 0.0], requires_grad=True)
    layer.use_gates([0, 2], gates)
    out = layer(x)
    assert torch.allclose(out, layer.paths[0](x))
    out.sum().backward()
    assert layer.paths[2].weight.grad is None and layer.paths[1].weight.grad is None
    assert layer.paths[0].weight.grad is not None
    # dL/dg_j = <dL/dout, path_j(x)> for the inactive involved path too
    assert torch.allclose(gates.grad, torch.stack([layer.paths[0](x).sum(), layer.paths[2](x).sum()]).detach())
    with pytest.raises(ValueError, match="2 involved paths but 1 gates"):
        layer.use_gates([0, 2], gates[:1])
