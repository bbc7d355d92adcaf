"""The ``[data]`` section (`DataConfig`): the registered datasets (`autospace.data.registry`) and
``random``; no torch, so a command checks its settings before torch loads."""

from __future__ import annotations

from dataclasses import dataclass

from autospace.config import non_negative, positive
from autospace.data.registry import list_datasets
from autospace.errors import ConfigError
from autospace.files import stat_path

SPLITS = ("nb201",)
"""Named splits: ``nb201`` halves the training set into train / valid (the NAS-Bench-201 protocol)."""
RANDOM = "random"


@dataclass(frozen=True)
class DataConfig:
    """``name`` (a registered dataset, `list_datasets`, or ``random``), ``root`` (data directory or
    archive), ``split`` (None or one of `SPLITS`), ``seed`` of the split, ``image_size`` (digits, MNIST,
    CIFAR: average-pool the images to this side, which must divide theirs; imagefolder: resize to it;
    None: as they are, imagefolder at the skeleton's input size), and for ``random``: ``size`` images
    per split and ``num_classes``."""

    name: str = "digits"
    root: str | None = None
    split: str | None = None
    val_fraction: float | None = None
    seed: int = 0
    image_size: int | None = None
    size: int = 64
    num_classes: int = 10

    def __post_init__(self) -> None:
        names = [*list_datasets(), RANDOM]
        if self.name not in names:
            raise ConfigError(f"data.name={self.name!r} is not one of {names}")
        if self.split is not None and self.split not in SPLITS:
            raise ConfigError(f"data.split={self.split!r} is not one of {list(SPLITS)}")
        positive("data", self, "size", "num_classes", *(("image_size",) if self.image_size is not None else ()))
        non_negative("data", self, "seed")
        if self.root is not None:
            stat_path(self.root, "data.root", ConfigError)  # a symlink loop, a name too long: named now
