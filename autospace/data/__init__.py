"""Datasets: the embedded digits set, MNIST from IDX files, CIFAR (torchvision folders, ImageFolder
trees and archives, decoded once into a cache) and ImageFolder; whole-batch augmentation.
``import autospace.data`` does not import torch; the PyTorch names import it on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autospace.data.cache import cache_entry, cache_root, cached_image_tree
from autospace.data.config import SPLITS
from autospace.data.idx import read_idx, write_idx
from autospace.data.imagetree import ImageArrays, decode_image_tree
from autospace.data.registry import DATASETS, list_datasets, register_dataset
from autospace.lazy import lazy_exports

if TYPE_CHECKING:
    from autospace.data.augment import ImageTensors, ImageTransform, crop_flip
    from autospace.data.datasets import (
        DataSplit,
        get_dataset,
        load_cifar,
        load_digits,
        load_image_archive,
        load_imagefolder,
        load_mnist,
        pool_split,
        split_indices,
    )

_TORCH_NAMES = {
    **{name: "autospace.data.augment" for name in ("ImageTensors", "ImageTransform", "crop_flip")},
    **{name: "autospace.data.datasets" for name in ("DataSplit", "get_dataset", "load_cifar", "load_digits",
                                                     "load_image_archive", "load_imagefolder", "load_mnist",
                                                     "pool_split", "split_indices")},
}


__getattr__ = lazy_exports("autospace.data", _TORCH_NAMES)


__all__ = [
    "DATASETS",
    "SPLITS",
    "DataSplit",
    "ImageArrays",
    "ImageTensors",
    "ImageTransform",
    "cache_entry",
    "cache_root",
    "cached_image_tree",
    "crop_flip",
    "decode_image_tree",
    "get_dataset",
    "list_datasets",
    "load_cifar",
    "load_digits",
    "load_image_archive",
    "load_imagefolder",
    "load_mnist",
    "pool_split",
    "read_idx",
    "register_dataset",
    "split_indices",
    "write_idx",
]
