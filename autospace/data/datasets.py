"""Datasets with deterministic train / validation splits: digits, MNIST (IDX), CIFAR, ImageFolder.

Every loader returns a `DataSplit`. Splits are drawn from a seeded ``torch.Generator``, so the
same ``seed`` gives the same split on every machine. Nothing is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, Subset, TensorDataset

from autospace.data.augment import ImageTensors, ImageTransform
from autospace.data.cache import cached_image_tree
from autospace.data.config import SPLITS
from autospace.data.idx import read_idx
from autospace.data.imagetree import TEST, TRAIN, ImageArrays, is_archive
from autospace.data.pooling import pool_factor, pooled
from autospace.data.registry import DatasetLoader, dataset_loader, register_dataset
from autospace.errors import DataError

DEFAULT_MNIST_ROOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
"""``../shared/data/mnist`` next to the project checkout (used when no root is given)."""

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
CIFAR_STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}
CIFAR_FOLDERS = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python"}
IMAGENET_STATS = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
CROP_PADDING = 4


@dataclass(frozen=True)
class DataSplit:
    """A train and a validation set of (image, label) pairs, with their shape and class count, and the
    held-out ``test`` set where the data has one (CIFAR, ImageFolder archives; else None)."""

    name: str
    train: Dataset
    val: Dataset
    num_classes: int
    input_shape: tuple[int, int, int]
    test: Dataset | None = None

    def describe(self) -> dict[str, object]:
        sizes = {"train": len(self.train), "val": len(self.val)}  # type: ignore[arg-type]
        if self.test is not None:
            sizes["test"] = len(self.test)  # type: ignore[arg-type]
        return {"name": self.name, **sizes, "num_classes": self.num_classes, "input_shape": list(self.input_shape)}


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random partition of ``range(n)`` into train and validation indices."""
    if not 0.0 < val_fraction < 1.0:
        raise DataError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    n_val = round(n * val_fraction)
    if n_val < 1 or n_val >= n:
        raise DataError(f"val_fraction={val_fraction!r} leaves an empty split of {n} examples")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_val:], perm[:n_val]


def _tensor_split(name: str, images: torch.Tensor, labels: torch.Tensor, num_classes: int, val_fraction: float,
                  seed: int) -> DataSplit:
    train_idx, val_idx = split_indices(len(labels), val_fraction, seed)
    return DataSplit(name, TensorDataset(images[train_idx], labels[train_idx]),
                     TensorDataset(images[val_idx], labels[val_idx]), num_classes,
                     tuple(images.shape[1:]))  # type: ignore[arg-type]


