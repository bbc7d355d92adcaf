"""The files users hand us and the paths every command reads or writes, checked in one place.

* `stat_path`: the one path check. An empty path, a symlink loop, a dangling symlink, a name or
  path longer than the system allows, a path it may not search: an error naming what the path
  is for (``--out``, ``evaluator.path``, ...) and the path (shortened, `shown`).
* `read_bytes` / `read_utf8`: a regular file only (a FIFO or a device is refused, never opened
  blocking); text is UTF-8, with or without a byte-order mark.
* `read_json` / `loads_json`: the one JSON reader, guarded against nesting deeper than
  `MAX_DEPTH` and checked with `check_finite`: every number read back from a file must be
  finite, as every number computed is (the error names the file and the field).
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_DEPTH = 64
"""The deepest nesting a JSON document we read may have (ours nest at most 8 levels)."""

_SHOWN = 160
"""Longest path a message shows whole; a longer one is shortened in the middle."""


def shown(path: str | os.PathLike[str]) -> str:
    """``repr`` of ``path`` for a one-line message, shortened in the middle when very long."""
    text = os.fspath(path)
    if len(text) > _SHOWN:
        text = f"{text[:_SHOWN // 2]}...({len(text):,} characters)...{text[-_SHOWN // 4:]}"
    return repr(text)


def path_arg(text: str) -> Path:
    """An argparse ``type`` for path flags and arguments: an empty string is refused at parsing
    (``Path("")`` would quietly mean the working directory)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path is not a path")
    return Path(text)


def stat_path(path: str | os.PathLike[str], what: str, error: type[Exception]) -> os.stat_result | None:
    """The status of ``path`` (symlinks followed), or None when nothing is there.

    Args:
        path: the path to check.
        what: what the path is for, named in the error (``--out``, ``config``, ``evaluator.path``).
        error: the exception type to raise.

    Returns:
        The `os.stat_result`, or None when ``path`` does not exist (a component that is a file
        included: nothing can be there).

    Raises:
        error: for an empty path, a symlink loop, a dangling symlink, a name or path too long for
            the system, or any other reason the system cannot look ``path`` up.
    """
    if os.fspath(path) == "":
        raise error(f"{what} is an empty path")
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        try:
            target = os.readlink(path)
        except OSError:
            return None
        raise error(f"{what} {shown(path)} is a dangling symlink (to {shown(target)})") from None
    except OSError as exc:
        raise error(f"{what} {shown(path)}: {_reason(exc)}") from None
    except ValueError as exc:  # an embedded NUL byte
        raise error(f"{what} {shown(path)}: {exc}") from None


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symlink loop (too many levels of symbolic links)"
    if exc.errno == errno.ENAMETOOLONG:
        return "a file name or path longer than the system allows"
    return exc.strerror or str(exc)


def resolved(path: str | os.PathLike[str], what: str, error: type[Exception]) -> Path:
    """``path`` absolute with its symlinks resolved, after `stat_path` (on a symlink loop
    `Path.resolve` raises a bare RuntimeError; a name too long would only fail later)."""
    stat_path(path, what, error)
    return Path(path).resolve()


def check_file(path: str | os.PathLike[str], what: str, error: type[Exception]) -> Path:
    """``path`` as an existing regular file (`stat_path`); anything else is an ``error`` naming ``what``."""
    status = stat_path(path, what, error)
    if status is None:
        raise error(f"{what} {shown(path)} does not exist")
    _regular(status, path, what, error)
    return Path(path)


def check_target(path: str | os.PathLike[str], what: str, error: type[Exception], *, directory: bool = False) -> None:
    """``path`` can take a file (or, with ``directory``, a directory) that a run will write there:
    nothing is there yet, or one of that kind (`stat_path`), so a stray directory or a symlink
    loop is named before any work starts rather than at the final write."""
    status = stat_path(path, what, error)
    if status is None:
        return
    if directory and not stat.S_ISDIR(status.st_mode):
        raise error(f"{what} {shown(path)} is in the way: it is a file, not a directory")
    if not directory and not stat.S_ISREG(status.st_mode):
        kind = "directory" if stat.S_ISDIR(status.st_mode) else "FIFO, socket or device"
        raise error(f"{what} {shown(path)} is in the way: it is a {kind}, not a file")


def _regular(status: os.stat_result, path: str | os.PathLike[str], what: str, error: type[Exception]) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise error(f"{what} {shown(path)} is a directory, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise error(f"{what} {shown(path)} is not a regular file (a FIFO, socket or device)")


def read_bytes(path: str | os.PathLike[str], what: str, error: type[Exception]) -> bytes:
    """The bytes of the regular file ``path`` (`stat_path`; opened without blocking, so a FIFO is
    refused rather than waited on); anything else is an ``error`` naming ``what`` and the path."""
    if stat_path(path, what, error) is None:
        raise error(f"{what} {shown(path)} does not exist")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise error(f"cannot read {what} {shown(path)}: {_reason(exc)}") from None
    try:
        _regular(os.fstat(fd), path, what, error)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise error(f"cannot read {what} {shown(path)}: {_reason(exc)}") from None


def read_utf8(path: str | os.PathLike[str], what: str, error: type[Exception]) -> str:
    """The UTF-8 text of the regular file ``path`` (`read_bytes`; a leading byte-order mark is
    dropped); a non-UTF-8 file is an ``error`` naming ``what``, the path and the byte."""
    data = read_bytes(path, what, error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {shown(path)} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def loads_json(text: str, where: str, error: type[Exception]) -> Any:
    """The JSON document ``text``, nested at most `MAX_DEPTH` deep and holding only finite numbers
    (`check_finite`); ``where`` (the file) starts every error message."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where} is not valid JSON: {exc}") from None
    except RecursionError:
        raise error(f"{where} is nested deeper than {MAX_DEPTH} levels") from None
    check_finite(data, where, error)
    return data


def read_json(path: str | os.PathLike[str], what: str, error: type[Exception]) -> Any:
    """The JSON document in the regular file ``path`` (`read_utf8`, `loads_json`)."""
    return loads_json(read_utf8(path, what, error), f"{what} {shown(path)}", error)


def check_finite(data: Any, where: str, error: type[Exception]) -> None:
    """Every number in ``data`` (nested dicts and lists, as read from JSON or TOML) must be finite,
    and the nesting at most `MAX_DEPTH` deep; the error names ``where`` and the field
    (``engine.populations[0][2].fitness``)."""
    for field, value, depth in _leaves(data):
        if depth > MAX_DEPTH:
            raise error(f"{where} is nested deeper than {MAX_DEPTH} levels (at {field})")
        if isinstance(value, float) and not math.isfinite(value):
            raise error(f"{where}: field {field}={value!r} is not a finite number")


def _leaves(data: Any) -> Iterator[tuple[str, Any, int]]:
    """``(field, value, depth)`` of every value under ``data``, iteratively (no recursion limit)."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        field, value, depth = stack.pop()
        yield field or "(top level)", value, depth
        if isinstance(value, dict):
            stack.extend((f"{field}.{key}" if field else str(key), item, depth + 1)
                         for key, item in reversed(value.items()))
        elif isinstance(value, list | tuple):
            stack.extend((f"{field}[{i}]", item, depth + 1) for i, item in reversed(list(enumerate(value))))
