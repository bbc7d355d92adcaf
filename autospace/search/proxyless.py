"""``proxyless-g``: ProxylessNAS gradient search over the candidates of each layer.

``warmup_steps`` weight-only steps (ProxylessNAS warms its weights up first), then rounds of
`train_round`: weights by SGD through uniform paths, alphas by Adam through two-path binary gates with
the additive Eq. 6 loss ``CE + lambda * E[MAdds] / B``. Every ``adapt_every`` steps
``lambda *= (E[MAdds] / B) ** lambda_rate`` (dual ascent on the log ratio, clamped to ``[lambda_min,
lambda_max]``): the penalty grows while the expected network is over budget and fades while it is
under. The result is the argmax per layer, projected into the budget window ranked by alpha.
"""

from __future__ import annotations

import torch

from autospace.search.base import SearchContext, SearchOutcome, argmax
from autospace.search.budget import project
from autospace.search.config import ProxylessConfig
from autospace.supernet.gates import UniformPaths
from autospace.supernet.trainer import AlphaStepper, SupernetConfig, WeightStepper, train_round


def run(ctx: SearchContext, config: ProxylessConfig) -> SearchOutcome:
    """Gradient search on ``ctx.space``; the argmax architecture, projected into the window."""
    net = ctx.supernet()
    alphas = [torch.zeros(n, requires_grad=True) for n in net.sizes()]
    sn_config = SupernetConfig(gate_mode=config.gate_mode, weight_lr=config.weight_lr, alpha_lr=config.alpha_lr,
                               madds_loss="additive", madds_budget=float(ctx.budget.madds),
                               madds_lambda=config.madds_lambda)
    total = config.warmup_steps + config.steps
    gen = ctx.generator(1)
    weights = WeightStepper(net.network, net.layers, sn_config, ctx.device, horizon=total)
    arch = AlphaStepper(net.network, net.layers, alphas, sn_config, ctx.device, gen, net.costs, net.fixed_madds)
    train, val = ctx.stream("train", 2), ctx.stream("val", 3)
    net.network.train()
    uniform = UniformPaths(net.sizes(), gen)
    for _ in range(config.warmup_steps):
        weights.step(next(train), uniform())
        ctx.progress(1)
    history = []
    step = config.warmup_steps
    while step < total:
        chunk = min(config.adapt_every, total - step)
        stats = train_round(weights, arch, train, val, chunk)
        step += chunk
        ctx.progress(chunk)
        with torch.no_grad():
            expected = float(arch.expected_madds())
        lam = arch.madds_lambda * (expected / ctx.budget.madds) ** config.lambda_rate
        arch.madds_lambda = min(max(lam, config.lambda_min), config.lambda_max)
        record = {"step": step, "train_loss": _mean(stats.train_loss), "val_loss": _mean(stats.val_loss),
                  "expected_madds": expected, "argmax_madds": net.madds(argmax(alphas)),
                  "madds_lambda": arch.madds_lambda}
        history.append(record)
        ctx.log(record)
    scores = [a.detach().cpu().tolist() for a in alphas]
    genomes = net.genomes(project(argmax(alphas), scores, net.costs, net.fixed_madds, ctx.budget))
    return SearchOutcome(genomes, history, {"argmax_madds": net.madds(argmax(alphas)), "alphas": scores})


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
