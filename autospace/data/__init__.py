"""Datasets: the embedded digits set, MNIST from IDX files, CIFAR (torchvision folders, ImageFolder
trees and archives, decoded once into a cache) and ImageFolder; whole-batch augmentation."""

from autospace.data.augment import ImageTensors, ImageTransform, crop_flip
from autospace.data.cache import cache_entry, cache_root, cached_image_tree
from autospace.data.datasets import (
    DATASETS,
    SPLITS,
    DataSplit,
    get_dataset,
    load_cifar,
    load_digits,
    load_image_archive,
    load_imagefolder,
    load_mnist,
    split_indices,
)
from autospace.data.idx import read_idx, write_idx
from autospace.data.imagetree import ImageArrays, decode_image_tree

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
    "load_cifar",
    "load_digits",
    "load_image_archive",
    "load_imagefolder",
    "load_mnist",
    "read_idx",
    "split_indices",
    "write_idx",
]
