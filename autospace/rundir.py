"""Run directories of every stage (evolve, search, train): file names, "``--out`` must be new or
empty", resume look-up (its ``config.toml``), staged creation, and which process writes (rank 0).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autospace.atomic import temp_sibling, write_text
from autospace.config import read_toml, write_toml
from autospace.errors import CheckpointError, ConfigError

CONFIG = "config.toml"
HISTORY = "history.jsonl"
# evolve
CHECKPOINT = "checkpoint"
LEARNED_SPACE = "learned_space.json"
SCORED_CELLS = "scored_cells.json"
RANKING_FIDELITY = "ranking_fidelity.json"
# search
ARCHITECTURE = "architecture.json"
SUMMARY = "summary.json"
# train
TRAIN_CHECKPOINT = "checkpoint.pt"
MODEL = "model.pt"
METRICS = "metrics.json"
ONNX_MODEL = "model.onnx"

EVOLVE_FILES = (CONFIG, HISTORY, LEARNED_SPACE, SCORED_CELLS, RANKING_FIDELITY)
"""The files of an evolution run directory (besides ``checkpoint/``)."""
SEARCH_FILES = (ARCHITECTURE, CONFIG, HISTORY, SUMMARY)
"""The files of a search run directory."""


def is_main_process() -> bool:
    """True outside ``torchrun`` and on its global rank 0 (read from the ``RANK`` variable)."""
    return int(os.environ.get("RANK", "0")) == 0


def check_new(path: str | os.PathLike[str]) -> Path:
    """``path`` must not exist or be an empty directory, and it must be creatable (tried with an
    empty probe directory beside it, removed again)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"run directory {str(path)!r} is an existing file, not a directory (--out)")
    if path.exists() and any(path.iterdir()):
        raise ConfigError(
            f"run directory {str(path)!r} already exists and is not empty; resume it or choose another (--out)"
        )
    ancestor = path.resolve()
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(f"run directory {str(path)!r}: {str(ancestor)!r} is a file, not a directory (--out)")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".autospace-probe.", dir=ancestor))
    except OSError as exc:
        raise ConfigError(f"run directory {str(path)!r} cannot be created in {str(ancestor)!r}: "
                          f"{exc.strerror or exc}") from None
    return path


def undo_create(path: Path, remove_dir: bool) -> None:
    """Remove what a new run wrote into ``path`` (and ``path`` itself when ``remove_dir``), so a run
    that failed before its first checkpoint leaves ``--out`` as it found it."""
    if remove_dir:
        shutil.rmtree(path, ignore_errors=True)
        return
    for child in path.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


@contextmanager
def staged(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A hidden sibling directory that becomes ``path`` when the block succeeds and vanishes
    otherwise, so a run directory appears whole or not at all."""
    path = check_new(path)
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


def resume_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as a run directory to resume: it must hold a ``config.toml``."""
    path = Path(path)
    if not (path / CONFIG).is_file():
        raise CheckpointError(f"--resume {str(path)!r}: not a run directory (no {CONFIG})")
    return path


def read_config(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The tables of ``run_dir/config.toml``."""
    return read_toml(Path(run_dir) / CONFIG, what="run config")


def write_config(run_dir: str | os.PathLike[str], tables: Mapping[str, Any]) -> None:
    """Write ``run_dir/config.toml`` (atomically; None values are left out)."""
    write_toml(Path(run_dir) / CONFIG, tables)


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line, atomically."""
    write_text(path, "".join(json.dumps(r) + "\n" for r in records))
