"""The sections of a search config, each parsed by `autospace.config.parse_section`: ``[search]``
(`SearchSettings`), ``[data]`` (`autospace.data.config.DataConfig`) and one per algorithm (the
built-ins' classes here). No torch, so ``autospace search`` checks its settings before torch loads."""

from __future__ import annotations

import dataclasses
import re

from autospace.config import non_negative, positive
from autospace.errors import ConfigError

DEVICE = re.compile(r"auto|(cpu|cuda)(:[0-9]+)?")
"""The devices a search may name (`autospace.train.device.resolve_device` checks CUDA when it starts)."""


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Settings shared by every algorithm.

    Args:
        skeleton: macro network (`autospace.nn.get_skeleton`); its input size and channels are
            taken from the data. None: the skeleton a learned space file names, else ``tiny``.
        seed: the one seed of the search (weights, paths, sampling, the ``open`` cell sample).
        tolerance: relative MAdds window around the budget (see `autospace.search.budget`).
        open_k: cells per layer drawn from the open space for gradient / RL / SPOS search.
        batch_size: images per training and validation batch.
        device: ``cpu``, ``cuda`` or ``auto``.
        threads: torch CPU threads for the run (None: leave torch's setting alone).
    """

    skeleton: str | None = None
    seed: int = 0
    tolerance: float = 0.1
    open_k: int = 7
    batch_size: int = 64
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        positive("search", self, "open_k", "batch_size")
        if self.threads is not None:
            positive("search", self, "threads")
        non_negative("search", self, "seed")
        if not isinstance(self.device, str) or DEVICE.fullmatch(self.device) is None:
            raise ConfigError(f"search.device={self.device!r} must be 'cpu', 'cuda', 'cuda:N' or 'auto'")


@dataclasses.dataclass(frozen=True)
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
        non_negative("proxyless-g", self, "warmup_steps")


@dataclasses.dataclass(frozen=True)
class RLConfig:
    """Settings of ``[rl]``."""

    warmup_steps: int = 100
    steps: int = 200
    weight_lr: float = 0.05
    policy_lr: float = 0.05
    samples: int = 4
    baseline_decay: float = 0.9
    reward_alpha: float = 0.0
    reward_beta: float = -1.0
    log_every: int = 10

    def __post_init__(self) -> None:
        positive("rl", self, "steps", "weight_lr", "policy_lr", "samples", "log_every")
        non_negative("rl", self, "warmup_steps")
        if not 0 <= self.baseline_decay < 1:
            raise ConfigError(f"rl.baseline_decay={self.baseline_decay!r} must be in [0, 1)")


SPOS_SELECTIONS = ("evolution", "random")


@dataclasses.dataclass(frozen=True)
class SposConfig:
    """Settings of ``[spos]``; ``selection`` is one of `SPOS_SELECTIONS`."""

    steps: int = 300
    weight_lr: float = 0.05
    selection: str = "evolution"
    population: int = 16
    generations: int = 5
    parents: int = 6
    mutation_prob: float = 0.2
    bn_batches: int = 4
    eval_batches: int = 4
    max_tries: int = 50

    def __post_init__(self) -> None:
        positive("spos", self, "steps", "weight_lr", "population", "parents", "bn_batches", "eval_batches",
                 "max_tries")
        if self.selection not in SPOS_SELECTIONS:
            raise ConfigError(f"spos.selection={self.selection!r} is not one of {list(SPOS_SELECTIONS)}")
        non_negative("spos", self, "generations")
        if not 0 < self.mutation_prob <= 1:
            raise ConfigError(f"spos.mutation_prob={self.mutation_prob!r} must be in (0, 1]")


@dataclasses.dataclass(frozen=True)
class EAConfig:
    """Settings of ``[ea]``."""

    population: int = 12
    rounds: int = 8
    sample_size: int = 4
    tournament_size: int = 3
    train_steps: int = 40
    lr: float = 0.05
    eval_batches: int = 4
    cap_slack: float = 2.0
    reward_alpha: float = 0.0
    reward_beta: float = -1.0

    def __post_init__(self) -> None:
        positive("ea", self, "population", "rounds", "sample_size", "tournament_size", "train_steps", "lr",
                 "eval_batches", "cap_slack")
