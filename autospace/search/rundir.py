"""Run directories that appear whole or not at all: checked before any work, filled in a hidden
sibling staging directory, then renamed into place."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autospace.atomic import temp_sibling, write_text
from autospace.errors import ConfigError


def check_out_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` must not exist, or be an empty directory; its parent must be creatable."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ConfigError(f"--out {str(path)!r} already exists and is not an empty directory")
    parent = path.resolve().parent
    if parent.exists() and not parent.is_dir():
        raise ConfigError(f"--out {str(path)!r}: parent {str(parent)!r} is not a directory")
    return path


@contextmanager
def staged_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A staging directory that becomes ``path`` when the block succeeds and vanishes otherwise."""
    path = check_out_dir(path)
    path.resolve().parent.mkdir(parents=True, exist_ok=True)
    stage = temp_sibling(path.resolve())
    stage.mkdir()  # not tempfile.mkdtemp: the run directory gets the umask's permissions
    try:
        yield stage
        if path.exists():
            path.rmdir()
        os.replace(stage, path)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line, atomically."""
    write_text(path, "".join(json.dumps(r) + "\n" for r in records))
