"""SupernetEvaluator: scoring, weight inheritance, MAdds-aware loss, NaN handling, checkpoints."""

from __future__ import annotations

import dataclasses
import io
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from autospace.data import DataSplit, load_digits
from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators import Candidate, SupernetEvaluator, parse_evaluator
from autospace.evaluators.supernet import initial_alphas
from autospace.genome import get_space
from autospace.nn import get_skeleton
from autospace.supernet import SupernetConfig
from autospace.supernet.gates import UniformPaths
from autospace.supernet.mixed_layer import MixedPathLayer
from autospace.supernet.trainer import AlphaStepper, WeightStepper, train_round

SPACE = get_space("autospace")
DIGITS = load_digits()


def _cells(seed: int, n: int) -> list[list]:
    rng = np.random.default_rng(seed)
    return [[SPACE.sample(rng) for _ in range(n)] for _ in range(4)]


def _evaluator(**config: object) -> SupernetEvaluator:
    return SupernetEvaluator("tiny", DIGITS, device="cpu", config=SupernetConfig(**{"steps": 8, **config}))


def test_scores_in_batch_order_and_finite() -> None:
    cells = _cells(0, 3)
    batch = [Candidate(layer, cells[layer][k], None) for k in range(3) for layer in range(4)]  # interleaved
    ev = _evaluator()
    scores = ev.score(batch)
    assert len(scores) == 12 and all(math.isfinite(s) for s in scores)
    assert ev.cost.queries == 12 and ev.round == 1
    desc = ev.describe()
    assert desc["skeleton"] == "tiny" and desc["config"]["gate_mode"] == "two"


def test_head_dropout_is_seeded_not_drawn_from_the_global_generator() -> None:
    """Torch seeds its global generator at random per process: a round whose dropout drew from it
    (the cifar skeleton's head has p = 0.1) scored differently on every run."""
    skeleton = dataclasses.replace(get_skeleton("tiny"), head=dataclasses.replace(get_skeleton("tiny").head, dropout=0.5))
    cells = _cells(0, 2)
    batch = [Candidate(layer, g, None) for layer, pair in enumerate(cells) for g in pair]
    scores = []
    for global_seed in (1, 2):
        with torch.random.fork_rng():
            torch.manual_seed(global_seed)
            scores.append(SupernetEvaluator(skeleton, DIGITS, device="cpu", config=SupernetConfig(steps=4)).score(batch))
    assert scores[0] == scores[1]


def test_alpha_initialised_from_fitness() -> None:
    assert initial_alphas([1.0, None, 3.0]) == [1.0, 2.0, 3.0]
    assert initial_alphas([None, None]) == [0.0, 0.0]
    with pytest.raises(EvaluatorError, match="fitness=nan"):
        initial_alphas([float("nan")])