def load_digits(val_fraction: float = 0.2, seed: int = 0) -> DataSplit:
    """scikit-learn's embedded 8x8 digits (1,797 images), scaled to [0, 1] and standardised."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0
    x = (x - x.mean()) / x.std()
    y = torch.tensor(bunch.target, dtype=torch.long)
    return _tensor_split("digits", x, y, 10, val_fraction, seed)


def _find_idx(root: Path, stem: str) -> Path | None:
    return next((root / name for name in (stem, f"{stem}.gz") if (root / name).is_file()), None)


def load_mnist(root: str | Path | None = None, val_fraction: float = 0.2, seed: int = 0) -> DataSplit:
    """MNIST from IDX files in ``root`` (raw or .gz). Uses ``train-*`` when present, else ``t10k-*``.

    With only the 10,000-image test set (as in ``../shared/data/mnist``), the default split is
    8,000 train / 2,000 validation.
    """
    root = Path(root) if root is not None else DEFAULT_MNIST_ROOT
    if not root.is_dir():
        raise DataError(f"MNIST root {str(root)!r} is not a directory")
    for prefix in ("train", "t10k"):
        images_path = _find_idx(root, f"{prefix}-images-idx3-ubyte")
        labels_path = _find_idx(root, f"{prefix}-labels-idx1-ubyte")
        if images_path and labels_path:
            break
    else:
        raise DataError(
            f"MNIST root {str(root)!r} has no train-/t10k-images-idx3-ubyte[.gz] with matching labels-idx1-ubyte[.gz]"
        )
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DataError(f"MNIST files in {str(root)!r} must hold unsigned bytes")
    if len(images) != len(labels):
        raise DataError(f"MNIST {str(images_path)!r} has {len(images)} images but {str(labels_path)!r} has {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise DataError(f"MNIST labels in {str(labels_path)!r} must be 0..9, found {int(labels.max())}")
    x = (torch.from_numpy(images.copy()).float().unsqueeze(1) / 255.0 - MNIST_MEAN) / MNIST_STD
    y = torch.from_numpy(labels.astype(np.int64))
    return _tensor_split("mnist", x, y, 10, val_fraction, seed)


def _val_fraction(split: str | None, val_fraction: float | None, default: float) -> float:
    if split is None:
        return val_fraction or default
    if split not in SPLITS:
        raise DataError(f"split={split!r} is not one of {[None, *SPLITS]}")
    if val_fraction not in (None, 0.5):
        raise DataError(f"split={split!r} halves the training set; it cannot take val_fraction={val_fraction!r}")
    return 0.5


def _image_split(name: str, arrays: ImageArrays, stats: tuple[tuple[float, ...], tuple[float, ...]],
                 val_fraction: float, seed: int) -> DataSplit:
    """Train (uint8, cropped + flipped + normalised per batch) / val (normalised) from the ``train``
    part, and the normalised ``test`` part when there is one."""
    images, labels = torch.from_numpy(arrays.images[TRAIN]), torch.from_numpy(arrays.labels[TRAIN])
    train_idx, val_idx = split_indices(len(labels), val_fraction, seed)
    plain = ImageTransform(*stats)
    train = ImageTensors(images[train_idx], labels[train_idx], replace(plain, padding=CROP_PADDING, flip=True))
    val = TensorDataset(plain.normalise(images[val_idx]), labels[val_idx])
    test = None
    if TEST in arrays.images:
        test = TensorDataset(plain.normalise(torch.from_numpy(arrays.images[TEST])), torch.from_numpy(arrays.labels[TEST]))
    return DataSplit(name, train, val, len(arrays.classes), tuple(images.shape[1:]), test)  # type: ignore[arg-type]


def _torchvision_cifar(name: str, folder: Path) -> ImageArrays:
    import torchvision

    cls = torchvision.datasets.CIFAR10 if name == "cifar10" else torchvision.datasets.CIFAR100
    try:
        parts = {part: cls(str(folder.parent), train=part == TRAIN, download=False) for part in (TRAIN, TEST)}
    except (RuntimeError, OSError) as exc:
        raise DataError(f"{name} folder {str(folder)!r} is incomplete or corrupt (nothing is downloaded): {exc}") from None
    return ImageArrays(tuple(parts[TRAIN].classes),
                       {p: np.ascontiguousarray(d.data.transpose(0, 3, 1, 2)) for p, d in parts.items()},
                       {p: np.asarray(d.targets, dtype=np.int64) for p, d in parts.items()})


def load_cifar(name: str, root: str | Path, *, split: str | None = None, val_fraction: float | None = None,
               seed: int = 0) -> DataSplit:
    """CIFAR-10/100 from ``root``: torchvision's ``cifar-10-batches-py`` / ``cifar-100-python`` folder
    (or its parent), an ImageFolder directory with ``train/`` and ``test/``, or a .tar/.tar.gz archive
    of one (decoded once into the cache, `autospace.data.cache`). Never downloads.

    The training set is split train / val: ``split="nb201"`` halves it (25,000 / 25,000 for CIFAR-10),
    else ``val_fraction`` (default 0.1: 45,000 / 5,000), seeded by ``seed``; the test set is ``test``.
    Training batches are randomly cropped (padding 4) and flipped; all are normalised by the
    data set's channel mean and std.
    """
    if name not in CIFAR_STATS:
        raise DataError(f"unknown CIFAR dataset {name!r}; expected one of {sorted(CIFAR_STATS)}")
    fraction = _val_fraction(split, val_fraction, 0.1)
    root = Path(root)
    if not root.exists():
        raise DataError(f"{name} root {str(root)!r} does not exist")
    folder = CIFAR_FOLDERS[name]
    if root.name == folder or (root / folder).is_dir():
        arrays = _torchvision_cifar(name, root if root.name == folder else root / folder)
    elif is_archive(root) or (root / TRAIN).is_dir():
        arrays = cached_image_tree(root)
    else:
        raise DataError(f"{name} not found under root {str(root)!r}: expected {folder}/, train/ and test/ class "
                        f"folders, or a .tar/.tar.gz archive of them (nothing is downloaded)")
    classes = 10 if name == "cifar10" else 100
    if len(arrays.classes) != classes:
        raise DataError(f"{name} root {str(root)!r} has {len(arrays.classes)} classes, expected {classes}")
    return _image_split(name, arrays, CIFAR_STATS[name], fraction, seed)


def load_image_archive(root: str | Path, image_size: int = 224, *, split: str | None = None,
                       val_fraction: float | None = None, seed: int = 0) -> DataSplit:
    """An ImageFolder .tar/.tar.gz archive (``train/<class>/*``, optionally ``test/`` or ``val/``),
    decoded once into the cache at ``image_size`` x ``image_size``; split and transformed as
    `load_cifar` does, normalised by ImageNet's channel statistics."""
    arrays = cached_image_tree(root, image_size)
    return _image_split("imagefolder", arrays, IMAGENET_STATS, _val_fraction(split, val_fraction, 0.1), seed)


def load_imagefolder(
    root: str | Path, image_size: int = 224, val_fraction: float = 0.1, seed: int = 0, transform: Callable | None = None
) -> DataSplit:
    """An ImageFolder tree: ``root/train`` + ``root/val`` when both exist, else ``root`` split train / val."""
    import torchvision
    from torchvision import transforms as T

    root = Path(root)
    if not root.is_dir():
        raise DataError(f"ImageFolder root {str(root)!r} is not a directory")
    transform = transform or T.Compose(
        [T.Resize(int(image_size * 8 / 7)), T.CenterCrop(image_size), T.ToTensor(), T.Normalize(*IMAGENET_STATS)]
    )
    try:
        if (root / "train").is_dir() and (root / "val").is_dir():
            train = torchvision.datasets.ImageFolder(str(root / "train"), transform=transform)
            val = torchvision.datasets.ImageFolder(str(root / "val"), transform=transform)
            if train.classes != val.classes:
                raise DataError(f"ImageFolder root {str(root)!r}: train and val have different classes")
            return DataSplit("imagefolder", train, val, len(train.classes), (3, image_size, image_size))
        full = torchvision.datasets.ImageFolder(str(root), transform=transform)
    except (FileNotFoundError, RuntimeError) as exc:
        raise DataError(f"ImageFolder root {str(root)!r} is not a valid image tree: {exc}") from None
    train_idx, val_idx = split_indices(len(full), val_fraction, seed)
    return DataSplit("imagefolder", Subset(full, train_idx.tolist()), Subset(full, val_idx.tolist()),
                     len(full.classes), (3, image_size, image_size))


def pool_split(split: DataSplit, image_size: int) -> DataSplit:
    """``split`` with every image (train, val and test) average-pooled to ``image_size`` x ``image_size``.

    Args:
        split: square images held in memory (digits, MNIST, CIFAR).
        image_size: the new side; it must divide the current one.

    Returns:
        The pooled split (the same object when ``image_size`` is the current side).

    Raises:
        DataError: ``image_size`` does not divide the side, or the split is not held in memory.
    """
    channels, side, _ = split.input_shape
    factor = pool_factor(side, image_size)
    if factor == 1:
        return split
    test = None if split.test is None else pooled(split.test, factor)
    return DataSplit(split.name, pooled(split.train, factor), pooled(split.val, factor), split.num_classes,
                     (channels, image_size, image_size), test)


def get_dataset(name: str, root: str | Path | None = None, *, split: str | None = None,
                val_fraction: float | None = None, seed: int = 0, image_size: int | None = None) -> DataSplit:
    """Dataset ``name`` (one of `list_datasets`) with a deterministic train / validation split, from
    the loader registered under the name (`register_dataset`).

    Args:
        name: a registered dataset: the built-ins ``digits``, ``mnist``, ``cifar10``, ``cifar100``,
            ``imagefolder``, or one of `register_dataset`.
        root: the data (required for cifar10/100 and imagefolder; MNIST defaults to
            ``../shared/data/mnist``): see `load_cifar`; for imagefolder a directory (read image by
            image) or a .tar/.tar.gz archive (`load_image_archive`).
        split: None, or ``"nb201"`` (cifar, imagefolder archives): the training set halved.
        val_fraction: the validation share (default 0.2 for digits and MNIST, 0.1 for the others).
        seed: the seed of the split.
        image_size: imagefolder: the side images are resized to (default 224); digits, MNIST and
            CIFAR: the side their images are average-pooled to (`pool_split`; default: as they are).

    Returns:
        The split.

    Raises:
        UnknownNameError: an unknown name; the message lists the known ones.
        DataError: a missing or malformed root, or a bad split, fraction or size.
    """
    return dataset_loader(name)(root, split=split, val_fraction=val_fraction, seed=seed, image_size=image_size)


def _sized(data: DataSplit, image_size: int | None) -> DataSplit:
    return data if image_size is None else pool_split(data, image_size)


def _no_split(name: str, split: str | None) -> None:
    if split is not None:
        raise DataError(f"split={split!r} applies to cifar10, cifar100 and imagefolder, not {name!r}")


def _root(name: str, root: str | Path | None) -> str | Path:
    if root is None:
        raise DataError(f"dataset {name!r} needs a root directory (root=None given)")
    return root


def _digits(root: str | Path | None, *, split: str | None, val_fraction: float | None, seed: int,
            image_size: int | None) -> DataSplit:
    _no_split("digits", split)
    return _sized(load_digits(val_fraction or 0.2, seed), image_size)


def _mnist(root: str | Path | None, *, split: str | None, val_fraction: float | None, seed: int,
           image_size: int | None) -> DataSplit:
    _no_split("mnist", split)
    return _sized(load_mnist(root, val_fraction or 0.2, seed), image_size)


def _cifar(name: str) -> DatasetLoader:
    def load(root: str | Path | None, *, split: str | None, val_fraction: float | None, seed: int,
             image_size: int | None) -> DataSplit:
        data = load_cifar(name, _root(name, root), split=split, val_fraction=val_fraction, seed=seed)
        return _sized(data, image_size)

    return load


def _imagefolder(root: str | Path | None, *, split: str | None, val_fraction: float | None, seed: int,
                 image_size: int | None) -> DataSplit:
    root = _root("imagefolder", root)
    size = 224 if image_size is None else image_size
    if is_archive(Path(root)):
        return load_image_archive(root, size, split=split, val_fraction=val_fraction, seed=seed)
    return load_imagefolder(root, size, _val_fraction(split, val_fraction, 0.1), seed)


register_dataset("digits", _digits)
register_dataset("mnist", _mnist)
register_dataset("cifar10", _cifar("cifar10"))
register_dataset("cifar100", _cifar("cifar100"))
register_dataset("imagefolder", _imagefolder)
