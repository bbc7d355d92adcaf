"""Datasets: digits, MNIST from IDX files (real shared files and synthetic ones), CIFAR / ImageFolder errors,
and datasets registered by name."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from autospace.data import (
    DATASETS,
    DataSplit,
    get_dataset,
    list_datasets,
    load_mnist,
    read_idx,
    register_dataset,
    split_indices,
    write_idx,
)
from autospace.data.config import DataConfig
from autospace.data.registry import _DATASETS
from autospace.errors import ConfigError, DataError, UnknownNameError

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def _synthetic_mnist(root: Path, n: int = 50, gz: bool = True, prefix: str = "t10k") -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(root / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(root / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels


def test_digits_shapes_normalised_and_deterministic() -> None:
    a, b = get_dataset("digits", seed=3), get_dataset("digits", seed=3)
    assert a.input_shape == (1, 8, 8) and a.num_classes == 10
    assert len(a.train) + len(a.val) == 1797 and len(a.val) == 359
    x = torch.cat([a.train.tensors[0], a.val.tensors[0]])
    assert abs(float(x.mean())) < 1e-4 and abs(float(x.std()) - 1.0) < 1e-3
    assert torch.equal(a.train.tensors[1], b.train.tensors[1])
    c = get_dataset("digits", seed=4)
    assert not torch.equal(a.train.tensors[1], c.train.tensors[1])


def test_split_is_a_partition() -> None:
    train, val = split_indices(100, 0.25, seed=1)
    assert len(val) == 25 and sorted(torch.cat([train, val]).tolist()) == list(range(100))
    with pytest.raises(DataError, match="val_fraction"):
        split_indices(10, 1.5, 0)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="../shared/data/mnist is absent")
def test_real_shared_mnist_split_8000_2000() -> None:
    md5 = hashlib.md5((SHARED_MNIST / "t10k-labels-idx1-ubyte.gz").read_bytes()).hexdigest()
    assert md5 == "ec29112dd5afa0611ce80d1b7f02629c"
    data = get_dataset("mnist", SHARED_MNIST)
    assert (len(data.train), len(data.val)) == (8000, 2000)
    assert data.input_shape == (1, 28, 28) and data.num_classes == 10
    labels = torch.cat([data.train.tensors[1], data.val.tensors[1]])
    assert torch.bincount(labels).tolist()[:3] == [980, 1135, 1032]  # the official t10k class counts
    again = get_dataset("mnist", SHARED_MNIST)
    assert torch.equal(data.val.tensors[1], again.val.tensors[1])


@pytest.mark.parametrize("gz", [True, False])
def test_synthetic_idx_roundtrip(tmp_path: Path, gz: bool) -> None:
    images, _ = _synthetic_mnist(tmp_path, gz=gz)
    data = load_mnist(tmp_path, val_fraction=0.2, seed=0)
    assert (len(data.train), len(data.val)) == (40, 10)
    name = "t10k-images-idx3-ubyte" + (".gz" if gz else "")
    assert np.array_equal(read_idx(tmp_path / name), images)


def test_train_files_preferred_over_t10k(tmp_path: Path) -> None:
    _synthetic_mnist(tmp_path, n=20)
    _synthetic_mnist(tmp_path, n=30, prefix="train")
    assert len(load_mnist(tmp_path).train) + len(load_mnist(tmp_path).val) == 30


def _write_raw(path: Path, payload: bytes) -> None:
    path.write_bytes(payload)


@pytest.mark.parametrize(
    "images_payload, match",
    [
        (b"\x00\x00\x08", "too short"),
        (b"\x12\x34\x08\x03" + b"\x00" * 12, "magic"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x1c", "dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x1c" + b"\x00" * 100, "data bytes"),
    ],
)
def test_malformed_idx_raises_data_error(tmp_path: Path, images_payload: bytes, match: str) -> None:
    _synthetic_mnist(tmp_path, n=2, gz=False)
    _write_raw(tmp_path / "t10k-images-idx3-ubyte", images_payload)
    with pytest.raises(DataError, match=match) as info:
        load_mnist(tmp_path)
    assert "t10k-images-idx3-ubyte" in str(info.value)


def test_label_count_mismatch_and_bad_labels(tmp_path: Path) -> None:
    _synthetic_mnist(tmp_path, n=5, gz=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(4, dtype=np.uint8))
    with pytest.raises(DataError, match="5 images but"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.full(5, 11, dtype=np.uint8))
    with pytest.raises(DataError, match="0..9"):
        load_mnist(tmp_path)


def test_corrupt_gzip_is_a_data_error(tmp_path: Path) -> None:
    _synthetic_mnist(tmp_path, n=3)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"xx")[:-4])
    with pytest.raises(DataError, match="t10k-labels"):
        load_mnist(tmp_path)


def test_missing_paths_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nowhere"):
        get_dataset("mnist", tmp_path / "nowhere")
    with pytest.raises(DataError, match="no train-/t10k"):
        get_dataset("mnist", tmp_path)
    with pytest.raises(DataError, match="cifar10 not found"):
        get_dataset("cifar10", tmp_path)
    with pytest.raises(DataError, match="needs a root"):
        get_dataset("cifar100")
    with pytest.raises(DataError, match="not a directory"):
        get_dataset("imagefolder", tmp_path / "missing")
    with pytest.raises(UnknownNameError, match=r"dataset='svhn' is not a known dataset; choose one of \['cifar10'"):
        get_dataset("svhn")


def test_imagefolder_split(tmp_path: Path) -> None:
    from PIL import Image

    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(5):
            Image.fromarray(np.full((10, 10, 3), i * 20, dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    data = get_dataset("imagefolder", tmp_path, val_fraction=0.2, image_size=8)
    assert data.num_classes == 2 and (len(data.train), len(data.val)) == (8, 2)
    x, _ = data.train[0]
    assert tuple(x.shape) == (3, 8, 8)


def test_pooled_images_average_every_block_and_keep_the_augmentation_scaled() -> None:
    from torch.utils.data import TensorDataset

    from autospace.data import DataSplit, ImageTensors, ImageTransform, pool_split

    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (6, 3, 8, 8), dtype=torch.uint8, generator=gen)
    labels = torch.arange(6)
    transform = ImageTransform((0.5, 0.5, 0.5), (0.25, 0.25, 0.25), padding=4, flip=True)
    val = TensorDataset(transform.normalise(images), labels)
    split = DataSplit("toy", ImageTensors(images, labels, transform), val, 10, (3, 8, 8), test=val)
    pooled = pool_split(split, 4)
    assert pooled.input_shape == (3, 4, 4) and pooled.num_classes == 10
    expected = images.float().reshape(6, 3, 4, 2, 4, 2).mean((3, 5))
    assert torch.equal(pooled.train.images, expected.round().to(torch.uint8))
    assert pooled.train.transform.padding == 2 and pooled.train.transform.flip
    assert torch.allclose(pooled.val.tensors[0], transform.normalise(images).reshape(6, 3, 4, 2, 4, 2).mean((3, 5)))
    assert pooled.test is not None and torch.equal(pooled.val.tensors[1], labels)
    assert pool_split(split, 8) is split
    with pytest.raises(DataError, match="image_size=3"):
        pool_split(split, 3)


def test_get_dataset_pools_to_image_size() -> None:
    data = get_dataset("digits", image_size=4)
    assert data.input_shape == (1, 4, 4) and data.train.tensors[0].shape[1:] == (1, 4, 4)
    with pytest.raises(DataError, match="image_size=5"):
        get_dataset("digits", image_size=5)


def test_a_registered_dataset_loads_by_name_and_passes_the_config_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_DATASETS, "_items", dict(_DATASETS._items))  # the registration ends with the test
    calls = []

    def toy(root: str | None, *, split: str | None, val_fraction: float | None, seed: int,
            image_size: int | None) -> DataSplit:
        calls.append((root, split, val_fraction, seed, image_size))
        x, y = torch.zeros(6, 1, 4, 4), torch.arange(6) % 2
        return DataSplit("toy", torch.utils.data.TensorDataset(x[:4], y[:4]),
                         torch.utils.data.TensorDataset(x[4:], y[4:]), 2, (1, 4, 4))

    with pytest.raises(ConfigError, match="data.name='toy' is not one of"):
        DataConfig(name="toy")
    register_dataset("toy", toy)
    assert DataConfig(name="toy").name == "toy"
    assert list_datasets() == sorted([*DATASETS, "toy"])
    assert get_dataset("toy", "here", val_fraction=0.5, seed=3).describe()["train"] == 4
    assert calls == [("here", None, 0.5, 3, None)]
    with pytest.raises(UnknownNameError, match="dataset name='toy' is already registered"):
        register_dataset("toy", toy)
