"""Image trees and their cache: tiny generated JPEG archives, CIFAR splits, every error, the shared archive."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from autospace.data import cache as cache_module
from autospace.data import cache_entry, cached_image_tree, decode_image_tree, get_dataset
from autospace.data.augment import ImageTensors
from autospace.data.config import DataConfig
from autospace.errors import ConfigError, DataError

SHARED_CIFAR = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10" / "cifar10-jpeg.tar.gz"


def _jpeg(seed: int, size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=95)
    return out.getvalue()


def _tree(classes: int = 3, train: int = 4, test: int = 2, held_out: str = "test") -> dict[str, bytes]:
    files = {}
    for c in range(classes):
        for i in range(train):
            files[f"train/class{c}/{i:02d}.jpg"] = _jpeg(100 * c + i)
        for i in range(test):
            files[f"{held_out}/class{c}/{i:02d}.jpg"] = _jpeg(10_000 + 100 * c + i)
    return files


def _archive(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz" if path.name.endswith("gz") else "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTOSPACE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _entries(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "images").iterdir()) if (cache / "images").is_dir() else []


def test_archive_decodes_in_class_order_and_matches_the_directory(tmp_path: Path) -> None:
    files = _tree()
    arrays = decode_image_tree(_archive(tmp_path / "t.tar.gz", dict(reversed(files.items()))))
    assert arrays.classes == ("class0", "class1", "class2")
    assert arrays.images["train"].shape == (12, 3, 8, 8) and arrays.images["train"].dtype == np.uint8
    assert arrays.labels["train"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert arrays.labels["test"].tolist() == [0, 0, 1, 1, 2, 2]
    for name, data in files.items():
        (tmp_path / "dir" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "dir" / name).write_bytes(data)
    from_dir = decode_image_tree(tmp_path / "dir")
    assert all(np.array_equal(from_dir.images[p], arrays.images[p]) for p in ("train", "test"))
    plain = decode_image_tree(_archive(tmp_path / "t.tar", files))
    assert np.array_equal(plain.images["train"], arrays.images["train"])


def test_cache_is_written_once_then_read(tmp_path: Path, _cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _archive(tmp_path / "t.tar.gz", _tree())
    first = cached_image_tree(archive)
    entry = cache_entry(archive)
    assert _entries(_cache) == [entry.name]
    manifest = json.loads((entry / "manifest.json").read_text())
    assert manifest["source_sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert manifest["arrays"]["train_images"]["shape"] == [12, 3, 8, 8]
    monkeypatch.setattr(cache_module, "decode_image_tree", lambda *a: pytest.fail("decoded again"))
    again = cached_image_tree(archive)
    assert again.classes == first.classes and np.array_equal(again.images["test"], first.images["test"])


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-10])


def _bad_manifest(path: Path) -> None:
    (path.parent / "manifest.json").write_text("{not json")


def _wrong_shape(path: Path) -> None:
    manifest = json.loads((path.parent / "manifest.json").read_text())
    manifest["arrays"]["train_images"]["shape"] = [11, 3, 8, 8]
    (path.parent / "manifest.json").write_text(json.dumps(manifest))


def _missing(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_flip_a_byte, _truncate, _bad_manifest, _wrong_shape, _missing])
def test_an_entry_that_does_not_match_its_manifest_is_rebuilt(tmp_path: Path, _cache: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              damage: Callable[[Path], None]) -> None:
    archive = _archive(tmp_path / "t.tar.gz", _tree())
    good = cached_image_tree(archive)
    damage(cache_entry(archive) / "train_images.npy")
    calls = []
    monkeypatch.setattr(cache_module, "decode_image_tree", lambda *a: calls.append(1) or decode_image_tree(*a))
    rebuilt = cached_image_tree(archive)
    assert calls == [1] and np.array_equal(rebuilt.images["train"], good.images["train"])
    assert _entries(_cache) == [cache_entry(archive).name]
    assert cache_module.read_entry(cache_entry(archive), cache_module.source_digest(archive)) is not None


def test_another_archive_content_is_another_entry(tmp_path: Path, _cache: Path) -> None:
    archive = _archive(tmp_path / "t.tar.gz", _tree())
    cached_image_tree(archive)
    _archive(archive, _tree(train=5))
    assert cached_image_tree(archive).images["train"].shape[0] == 15
    assert len(_entries(_cache)) == 2


def test_an_unreadable_cache_is_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _archive(tmp_path / "t.tar.gz", _tree())
    (tmp_path / "not_a_dir").write_text("x")
    monkeypatch.setenv("AUTOSPACE_CACHE", str(tmp_path / "not_a_dir"))
    with pytest.raises(DataError, match="not_a_dir"):
        cached_image_tree(archive)


def test_a_failed_write_leaves_nothing(tmp_path: Path, _cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _archive(tmp_path / "t.tar.gz", _tree())
    saves = []

    def failing_save(fh, array, allow_pickle):  # type: ignore[no-untyped-def]
        saves.append(1)
        if len(saves) == 3:
            raise OSError("disk full")
        np.lib.format.write_array(fh, array, allow_pickle=allow_pickle)

    monkeypatch.setattr(cache_module.np, "save", failing_save)
    with pytest.raises(DataError, match="cannot be written: disk full"):
        cached_image_tree(archive)
    assert _entries(_cache) == []


def _bad_tree(kind: str) -> dict[str, bytes]:
    files = _tree()
    if kind == "not an image":
        files["train/class1/broken.jpg"] = b"this is text"
    elif kind == "classes differ":
        files = {k.replace("test/class2", "test/class9"): v for k, v in files.items()}
    elif kind == "outside the layout":
        files["train/loose.jpg"] = _jpeg(1)
    elif kind == "sizes differ":
        files["train/class0/big.jpg"] = _jpeg(1, (10, 8))
    elif kind == "no train":
        files = {k: v for k, v in files.items() if k.startswith("test/")}
    return files


@pytest.mark.parametrize("kind, match", [
    ("not an image", "member 'train/class1/broken.jpg' is not a readable image"),
    ("classes differ", r"test/ has classes \['class0', 'class1', 'class9'\]"),
    ("outside the layout", "member 'train/loose.jpg' is not in train/<class>/"),
    ("sizes differ", "member 'train/class0/big.jpg' is 10x8"),
    ("no train", "no images under train/"),
])
def test_bad_trees_name_the_member(tmp_path: Path, _cache: Path, kind: str, match: str) -> None:
    archive = _archive(tmp_path / "bad.tar.gz", _bad_tree(kind))
    with pytest.raises(DataError, match=match) as info:
        cached_image_tree(archive)
    assert "bad.tar.gz" in str(info.value)
    assert _entries(_cache) == []


def test_missing_and_truncated_archives(tmp_path: Path, _cache: Path) -> None:
    with pytest.raises(DataError, match="nowhere.tar.gz' does not exist"):
        get_dataset("cifar10", tmp_path / "nowhere.tar.gz")
    archive = _archive(tmp_path / "t.tar.gz", _tree())
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataError, match="t.tar.gz' is truncated"):
        cached_image_tree(archive)
    (tmp_path / "junk.tar").write_bytes(b"\x01" * 700)
    with pytest.raises(DataError, match="junk.tar' is truncated or not a tar archive"):
        cached_image_tree(tmp_path / "junk.tar")
    assert _entries(_cache) == []


def test_cifar10_archive_splits(tmp_path: Path) -> None:
    archive = _archive(tmp_path / "c.tar.gz", _tree(classes=10, train=4, test=1))
    data = get_dataset("cifar10", archive, seed=1)
    assert data.describe() == {"name": "cifar10", "train": 36, "val": 4, "test": 10, "num_classes": 10,
                               "input_shape": [3, 8, 8]}
    assert isinstance(data.train, ImageTensors) and data.train.images.dtype == torch.uint8
    assert data.val.tensors[0].dtype == torch.float32
    halves = get_dataset("cifar10", archive, split="nb201", seed=1)
    assert (len(halves.train), len(halves.val)) == (20, 20)
    again = get_dataset("cifar10", archive, split="nb201", seed=1)
    assert torch.equal(halves.train.images, again.train.images) and torch.equal(halves.val.tensors[0],
                                                                                again.val.tensors[0])
    other = get_dataset("cifar10", archive, split="nb201", seed=2)
    assert not torch.equal(halves.val.tensors[1], other.val.tensors[1])
    labels = torch.cat([halves.train.labels, halves.val.tensors[1]])
    assert torch.bincount(labels).tolist() == [4] * 10
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    raw = halves.train.images[:2].float() / 255
    expected = (raw - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    assert torch.allclose(torch.stack([halves.train[0][0], halves.train[1][0]]), expected, atol=1e-6)


def test_cifar10_roots_and_their_errors(tmp_path: Path) -> None:
    files = _tree(classes=10, train=2, test=1)
    for name, data in files.items():
        (tmp_path / "tree" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tree" / name).write_bytes(data)
    assert get_dataset("cifar10", tmp_path / "tree").describe()["test"] == 10
    with pytest.raises(DataError, match="has 3 classes, expected 10"):
        get_dataset("cifar10", _archive(tmp_path / "three.tar", _tree()))
    (tmp_path / "tv" / "cifar-10-batches-py").mkdir(parents=True)
    with pytest.raises(DataError, match="cifar-10-batches-py' is incomplete or corrupt"):
        get_dataset("cifar10", tmp_path / "tv")
    with pytest.raises(DataError, match="halves the training set"):
        get_dataset("cifar10", tmp_path / "tree", split="nb201", val_fraction=0.2)
    with pytest.raises(DataError, match="split='half' is not one of"):
        get_dataset("cifar10", tmp_path / "tree", split="half")
    with pytest.raises(DataError, match="not 'digits'"):
        get_dataset("digits", split="nb201")
    with pytest.raises(ConfigError, match="data.split='half'"):
        DataConfig(name="cifar10", split="half")


def test_imagefolder_archive_resizes_and_keeps_val_as_test(tmp_path: Path) -> None:
    files = {k: _jpeg(i, (12, 10)) for i, k in enumerate(_tree(classes=2, held_out="val"))}
    data = get_dataset("imagefolder", _archive(tmp_path / "i.tgz", files), image_size=8, split="nb201")
    assert data.describe() == {"name": "imagefolder", "train": 4, "val": 4, "test": 4, "num_classes": 2,
                               "input_shape": [3, 8, 8]}


@pytest.mark.skipif(not SHARED_CIFAR.is_file(), reason="../shared/data/cifar10 is absent")
def test_shared_cifar10_archive_members_and_a_slice_decode() -> None:
    from autospace.data.imagetree import _decode, _part

    names, first = [], {}
    with tarfile.open(SHARED_CIFAR, "r|gz") as tar:
        for member in tar:
            if member.isfile():
                names.append(member.name)
                if len(first) < 8:
                    first[member.name] = tar.extractfile(member).read()  # type: ignore[union-attr]
    parts = [_part(SHARED_CIFAR, n) for n in names]
    assert len(names) == 60_000 and sum(p == "train" for p, _, _ in parts) == 50_000
    assert sorted({c for _, c, _ in parts}) == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                                 "horse", "ship", "truck"]
    assert all(_decode(SHARED_CIFAR, n, d, None).shape == (32, 32, 3) for n, d in first.items())
