"""Decode an ImageFolder tree (a directory, or a ``.tar`` / ``.tar.gz`` archive read as a stream) into
uint8 arrays: ``train/<class>/<image>`` and optionally a held-out ``test/<class>/<image>`` (or ``val/``).

Images are decoded with Pillow, converted to RGB and ordered by (class, file name); a label is the
index of its class folder in sorted order. Every problem is a `DataError` naming the path or member.
"""

from __future__ import annotations

import io
import os
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autospace.errors import DataError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")
TRAIN, TEST = "train", "test"
_HELD_OUT = ("test", "val")


@dataclass(frozen=True)
class ImageArrays:
    """A decoded image tree.

    Attributes:
        classes: the class names, in label order.
        images: per part (``train``, maybe ``test``), uint8 images (N x 3 x H x W).
        labels: per part, int64 labels (N).
    """

    classes: tuple[str, ...]
    images: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def _archive_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every regular file of the archive, in archive order, read as one stream."""
    try:
        with tarfile.open(path, "r|*") as tar:
            for member in tar:
                if member.isfile():
                    fh = tar.extractfile(member)
                    yield member.name, fh.read() if fh is not None else b""
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DataError(f"archive {str(path)!r} is truncated or not a tar archive: {exc}") from None


def tree_files(root: Path) -> Iterator[Path]:
    """Every file under ``root``, in the (sorted, depth-first) order the decoder reads them; the
    cache key of a directory lists the same files."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _directory_files(root: Path) -> Iterator[tuple[str, bytes]]:
    for path in tree_files(root):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataError(f"image {str(path)!r} cannot be read: {exc}") from None
        yield path.relative_to(root).as_posix(), data


def _decode(source: Path, name: str, data: bytes, image_size: int | None) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img = img.convert("RGB")
            if image_size is not None and img.size != (image_size, image_size):
                img = _resize_center_crop(img, image_size)
            return np.asarray(img)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"{str(source)!r}: member {name!r} is not a readable image: {exc}") from None


def _resize_center_crop(img: PILImage, size: int) -> PILImage:
    """Shorter side to ``size * 8 / 7``, then the centre ``size`` x ``size`` (the usual eval resize)."""
    short = int(size * 8 / 7)
    w, h = img.size
    scale = short / min(w, h)
    img = img.resize((max(size, round(w * scale)), max(size, round(h * scale))))
    w, h = img.size
    left, top = (w - size) // 2, (h - size) // 2
    return img.crop((left, top, left + size, top + size))


def _part(source: Path, name: str) -> tuple[str, str, str]:
    """(part, class, file) of a member ``part/class/file``; anything else is a `DataError`."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if len(parts) != 3 or parts[0] not in (TRAIN, *_HELD_OUT):
        raise DataError(f"{str(source)!r}: member {name!r} is not in train/<class>/ or test/<class>/")
    return parts[0], parts[1], parts[2]


def decode_image_tree(source: str | Path, image_size: int | None = None) -> ImageArrays:
    """Decode every image of the tree at ``source`` (an ImageFolder-style directory or archive).

    Args:
        source: a directory, or a ``.tar`` / ``.tar.gz`` archive of one.
        image_size: None: all images must share one size. An int: images of another size are
            resized (shorter side to 8/7 of it) and centre-cropped to ``image_size`` x ``image_size``.

    Returns:
        The decoded arrays.

    Raises:
        DataError: a missing or malformed source; the message names it.
    """
    source = Path(source)
    if not source.exists():
        raise DataError(f"image tree {str(source)!r} does not exist")
    if source.is_dir():
        files = _directory_files(source)
    elif is_archive(source):
        files = _archive_members(source)
    else:
        raise DataError(f"image tree {str(source)!r} is neither a directory nor a {'/'.join(ARCHIVE_SUFFIXES)} archive")
    found: dict[str, list[tuple[str, str, np.ndarray]]] = {}
    shape: tuple[int, ...] | None = None
    for name, data in files:
        if Path(name).name.startswith("."):
            continue
        part, cls, file = _part(source, name)
        image = _decode(source, name, data, image_size)
        if shape is None:
            shape = image.shape
        elif image.shape != shape:
            raise DataError(f"{str(source)!r}: member {name!r} is {image.shape[1]}x{image.shape[0]}, the first image "
                            f"{shape[1]}x{shape[0]}; give an image_size to resize them")
        found.setdefault(part, []).append((cls, file, image))
    return _arrays(source, found)


def _arrays(source: Path, found: dict[str, list[tuple[str, str, np.ndarray]]]) -> ImageArrays:
    if TRAIN not in found:
        raise DataError(f"image tree {str(source)!r} has no images under train/<class>/")
    held_out = [p for p in _HELD_OUT if p in found]
    if len(held_out) > 1:
        raise DataError(f"image tree {str(source)!r} has both test/ and val/; keep one held-out part")
    classes = sorted({cls for cls, _, _ in found[TRAIN]})
    images, labels = {}, {}
    for part, key in [(TRAIN, TRAIN), *[(p, TEST) for p in held_out]]:
        entries = sorted(found[part], key=lambda e: (e[0], e[1]))
        part_classes = sorted({cls for cls, _, _ in entries})
        if part_classes != classes:
            raise DataError(f"image tree {str(source)!r}: {part}/ has classes {part_classes} but train/ has {classes}")
        index = {cls: i for i, cls in enumerate(classes)}
        images[key] = np.ascontiguousarray(np.stack([e[2] for e in entries]).transpose(0, 3, 1, 2))
        labels[key] = np.array([index[e[0]] for e in entries], dtype=np.int64)
    return ImageArrays(tuple(classes), images, labels)
