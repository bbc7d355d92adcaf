"""Datasets by name: `register_dataset` / `list_datasets`, the loaders behind `autospace.data.get_dataset`
and the names a ``[data]`` section accepts. No torch: the built-ins are listed at once and their module
(`autospace.data.datasets`, which registers them) imported on first use, so a config is checked before
torch loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autospace.registry import Registry

if TYPE_CHECKING:
    from autospace.data.datasets import DataSplit

DatasetLoader = Callable[..., "DataSplit"]
"""``loader(root, *, split, val_fraction, seed, image_size) -> DataSplit``: the arguments of
`autospace.data.get_dataset` after the name."""

DATASETS = ("digits", "mnist", "cifar10", "cifar100", "imagefolder")
"""The built-in datasets (`list_datasets` lists those registered since as well)."""

_DATASETS: Registry[DatasetLoader] = Registry("dataset", lazy=dict.fromkeys(DATASETS, "autospace.data.datasets"))


def register_dataset(name: str, loader: DatasetLoader, *, overwrite: bool = False) -> DatasetLoader:
    """Make ``loader`` available as dataset ``name`` to `autospace.data.get_dataset` and ``[data] name``.

    Args:
        name: the name it answers to.
        loader: ``loader(root, *, split, val_fraction, seed, image_size) -> DataSplit``; it gets
            `get_dataset`'s arguments as given (None where unset) and raises `DataError` for those it
            cannot honour.
        overwrite: replace another dataset registered under the same name.

    Returns:
        ``loader``.

    Raises:
        UnknownNameError: the name is empty, or taken without ``overwrite``.
    """
    return _DATASETS.register(name, loader, overwrite=overwrite)


def dataset_loader(name: str) -> DatasetLoader:
    """The loader registered as ``name`` (a built-in is imported on first use).

    Args:
        name: a registered dataset name.

    Returns:
        Its loader.

    Raises:
        UnknownNameError: no dataset has that name; the message lists the known ones.
    """
    return _DATASETS.get(name)


def list_datasets() -> list[str]:
    """Names of the registered datasets (the built-in ones included), sorted."""
    return _DATASETS.names()

