"""The cell-tied supernet on NAS-Bench-201's skeleton: one gate decision for all 15 cell positions,
weights per position inherited through the bank, one path's memory, the new config settings."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from autospace.data import DataSplit
from autospace.errors import ConfigError
from autospace.evaluators import Candidate, SupernetEvaluator
from autospace.genome import Genome
from autospace.nn import get_skeleton
from autospace.supernet import Supernet, SupernetConfig, TiedPathLayers, WeightBank
from autospace.supernet.trainer import AlphaStepper, WeightStepper, train_round

SKELETON = get_skeleton("nb201", input_size=8)  # NB201's network on 8x8 images: fast, same structure
CELLS = [
    Genome.from_nb201("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|"),
    Genome.from_nb201("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|"),
    Genome.from_nb201("|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"),
]


def _data(n: int = 64) -> DataSplit:
    gen = torch.Generator().manual_seed(0)
    make = lambda: TensorDataset(torch.randn(n, 3, 8, 8, generator=gen), torch.randint(0, 10, (n,), generator=gen))
    return DataSplit("random", make(), make(), 10, (3, 8, 8))


def _supernet(bank: WeightBank | None = None, seed: int = 0) -> Supernet:
    return Supernet(SKELETON, [CELLS], 10, seed=seed, bank=bank)


def test_one_searchable_layer_steers_all_fifteen_positions() -> None:
    net = _supernet()
    assert len(net.layers) == 1 and isinstance(net.layers[0], TiedPathLayers)
    assert len(net.mixed_layers) == SKELETON.num_positions == 15
    assert list(net.network.layers) == net.mixed_layers
    assert net.sizes() == [3] and net.layers[0].num_paths == 3
    net.use([2])
    assert [m.active for m in net.mixed_layers] == [2] * 15
    gates = torch.tensor([1.0, 0.0], requires_grad=True)
    net.layers[0].use_gates([1, 0], gates)
    assert all(m.involved == [1, 0] and m.gates is gates for m in net.mixed_layers)
    # positions have their own modules (channels differ by stage; no module is shared)
    ids = [id(m.paths[0]) for m in net.mixed_layers]
    assert len(set(ids)) == 15


def test_shared_gate_gradient_is_the_sum_over_positions() -> None:
    net = _supernet()
    net.network.eval()  # BatchNorm on running stats: the same function for both passes
    x = torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    shared = torch.tensor([1.0, 0.0], requires_grad=True)
    net.layers[0].use_gates([0, 2], shared)
    net.network(x).square().sum().backward()
    per_position = [torch.tensor([1.0, 0.0], requires_grad=True) for _ in net.mixed_layers]
    for mixed, gates in zip(net.mixed_layers, per_position):
        mixed.use_gates([0, 2], gates)
    net.network(x).square().sum().backward()
    total = torch.stack([g.grad for g in per_position]).sum(0)
    assert shared.grad is not None and shared.grad.abs().sum() > 0
    assert torch.allclose(shared.grad, total, rtol=1e-4, atol=1e-6)


def test_alpha_step_moves_one_vector_and_a_weight_step_only_the_sampled_path() -> None:
    net = _supernet()
    cfg = SupernetConfig(steps=2, batch_size=8, alpha_lr=0.1)
    alpha = torch.zeros(3, requires_grad=True)
    arch = AlphaStepper(net.network, net.layers, [alpha], cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    data = _data()
    arch.step((data.val.tensors[0][:8], data.val.tensors[1][:8]))
    assert not torch.equal(alpha.detach(), torch.zeros(3))
    assert all(m.gates is None for m in net.mixed_layers)  # the alpha step leaves single-path mode behind
    weights = WeightStepper(net.network, net.layers, cfg, torch.device("cpu"), horizon=2)
    before = {n: p.detach().clone() for n, p in net.network.named_parameters()}
    weights.step((data.train.tensors[0][:8], data.train.tensors[1][:8]), [1])
    changed = {n for n, p in net.network.named_parameters() if not torch.equal(p, before[n])}
    in_paths = {n for n in changed if ".paths." in n}
    assert in_paths and all(".paths.1." in n for n in in_paths)  # path 1 at the positions, no other path
    assert {n.split(".")[1] for n in in_paths} == {str(i) for i in range(15)}  # ... and at every position


def test_one_path_memory_only_the_sampled_path_runs_with_a_graph() -> None:
    net = _supernet()
    ran: list[tuple[int, int, bool]] = []
    for pos, mixed in enumerate(net.mixed_layers):
        for k, path in enumerate(mixed.paths):
            path.register_forward_hook(lambda m, i, o, pos=pos, k=k: ran.append((pos, k, o.requires_grad)))
    x = torch.randn(2, 3, 8, 8)
    net.use([1])
    net.network(x).sum().backward()
    assert sorted(ran) == [(pos, 1, True) for pos in range(15)]
    ran.clear()
    net.layers[0].use_gates([2, 0], torch.tensor([1.0, 0.0], requires_grad=True))
    net.network(x).sum().backward()
    assert sorted(ran) == sorted([(pos, 2, True) for pos in range(15)] + [(pos, 0, False) for pos in range(15)])


def test_weights_per_position_inherited_through_the_bank() -> None:
    bank = WeightBank()
    net = _supernet(bank)
    keys = set(net.tensors)
    assert any(k.startswith("entries/") for k in keys)  # the resnet entry blocks are banked too
    # positions never share a tensor; two cells with the same op on the same edge share it
    conv = [k for k in keys if k.startswith("L0/p0/") and "edges.0_1.nor_conv_3x3" in k]
    assert conv and all(k.replace("/p0/", "/p14/") in keys for k in conv)
    tensors = net.tensors
    assert net.mixed_layers[0].paths[0].edges["0_1"] is not net.mixed_layers[0].paths[1].edges["0_1"]
    p0 = dict(net.mixed_layers[0].paths[0].named_parameters())
    p1 = dict(net.mixed_layers[0].paths[1].named_parameters())
    shared = [n for n in p0 if n.startswith("edges.0_1.") and n in p1]
    assert shared and all(p0[n] is p1[n] for n in shared)
    initial = {k: t.detach().clone() for k, t in tensors.items()}
    cfg = SupernetConfig(steps=3, batch_size=8)
    weights = WeightStepper(net.network, net.layers, cfg, torch.device("cpu"), horizon=3)
    data = _data()
    for _ in range(3):
        weights.step((data.train.tensors[0][:8], data.train.tensors[1][:8]), [0])
    bank.store(tensors, weights.optimizer)
    rebuilt = _supernet(bank, seed=5)  # other initial weights: every banked tensor is copied over
    assert set(rebuilt.tensors) == keys
    for key, tensor in tensors.items():
        assert torch.equal(rebuilt.tensors[key], tensor.detach()), key
    trained = [k for k in keys if k.startswith("L0/p7/") and "edges.0_1.nor_conv_3x3" in k and k.endswith("weight")]
    assert trained and all(not torch.equal(initial[k], rebuilt.tensors[k]) for k in trained)


def test_evaluator_scores_nb201_cells_with_one_alpha_per_cell() -> None:
    ev = SupernetEvaluator(SKELETON, _data(), device="cpu",
                           config=SupernetConfig(steps=4, batch_size=8, alpha_warmup=2, alpha_lr=0.1))
    scores = ev.evaluate([Candidate(0, g) for g in CELLS])
    assert len(scores) == 3 and len(set(scores)) > 1
    assert ev.global_step == 4 and len(ev.bank) > 0


def test_warmup_skips_alpha_steps_and_sgd_alpha_optimiser() -> None:
    net = _supernet()
    data = _data()
    stream = lambda: iter([(data.train.tensors[0][:8], data.train.tensors[1][:8])] * 10)
    for optimizer, kind in (("adam", torch.optim.Adam), ("sgd", torch.optim.SGD)):
        cfg = SupernetConfig(steps=3, batch_size=8, alpha_optimizer=optimizer)
        alpha = torch.zeros(3, requires_grad=True)
        arch = AlphaStepper(net.network, net.layers, [alpha], cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
        weights = WeightStepper(net.network, net.layers, cfg, torch.device("cpu"), horizon=3)
        assert isinstance(arch.optimizer, kind)
        stats = train_round(weights, arch, stream(), stream(), 3, warmup=3)
        assert len(stats.train_loss) == 3 and stats.val_loss == [] and torch.equal(alpha.detach(), torch.zeros(3))
        stats = train_round(weights, arch, stream(), stream(), 3, warmup=1)
        assert len(stats.val_loss) == 2 and arch.steps == 2


@pytest.mark.parametrize("field, value", [("alpha_optimizer", "rmsprop"), ("alpha_warmup", -1)])
def test_bad_new_settings_are_config_errors(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        SupernetConfig(**{field: value})


def test_tied_layers_need_equal_path_counts() -> None:
    with pytest.raises(ValueError, match="same number of paths"):
        from autospace.supernet import MixedPathLayer

        TiedPathLayers([MixedPathLayer([nn.Identity()]), MixedPathLayer([nn.Identity(), nn.Identity()])])
