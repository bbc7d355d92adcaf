"""`SupernetEvaluator`: the paper's differentiable fitness (AutoSpace §3.2, Eq. 3-4, 6).

Each call to `evaluate` gets the N sampled cells of every searchable layer, builds a supernet on a
skeleton (layer ``l`` = a `MixedPathLayer` of its N cells), initialises ``alpha`` from the cells'
fitness, trains it for ``steps`` weight / alpha step pairs and returns the final alpha of every
candidate, in batch order. The engine applies the momentum update (Eq. 5) itself.

Alpha initialisation: ``alpha_k = f_k``, the candidate's current fitness, used as is — the
fitness is itself a momentum average of earlier alphas (Eq. 5), so it lives on the alpha scale.
A cell without fitness yet starts at the mean fitness of the known cells of its layer (0.0 if
none), i.e. neutral among them.

Weights persist across rebuilds in a `WeightBank` (see `autospace.supernet.weight_bank`):
tensors with the same key are tied inside one supernet and inherited by the next one.
Under ``torchrun`` (``WORLD_SIZE > 1``) the supernet is trained with DistributedDataParallel
(gloo on CPU, nccl on CUDA): every rank samples the same gates, takes its share of each batch,
and averages weight gradients (DDP) and alpha gradients (all-reduce), so all ranks stay equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from autospace.data import DataSplit, get_dataset
from autospace.data.batches import batch_stream
from autospace.errors import EvaluatorError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.registry import register_evaluator
from autospace.genome import CellSpace
from autospace.nn import Skeleton, build_cell, cell_cost, fixed_cost, skeleton_for
from autospace.supernet import distributed
from autospace.supernet.mixed_layer import MixedPathLayer
from autospace.supernet.trainer import RoundStats, SupernetConfig, SupernetTrainer
from autospace.supernet.weight_bank import WeightBank, named_tensors, path_key
from autospace.train.device import resolve_device

COMPILE_LIMIT = 256  # compiled variants of Cell.forward kept (dynamo's accumulated limit)


def initial_alphas(fitness: Sequence[float | None]) -> list[float]:
    """Alpha from fitness: the fitness itself; unknown ones get the mean of the known ones."""
    known = [float(f) for f in fitness if f is not None]
    for f in known:
        if not math.isfinite(f):
            raise EvaluatorError(f"candidate fitness={f!r} is not finite; cannot initialise alpha")
    default = sum(known) / len(known) if known else 0.0
    return [default if f is None else float(f) for f in fitness]


def _tie(module: nn.Module, name: str, tensor: torch.Tensor) -> None:
    """Make ``module``'s parameter or buffer ``name`` the very tensor ``tensor`` (weight sharing)."""
    owner_name, _, leaf = name.rpartition(".")
    owner = module.get_submodule(owner_name) if owner_name else module
    if leaf in owner._parameters:
        owner._parameters[leaf] = tensor  # type: ignore[assignment]
    else:
        owner._buffers[leaf] = tensor


