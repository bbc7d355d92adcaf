"""Reader for the IDX file format of MNIST (``*-idx3-ubyte`` / ``*-idx1-ubyte``, raw or gzip)."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from autospace.errors import DataError

_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"IDX file {str(path)!r} does not exist")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DataError(f"IDX file {str(path)!r} cannot be read: {exc}") from None


def read_idx(path: str | Path, ndim: int | None = None) -> np.ndarray:
    """The array stored in an IDX file (MNIST's format); checks the magic number, ``ndim`` and the size.

    Args:
        path: the file (gzip when it ends in ``.gz``).
        ndim: the number of dimensions expected (None: any).

    Returns:
        The array.

    Raises:
        DataError: a missing, short or malformed file; the message names it.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataError(f"IDX file {str(path)!r} is too short for a header ({len(data)} bytes)")
    zero, code, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in _DTYPES:
        raise DataError(f"IDX file {str(path)!r} has a bad magic number 0x{data[:4].hex()}")
    if ndim is not None and dims != ndim:
        raise DataError(f"IDX file {str(path)!r} has {dims} dimensions, expected {ndim}")
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(f"IDX file {str(path)!r} is truncated in its header")
    shape = struct.unpack(f">{dims}I", data[4:header])
    dtype = _DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataError(
            f"IDX file {str(path)!r}: shape {shape} needs {expected} data bytes, found {len(data) - header}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as an IDX file; for tests and tools.

    Args:
        path: the file (gzip when it ends in ``.gz``).
        array: the data.
    """
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    payload = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as fh:
            fh.write(payload)
    else:
        path.write_bytes(payload)