def test_missing_layer_and_bad_config_are_errors() -> None:
    cells = _cells(1, 1)
    with pytest.raises(EvaluatorError, match=r"layers \[3\]"):
        _evaluator().score([Candidate(layer, cells[layer][0], None) for layer in range(3)])
    with pytest.raises(ConfigError, match="evaluator.gate_mode='both'"):
        SupernetConfig(gate_mode="both")
    with pytest.raises(ConfigError, match="evaluator.madds_budget=None"):
        SupernetConfig(madds_loss="additive")
    with pytest.raises(ConfigError, match="evaluator.total_steps=0"):
        SupernetConfig(total_steps=0)
    with pytest.raises(ConfigError, match="evaluator.threads=-1"):
        SupernetEvaluator("tiny", DIGITS, threads=-1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        SupernetConfig().steps = 3  # type: ignore[misc]


def test_rebuilt_supernet_continues_training() -> None:
    """Round 2 (a new supernet with one new cell per layer) starts near round 1's end loss."""
    cells = _cells(0, 3)
    first = [Candidate(layer, cells[layer][0], 5.0) for layer in range(4)]
    first += [Candidate(layer, cells[layer][1], -5.0) for layer in range(4)]
    ev = _evaluator(steps=40, lr_schedule="constant", weight_lr=0.1, weight_sampling="probs")
    ev.score(first)
    r1 = ev.rounds[-1]
    second = [Candidate(layer, cells[layer][0], 5.0) for layer in range(4)]
    second += [Candidate(layer, cells[layer][2], -5.0) for layer in range(4)]
    ev.score(second)
    fresh = _evaluator(steps=40, lr_schedule="constant", weight_lr=0.1, weight_sampling="probs")
    fresh.score(second)
    assert r1["train_loss_first"] > 2.0
    assert ev.rounds[-1]["train_loss_first"] < r1["train_loss_first"] - 0.5
    assert ev.rounds[-1]["train_loss"] < fresh.rounds[-1]["train_loss"] - 0.3


def test_state_dict_loads_with_weights_only_and_resumes_identically() -> None:
    cells = _cells(2, 2)
    batch = [Candidate(layer, cells[layer][k], None) for layer in range(4) for k in range(2)]
    a = _evaluator()
    a.score(batch)
    buffer = io.BytesIO()
    torch.save(a.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    b = _evaluator()
    b.load_state_dict(state)
    assert b.round == 1 and len(b.bank) == len(a.bank) > 0
    assert b.score(batch) == pytest.approx(a.score(batch), abs=1e-6)


def _steppers(config: SupernetConfig, costs: list[list[float]] | None = None) -> tuple[WeightStepper, AlphaStepper]:
    torch.manual_seed(0)
    paths = [torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)) for _ in range(3)]
    layer = MixedPathLayer(paths)
    model, cpu = torch.nn.Sequential(layer), torch.device("cpu")
    alpha = torch.zeros(3, requires_grad=True)
    weights = WeightStepper(model, [layer], config, cpu, horizon=config.steps)
    return weights, AlphaStepper(model, [layer], [alpha], config, cpu, torch.Generator().manual_seed(0), costs)


def _stream(nan_at: set[int]):
    x, y = DIGITS.train.tensors
    for i in range(1000):
        xb = x[(i * 32) % 1400 : (i * 32) % 1400 + 32].clone()
        if i in nan_at:
            xb[0, 0, 0, 0] = float("nan")
        yield xb, y[(i * 32) % 1400 : (i * 32) % 1400 + 32]


def test_nonfinite_step_is_discarded_with_a_warning() -> None:
    weights, arch = _steppers(SupernetConfig(steps=6, max_nonfinite=3))
    with pytest.warns(RuntimeWarning, match="not finite"):
        stats = train_round(weights, arch, _stream({2}), _stream(set()), 6)
    assert stats.skipped == 1 and len(stats.train_loss) == 5
    assert torch.isfinite(arch.alphas[0]).all()
    assert all(torch.isfinite(p).all() for p in weights.model.parameters())