class SupernetEvaluator(Evaluator):
    """Scores the sampled cells of all layers jointly by training a binary-gated supernet.

    Args:
        skeleton: a skeleton name (its input size and channels are set from the data).
        data: a dataset name for `autospace.data.get_dataset`, or a `DataSplit`.
        data_root: the dataset directory (when the dataset needs one).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        seed: seeds data order and gate sampling (round ``r`` uses ``seed`` and ``r``).
        compile: wrap each path in ``torch.compile``. Dynamo caches compiled code per code object
            (every cell shares ``Cell.forward``) and by default recompiles it 8 times at most, so
            training raises that limit to `COMPILE_LIMIT` while it runs; each distinct cell
            structure compiles once per grad mode and is reused by later rounds. It pays off when
            rounds are long next to the compile time (seconds per new cell on a GPU).
        threads: CPU threads for torch (``torch.set_num_threads``; 0 leaves the setting alone).
            Small CPU supernets run fastest on 1 thread, several times faster on a busy machine.
        config: training hyper-parameters (`SupernetConfig`).
    """

    exact = False
    independent = False

    def __init__(
        self,
        skeleton: str | Skeleton = "tiny",
        data: str | DataSplit = "digits",
        data_root: str | None = None,
        *,
        device: str = "auto",
        seed: int = 0,
        compile: bool = False,
        threads: int = 0,
        config: SupernetConfig | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(threads, int) or threads < 0:
            raise EvaluatorError(f"threads must be an integer >= 0, got {threads!r}")
        if threads:
            torch.set_num_threads(threads)
        self.config = config or SupernetConfig()
        self.device = distributed.local_device(resolve_device(device))
        distributed.init_from_env(self.device)
        self.data = data if isinstance(data, DataSplit) else get_dataset(data, data_root, seed=seed)
        self.skeleton = skeleton_for(skeleton, self.data.input_shape)
        self.seed, self.compile = seed, compile
        self.bank = WeightBank()
        self.round = 0
        self.global_step = 0
        self.rounds: list[dict[str, float]] = []

    # ----------------------------------------------------------------------------- building
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

    def _build(
        self, batch: Sequence[Candidate], groups: list[list[int]]
    ) -> tuple[nn.Module, list[MixedPathLayer], dict[str, torch.Tensor]]:
        specs = self.skeleton.layers
        with torch.random.fork_rng(devices=[]):  # seeded init without touching the global RNG
            torch.manual_seed(self.seed + self.round)
            paths = [[build_cell(batch[i].genome, s.c_in, s.c_out, s.stride) for i in idx] for s, idx in zip(specs, groups)]
            layers = [MixedPathLayer(p) for p in paths]
            net = self.skeleton.build(layers, self.data.num_classes).to(self.device)
        named: dict[str, torch.Tensor] = {}
        for part in ("stem", "head"):
            named.update({f"{part}/{n}": t for n, t in named_tensors(getattr(net, part))})
        for layer, idx, mixed in zip(range(len(specs)), groups, layers):
            for i, path in zip(idx, mixed.paths):
                for name, tensor in list(named_tensors(path)):
                    key = path_key(layer, batch[i].genome, name)
                    if key in named and named[key].shape == tensor.shape:
                        _tie(path, name, named[key])
                    else:
                        named[key] = tensor
        self.bank.load_into(named)
        if self.compile:
            for mixed in layers:
                mixed.paths = nn.ModuleList([torch.compile(p) for p in mixed.paths])  # type: ignore[misc]
        return net, layers, named

    def _costs(self, batch: Sequence[Candidate], groups: list[list[int]]) -> list[torch.Tensor]:
        costs = []
        for spec, idx in zip(self.skeleton.layers, groups):
            madds = [cell_cost(batch[i].genome, spec.c_in, spec.c_out, spec.hw, spec.stride)[0] for i in idx]
            costs.append(torch.tensor(madds, dtype=torch.float32))
        return costs

    # ----------------------------------------------------------------------------- scoring
    def evaluate(self, batch: Sequence[Candidate]) -> list[float]:
        """Train a supernet of ``batch`` (all layers) for one round; the final alpha per candidate."""
        groups = self._group(batch)
        self._check_ranks_agree(batch)
        net, layers, named = self._build(batch, groups)
        alphas = [
            torch.tensor(initial_alphas([batch[i].fitness for i in idx]), requires_grad=True)
            for idx in groups
        ]
        fixed = float(fixed_cost(self.skeleton, self.data.num_classes)[0])
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.round)
        trainer = SupernetTrainer(
            net, layers, alphas, self.config, self.device, gen, self._costs(batch, groups), fixed_madds=fixed
        )
        self.bank.restore_momentum(named, trainer.weight_opt)
        rank, size = distributed.world()
        stream_seed = self.seed * 1_000_003 + self.round
        train = batch_stream(self.data.train, self.config.batch_size, torch.Generator().manual_seed(stream_seed), rank, size)
        val = batch_stream(self.data.val, self.config.batch_size, torch.Generator().manual_seed(stream_seed + 1), rank, size)
        limits = torch._dynamo.config.patch(recompile_limit=COMPILE_LIMIT) if self.compile else nullcontext()
        with limits:
            stats = trainer.train(train, val, start_step=self.global_step)
        self.bank.store(named, trainer.weight_opt)
        self.round += 1
        self.global_step += self.config.steps
        self.rounds.append(self._summary(stats))
        scores = [0.0] * len(batch)
        for idx, alpha in zip(groups, alphas):
            for i, a in zip(idx, alpha.detach().cpu().tolist()):
                scores[i] = a
        return scores

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

        return {
            "train_loss_first": stats.train_loss[0] if stats.train_loss else float("nan"),
            "train_loss": mean(stats.train_loss),
            "val_loss": mean(stats.val_loss),
            "skipped": stats.skipped,
        }

    # ----------------------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Cost counters, round and step counters, banked weights and momentum (tensors only)."""
        return {
            **super().state_dict(),
            "round": self.round,
            "global_step": self.global_step,
            "rounds": [dict(r) for r in self.rounds],
            "bank": self.bank.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.round = int(state.get("round", 0))
        self.global_step = int(state.get("global_step", 0))
        self.rounds = [dict(r) for r in state.get("rounds", [])]
        self.bank.load_state_dict(state.get("bank", {}))

    def describe(self) -> dict[str, Any]:
        return {
            "name": "supernet",
            "skeleton": self.skeleton.name,
            "data": self.data.describe(),
            "device": str(self.device),
            "world_size": distributed.world()[1],
            "seed": self.seed,
            "compile": self.compile,
            "threads": torch.get_num_threads(),
            "config": self.config.to_dict(),
        }


@dataclass(frozen=True)
class SupernetSettings:
    """``[evaluator]`` keys of ``supernet`` besides the `SupernetConfig` fields (the arguments of
    `SupernetEvaluator` other than ``config``)."""

    skeleton: str = "tiny"
    data: str = "digits"
    data_root: str | None = None
    device: str = "auto"
    seed: int = 0
    compile: bool = False
    threads: int = 0


def _factory(settings: SupernetSettings, config: SupernetConfig, *, space: CellSpace, layers: int) -> SupernetEvaluator:
    ev = SupernetEvaluator(**asdict(settings), config=config)
    if ev.skeleton.num_layers != layers:
        raise EvaluatorError(
            f"evaluator.skeleton={settings.skeleton!r} has {ev.skeleton.num_layers} searchable layers "
            f"but evolve.layers={layers}"
        )
    return ev


register_evaluator("supernet", _factory, settings=(SupernetSettings, SupernetConfig), path_keys=("data_root",))
