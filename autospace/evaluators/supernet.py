"""`SupernetEvaluator`: the paper's differentiable fitness (AutoSpace §3.2, Eq. 3-4, 6).

Each `evaluate` gets the N sampled cells of every searchable layer, builds a supernet (layer ``l`` =
a `MixedPathLayer` of its N cells) with weights inherited through a `WeightBank`, initialises
``alpha`` from the cells' fitness, trains ``steps`` weight steps with alpha steps between them and
returns one score per candidate (``config.fitness``): the final alpha (the paper), or a read-out of
the shared weights after the round (each path's one-shot validation loss or accuracy after BatchNorm
re-estimation, or its perturbation score); the engine applies the momentum update (Eq. 5) itself.

Alpha initialisation (``alpha_init="fitness"``): ``alpha_k = f_k`` as is — the fitness is itself a
momentum average of earlier alphas (Eq. 5), so it lives on the alpha scale; a cell without fitness
starts at the mean fitness of the known cells of its layer (0.0 if none). Under ``torchrun`` (inside
`autospace.supernet.distributed.process_group`) every rank samples the same gates, takes its share of
each batch and averages weight (DDP) and alpha (all-reduce) gradients, so all ranks stay equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from autospace.data import DataSplit, get_dataset
from autospace.data.batches import Batch, batch_stream, epoch_batches
from autospace.errors import EvaluatorError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.prior import CellPrior, standardised
from autospace.evaluators.registry import register_evaluator
from autospace.evaluators.standalone import check_layers
from autospace.genome import CellSpace
from autospace.nn import Skeleton, skeleton_for
from autospace.supernet import distributed
from autospace.supernet.builder import Supernet
from autospace.supernet.trainer import AlphaStepper, RoundStats, SupernetConfig, WeightStepper, train_round
from autospace.supernet.weight_bank import WeightBank
from autospace.train.device import check_threads, resolve_device, seeded, torch_threads
from autospace.train.loop import loss_and_accuracy, recalibrate_bn

COMPILE_LIMIT = 256  # compiled variants of Cell.forward kept (dynamo's accumulated limit)


def initial_alphas(fitness: Sequence[float | None]) -> list[float]:
    """Alpha from fitness: the fitness itself; unknown ones get the mean of the known ones."""
    known = [float(f) for f in fitness if f is not None]
    for f in known:
        if not math.isfinite(f):
            raise EvaluatorError(f"candidate fitness={f!r} is not finite; cannot initialise alpha")
    default = sum(known) / len(known) if known else 0.0
    return [default if f is None else float(f) for f in fitness]


def perturbation_scores(alpha: Sequence[float], losses: Sequence[float]) -> list[float]:
    """How much the expected validation loss under ``p = softmax(alpha)`` rises when each path is left
    out (the rest renormalised): ``p_k * (E_{-k} - loss_k)`` with ``E_{-k}`` the ``p``-weighted mean loss
    of the other paths. A single path scores 0.

    Args:
        alpha: the layer's alphas.
        losses: each path's validation loss.

    Returns:
        One score per path (higher: leaving the path out hurts more).
    """
    if len(alpha) < 2:
        return [0.0] * len(alpha)
    p = torch.softmax(torch.tensor(alpha, dtype=torch.float64), 0)
    loss = torch.tensor(losses, dtype=torch.float64)
    total = (p * loss).sum()
    others = (total - p * loss) / (1.0 - p).clamp_min(1e-12)
    return (p * (others - loss)).tolist()


class SupernetEvaluator(Evaluator):
    """Scores the sampled cells of all layers jointly by training a binary-gated supernet.

    Args:
        skeleton: a skeleton name or `Skeleton` (its input size and channels are set from the data).
        data: the train / validation data.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        seed: seeds weights, data order and gate sampling (round ``r`` uses ``seed`` and ``r``).
        compile: wrap each path in ``torch.compile``. Dynamo caches compiled code per code object
            (every cell shares ``Cell.forward``) and by default recompiles it 8 times at most, so
            training raises that limit to `COMPILE_LIMIT` while it runs; each distinct cell
            structure compiles once per grad mode and is reused by later rounds. It pays off when
            rounds are long next to the compile time (seconds per new cell on a GPU).
        threads: torch CPU threads while `evaluate` runs (restored after; 0 leaves the setting
            alone). Small CPU supernets run fastest on 1 thread, several times faster on a busy machine.
        config: training hyper-parameters (`SupernetConfig`).

    Under ``torchrun`` the caller joins the ranks' process group
    (`autospace.supernet.distributed.process_group`; ``autospace evolve`` does).
    """

    exact = False
    independent = False

    def __init__(self, skeleton: str | Skeleton, data: DataSplit, *, device: str = "auto", seed: int = 0,
                 compile: bool = False, threads: int = 0, config: SupernetConfig | None = None) -> None:
        super().__init__()
        check_threads(threads, "evaluator.threads", optional=False)  # checked now: it is applied only in evaluate
        self.config = config or SupernetConfig()
        self.device = distributed.local_device(resolve_device(device))
        self.data = data
        self.skeleton = skeleton_for(skeleton, data.input_shape)
        self.seed, self.compile, self.threads = seed, compile, threads
        self.bank = WeightBank()
        self.round = 0
        self.global_step = 0
        self.rounds: list[dict[str, float]] = []
        self.last_scores: dict[str, list[float]] = {}
        """Every read-out of the last `evaluate`, per candidate in batch order: ``alpha`` (when alpha is
        trained) and, when the fitness is read from evaluation, ``val_loss`` and ``val_accuracy``."""
        self._eval_data: tuple[list[Batch], list[Batch]] | None = None
        self.prior = None if self.config.prior == "none" else CellPrior(self.config.prior, self.skeleton, data, seed)

    def _group(self, batch: Sequence[Candidate]) -> list[list[int]]:
        groups: list[list[int]] = [[] for _ in range(self.skeleton.num_layers)]
        for i, cand in enumerate(batch):
            if not 0 <= cand.layer < len(groups):
                raise EvaluatorError(
                    f"candidate layer={cand.layer} is out of range; skeleton {self.skeleton.name!r} has {len(groups)} layers"
                )
            groups[cand.layer].append(i)
        missing = [layer for layer, idx in enumerate(groups) if not idx]
        if missing:
            raise EvaluatorError(f"the batch has no candidates for layers {missing}; the supernet needs every layer")
        return groups

    def _build(self, batch: Sequence[Candidate], groups: list[list[int]]) -> Supernet:
        """This round's supernet: weights tied and inherited through the bank."""
        candidates = [[batch[i].genome for i in idx] for idx in groups]
        net = Supernet(self.skeleton, candidates, self.data.num_classes, seed=self.seed + self.round,
                       device=self.device, bank=self.bank, sharing=self.config.weight_sharing)
        if self.compile:
            for mixed in net.mixed_layers:
                mixed.paths = nn.ModuleList([torch.compile(p) for p in mixed.paths])  # type: ignore[misc]
        return net

    # ----------------------------------------------------------------------------- scoring
    def evaluate(self, batch: Sequence[Candidate]) -> list[float]:
        """Train a supernet of ``batch`` (all layers) for one round; the final alpha per candidate."""
        distributed.require_group()
        with torch_threads(self.threads):
            return self._train(batch)

    def _train(self, batch: Sequence[Candidate]) -> list[float]:
        cfg = self.config
        groups = self._group(batch)
        self._check_ranks_agree(batch)
        net = self._build(batch, groups)
        if cfg.alpha_init == "zero":
            alphas = [torch.zeros(len(idx), requires_grad=True) for idx in groups]
        else:
            alphas = [torch.tensor(initial_alphas([batch[i].fitness for i in idx]), requires_grad=True) for idx in groups]
        round_seed = self.seed * 1_000_003 + self.round
        arch = AlphaStepper(net.network, net.layers, alphas, cfg, self.device, torch.Generator().manual_seed(round_seed),
                            net.costs, net.fixed_madds)
        weights = WeightStepper(net.network, net.layers, cfg, self.device, horizon=cfg.total_steps or cfg.steps,
                                start_step=self.global_step if cfg.total_steps else 0)
        self.bank.restore_momentum(net.tensors, weights.optimizer)
        rank, size = distributed.world()
        train = batch_stream(self.data.train, cfg.batch_size, torch.Generator().manual_seed(round_seed), rank, size)
        val = batch_stream(self.data.val, cfg.batch_size, torch.Generator().manual_seed(round_seed + 1), rank, size)
        limits = torch._dynamo.config.patch(recompile_limit=COMPILE_LIMIT) if self.compile else nullcontext()
        with limits, seeded(round_seed + 2):  # dropout masks (the cifar skeleton's head) from the round's seed
            stats = train_round(weights, arch, train, val, cfg.steps, max(0, cfg.alpha_warmup - self.global_step),
                                self.global_step)
        self.bank.store(net.tensors, weights.optimizer)  # before the evaluation re-estimates BatchNorm
        readouts: dict[str, list[float]] = {}
        if cfg.alpha_every:
            readouts["alpha"] = self._per_candidate(groups, [a.detach().cpu().tolist() for a in alphas], len(batch))
        if cfg.fitness != "alpha":
            readouts |= self._read_out(net, groups, len(batch), round_seed)
        self.round += 1
        self.global_step += cfg.steps
        self.rounds.append(self._summary(stats))
        self.last_scores = readouts
        return self._scaled(batch, groups, self._fitness(groups, alphas, readouts))

    def _scaled(self, batch: Sequence[Candidate], groups: list[list[int]], scores: list[float]) -> list[float]:
        """``scores`` standardised per layer (``score_scale = "z"``) and blended with the prior (``prior_blend``)."""
        cfg = self.config
        if cfg.score_scale == "raw":
            return scores
        out = list(scores)
        for layer, idx in enumerate(groups):
            z = standardised([scores[i] for i in idx])
            if self.prior is not None:
                prior = self.prior.standing(layer, [batch[i].genome for i in idx])
                blend = [cfg.prior_blend == "every" or batch[i].fitness is None for i in idx]
                z = [cfg.prior_weight * p + (1.0 - cfg.prior_weight) * v if b else v for v, p, b in zip(z, prior, blend)]
            for i, value in zip(idx, z):
                out[i] = value
        return out

    def _fitness(self, groups: list[list[int]], alphas: list[torch.Tensor], readouts: dict[str, list[float]]) -> list[float]:
        """The score of every candidate under ``config.fitness``."""
        fitness = self.config.fitness
        if fitness == "alpha":
            return readouts["alpha"]
        if fitness == "val_loss":
            return [-v for v in readouts["val_loss"]]
        if fitness == "val_accuracy":
            return readouts["val_accuracy"]
        scores = [0.0] * len(readouts["val_loss"])
        for idx, alpha in zip(groups, alphas):
            for i, value in zip(idx, perturbation_scores(alpha.detach().tolist(), [readouts["val_loss"][i] for i in idx])):
                scores[i] = value
        return scores

    @staticmethod
    def _per_candidate(groups: list[list[int]], values: list[list[float]], size: int) -> list[float]:
        """Per-layer values (``values[l][k]`` for candidate ``k`` of layer ``l``) in batch order."""
        out = [0.0] * size
        for idx, row in zip(groups, values):
            for i, value in zip(idx, row):
                out[i] = float(value)
        return out

    def one_shot(self, batch: Sequence[Candidate]) -> dict[str, list[float]]:
        """Each candidate's one-shot validation loss and accuracy on the banked shared weights, without
        training (as a ``fitness = "val_loss"`` round reads them out after its training): BatchNorm
        statistics re-estimated for every evaluated architecture, ``eval_batches`` validation batches.

        Args:
            batch: the candidates (every searchable layer must have at least one).

        Returns:
            ``{"val_loss": [...], "val_accuracy": [...]}``, one value per candidate in batch order.

        Raises:
            EvaluatorError: a layer has no candidate, or a candidate's layer is out of range.
        """
        groups = self._group(batch)
        with torch_threads(self.threads):
            net = self._build(batch, groups)
            return self._read_out(net, groups, len(batch), self.seed * 1_000_003 + self.round)

    def _read_out(self, net: Supernet, groups: list[list[int]], size: int, seed: int) -> dict[str, list[float]]:
        with seeded(seed + 3):  # dropout (none in eval mode) and anything else drawn from torch's generator
            losses, accs = self._evaluate_paths(net, groups, seed)
        return {"val_loss": self._per_candidate(groups, losses, size),
                "val_accuracy": self._per_candidate(groups, accs, size)}

    def _evaluation_batches(self) -> tuple[list[Batch], list[Batch]]:
        """The run's fixed BatchNorm (training) and validation batches, drawn once from the seed."""
        if self._eval_data is None:
            cfg = self.config
            take = lambda data, n, seed: [b for b, _ in zip(  # noqa: E731
                epoch_batches(data, min(cfg.batch_size, len(data)), torch.Generator().manual_seed(seed)), range(n))]
            self._eval_data = (take(self.data.train, cfg.bn_batches, self.seed * 1_000_003 - 1),
                               take(self.data.val, cfg.eval_batches, self.seed * 1_000_003 - 2))
        return self._eval_data

    @torch.no_grad()
    def _evaluate_paths(self, net: Supernet, groups: list[list[int]], seed: int) -> tuple[list[list[float]], list[list[float]]]:
        """One-shot validation loss and accuracy of every path on the shared weights, each architecture's
        BatchNorm statistics re-estimated first (SPOS). A layer of ``n`` paths is evaluated in
        ``max n`` balanced architectures: architecture ``j`` takes path ``perm_l[j mod n_l]`` of layer
        ``l`` (seeded permutations), so every path is run at least once and a path's score is the mean
        over the architectures that run it."""
        calib, val = self._evaluation_batches()
        sizes = [len(idx) for idx in groups]
        generator = torch.Generator().manual_seed(seed)
        perms = [torch.randperm(n, generator=generator).tolist() for n in sizes]
        sums = [[[0.0, 0.0, 0] for _ in range(n)] for n in sizes]
        for j in range(max(sizes)):
            choice = [perm[j % n] for perm, n in zip(perms, sizes)]
            net.use(choice)
            recalibrate_bn(net.network, calib, self.device)
            loss, acc = loss_and_accuracy(net.network, val, self.device)
            for layer, k in enumerate(choice):
                entry = sums[layer][k]
                entry[0] += loss
                entry[1] += acc
                entry[2] += 1
        losses = [[e[0] / e[2] for e in layer] for layer in sums]
        accs = [[e[1] / e[2] for e in layer] for layer in sums]
        return losses, accs

    def _check_ranks_agree(self, batch: Sequence[Candidate]) -> None:
        """Under torchrun every rank must train the same supernet: same settings, same round,
        same candidates (ranks launched with different configs or seeds would otherwise hang or
        silently average unrelated gradients)."""
        settings = {k: v for k, v in self.describe().items() if k not in ("device", "threads")}
        cands = [(c.layer, c.genome.to_json(), c.fitness) for c in batch]
        text = repr((settings, self.round, cands))
        if not distributed.same_on_all_ranks(text, self.device):
            raise EvaluatorError(
                f"round {self.round}: the ranks disagree on the evaluator settings or the candidates; "
                "launch every torchrun rank with the same config and seed"
            )

    @staticmethod
    def _summary(stats: RoundStats) -> dict[str, float]:
        def mean(xs: list[float]) -> float:
            return sum(xs) / len(xs) if xs else float("nan")

        return {"train_loss_first": stats.train_loss[0] if stats.train_loss else float("nan"),
                "train_loss": mean(stats.train_loss), "val_loss": mean(stats.val_loss), "skipped": stats.skipped}

    # ----------------------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Cost counters, round and step counters, banked weights and momentum (tensors only)."""
        return {**super().state_dict(), "round": self.round, "global_step": self.global_step,
                "rounds": [dict(r) for r in self.rounds], "bank": self.bank.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.round = int(state.get("round", 0))
        self.global_step = int(state.get("global_step", 0))
        self.rounds = [dict(r) for r in state.get("rounds", [])]
        self.bank.load_state_dict(state.get("bank", {}))

    def describe(self) -> dict[str, Any]:
        return {"name": "supernet", "skeleton": self.skeleton.name, "data": self.data.describe(),
                "device": str(self.device), "world_size": distributed.world()[1], "seed": self.seed,
                "compile": self.compile, "threads": self.threads, "config": self.config.to_dict()}


@dataclass(frozen=True)
class SupernetSettings:
    """``[evaluator]`` keys of ``supernet`` besides the `SupernetConfig` fields: the arguments of
    `SupernetEvaluator` other than ``config``, and the data's ``split`` (e.g. ``"nb201"``: weights on
    one half of the training set, alpha on the other) and ``image_size`` (images average-pooled to this
    side; None: as they are)."""

    skeleton: str = "tiny"
    data: str = "digits"
    data_root: str | None = None
    split: str | None = None
    image_size: int | None = None
    device: str = "auto"
    seed: int = 0
    compile: bool = False
    threads: int = 0


def _factory(settings: SupernetSettings, config: SupernetConfig, *, space: CellSpace, layers: int) -> SupernetEvaluator:
    split = get_dataset(settings.data, settings.data_root, split=settings.split, seed=settings.seed,
                        image_size=settings.image_size)
    ev = SupernetEvaluator(settings.skeleton, split, device=settings.device, seed=settings.seed,
                           compile=settings.compile, threads=settings.threads, config=config)
    check_layers(ev.skeleton, layers)
    return ev


register_evaluator("supernet", _factory, settings=(SupernetSettings, SupernetConfig), path_keys=("data_root",))
