"""``spos``: single-path one-shot (Guo et al. 2020) over the candidates of each layer.

``steps`` SGD steps through one uniform path per layer, then selection among architectures inside the
budget window (random ones are moved in by `autospace.search.budget.project` with random ranks;
children outside it are rejected, as SPOS rejects those that break its FLOPs constraint):
``"evolution"`` keeps the ``parents`` best of each generation and refills half by mutation (each layer
re-drawn with probability ``mutation_prob``), half by uniform crossover; ``"random"`` scores as many
random candidates. A candidate's score: BatchNorm re-estimated on ``bn_batches`` training batches
through its path, then top-1 on ``eval_batches`` validation batches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autospace.search.base import SearchContext, SearchOutcome
from autospace.search.budget import Budget, project
from autospace.search.config import SposConfig
from autospace.supernet.builder import Supernet
from autospace.supernet.gates import UniformPaths
from autospace.supernet.trainer import SupernetConfig, WeightStepper
from autospace.train.loop import accuracy, recalibrate_bn

Choice = tuple[int, ...]


class WindowSampler:
    """Architectures (candidate index per layer) inside the budget window."""

    def __init__(self, net: Supernet, budget: Budget, rng: np.random.Generator) -> None:
        self.net, self.costs, self.budget, self.rng = net, net.costs, budget, rng

    def admits(self, choice: Sequence[int]) -> bool:
        return self.budget.admits(self.net.madds(choice))

    def random(self) -> Choice:
        choice = [int(self.rng.integers(len(c))) for c in self.costs]
        scores = [self.rng.random(len(c)).tolist() for c in self.costs]
        return tuple(project(choice, scores, self.costs, self.net.fixed_madds, self.budget))

    def mutate(self, parent: Choice, prob: float) -> Choice:
        return tuple(int(self.rng.integers(len(c))) if self.rng.random() < prob else k
                     for c, k in zip(self.costs, parent))

    def crossover(self, a: Choice, b: Choice) -> Choice:
        return tuple(x if self.rng.random() < 0.5 else y for x, y in zip(a, b))


def run(ctx: SearchContext, config: SposConfig) -> SearchOutcome:
    """Uniform single-path training, then evolutionary or random selection within the window."""
    net = ctx.supernet()
    weights = WeightStepper(net.network, net.layers, SupernetConfig(weight_lr=config.weight_lr), ctx.device,
                            horizon=config.steps)
    uniform = UniformPaths(net.sizes(), ctx.generator(1))
    train = ctx.stream("train", 2)
    net.network.train()
    history = []
    losses: list[float] = []
    for step in range(config.steps):
        loss = weights.step(next(train), uniform())
        ctx.progress(1)
        if loss is not None:
            losses.append(loss)
        if (step + 1) % 50 == 0 or step + 1 == config.steps:
            record = {"phase": "train", "step": step + 1, "train_loss": sum(losses) / max(len(losses), 1)}
            history.append(record)
            ctx.log(record)
            losses = []
    calib, evals = ctx.batches("train", 4, config.bn_batches), ctx.batches("val", 5, config.eval_batches)
    scores: dict[Choice, float] = {}

    def score(choice: Choice) -> float:
        if choice not in scores:
            net.use(choice)
            recalibrate_bn(net.network, calib, ctx.device)
            scores[choice] = accuracy(net.network, evals, ctx.device)
        return scores[choice]

    sampler = WindowSampler(net, ctx.budget, np.random.default_rng(ctx.seed))
    if config.selection == "evolution":
        _evolve(sampler, score, config, ctx, history)
    else:
        for _ in range(config.population * (config.generations + 1)):
            score(sampler.random())
        record = {"phase": "random", "scored": len(scores), "best": max(scores.values())}
        history.append(record)
        ctx.log(record)
    ctx.progress(1)  # the selection
    best = max(scores, key=lambda c: (scores[c], -net.madds(c)))
    return SearchOutcome(net.genomes(best), history, {"best_score": scores[best], "scored": len(scores)})


def _evolve(sampler: WindowSampler, score: Callable[[Choice], float], config: SposConfig, ctx: SearchContext,
            history: list[dict[str, Any]]) -> None:
    """SPOS evolution: keep the best ``parents``, refill by mutation and crossover within the window."""
    population = [sampler.random() for _ in range(config.population)]
    for generation in range(config.generations + 1):
        ranked = sorted(set(population), key=lambda c: -score(c))
        record = {"phase": "evolution", "generation": generation, "best": score(ranked[0]),
                  "best_madds": sampler.net.madds(ranked[0])}
        history.append(record)
        ctx.log(record)
        if generation == config.generations:
            return
        parents = ranked[: config.parents]
        children: list[Choice] = []
        for i in range(config.population - len(parents)):
            child = None
            for _ in range(config.max_tries):
                if i % 2 == 0 or len(parents) < 2:
                    cand = sampler.mutate(parents[int(sampler.rng.integers(len(parents)))], config.mutation_prob)
                else:
                    a, b = sampler.rng.choice(len(parents), size=2, replace=False)
                    cand = sampler.crossover(parents[int(a)], parents[int(b)])
                if sampler.admits(cand):
                    child = cand
                    break
            children.append(child if child is not None else sampler.random())
        population = parents + children
