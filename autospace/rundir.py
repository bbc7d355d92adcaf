"""Run directories of every stage (evolve, search, train): file names, "``--out`` must be new or
empty", resume look-up (its ``config.toml``), staged creation, and which process writes (rank 0).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autospace.atomic import temp_sibling, write_text
from autospace.config import read_toml, write_toml
from autospace.errors import CheckpointError, ConfigError
from autospace.files import check_target, shown, stat_path

CONFIG = "config.toml"
HISTORY = "history.jsonl"
# evolve
CHECKPOINT = "checkpoint"
LEARNED_SPACE = "learned_space.json"
SCORED_CELLS = "scored_cells.json"
RANKING_FIDELITY = "ranking_fidelity.json"
RETRAIN = "retrain.json"
"""What ``autospace macro retrain`` adds to a macro run."""
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


def check_new(path: str | os.PathLike[str], resume: str | None = None) -> Path:
    """``path`` (``--out``) must not exist or be an empty directory, and it must be creatable
    (`autospace.files.stat_path`: no symlink loop, dangling symlink or name too long; tried with an
    empty probe directory beside it, removed again). ``resume`` names the flag that continues a run
    (None: the command has none), for the message on a directory that is not empty."""
    status = stat_path(path, "--out", ConfigError)
    path = Path(path)
    if status is not None and not stat.S_ISDIR(status.st_mode):
        raise ConfigError(f"run directory {shown(path)} is an existing file, not a directory (--out)")
    if status is not None and any(path.iterdir()):
        hint = f"continue it with {resume} or choose another" if resume else "choose another or remove it"
        raise ConfigError(f"run directory {shown(path)} already exists and is not empty; {hint} (--out)")
    ancestor, missing = path.absolute(), []
    while stat_path(ancestor, "--out", ConfigError) is None:
        missing.append(ancestor.name)
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(f"run directory {shown(path)}: {shown(ancestor)} is a file, not a directory (--out)")
    longest = os.pathconf(ancestor, "PC_NAME_MAX")
    too_long = [name for name in missing if len(os.fsencode(name)) > longest]
    if too_long or len(os.fsencode(path.absolute())) >= os.pathconf(ancestor, "PC_PATH_MAX"):
        raise ConfigError(f"run directory {shown(path)}: a file name or path longer than the system allows (--out)")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".autospace-probe.", dir=ancestor))
    except OSError as exc:
        raise ConfigError(f"run directory {shown(path)} cannot be created in {shown(ancestor)}: "
                          f"{exc.strerror or exc}") from None
    return path


def check_outputs(run_dir: str | os.PathLike[str], files: Iterable[str], dirs: Iterable[str] = ()) -> None:
    """Every file and directory a run continued in ``run_dir`` will write can be written there
    (`autospace.files.check_target`): checked before any work starts, so a stray directory where a
    final file goes, or a symlink loop, stops the run before it has spent anything or changed a file."""
    for name in files:
        check_target(Path(run_dir) / name, "run file", CheckpointError)
    for name in dirs:
        check_target(Path(run_dir) / name, "run folder", CheckpointError, directory=True)


def undo_create(path: Path, remove_dir: bool) -> None:
    """Remove what a new run wrote into ``path`` (and ``path`` itself when ``remove_dir``), so a run
    that failed before its first checkpoint leaves ``--out`` as it found it."""
    if remove_dir:
        shutil.rmtree(path, ignore_errors=True)
        return
    for child in path.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


@contextmanager
def staged(path: str | os.PathLike[str], resume: str | None = None) -> Iterator[Path]:
    """A hidden sibling directory that becomes ``path`` when the block succeeds and vanishes
    otherwise, so a run directory appears whole or not at all (``path`` checked by `check_new`)."""
    path = check_new(path, resume).resolve()  # absolute: "." is a run directory too
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = temp_sibling(path)
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
    config = stat_path(path / CONFIG, "--resume", CheckpointError)
    if config is None or not stat.S_ISREG(config.st_mode):
        raise CheckpointError(f"--resume {shown(path)}: not a run directory (no {CONFIG}); to start a new run "
                              "there, give --config without --resume")
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
