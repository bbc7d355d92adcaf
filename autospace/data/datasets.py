"""Datasets with deterministic train / validation splits: digits, MNIST (IDX), CIFAR, ImageFolder.

Every loader returns a `DataSplit`. Splits are drawn from a seeded ``torch.Generator``, so the
same ``seed`` gives the same split on every machine. Nothing is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, Subset, TensorDataset

from autospace.data.idx import read_idx
from autospace.errors import DataError

DEFAULT_MNIST_ROOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
"""``../shared/data/mnist`` next to the project checkout (used when no root is given)."""

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
CIFAR_STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}
IMAGENET_STATS = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


@dataclass(frozen=True)
class DataSplit:
    """A train and a validation set of (image, label) pairs, with their shape and class count."""

    name: str
    train: Dataset
    val: Dataset
    num_classes: int
    input_shape: tuple[int, int, int]

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "train": len(self.train), "val": len(self.val),  # type: ignore[arg-type]
                "num_classes": self.num_classes, "input_shape": list(self.input_shape)}


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


def load_cifar(
    name: str, root: str | Path, val_fraction: float = 0.1, seed: int = 0, transform: Callable | None = None
) -> DataSplit:
    """torchvision CIFAR-10/100 training set from ``root`` (never downloaded), split train / val."""
    import torchvision
    from torchvision import transforms as T

    classes = {"cifar10": (torchvision.datasets.CIFAR10, 10), "cifar100": (torchvision.datasets.CIFAR100, 100)}
    if name not in classes:
        raise DataError(f"unknown CIFAR dataset {name!r}; expected one of {sorted(classes)}")
    cls, num_classes = classes[name]
    mean, std = CIFAR_STATS[name]
    transform = transform or T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    try:
        full = cls(str(root), train=True, download=False, transform=transform)
    except (RuntimeError, OSError) as exc:
        raise DataError(f"{name} not found under root {str(root)!r} (nothing is downloaded): {exc}") from None
    train_idx, val_idx = split_indices(len(full), val_fraction, seed)
    return DataSplit(name, Subset(full, train_idx.tolist()), Subset(full, val_idx.tolist()), num_classes, (3, 32, 32))


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


DATASETS = ("digits", "mnist", "cifar10", "cifar100", "imagefolder")


def get_dataset(name: str, root: str | Path | None = None, *, val_fraction: float | None = None, seed: int = 0,
                image_size: int = 224) -> DataSplit:
    """Dataset ``name`` (one of `DATASETS`) with a deterministic train / validation split.

    ``root`` is the data directory (required for cifar10/100 and imagefolder; MNIST defaults to
    ``../shared/data/mnist``). ``val_fraction`` defaults to 0.2 (digits, MNIST) or 0.1 (others).
    """
    if name == "digits":
        return load_digits(val_fraction or 0.2, seed)
    if name == "mnist":
        return load_mnist(root, val_fraction or 0.2, seed)
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; expected one of {list(DATASETS)}")
    if root is None:
        raise DataError(f"dataset {name!r} needs a root directory (root=None given)")
    if name in CIFAR_STATS:
        return load_cifar(name, root, val_fraction or 0.1, seed)
    return load_imagefolder(root, image_size, val_fraction or 0.1, seed)
