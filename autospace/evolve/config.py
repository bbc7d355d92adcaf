"""`EvolveConfig`: every knob of the evolution engine (the ``[evolve]`` keys of a run config), with
defaults for any cell space. Parsed and type-checked by `autospace.config.parse_section`; the
checks here are the ranges and the cross-field ones."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from autospace.config import non_negative, positive
from autospace.errors import ConfigError, UnknownNameError
from autospace.evolve.strategies import list_strategies

INITS = ("reference", "random")
MAX_CELLS = 10_000
"""Bound of the per-layer cell counts (population, sample, tournament, top-K): every one is held,
drawn or compared each round, so a larger one exhausts memory or never finishes a round."""
MAX_LAYERS = 1_000


@dataclass(frozen=True)
class EvolveConfig:
    """Settings of one evolution run.

    Args:
        strategy: a registered strategy: ``autospace`` (the paper's DEA loop), ``regularized``
            (aging evolution), ``random`` or ``local`` (best-improvement local search with restarts).
        population: cells per layer population ``P_l``.
        rounds: number of ask/tell rounds (the run also stops when ``budget`` is spent).
        sample_size: cells scored per layer per round (``N``; the paper scores 9); also the
            number of offspring per round.
        offspring: offspring per layer and round of the ``autospace`` strategy (None:
            ``sample_size`` for exact evaluators; half of it for learned ones, so the rest of
            each sample re-scores population members and their fitness converges).
        tournament_size: aspirants per tournament (``tools.selTournament``).
        top_k: cells per layer in the learned space.
        seed: the one seed every random choice flows from.
        fitness_momentum: ``m`` of Eq. 5, for learned (non-exact) scores.
        tau: Hamming radius of the reference constraint (Eq. 2).
        constraint_fraction: share of the run (of ``rounds``, or of ``budget`` if that ends
            first) during which the reference constraint applies.
        init: ``reference`` seeds initial cells within ``tau`` of the reference (when one is
            given); ``random`` samples them uniformly.
        max_tries: bound on re-drawn mutations/samples before giving up on one cell.
        budget: stop after this many distinct (layer, genome) pairs were queried (None: no bound).
        layers: number of searchable layers (1 for a cell-based space).
        madds_cap: per-layer MAdds cap (one value for all layers, or one per layer; None: no cap).
    """

    strategy: str = "autospace"
    population: int = 64
    rounds: int = 40
    sample_size: int = 9
    offspring: int | None = None
    tournament_size: int = 5
    top_k: int = 5
    seed: int = 0
    fitness_momentum: float = 0.9
    tau: int = 2
    constraint_fraction: float = 0.5
    init: str = "reference"
    max_tries: int = 200
    budget: int | None = None
    layers: int = 1
    madds_cap: float | tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.strategy not in list_strategies():
            raise UnknownNameError(
                f"evolve.strategy={self.strategy!r} is not a known strategy; choose one of {list_strategies()}"
            )
        if self.init not in INITS:
            raise ConfigError(f"evolve.init={self.init!r} is not one of {list(INITS)}")
        positive("evolve", self, "population", "rounds", "sample_size", "tournament_size", "top_k", "max_tries", "layers")
        for name in ("population", "sample_size", "tournament_size", "top_k", "offspring"):
            _at_most(name, getattr(self, name), MAX_CELLS, "cells per layer")
        _at_most("layers", self.layers, MAX_LAYERS, "layers")
        non_negative("evolve", self, "seed", "tau")
        positive("evolve", self, *(name for name in ("budget", "offspring") if getattr(self, name) is not None))
        for name in ("fitness_momentum", "constraint_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"evolve.{name}={getattr(self, name)!r} must be in [0, 1]")
        if isinstance(self.madds_cap, tuple) and len(self.madds_cap) != self.layers:
            raise ConfigError(
                f"evolve.madds_cap has {len(self.madds_cap)} values ({list(self.madds_cap)!r}), "
                f"expected one per layer (layers={self.layers})"
            )
        caps = self.madds_cap if isinstance(self.madds_cap, tuple) else (self.madds_cap,)
        if self.madds_cap is not None and not all(cap > 0 and math.isfinite(cap) for cap in caps):
            raise ConfigError(f"evolve.madds_cap={self.madds_cap!r} must be a positive finite number")

    def cap(self, layer: int) -> float | None:
        """The MAdds cap of ``layer``.

        Args:
            layer: a searchable layer.

        Returns:
            ``madds_cap`` for that layer, or None when uncapped.
        """
        if isinstance(self.madds_cap, tuple):
            return float(self.madds_cap[layer])
        return None if self.madds_cap is None else float(self.madds_cap)

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON data (checkpoints compare it)."""
        data = asdict(self)
        if isinstance(self.madds_cap, tuple):
            data["madds_cap"] = list(self.madds_cap)
        return data


def _at_most(name: str, value: int | None, maximum: int, what: str) -> None:
    if value is not None and value > maximum:
        raise ConfigError(f"evolve.{name}={value!r} is more than the {maximum:,} {what} a run can hold")
