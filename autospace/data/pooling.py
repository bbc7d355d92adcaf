"""Lower-resolution copies of image sets by average pooling (cheap proxies of a network trained on
smaller images, e.g. CIFAR-10 at 16x16 for the reduced NAS-Bench-201 skeletons)."""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, TensorDataset

from autospace.data.augment import ImageTensors
from autospace.errors import DataError


def pool_factor(native: int, image_size: int) -> int:
    """The pooling factor that takes ``native`` x ``native`` images to ``image_size`` x ``image_size``.

    Args:
        native: the data's own image side.
        image_size: the side wanted.

    Returns:
        ``native // image_size`` (1: the data as it is).

    Raises:
        DataError: ``image_size`` is not a positive integer that divides ``native``.
    """
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1 or native % image_size:
        raise DataError(f"image_size={image_size!r} must be a positive divisor of the data's {native}x{native} "
                        "images (they are average-pooled by an integer factor)")
    return native // image_size


def pooled(dataset: Dataset, factor: int) -> Dataset:
    """``dataset`` average-pooled ``factor`` x ``factor``.

    Args:
        dataset: uint8 `ImageTensors` (they stay uint8, rounded, with their crop padding scaled alike)
            or a `TensorDataset` of normalised images (pooled as they are: pooling commutes with the
            per-channel normalisation).
        factor: the pooling window and stride.

    Returns:
        The pooled set (labels unchanged).

    Raises:
        DataError: the set is of another kind (not held in memory).
    """
    if isinstance(dataset, ImageTensors):
        images = F.avg_pool2d(dataset.images.float(), factor).round().to(torch.uint8)
        transform = replace(dataset.transform, padding=dataset.transform.padding // factor)
        return ImageTensors(images, dataset.labels, transform)
    if isinstance(dataset, TensorDataset):
        x, *rest = dataset.tensors
        return TensorDataset(F.avg_pool2d(x.float(), factor), *rest)
    raise DataError(f"cannot pool a {type(dataset).__name__}: only in-memory image sets (ImageTensors, "
                    "TensorDataset) are pooled")
