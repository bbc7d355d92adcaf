"""``proxyless-g``: ProxylessNAS gradient search over the candidates of each layer.

Binary gates over ``softmax(alpha_l)`` per layer (the zero/skip choice is one of the candidates
where the layer allows it). Weights: SGD on training batches through one sampled path; alphas:
Adam on validation batches through the gates (two-path estimate), with the MAdds-aware loss of
Eq. 6 (additive form ``CE + lambda * E[MAdds] / B``) — both from
`autospace.supernet.trainer.SupernetTrainer`. ``warmup_steps`` weight-only steps with
uniform paths come first (ProxylessNAS warms its weights up before the alphas move).

Steering to the budget: every ``adapt_every`` steps ``lambda`` is multiplied by
``(E[MAdds] / B) ** lambda_rate`` (dual ascent on the log ratio, clamped to ``[lambda_min,
lambda_max]``), so the penalty grows while the expected network is over budget and fades while
it is under. The result is the argmax per layer, projected into the budget window by
`autospace.search.budget.project` ranked by alpha.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from autospace.errors import ConfigError
from autospace.search.base import SearchContext, SearchOutcome
from autospace.search.budget import check_feasible, project
from autospace.search.config import positive
from autospace.supernet.builder import Supernet
from autospace.supernet.trainer import SupernetConfig, SupernetTrainer

NAME = "proxyless-g"


@dataclass(frozen=True)
class ProxylessConfig:
    """Settings of ``[proxyless-g]``: step counts, learning rates, Eq. 6 weight and its steering."""

    warmup_steps: int = 100
    steps: int = 200
    weight_lr: float = 0.05
    alpha_lr: float = 0.05
    gate_mode: str = "two"
    madds_lambda: float = 0.5
    lambda_rate: float = 1.0
    lambda_min: float = 1e-3
    lambda_max: float = 10.0
    adapt_every: int = 10

    def __post_init__(self) -> None:
        positive("proxyless-g", self, "steps", "weight_lr", "alpha_lr", "madds_lambda", "lambda_min", "lambda_max",
                 "adapt_every")
        if self.warmup_steps < 0:
            raise ConfigError(f"proxyless-g.warmup_steps={self.warmup_steps!r} must be >= 0")


def run(ctx: SearchContext, config: ProxylessConfig) -> SearchOutcome:
    """Gradient search on ``ctx.space``; the argmax architecture, projected into the window."""
    assert ctx.space is not None
    torch.manual_seed(ctx.seed)
    net = Supernet(ctx.skeleton, ctx.space, ctx.data.num_classes).to(ctx.device)
    check_feasible(ctx.budget, net.costs, net.fixed_madds)
    alphas = [torch.zeros(n, requires_grad=True) for n in ctx.space.sizes()]
    sn_config = SupernetConfig(
        steps=config.adapt_every,
        batch_size=ctx.batch_size,
        gate_mode=config.gate_mode,
        weight_lr=config.weight_lr,
        alpha_lr=config.alpha_lr,
        total_steps=config.warmup_steps + config.steps,
        madds_loss="additive",
        madds_budget=float(ctx.budget.madds),
        madds_lambda=config.madds_lambda,
    )
    trainer = SupernetTrainer(net.network, net.layers, alphas, sn_config, ctx.device, ctx.generator(1),
                              costs=net.cost_tensors(), fixed_madds=float(net.fixed_madds))
    train, val = ctx.stream("train", 2), ctx.stream("val", 3)
    net.network.train()
    for step in range(config.warmup_steps):  # alphas are still zero: uniform paths
        trainer.weight_step(next(train), trainer.lr_at(step))
    history = []
    step = config.warmup_steps
    while step < config.warmup_steps + config.steps:
        chunk = min(config.adapt_every, config.warmup_steps + config.steps - step)
        trainer.config.steps = chunk
        stats = trainer.train(train, val, start_step=step)
        step += chunk
        with torch.no_grad():
            expected = float(trainer.expected_madds())
        lam = trainer.config.madds_lambda * (expected / ctx.budget.madds) ** config.lambda_rate
        trainer.config.madds_lambda = min(max(lam, config.lambda_min), config.lambda_max)
        record = {
            "step": step,
            "train_loss": _mean(stats.train_loss),
            "val_loss": _mean(stats.val_loss),
            "expected_madds": expected,
            "argmax_madds": net.madds(_argmax(alphas)),
            "madds_lambda": trainer.config.madds_lambda,
        }
        history.append(record)
        ctx.log(record)
    scores = [a.detach().cpu().tolist() for a in alphas]
    choice = project(_argmax(alphas), scores, net.costs, net.fixed_madds, ctx.budget)
    genomes = [cands[k] for cands, k in zip(ctx.space.candidates, choice)]
    return SearchOutcome(genomes, history, {"argmax_madds": net.madds(_argmax(alphas)), "alphas": scores})


def _argmax(alphas: list[torch.Tensor]) -> list[int]:
    return [int(a.detach().argmax()) for a in alphas]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
