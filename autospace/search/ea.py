"""``ea``: direct evolutionary search over the full open space (the paper's Table 2 "Full / EA").

No supernet: the evolve engine (aging evolution) keeps one population of open-space cells per layer;
each round the ``j``-th proposals of all layers form architecture ``j`` (reused cyclically), which is
moved into the budget window (`autospace.search.budget.project` over a per-layer pool of the cells seen
so far, seeded with the MobileNetV2 blocks e=1..6 and skip), trained from scratch for ``train_steps``
steps (weight decay 4e-5) and scored with the MnasNet reward (`autospace.search.rl.reward`). Every
proposed cell is told the best reward of the architectures it was part of (0 when the repair swapped it
out, so cells that cannot fit the budget die out). Per-layer MAdds caps keep proposals plausible:
``cap_slack`` x the layer's share of the budget, as the MobileNetV2 block (dwconv3x3, e=6) splits it.
"""

from __future__ import annotations

from autospace.errors import ConfigError
from autospace.evolve import Engine, EvolveConfig
from autospace.genome import Genome, get_space
from autospace.nn import build_network, fixed_cost, layer_cost, network_cost
from autospace.search.base import SearchContext, SearchOutcome
from autospace.search.budget import project
from autospace.search.config import EAConfig
from autospace.search.rl import reward
from autospace.search.space import skip_allowed, zero_genome
from autospace.train.device import seeded
from autospace.train.loop import StandaloneTrainer, accuracy
from autospace.train.recipe import ScoringRecipe


def irb_as_open_cell(ratio: int = 6) -> Genome:
    """MobileNetV2's block in the open space: one dwconv3x3 from source to sink, expansion ``ratio``."""
    space = get_space("autospace")
    ops = {edge: ("dwconv3x3" if edge == (space.source, space.sink) else space.zero_op) for edge in space.edges}
    return Genome(space, ops, ratio)


def layer_caps(ctx: SearchContext, slack: float) -> tuple[float, ...]:
    """Per-layer MAdds caps: ``slack`` x the layer's share of the budget (module docstring)."""
    ref = irb_as_open_cell()
    ref_costs = [max(layer_cost(spec, ref)[0], 1) for spec in ctx.skeleton.layers]
    room = ctx.budget.high - fixed_cost(ctx.skeleton, ctx.data.num_classes)[0]
    if room <= 0:
        raise ConfigError(f"madds_budget={ctx.budget.madds:g} is below the skeleton's fixed MAdds")
    return tuple(slack * room * c / sum(ref_costs) for c in ref_costs)


class _Scorer:
    """Low-fidelity score of whole architectures: short training from scratch, then accuracy."""

    def __init__(self, ctx: SearchContext, config: EAConfig) -> None:
        self.ctx, self.config = ctx, config
        self.recipe = ScoringRecipe(batch_size=ctx.batch_size, lr=config.lr, weight_decay=4e-5)
        self.evals = ctx.batches("val", 5, config.eval_batches)
        self.cache: dict[tuple[Genome, ...], tuple[float, float, int]] = {}

    def __call__(self, genomes: tuple[Genome, ...]) -> tuple[float, float, int]:
        """``(reward, accuracy, madds)`` of the architecture (cached)."""
        if genomes not in self.cache:
            ctx, cfg = self.ctx, self.config
            with seeded(ctx.seed):  # the same init for every architecture; dropout seeded too
                model = build_network(ctx.skeleton, genomes, ctx.data.num_classes)  # the trainer moves it
                StandaloneTrainer(model, ctx.data.train, self.recipe, ctx.device, steps=cfg.train_steps,
                                  generator=ctx.generator(2)).fit()
            acc = accuracy(model, self.evals, ctx.device)
            madds = network_cost(ctx.skeleton, genomes, ctx.data.num_classes)[0]
            self.cache[genomes] = (reward(acc, madds, ctx.budget.madds, cfg.reward_alpha, cfg.reward_beta), acc, madds)
        return self.cache[genomes]


