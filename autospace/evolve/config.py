"""`EvolveConfig`: every knob of the evolution engine, validated, with defaults for any cell space."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from autospace.errors import ConfigError
from autospace.evolve.strategies import get_strategy

INITS = ("reference", "random")


@dataclass(frozen=True)
class EvolveConfig:
    """Settings of one evolution run.

    Args:
        strategy: ``autospace`` (the paper's DEA loop), ``regularized`` (aging evolution),
            ``random`` or ``local`` (best-improvement local search with restarts).
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
        momentum: ``m`` of Eq. 5, for learned (non-exact) scores.
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
    momentum: float = 0.9
    tau: int = 2
    constraint_fraction: float = 0.5
    init: str = "reference"
    max_tries: int = 200
    budget: int | None = None
    layers: int = 1
    madds_cap: float | tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.madds_cap, list):
            object.__setattr__(self, "madds_cap", tuple(self.madds_cap))
        self._validate()

    def _validate(self) -> None:
        get_strategy(self.strategy)  # an unknown name is an UnknownNameError listing the registered ones
        if self.init not in INITS:
            raise ConfigError(f"init={self.init!r} is not one of {INITS}")
        for name in ("population", "rounds", "sample_size", "tournament_size", "top_k", "max_tries", "layers"):
            _check_int(name, getattr(self, name), minimum=1)
        _check_int("seed", self.seed, minimum=0)
        _check_int("tau", self.tau, minimum=0)
        for name in ("budget", "offspring"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), minimum=1)
        for name in ("momentum", "constraint_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name}={value!r} must be a number in [0, 1]")
        if self.madds_cap is not None:
            caps = self.madds_cap if isinstance(self.madds_cap, tuple) else (self.madds_cap,)
            if isinstance(self.madds_cap, tuple) and len(caps) != self.layers:
                raise ConfigError(f"madds_cap has {len(caps)} values, expected one per layer (layers={self.layers})")
            for cap in caps:
                if isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap <= 0:
                    raise ConfigError(f"madds_cap={self.madds_cap!r} must be a positive number or one per layer")

    def cap(self, layer: int) -> float | None:
        """The MAdds cap of ``layer`` (None: uncapped)."""
        if isinstance(self.madds_cap, tuple):
            return float(self.madds_cap[layer])
        return None if self.madds_cap is None else float(self.madds_cap)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if isinstance(self.madds_cap, tuple):
            data["madds_cap"] = list(self.madds_cap)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvolveConfig:
        """Config from a mapping; an unknown key is a `ConfigError` naming it."""
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError(f"{key} is not an evolve setting; settings: {sorted(known)}")
        return cls(**data)


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name}={value!r} must be an integer >= {minimum}")
