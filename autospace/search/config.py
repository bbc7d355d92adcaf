"""The ``[search]`` section; a search config also has ``[data]`` (`autospace.data.loading.DataConfig`)
and one section per algorithm (its config class), each parsed by `autospace.config.parse_section`."""

from __future__ import annotations

import dataclasses

from autospace.config import positive
from autospace.errors import ConfigError


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
        if self.seed < 0:
            raise ConfigError(f"search.seed={self.seed!r} must be >= 0")