class _Pool:
    """Per layer: every cell seen so far with its best reward (a ladder of MobileNetV2 blocks
    e=1..6 and the skip choice seeded in), for moving architectures into the budget window."""

    def __init__(self, ctx: SearchContext) -> None:
        self.ctx = ctx
        space = get_space("autospace")
        ladder = [irb_as_open_cell(e) for e in space.ratios]
        self.cells: list[dict[Genome, float]] = []
        self.costs: list[dict[Genome, int]] = []
        for spec in ctx.skeleton.layers:
            cells = ladder + ([zero_genome(space)] if skip_allowed(spec) else [])
            self.cells.append(dict.fromkeys(cells, 0.0))
            self.costs.append({g: layer_cost(spec, g)[0] for g in cells})
        self.fixed = fixed_cost(ctx.skeleton, ctx.data.num_classes)[0]

    def add(self, layer: int, genome: Genome) -> None:
        if genome not in self.cells[layer]:
            self.cells[layer][genome] = 0.0
            self.costs[layer][genome] = layer_cost(self.ctx.skeleton.layers[layer], genome)[0]

    def credit(self, arch: tuple[Genome, ...], value: float) -> None:
        for layer, genome in enumerate(arch):
            self.cells[layer][genome] = max(self.cells[layer][genome], value)

    def repair(self, arch: tuple[Genome, ...]) -> tuple[Genome, ...]:
        """``arch`` moved into the window by `autospace.search.budget.project` over the pool."""
        lists = [list(cells) for cells in self.cells]
        choice = [cells.index(g) for cells, g in zip(lists, arch)]
        scores = [[self.cells[i][g] for g in cells] for i, cells in enumerate(lists)]
        costs = [[self.costs[i][g] for g in cells] for i, cells in enumerate(lists)]
        choice = project(choice, scores, costs, self.fixed, self.ctx.budget)
        return tuple(cells[k] for cells, k in zip(lists, choice))


def run(ctx: SearchContext, config: EAConfig) -> SearchOutcome:
    """Aging evolution of per-layer open-space populations, scored as whole architectures."""
    space = get_space("autospace")
    specs = ctx.skeleton.layers
    engine = Engine(
        space,
        EvolveConfig(strategy="regularized", population=config.population, rounds=config.rounds,
                     sample_size=config.sample_size, tournament_size=config.tournament_size, top_k=1,
                     seed=ctx.seed, init="random", layers=len(specs), madds_cap=layer_caps(ctx, config.cap_slack)),
        exact=True,
        layer_cost=lambda layer, genome: float(layer_cost(specs[layer], genome)[0]),
    )
    scorer, pool = _Scorer(ctx, config), _Pool(ctx)
    last: list[Genome] = [irb_as_open_cell(1)] * len(specs)
    history = []
    while not engine.done:
        candidates = engine.ask()
        by_layer: list[list[Genome]] = [[] for _ in specs]
        for cand in candidates:
            by_layer[cand.layer].append(cand.genome)
            pool.add(cand.layer, cand.genome)
        width = max((len(g) for g in by_layer), default=0)
        credit: dict[tuple[int, Genome], float] = {}
        for j in range(width):
            arch = pool.repair(tuple(g[j % len(g)] if g else last[i] for i, g in enumerate(by_layer)))
            value = scorer(arch)[0]
            pool.credit(arch, value)
            for i, genome in enumerate(arch):
                credit[(i, genome)] = max(credit.get((i, genome), 0.0), value)
            last = list(arch)
        engine.tell([credit.get((c.layer, c.genome), 0.0) for c in candidates])
        best = max(scorer.cache.values(), key=lambda v: v[1], default=None)
        record = {"round": engine.round, "architectures": len(scorer.cache),
                  "best_accuracy": None if best is None else best[1], "best_madds": None if best is None else best[2]}
        history.append(record)
        ctx.log(record)
        ctx.progress(1)
    best_arch = max(scorer.cache, key=lambda a: (scorer.cache[a][0], -scorer.cache[a][2]))
    return SearchOutcome(list(best_arch), history, {"accuracy": scorer.cache[best_arch][1], "scored": len(scorer.cache)})
