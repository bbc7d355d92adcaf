"""Whole-batch image transforms as tensor ops (on the batch's device, not image by image through
PIL): normalisation, random crop with zero padding and horizontal flip; and `ImageTensors`, a
uint8 image set whose batches (`autospace.data.batches`) pass through its transform."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset


@dataclass(frozen=True)
class ImageTransform:
    """The batched augmentation of an image set, applied to whole uint8 batches on their device.

    A uint8 batch (N x C x H x W) becomes a float32 batch normalised by per-channel ``mean`` /
    ``std`` (of pixel values in [0, 1]); with ``padding > 0`` first a random ``padding``-pixel shifted
    crop (zero fill, as ``RandomCrop(H, padding)``), with ``flip`` a horizontal flip of half the
    images, and with ``cutout > 0`` after the normalisation a ``cutout`` x ``cutout`` square of each
    image set to 0, centred anywhere in it and clipped at the border (DeVries & Taylor 2017, as DARTS).

    Attributes:
        mean: per-channel mean of pixel values in [0, 1].
        std: per-channel standard deviation.
        padding: the crop's shift in pixels (0: no crop).
        flip: flip half the images horizontally.
        cutout: the side of the cutout square (0: none).
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]
    padding: int = 0
    flip: bool = False
    cutout: int = 0

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The transformed batch; the random draws come from ``generator`` (any device)."""
        if self.padding or self.flip:
            images = crop_flip(images, generator, self.padding, self.flip)
        images = self.normalise(images)
        return cut_out(images, generator, self.cutout) if self.cutout else images

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """Only the normalisation (no random draws).

        Args:
            images: a uint8 batch.

        Returns:
            The float32 batch normalised by ``mean`` / ``std``.
        """
        shape = (1, -1) + (1,) * (images.dim() - 2)
        std = torch.tensor(self.std, device=images.device).view(shape)
        mean = torch.tensor(self.mean, device=images.device).view(shape)
        return images.float().mul_(1.0 / 255.0).sub_(mean).div_(std)


def crop_flip(images: torch.Tensor, generator: torch.Generator, padding: int, flip: bool) -> torch.Tensor:
    """Each image of the uint8 batch shifted by up to ``padding`` pixels (zero fill) and, with ``flip``,
    mirrored with probability 1/2: one gather over the padded batch.

    Args:
        images: a uint8 batch (N x C x H x W).
        generator: the seeded generator of the draws.
        padding: the largest shift in pixels.
        flip: mirror half the images.

    Returns:
        The augmented uint8 batch.
    """
    n, c, h, w = images.shape
    device = images.device
    offsets = torch.randint(0, 2 * padding + 1, (2, n), generator=generator, device=generator.device).to(device)
    rows = offsets[0, :, None] + torch.arange(h, device=device)
    cols = torch.arange(w, device=device).expand(n, w)
    if flip:
        mirrored = torch.rand(n, generator=generator, device=generator.device).to(device) < 0.5
        cols = torch.where(mirrored[:, None], w - 1 - cols, cols)
    cols = cols + offsets[1, :, None]
    padded = F.pad(images, (padding, padding, padding, padding)) if padding else images
    batch = torch.arange(n, device=device)[:, None, None, None]
    channel = torch.arange(c, device=device)[None, :, None, None]
    return padded[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]


def cut_out(images: torch.Tensor, generator: torch.Generator, length: int) -> torch.Tensor:
    """``images`` with a ``length`` x ``length`` square of each set to 0 (centre drawn uniformly,
    the square clipped at the border)."""
    n, _, h, w = images.shape
    device = images.device
    centres = torch.rand(2, n, generator=generator, device=generator.device).to(device)
    cy, cx = (centres[0] * h).long(), (centres[1] * w).long()
    rows, cols = torch.arange(h, device=device), torch.arange(w, device=device)
    inside_rows = (rows[None, :] >= cy[:, None] - length // 2) & (rows[None, :] < cy[:, None] + length // 2)
    inside_cols = (cols[None, :] >= cx[:, None] - length // 2) & (cols[None, :] < cx[:, None] + length // 2)
    mask = inside_rows[:, :, None] & inside_cols[:, None, :]
    return images.masked_fill(mask[:, None], 0.0)


class ImageTensors(Dataset):
    """An image set held as tensors; a batch of indices is transformed as a whole (`batch`), a single
    item only normalised (``transform.normalise``).

    Args:
        images: uint8 images (N x C x H x W).
        labels: their labels (N).
        transform: the augmentation of training batches.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform: ImageTransform) -> None:
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.transform.normalise(self.images[index : index + 1])[0], self.labels[index]

    def batch(self, indices: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """The transformed images and the labels at ``indices``.

        Args:
            indices: the items of the batch.
            generator: the seeded generator of the augmentation.

        Returns:
            ``(images, labels)``, on the set's device.
        """
        indices = indices.to(self.images.device)
        return self.transform(self.images[indices], generator), self.labels[indices]

    def to(self, device: torch.device | str) -> ImageTensors:
        """The same set on ``device`` (its batches are then transformed there).

        Args:
            device: a torch device.

        Returns:
            The moved set.
        """
        return ImageTensors(self.images.to(device), self.labels.to(device), self.transform)

    def with_transform(self, **changes: object) -> ImageTensors:
        """The same images with ``transform`` fields changed.

        Args:
            **changes: `ImageTransform` fields, e.g. ``padding=0, flip=False``.

        Returns:
            The set with the new transform.
        """
        return ImageTensors(self.images, self.labels, replace(self.transform, **changes))  # type: ignore[arg-type]
