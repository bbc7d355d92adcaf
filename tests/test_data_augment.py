"""Whole-batch crop + flip + normalisation, against a per-image reference, and through the batch streams."""

from __future__ import annotations

import pytest
import torch

from autospace.data.augment import ImageTensors, ImageTransform, crop_flip
from autospace.data.batches import epoch_batches


def _images(n: int = 6, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (n, 3, 5, 7), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


def test_crop_flip_matches_pad_slice_mirror_per_image() -> None:
    images = _images()
    out = crop_flip(images, torch.Generator().manual_seed(3), padding=2, flip=True)
    draws = torch.Generator().manual_seed(3)
    offsets = torch.randint(0, 5, (2, 6), generator=draws)
    mirrored = torch.rand(6, generator=draws) < 0.5
    padded = torch.nn.functional.pad(images, (2, 2, 2, 2))
    for i in range(6):
        dy, dx = int(offsets[0, i]), int(offsets[1, i])
        view = padded[i, :, dy : dy + 5, dx : dx + 7]
        assert torch.equal(out[i], view.flip(-1) if mirrored[i] else view)
    assert out.dtype == torch.uint8 and 0 < int(mirrored.sum()) < 6


def test_no_padding_no_flip_is_the_identity_and_normalise_is_exact() -> None:
    images = _images()
    assert torch.equal(crop_flip(images, torch.Generator(), padding=0, flip=False), images)
    plain = ImageTransform((0.5, 0.25, 0.0), (0.5, 0.25, 1.0))
    out = plain(images, torch.Generator())
    expected = (images.float() / 255 - torch.tensor([0.5, 0.25, 0.0]).view(1, 3, 1, 1)) / torch.tensor(
        [0.5, 0.25, 1.0]).view(1, 3, 1, 1)
    assert out.dtype == torch.float32 and torch.allclose(out, expected, atol=1e-6)


def test_augmentation_is_deterministic_from_the_generator() -> None:
    augment = ImageTransform((0.5,) * 3, (0.5,) * 3, padding=4, flip=True)
    a = augment(_images(), torch.Generator().manual_seed(1))
    assert torch.equal(a, augment(_images(), torch.Generator().manual_seed(1)))
    assert not torch.equal(a, augment(_images(), torch.Generator().manual_seed(2)))


def test_epoch_batches_transform_image_tensors_whole_and_slice_ranks() -> None:
    images, labels = _images(12), torch.arange(12)
    data = ImageTensors(images, labels, ImageTransform((0.5,) * 3, (0.5,) * 3, padding=1, flip=True))
    whole = list(epoch_batches(data, 4, torch.Generator().manual_seed(0)))
    assert len(whole) == 3 and whole[0][0].shape == (4, 3, 5, 7) and whole[0][0].dtype == torch.float32
    ranks = [list(epoch_batches(data, 4, torch.Generator().manual_seed(0), rank=r, world=2)) for r in (0, 1)]
    for step, (x, y) in enumerate(whole):
        assert torch.equal(x[0::2], ranks[0][step][0]) and torch.equal(y[1::2], ranks[1][step][1])
    plain = data.with_transform(padding=0, flip=False)
    x, y = next(epoch_batches(plain, 12, torch.Generator().manual_seed(0)))
    assert torch.allclose(x, torch.stack([plain[int(i)][0] for i in y]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_augmentation_runs_on_the_batch_device() -> None:
    augment = ImageTransform((0.5,) * 3, (0.5,) * 3, padding=4, flip=True)
    cpu = augment(_images(), torch.Generator().manual_seed(1))
    gpu = augment(_images().cuda(), torch.Generator().manual_seed(1))
    assert gpu.device.type == "cuda" and torch.allclose(gpu.cpu(), cpu)