def test_repeated_nonfinite_fails_the_round() -> None:
    split = DataSplit("bad", TensorDataset(torch.full((64, 1, 8, 8), float("inf")), torch.zeros(64, dtype=torch.long)),
                      DIGITS.val, 10, (1, 8, 8))
    ev = SupernetEvaluator("tiny", split, device="cpu", config=SupernetConfig(steps=5, batch_size=32, max_nonfinite=2))
    cells = _cells(3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(EvaluatorError, match="2 consecutive non-finite weight steps"):
            ev.score([Candidate(layer, cells[layer][k], None) for layer in range(4) for k in range(2)])


@pytest.mark.parametrize("form", ["additive", "multiplicative"])
def test_madds_loss_prefers_cheap_paths(form: str) -> None:
    costs = [[1e6, 1e4, 1e2]]
    cfg = SupernetConfig(steps=30, madds_loss=form, madds_budget=1e3, madds_lambda=5.0, madds_beta=3.0, alpha_lr=0.05)
    weights, arch = _steppers(cfg, costs)
    assert float(arch.expected_madds().detach()) == pytest.approx((1e6 + 1e4 + 1e2) / 3)
    train_round(weights, arch, _stream(set()), _stream(set()), cfg.steps)
    alpha = arch.alphas[0]
    assert alpha[2] > alpha[0]
    assert float(arch.expected_madds().detach()) < (1e6 + 1e4 + 1e2) / 3


def test_madds_lambda_is_steered_on_the_stepper_not_the_config() -> None:
    cfg = SupernetConfig(madds_loss="additive", madds_budget=1e3, madds_lambda=0.5)
    _, arch = _steppers(cfg, [[1e6, 1e4, 1e2]])
    ce = torch.tensor(1.0)
    base = float(arch.madds_loss(ce).detach())
    arch.madds_lambda = 1.0
    assert float(arch.madds_loss(ce).detach()) - 1.0 == pytest.approx(2 * (base - 1.0))
    assert cfg.madds_lambda == 0.5


def test_compensation_counts_active_iterations() -> None:
    weights, arch = _steppers(SupernetConfig(steps=10))
    train_round(weights, arch, _stream(set()), _stream(set()), 10)
    assert arch.steps == 10 and float(arch.active_counts[0].sum()) == 10


def test_weight_lr_cosine_continues_across_steppers_and_stops_at_the_horizon() -> None:
    """The closed-form cosine ``0.5 * lr * (1 + cos(pi * t / T))``, to the bit, from any start."""
    layer = MixedPathLayer([torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))])
    model, cfg = torch.nn.Sequential(layer), SupernetConfig(weight_lr=0.1)
    seen = []
    for start in (0, 3, 6):  # three rounds of three steps over a horizon of 7
        weights = WeightStepper(model, [layer], cfg, torch.device("cpu"), horizon=7, start_step=start)
        for batch in list(_stream(set()))[:3]:
            seen.append(weights.optimizer.param_groups[0]["lr"])
            weights.step(batch, [0])
    assert seen == [0.5 * 0.1 * (1 + math.cos(math.pi * min(t, 7) / 7)) for t in range(9)]
    constant = WeightStepper(model, [layer], SupernetConfig(lr_schedule="constant"), torch.device("cpu"), horizon=1)
    constant.step(next(_stream(set())), [0])
    assert constant.optimizer.param_groups[0]["lr"] == 0.05


def test_evaluator_cosine_restarts_each_round_without_total_steps() -> None:
    cells = _cells(6, 2)
    batch = [Candidate(layer, g, None) for layer in range(4) for g in cells[layer]]
    lrs: list[float] = []
    ev = _evaluator(steps=2, weight_lr=0.1)
    original = WeightStepper.step

    def spy(self: WeightStepper, *args: object) -> float | None:
        lrs.append(self.optimizer.param_groups[0]["lr"])
        return original(self, *args)

    WeightStepper.step = spy  # type: ignore[method-assign]
    try:
        ev.score(batch), ev.score(batch)
    finally:
        WeightStepper.step = original  # type: ignore[method-assign]
    assert lrs == [0.1, 0.05, 0.1, 0.05]


def test_evaluator_leaves_threads_and_process_groups_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    ev = SupernetEvaluator("tiny", DIGITS, device="cpu", threads=before + 1, config=SupernetConfig(steps=1))
    assert torch.get_num_threads() == before
    cells = _cells(7, 2)
    batch = [Candidate(layer, g, None) for layer in range(4) for g in cells[layer]]
    ev.score(batch)
    assert torch.get_num_threads() == before and ev.describe()["threads"] == before + 1
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(EvaluatorError, match="no process group is joined"):
        ev.score(batch)


