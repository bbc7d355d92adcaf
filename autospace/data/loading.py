"""Data for search and training: `autospace.data` sets, plus ``random`` (seeded random tensors of
the skeleton's input shape, for smoke runs of large skeletons such as ``proxyless`` on CPU)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.data import TensorDataset

from autospace.config import positive
from autospace.data import DATASETS, SPLITS, DataSplit, get_dataset
from autospace.errors import ConfigError
from autospace.nn import Skeleton

RANDOM = "random"
NAMES = (*DATASETS, RANDOM)


@dataclass(frozen=True)
class DataConfig:
    """``name`` (one of `NAMES`), ``root`` (data directory or archive), ``split`` (None or one of
    `SPLITS`), ``seed`` of the split, and for ``random``: ``size`` images per split and ``num_classes``."""

    name: str = "digits"
    root: str | None = None
    split: str | None = None
    val_fraction: float | None = None
    seed: int = 0
    size: int = 64
    num_classes: int = 10

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ConfigError(f"data.name={self.name!r} is not one of {list(NAMES)}")
        if self.split is not None and self.split not in SPLITS:
            raise ConfigError(f"data.split={self.split!r} is not one of {list(SPLITS)}")
        positive("data", self, "size", "num_classes")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"data.seed={self.seed!r} must be an integer >= 0")


def random_split(shape: tuple[int, int, int], size: int, num_classes: int, seed: int) -> DataSplit:
    """Standard-normal images with uniform labels: ``size`` for training and ``size`` for validation."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((2 * size, *shape), generator=gen)
    y = torch.randint(num_classes, (2 * size,), generator=gen)
    return DataSplit(RANDOM, TensorDataset(x[:size], y[:size]), TensorDataset(x[size:], y[size:]), num_classes,
                     tuple(shape))


def load_data(config: DataConfig, skeleton: Skeleton) -> DataSplit:
    """The dataset of ``config``; ``random`` takes its image shape from ``skeleton``."""
    if config.name == RANDOM:
        return random_split(skeleton.input_shape, config.size, config.num_classes, config.seed)
    return get_dataset(config.name, config.root, split=config.split, val_fraction=config.val_fraction,
                       seed=config.seed, image_size=skeleton.input_size)
