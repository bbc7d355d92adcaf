"""``rl``: ProxylessNAS / MnasNet REINFORCE over the candidates of each layer.

A per-layer softmax policy ``pi_l = softmax(theta_l)`` (the algorithm's own, not an `AlphaStepper`).
After ``warmup_steps`` weight-only steps, each step takes one SGD step of the shared weights through a
uniform path, scores ``samples`` policy paths on one validation batch with the MnasNet reward
``acc * (MAdds / B) ** w`` (``w = reward_alpha`` within budget, ``reward_beta`` above; defaults 0 and
-1: the MnasNet hard constraint, no bonus for being small) and takes one Adam step of ``theta`` on
``-(R - b) * log pi(path)`` with the baseline ``b <- d * b + (1 - d) * mean(R)``. The result is the
policy's argmax, projected into the budget window ranked by ``theta``.
"""

from __future__ import annotations

import torch

from autospace.search.base import SearchContext, SearchOutcome, argmax
from autospace.search.budget import project
from autospace.search.config import RLConfig
from autospace.supernet.gates import UniformPaths
from autospace.supernet.trainer import SupernetConfig, WeightStepper


def reward(acc: float, madds: float, budget: float, alpha: float, beta: float) -> float:
    """MnasNet's ``acc * (MAdds / B) ** w`` with ``w = alpha`` within budget, ``beta`` above."""
    return acc * (madds / budget) ** (alpha if madds <= budget else beta)


def run(ctx: SearchContext, config: RLConfig) -> SearchOutcome:
    """REINFORCE search on ``ctx.space``; the policy argmax, projected into the window."""
    net = ctx.supernet()
    theta = [torch.zeros(n, requires_grad=True) for n in net.sizes()]
    total = config.warmup_steps + config.steps
    weights = WeightStepper(net.network, net.layers, SupernetConfig(weight_lr=config.weight_lr), ctx.device,
                            horizon=total)
    gen = ctx.generator(1)
    uniform = UniformPaths(net.sizes(), gen)
    policy_opt = torch.optim.Adam(theta, lr=config.policy_lr)
    train, val = ctx.stream("train", 2), ctx.stream("val", 3)
    net.network.train()
    for _ in range(config.warmup_steps):
        weights.step(next(train), uniform())
        ctx.progress(1)
    baseline: float | None = None
    history, window = [], []
    for step in range(config.warmup_steps, total):
        weights.step(next(train), uniform())
        x, y = (t.to(ctx.device) for t in next(val))
        rewards, log_probs = [], []
        for _ in range(config.samples):
            choice = [int(torch.multinomial(torch.softmax(t.detach().cpu(), 0), 1, generator=gen)) for t in theta]
            net.use(choice)
            with torch.no_grad():
                acc = float((net.network(x).argmax(1) == y).float().mean())
            rewards.append(reward(acc, net.madds(choice), ctx.budget.madds, config.reward_alpha, config.reward_beta))
            log_probs.append(sum(torch.log_softmax(t, 0)[k] for t, k in zip(theta, choice)))
        mean_r = sum(rewards) / len(rewards)
        baseline = mean_r if baseline is None else config.baseline_decay * baseline + (1 - config.baseline_decay) * mean_r
        loss = -sum((r - baseline) * lp for r, lp in zip(rewards, log_probs)) / len(rewards)
        policy_opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[union-attr]
        policy_opt.step()
        ctx.progress(1)
        window.append(mean_r)
        if (step + 1 - config.warmup_steps) % config.log_every == 0 or step + 1 == total:
            record = {"step": step + 1, "reward": sum(window) / len(window), "baseline": baseline,
                      "argmax_madds": net.madds(argmax(theta))}
            history.append(record)
            ctx.log(record)
            window = []
    scores = [t.detach().cpu().tolist() for t in theta]
    genomes = net.genomes(project(argmax(theta), scores, net.costs, net.fixed_madds, ctx.budget))
    return SearchOutcome(genomes, history, {"argmax_madds": net.madds(argmax(theta)), "policy": scores})