def test_supernet_package_needs_no_search_or_evaluators() -> None:
    code = (
        "import sys, autospace.supernet.builder, autospace.supernet.trainer, autospace.supernet.distributed; "
        "bad = [m for m in sys.modules if m.startswith(('autospace.search', 'autospace.evaluators', 'autospace.evolve'))]; "
        "assert not bad, bad"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_constructible_from_a_config_section() -> None:
    spec = parse_evaluator({"name": "supernet", "steps": 4, "device": "cpu", "gate_mode": "single"})
    ev = spec.create(space=SPACE, layers=4)
    assert isinstance(ev, SupernetEvaluator) and ev.config.steps == 4 and ev.config.gate_mode == "single"
    with pytest.raises(ConfigError, match="evolve.layers=3"):
        spec.create(space=SPACE, layers=3)
    with pytest.raises(ConfigError, match="evaluator.steps"):
        parse_evaluator({"name": "supernet", "steps": "many"})


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_bf16_round() -> None:
    cells = _cells(4, 3)
    ev = SupernetEvaluator("tiny", DIGITS, device="cuda", config=SupernetConfig(steps=10))
    scores = ev.score([Candidate(layer, cells[layer][k], None) for layer in range(4) for k in range(3)])
    assert all(math.isfinite(s) for s in scores) and ev.device.type == "cuda"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_compiled_paths_match_eager_shapes() -> None:
    cells = _cells(5, 2)
    batch = [Candidate(layer, cells[layer][k], None) for layer in range(4) for k in range(2)]
    ev = SupernetEvaluator("tiny", DIGITS, device="cuda", compile=True, config=SupernetConfig(steps=4))
    scores = ev.score(batch)
    assert len(scores) == 8 and all(math.isfinite(s) for s in scores)
    assert all(t.device.type == "cpu" for t in ev.bank.tensors.values())


def test_weight_bank_keys_and_tying_within_a_supernet() -> None:
    from autospace.genome import Genome
    from autospace.supernet.weight_bank import path_key

    a = Genome(SPACE, {(1, 2): "conv3x3", (2, 4): "conv1x1"}, 2)
    b = Genome(SPACE, {(1, 2): "conv3x3", (2, 4): "dwconv3x3"}, 2)
    assert path_key(1, a, "edges.1_2.0.weight") == "L1/e2/edges.1_2.conv3x3.0.weight"
    assert path_key(1, a, "project.0.weight") == path_key(1, b, "project.0.weight")
    assert path_key(1, a, "edges.2_4.0.weight") != path_key(1, b, "edges.2_4.0.weight")
    ev = _evaluator()
    batch = [Candidate(layer, g, None) for layer in range(4) for g in (a, b)]
    net = ev._build(batch, ev._group(batch))
    pa, pb = net.layers[1].paths
    assert pa.edges["1_2"][0].weight is pb.edges["1_2"][0].weight  # shared op: one tensor
    assert pa.project[0].weight is pb.project[0].weight
    assert pa.edges["2_4"][0].weight is not pb.edges["2_4"][0].weight


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_steps_synchronise_once() -> None:
    """The gate math runs on the CPU: an alpha step waits on the device once (the gate gradients),
    a weight step once (its loss value, checked before the optimiser step)."""
    device = torch.device("cuda")
    torch.manual_seed(0)
    layers = [MixedPathLayer([torch.nn.Linear(64, 64) for _ in range(3)]) for _ in range(3)]
    model = torch.nn.Sequential(torch.nn.Flatten(), *layers, torch.nn.Linear(64, 10)).to(device)
    alphas = [torch.zeros(3, requires_grad=True) for _ in layers]
    config, gen = SupernetConfig(steps=2), torch.Generator().manual_seed(0)
    weights = WeightStepper(model, layers, config, device, horizon=4)
    arch = AlphaStepper(model, layers, alphas, config, device, gen)
    paths = UniformPaths([3] * len(layers), gen)
    x, y = DIGITS.train.tensors
    batch = (x[:32].to(device), y[:32].to(device))
    weights.step(batch, paths()), arch.step(batch)  # warm-up
    counts = {}
    for kind, step in (("weight", lambda: weights.step(batch, paths())), ("alpha", lambda: arch.step(batch))):
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("warn")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                step()
        finally:
            torch.cuda.set_sync_debug_mode("default")
        counts[kind] = sum("synchroniz" in str(w.message) for w in caught)
    print("synchronisations per step:", counts)
    assert counts == {"weight": 1, "alpha": 1}


def test_alpha_stepper_rejects_device_or_misshapen_alphas() -> None:
    layer = MixedPathLayer([torch.nn.Linear(4, 4) for _ in range(3)])

    def make(alphas: list[torch.Tensor]) -> AlphaStepper:
        return AlphaStepper(torch.nn.Sequential(layer), [layer], alphas, SupernetConfig(), torch.device("cpu"), torch.Generator())

    with pytest.raises(EvaluatorError, match=r"alphas\[0\] must be a 1-D CPU tensor with one entry per path \(3\)"):
        make([torch.zeros(2, requires_grad=True)])
    with pytest.raises(EvaluatorError, match="2 alpha vectors for 1 mixed layers"):
        make([torch.zeros(3, requires_grad=True)] * 2)
    if torch.cuda.is_available():
        with pytest.raises(EvaluatorError, match="on cuda"):
            make([torch.zeros(3, device="cuda", requires_grad=True)])
