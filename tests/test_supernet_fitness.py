"""The supernet fitness options of issue 23: read-outs (alpha, one-shot loss / accuracy, perturbation),
alpha schedule (alpha_every, alpha_init), the all-path gate estimator and the weight-sharing rule, on the
cell-tied NAS-Bench-201 skeleton at 8x8 and on the multi-layer tiny skeleton."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from autospace.data import DataSplit, load_digits
from autospace.errors import ConfigError
from autospace.evaluators import Candidate, SupernetEvaluator, parse_evaluator
from autospace.evaluators.supernet import perturbation_scores
from autospace.genome import Genome, get_space
from autospace.nn import get_skeleton
from autospace.supernet import Supernet, SupernetConfig, WeightBank
from autospace.supernet.gates import alpha_grads, pad_alphas, sample_gates
from autospace.supernet.trainer import AlphaStepper, WeightStepper, train_round

SKELETON = get_skeleton("nb201-c8n1", input_size=8)
CELLS = [
    Genome.from_nb201("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|"),
    Genome.from_nb201("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|"),
    Genome.from_nb201("|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"),
]


def _data(n: int = 128) -> DataSplit:
    gen = torch.Generator().manual_seed(0)
    make = lambda: TensorDataset(torch.randn(n, 3, 8, 8, generator=gen), torch.randint(0, 10, (n,), generator=gen))  # noqa: E731
    return DataSplit("random", make(), make(), 10, (3, 8, 8))


def _evaluator(**config: object) -> SupernetEvaluator:
    cfg = SupernetConfig(**{"steps": 6, "batch_size": 16, "eval_batches": 2, "bn_batches": 2, **config})
    return SupernetEvaluator(SKELETON, _data(), device="cpu", config=cfg)


def _batch(fitness: list[float | None] | None = None) -> list[Candidate]:
    fitness = fitness or [None] * len(CELLS)
    return [Candidate(0, g, f) for g, f in zip(CELLS, fitness)]


# ----------------------------------------------------------------------------- read-outs
def test_val_loss_fitness_is_minus_the_one_shot_loss_of_each_path() -> None:
    ev = _evaluator(fitness="val_loss")
    scores = ev.score(_batch())
    readout = ev.last_scores
    assert set(readout) == {"alpha", "val_loss", "val_accuracy"}
    assert scores == [-v for v in readout["val_loss"]]
    assert all(0.0 <= a <= 1.0 for a in readout["val_accuracy"]) and all(v > 0 for v in readout["val_loss"])
    # one_shot re-reads the same banked weights: the same numbers, and it trains nothing
    bank = {k: v.clone() for k, v in ev.bank.tensors.items()}
    assert ev.one_shot(_batch()) == {k: readout[k] for k in ("val_loss", "val_accuracy")}
    assert all(torch.equal(bank[k], v) for k, v in ev.bank.tensors.items()) and ev.round == 1


def test_accuracy_and_perturbation_fitness() -> None:
    acc = _evaluator(fitness="val_accuracy")
    assert acc.score(_batch()) == acc.last_scores["val_accuracy"]
    pert = _evaluator(fitness="perturbation")
    scores = pert.score(_batch())
    expected = perturbation_scores(pert.last_scores["alpha"], pert.last_scores["val_loss"])
    assert scores == pytest.approx(expected)


def test_perturbation_score_is_the_rise_of_the_expected_loss() -> None:
    alpha, losses = [0.5, 0.0, -1.0], [2.0, 1.0, 3.0]
    p = np.exp(alpha) / np.exp(alpha).sum()
    full = float((p * losses).sum())
    for k, score in enumerate(perturbation_scores(alpha, losses)):
        rest = [j for j in range(3) if j != k]
        without = float(sum(p[j] * losses[j] for j in rest) / sum(p[j] for j in rest))
        assert score == pytest.approx(without - full)
    assert perturbation_scores([0.3], [1.0]) == [0.0]
    assert perturbation_scores(alpha, losses)[1] > 0  # the lowest loss: leaving it out hurts


def test_multi_layer_read_out_runs_every_path() -> None:
    space = get_space("autospace")
    rng = np.random.default_rng(0)
    sizes = [3, 2, 2, 1]
    batch = [Candidate(layer, space.sample(rng), None) for layer, n in enumerate(sizes) for _ in range(n)]
    cfg = SupernetConfig(steps=4, fitness="val_loss", eval_batches=1, bn_batches=1)
    ev = SupernetEvaluator("tiny", load_digits(), device="cpu", config=cfg)
    scores = ev.score(batch)
    assert len(scores) == 8 and all(math.isfinite(s) and s < 0 for s in scores)


# ----------------------------------------------------------------------------- schedule
def _alpha_steps(every: int, steps: int, start: int = 0, warmup: int = 0) -> int:
    net = Supernet(SKELETON, [CELLS], 10, seed=0)
    cfg = SupernetConfig(steps=steps, batch_size=16, alpha_every=every, fitness="val_loss" if every == 0 else "alpha")
    alphas = [torch.zeros(len(CELLS), requires_grad=True)]
    arch = AlphaStepper(net.network, net.layers, alphas, cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    weights = WeightStepper(net.network, net.layers, cfg, torch.device("cpu"), horizon=steps)
    data = _data()
    stream = lambda: iter([(data.train.tensors[0][:16], data.train.tensors[1][:16])] * 100)  # noqa: E731
    stats = train_round(weights, arch, stream(), stream(), steps, warmup, start)
    return len(stats.val_loss)


def test_alpha_every_counts_weight_steps_across_rounds() -> None:
    assert _alpha_steps(1, 6) == 6
    assert _alpha_steps(3, 7) == 2  # after weight steps 3 and 6
    assert _alpha_steps(3, 7, start=2) == 3  # global steps 3, 6, 9 fall in 3..9
    assert _alpha_steps(2, 6, warmup=3) == 2  # steps 4 and 6 (the first 3 weight-only)
    assert _alpha_steps(0, 5) == 0


def test_alpha_every_zero_needs_a_read_out_fitness() -> None:
    with pytest.raises(ConfigError, match="evaluator.alpha_every=0"):
        SupernetConfig(alpha_every=0)
    with pytest.raises(ConfigError, match="evaluator.alpha_every=0"):
        SupernetConfig(alpha_every=0, fitness="val_loss", weight_sampling="probs")
    ev = _evaluator(alpha_every=0, fitness="val_loss")
    ev.score(_batch())
    assert "alpha" not in ev.last_scores
    for key, value in (("fitness", "params"), ("alpha_init", "random"), ("weight_sharing", "none")):
        with pytest.raises(ConfigError, match=f"evaluator.{key}={value!r}"):
            SupernetConfig(**{key: value})
    with pytest.raises(ConfigError, match="evaluator.eval_batches"):
        SupernetConfig(eval_batches=0)


def test_alpha_init_zero_ignores_the_fitness() -> None:
    fitness = [5.0, -5.0, 0.0]
    from_fitness = _evaluator(steps=1, alpha_lr=1e-6).score(_batch(fitness))
    from_zero = _evaluator(steps=1, alpha_lr=1e-6, alpha_init="zero").score(_batch(fitness))
    assert from_fitness == pytest.approx(fitness, abs=1e-3)
    assert from_zero == pytest.approx([0.0, 0.0, 0.0], abs=1e-3)


# ----------------------------------------------------------------------------- gates
def test_all_gate_mode_gives_every_path_its_softmax_gradient() -> None:
    table = pad_alphas([torch.tensor([0.1, 0.5, -0.2, 0.3]), torch.tensor([0.3, 0.0])])
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        involved = sample_gates(table, "all", gen)
        assert sorted(involved[0].tolist()) == [0, 1, 2, 3] and sorted(involved[1, :2].tolist()) == [0, 1]
    counts = torch.bincount(torch.stack([sample_gates(table, "all", gen)[0, 0] for _ in range(3000)]), minlength=4)
    assert torch.allclose(counts.float() / 3000, torch.softmax(table[0], 0), atol=0.03)  # the active path
    gate_grads = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 0.0, 0.0]])
    grads = alpha_grads(table, involved, gate_grads, "all")
    leaf = table.clone().masked_fill(~torch.isfinite(table), -1e9).requires_grad_(True)
    g = torch.zeros_like(table).scatter(1, involved, gate_grads)
    (torch.softmax(leaf, 1) * g).sum().backward()
    assert torch.allclose(grads, leaf.grad, atol=1e-6)


def test_all_gate_mode_trains_every_alpha() -> None:
    ev = _evaluator(gate_mode="all", steps=4)
    scores = ev.score(_batch([0.0, 0.0, 0.0]))
    assert all(abs(s) > 0 for s in scores)


# ----------------------------------------------------------------------------- weight sharing
def test_cell_sharing_gives_every_cell_its_own_weights() -> None:
    shared = Supernet(SKELETON, [CELLS], 10, seed=0, bank=WeightBank())
    own = Supernet(SKELETON, [CELLS], 10, seed=0, bank=WeightBank(), sharing="cell")
    # CELLS[0] and CELLS[1] both have nor_conv_3x3 on edge (0, 1): one tensor under "op", two under "cell"
    first = lambda net, k: net.mixed_layers[0].paths[k].edges["0_1"]  # noqa: E731
    assert first(shared, 0)[1].weight is first(shared, 1)[1].weight
    assert first(own, 0)[1].weight is not first(own, 1)[1].weight
    assert len(own.tensors) > len(shared.tensors)
    ev = _evaluator(weight_sharing="cell")
    ev.score(_batch())
    assert any(",".join(CELLS[0].ops) in key for key in ev.bank.tensors)


# ----------------------------------------------------------------------------- config
def test_evaluator_section_takes_split_and_image_size() -> None:
    spec = parse_evaluator({"name": "supernet", "skeleton": "nb201-c8n1", "data": "digits", "image_size": 4,
                            "fitness": "val_loss", "alpha_every": 0})
    settings, config = spec.settings
    assert settings.image_size == 4 and settings.split is None and config.fitness == "val_loss"
    ev = spec.create(space=get_space("nb201"), layers=1)
    assert ev.skeleton.input_size == 4 and ev.skeleton.name == "nb201-c8n1"
    for name in ("low_fidelity", "zero_cost", "mixed"):
        keys = parse_evaluator({"name": name, "image_size": 4, "split": None}).to_table()
        assert keys["image_size"] == 4


# ----------------------------------------------------------------------------- scale and prior
def test_z_scale_standardises_each_layers_scores() -> None:
    raw = _evaluator(fitness="val_loss")
    z = _evaluator(fitness="val_loss", score_scale="z")
    a, b = raw.score(_batch()), z.score(_batch())
    assert np.mean(b) == pytest.approx(0.0, abs=1e-9) and np.std(b) == pytest.approx(1.0)
    assert np.argsort(a).tolist() == np.argsort(b).tolist()


def test_prior_blends_into_the_first_score_of_new_cells_only() -> None:
    from autospace.evaluators.prior import standardised, standardised_ranks
    from autospace.nn import layer_cost

    ev = _evaluator(fitness="val_loss", score_scale="z", prior="params", prior_weight=0.75)
    batch = _batch([None, 0.3, None])
    scores = ev.score(batch)
    z = standardised([-v for v in ev.last_scores["val_loss"]])
    prior = standardised_ranks([layer_cost(SKELETON.layers[0], g)[1] for g in CELLS])
    assert scores[1] == pytest.approx(z[1])  # scored before: the read-out alone
    for i in (0, 2):
        assert scores[i] == pytest.approx(0.75 * prior[i] + 0.25 * z[i])
    synflow = _evaluator(fitness="val_loss", score_scale="z", prior="synflow", prior_weight=1.0)
    assert synflow.score(_batch()) == pytest.approx(standardised_ranks([synflow.prior.value(0, g)[0] for g in CELLS]))


def test_prior_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="score_scale='z'"):
        SupernetConfig(prior="params")
    with pytest.raises(ConfigError, match="evaluator.prior_weight=1.5"):
        SupernetConfig(prior_weight=1.5)
    with pytest.raises(ConfigError, match="evaluator.score_scale='rank'"):
        SupernetConfig(score_scale="rank")
    with pytest.raises(ConfigError, match="evaluator.prior='flops'"):
        _evaluator(score_scale="z", prior="flops")


def test_prior_blend_every_keeps_the_prior_in_every_score() -> None:
    from autospace.evaluators.prior import standardised, standardised_ranks
    from autospace.nn import layer_cost

    ev = _evaluator(fitness="val_loss", score_scale="z", prior="params", prior_weight=0.6, prior_blend="every")
    scores = ev.score(_batch([None, 0.3, 1.0]))
    z = standardised([-v for v in ev.last_scores["val_loss"]])
    prior = standardised_ranks([layer_cost(SKELETON.layers[0], g)[1] for g in CELLS])
    assert scores == pytest.approx([0.6 * p + 0.4 * v for p, v in zip(prior, z)])
    with pytest.raises(ConfigError, match="evaluator.prior_blend='last'"):
        SupernetConfig(prior_blend="last")


def test_prior_standing_ranks_among_every_cell_seen() -> None:
    from autospace.evaluators.prior import CellPrior, standardised_ranks

    prior = CellPrior("params", SKELETON, _data(), 0)
    assert prior.standing(0, CELLS[:1]) == [0.0]  # one cell seen: no standing yet
    params = [prior.value(0, g)[0] for g in CELLS]  # all three seen now
    expected = standardised_ranks(params)
    assert prior.standing(0, [CELLS[2], CELLS[0]]) == pytest.approx([expected[2], expected[0]])


def test_a_combined_prior_ranks_by_the_sum_of_its_components_standings() -> None:
    from autospace.evaluators.prior import CellPrior, standardised_ranks

    both = CellPrior("params+synflow", SKELETON, _data(), 0)
    values = [both.value(0, g) for g in CELLS]
    assert all(len(v) == 2 for v in values)
    total = np.add(standardised_ranks([v[0] for v in values]), standardised_ranks([v[1] for v in values]))
    assert both.standing(0, CELLS) == pytest.approx(standardised_ranks(total))
    for bad in ("params+flops", "params+params", ""):
        with pytest.raises(ConfigError, match="evaluator.prior="):
            CellPrior(bad, SKELETON, _data(), 0)
