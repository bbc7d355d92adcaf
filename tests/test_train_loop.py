"""The training module: the recipe's schedule, the loop's step budget and divergence check, accuracy."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from autospace.data.batches import batch_stream
from autospace.errors import ConfigError, TrainingDiverged
from autospace.train import ScoringRecipe, StandaloneTrainer, TrainRecipe, accuracy

CPU = torch.device("cpu")


def _data(n: int = 96, seed: int = 0) -> TensorDataset:
    gen = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 1, 4, 4, generator=gen), torch.randint(0, 3, (n,), generator=gen))


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 3))


def _hand_schedule(step: int, steps_per_epoch: int, recipe: TrainRecipe) -> float:
    """The hand-written warmup + cosine that final training used before torch's schedulers."""
    warmup, total = recipe.warmup_epochs * steps_per_epoch, recipe.epochs * steps_per_epoch
    if step < warmup:
        return recipe.lr * (step + 1) / warmup
    return 0.5 * recipe.lr * (1 + math.cos(math.pi * min((step - warmup) / max(total - warmup, 1), 1.0)))


@pytest.mark.parametrize(("epochs", "warmup", "per_epoch"), [(4, 1, 10), (3, 0, 7), (2, 2, 5), (5, 2, 1), (1, 3, 4)])
def test_schedule_equals_the_hand_written_warmup_and_cosine(epochs: int, warmup: int, per_epoch: int) -> None:
    recipe = TrainRecipe(epochs=epochs, lr=0.1, warmup_epochs=warmup)
    opt = recipe.optimizer([nn.Parameter(torch.zeros(1))])
    sched = recipe.scheduler(opt, epochs * per_epoch, per_epoch)
    lrs = []
    for _ in range(epochs * per_epoch):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx([_hand_schedule(t, per_epoch, recipe) for t in range(len(lrs))], rel=1e-12, abs=1e-15)


def test_no_warmup_is_torchs_plain_cosine() -> None:
    opt = ScoringRecipe().optimizer([nn.Parameter(torch.zeros(1))])
    assert isinstance(ScoringRecipe().scheduler(opt, 20, 5), torch.optim.lr_scheduler.CosineAnnealingLR)


def test_a_step_budget_reads_the_batches_of_an_endless_stream() -> None:
    data, recipe = _data(), ScoringRecipe(batch_size=32, lr=0.1)
    a = _model()
    StandaloneTrainer(a, data, recipe, CPU, steps=7, generator=torch.Generator().manual_seed(5)).fit()
    b = _model()
    opt = torch.optim.SGD(b.parameters(), lr=0.1, momentum=0.9, weight_decay=recipe.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 7)
    stream = batch_stream(data, 32, torch.Generator().manual_seed(5))
    for _ in range(7):
        x, y = next(stream)
        opt.zero_grad()
        nn.functional.cross_entropy(b(x), y).backward()
        opt.step()
        sched.step()
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_epochs_and_the_per_epoch_cap() -> None:
    trainer = StandaloneTrainer(_model(), _data(), ScoringRecipe(epochs=3, batch_size=16,
                                                           max_steps_per_epoch=4), CPU)
    assert (trainer.steps_per_epoch, trainer.total_steps) == (4, 12)
    assert len(StandaloneTrainer(_model(), _data(), ScoringRecipe(epochs=3, batch_size=16), CPU).fit()) == 3


def test_a_non_finite_loss_raises_before_it_reaches_the_weights() -> None:
    data = _data()
    data.tensors[0][:] = float("nan")
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(TrainingDiverged, match="loss=nan at step 0"):
        StandaloneTrainer(model, data, ScoringRecipe(), CPU).fit()
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_accuracy_of_a_dataset_equals_that_of_its_batches() -> None:
    data, model = _data(), _model()
    batches = list(zip(data.tensors[0].split(40), data.tensors[1].split(40)))
    assert accuracy(model, data, CPU) == accuracy(model, batches, CPU) == accuracy(model, data, CPU, batch_size=7)
    assert model.training


@pytest.mark.parametrize(("field", "value"), [("epochs", 0), ("lr", -1.0), ("weight_decay", -1e-4),
                                              ("label_smoothing", 1.0), ("max_steps_per_epoch", 0)])
def test_bad_recipes_name_the_field(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"train.{field}={value!r}"):
        TrainRecipe(**{field: value})
