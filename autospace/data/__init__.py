"""Datasets: the embedded digits set, MNIST from IDX files, torchvision CIFAR and ImageFolder."""

from autospace.data.datasets import (
    DATASETS,
    DataSplit,
    get_dataset,
    load_cifar,
    load_digits,
    load_imagefolder,
    load_mnist,
    split_indices,
)
from autospace.data.idx import read_idx, write_idx

__all__ = [
    "DATASETS",
    "DataSplit",
    "get_dataset",
    "load_cifar",
    "load_digits",
    "load_imagefolder",
    "load_mnist",
    "read_idx",
    "split_indices",
    "write_idx",
]
