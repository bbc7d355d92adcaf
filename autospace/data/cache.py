"""The decoded-image cache: an image tree (`autospace.data.imagetree`) decoded once and kept as
``.npy`` arrays (uint8 images N x 3 x H x W, int64 labels) with a ``manifest.json``, in
``$AUTOSPACE_CACHE/images/<key>/`` (default ``~/.cache/autospace``).

The key hashes the source's content (sha256 of an archive's bytes; for a directory, sha256 of its
file list with every file's size and mtime), the decode settings and the cache format. An entry is
used only if every array has the size, shape, dtype and sha256 that its manifest records; otherwise
it is rebuilt. Entries are written into a temporary sibling directory and renamed into place, so a
reader never sees a half-written one. Arrays are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from autospace.atomic import temp_sibling, write_json
from autospace.data.imagetree import ImageArrays, decode_image_tree, tree_files
from autospace.errors import DataError
from autospace.files import read_json

CACHE_ENV = "AUTOSPACE_CACHE"
FORMAT = 1


def cache_root() -> Path:
    """``$AUTOSPACE_CACHE``, or ``~/.cache/autospace`` when it is unset or empty."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "autospace")


def source_digest(source: Path) -> str:
    """sha256 of an archive's bytes, or of a directory's sorted (path, size, mtime) list."""
    digest = hashlib.sha256()
    try:
        if source.is_dir():
            for path in tree_files(source):
                stat = path.stat()
                digest.update(f"{path.relative_to(source).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        else:
            with source.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    except OSError as exc:
        raise DataError(f"image tree {str(source)!r} cannot be read: {exc}") from None
    return digest.hexdigest()


def _array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


def _entry_key(digest: str, image_size: int | None) -> str:
    settings = json.dumps({"format": FORMAT, "source_sha256": digest, "image_size": image_size}, sort_keys=True)
    return hashlib.sha256(settings.encode()).hexdigest()[:32]


def _entry_dir(digest: str, image_size: int | None) -> Path:
    return cache_root() / "images" / _entry_key(digest, image_size)


def cache_entry(source: str | Path, image_size: int | None = None) -> Path:
    """The cache directory that holds (or will hold) the decoded ``source``.

    Args:
        source: an image directory or archive.
        image_size: the decoded side (None: as stored).

    Returns:
        The entry's directory under `cache_root`.
    """
    return _entry_dir(source_digest(Path(source)), image_size)


def cached_image_tree(source: str | Path, image_size: int | None = None) -> ImageArrays:
    """The decoded image tree at ``source`` (see `decode_image_tree`), from the cache when a valid entry
    is there, else decoded now and stored.

    Args:
        source: an image directory or archive.
        image_size: resize and centre-crop to this side (None: every image must have one size).

    Returns:
        The decoded arrays.

    Raises:
        DataError: a missing or malformed source; the message names it.
    """
    source = Path(source)
    if not source.exists():
        raise DataError(f"image tree {str(source)!r} does not exist")
    digest = source_digest(source)
    entry = _entry_dir(digest, image_size)
    arrays = read_entry(entry, digest)
    if arrays is None:
        arrays = decode_image_tree(source, image_size)
        _write_entry(entry, arrays, {"format": FORMAT, "source": str(source.resolve()), "source_sha256": digest,
                                     "image_size": image_size})
    return arrays


def read_entry(entry: Path, digest: str) -> ImageArrays | None:
    """The arrays of cache ``entry`` if it is complete and matches its manifest and ``digest``; None
    if it is absent or does not match (to be rebuilt); `DataError` if it cannot be read at all."""
    try:
        manifest = read_json(entry / "manifest.json", "cache manifest", ValueError)  # unreadable: rebuilt
        if manifest["format"] != FORMAT or manifest["source_sha256"] != digest:
            return None
        loaded = {name: _load_array(entry / f"{name}.npy", spec) for name, spec in manifest["arrays"].items()}
        if any(array is None for array in loaded.values()):
            return None
        parts = manifest["parts"]
        return ImageArrays(tuple(manifest["classes"]), {p: loaded[f"{p}_images"] for p in parts},  # type: ignore[misc]
                           {p: loaded[f"{p}_labels"] for p in parts})  # type: ignore[misc]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    except OSError as exc:
        raise DataError(f"cache entry {str(entry)!r} cannot be read: {exc}") from None


def _load_array(path: Path, spec: dict[str, Any]) -> np.ndarray | None:
    if path.stat().st_size != spec["bytes"]:
        return None
    array = np.load(path, allow_pickle=False)
    if list(array.shape) != spec["shape"] or str(array.dtype) != spec["dtype"] or _array_sha256(array) != spec["sha256"]:
        return None
    return array


def _write_entry(entry: Path, arrays: ImageArrays, manifest: dict[str, Any]) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cache directory {str(entry.parent)!r} cannot be created: {exc}") from None
    tmp = temp_sibling(entry)
    try:
        tmp.mkdir()
        specs = {}
        for part in arrays.images:
            for kind, array in (("images", arrays.images[part]), ("labels", arrays.labels[part])):
                path = tmp / f"{part}_{kind}.npy"
                with path.open("xb") as fh:
                    np.save(fh, array, allow_pickle=False)
                    fh.flush()
                    os.fsync(fh.fileno())
                specs[path.stem] = {"shape": list(array.shape), "dtype": str(array.dtype),
                                    "bytes": path.stat().st_size, "sha256": _array_sha256(array)}
        write_json(tmp / "manifest.json", {**manifest, "classes": list(arrays.classes), "parts": list(arrays.images),
                                           "arrays": specs})
        if entry.exists():  # a stale or corrupt entry: move it aside, then drop it
            stale = temp_sibling(entry)
            os.replace(entry, stale)
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, entry)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if read_entry(entry, manifest["source_sha256"]) is None:  # not another process's valid entry
            raise DataError(f"cache entry {str(entry)!r} cannot be written: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
