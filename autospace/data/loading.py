"""Data for search and training (`autospace.data.config.DataConfig`): `autospace.data` sets, plus ``random``
(seeded random tensors of the skeleton's input shape, for smoke runs of large skeletons such as ``proxyless`` on CPU)."""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

from autospace.data.config import RANDOM, DataConfig
from autospace.data.datasets import DataSplit, get_dataset
from autospace.nn import Skeleton


def random_split(shape: tuple[int, int, int], size: int, num_classes: int, seed: int) -> DataSplit:
    """Standard-normal images with uniform labels: ``size`` for training and ``size`` for validation."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((2 * size, *shape), generator=gen)
    y = torch.randint(num_classes, (2 * size,), generator=gen)
    return DataSplit(RANDOM, TensorDataset(x[:size], y[:size]), TensorDataset(x[size:], y[size:]), num_classes,
                     tuple(shape))


def load_data(config: DataConfig, skeleton: Skeleton) -> DataSplit:
    """The dataset of ``config``; ``random`` takes its image shape from ``skeleton``, and imagefolder
    its image size unless ``config.image_size`` gives one."""
    if config.name == RANDOM:
        return random_split(skeleton.input_shape, config.size, config.num_classes, config.seed)
    image_size = config.image_size
    if image_size is None and config.name == "imagefolder":
        image_size = skeleton.input_size
    return get_dataset(config.name, config.root, split=config.split, val_fraction=config.val_fraction,
                       seed=config.seed, image_size=image_size)
