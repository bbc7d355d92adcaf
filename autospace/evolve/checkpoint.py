"""Checkpoints of a run: the engine state (JSON) and the evaluator state (JSON, or a tensor file).

``checkpoint/`` holds the last finished round, ``checkpoint.prev/`` the one before. A new one is
written to ``checkpoint.tmp/``, then two renames rotate them, so a killed run always leaves a
complete checkpoint; a corrupt ``checkpoint/`` is an error naming the file, ``checkpoint.prev/`` kept.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.atomic import write_text
from autospace.errors import CheckpointError
from autospace.evolve.history import read_history
from autospace.files import read_json, shown, stat_path
from autospace.rundir import CHECKPOINT, HISTORY

PREVIOUS = "checkpoint.prev"
TEMPORARY = "checkpoint.tmp"
CHECKPOINT_DIRS = (CHECKPOINT, PREVIOUS, TEMPORARY)
"""The directories `save_checkpoint` writes."""
ENGINE_FILE = "engine.json"
EVALUATOR_FILE = "evaluator.pt"
SCHEMA_VERSION = 1


@dataclass
class Checkpoint:
    """What a checkpoint holds: the engine's and the evaluator's ``state_dict``."""

    engine: dict[str, Any]
    evaluator: dict[str, Any]


def _has_tensors(obj: Any) -> bool:
    torch = sys.modules.get("torch")  # an evaluator with tensors has imported torch already
    if torch is None:
        return False
    if isinstance(obj, torch.Tensor):
        return True
    if isinstance(obj, dict):
        return any(_has_tensors(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_has_tensors(v) for v in obj)
    return False


def save_checkpoint(run_dir: str | os.PathLike[str], checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` into ``run_dir`` and keep the previous one as ``checkpoint.prev/``."""
    run_dir = Path(run_dir)
    tmp = run_dir / TEMPORARY
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tensors = _has_tensors(checkpoint.evaluator)
    if tensors:
        from autospace.train.checkpoint import save_tensors  # torch, imported only for tensor states

        save_tensors(tmp / EVALUATOR_FILE, checkpoint.evaluator)
    payload = {
        "schema_version": SCHEMA_VERSION,
        "engine": checkpoint.engine,
        "evaluator": None if tensors else checkpoint.evaluator,
        "evaluator_file": EVALUATOR_FILE if tensors else None,
    }
    write_text(tmp / ENGINE_FILE, json.dumps(payload))
    current, previous = run_dir / CHECKPOINT, run_dir / PREVIOUS
    if current.exists():
        shutil.rmtree(previous, ignore_errors=True)
        os.replace(current, previous)
    os.replace(tmp, current)


def has_checkpoint(run_dir: str | os.PathLike[str]) -> bool:
    """True when ``run_dir`` holds a checkpoint; a ``checkpoint`` that is not a directory, a symlink
    loop or a dangling symlink (`autospace.files.stat_path`) is an error, never "no checkpoint"."""
    found = False
    for name in (CHECKPOINT, PREVIOUS):
        path = Path(run_dir) / name
        status = stat_path(path, "checkpoint", CheckpointError)
        if status is not None and not stat.S_ISDIR(status.st_mode):
            raise CheckpointError(f"{shown(path)} is not a directory; it is not a checkpoint of a run")
        found = found or status is not None
    return found


def start_over(run_dir: str | os.PathLike[str], unit: str) -> None:
    """Prepare ``run_dir`` (resumed, without a checkpoint: a run killed before its first one) to
    start from its first ``unit`` (round, iteration), and say so (a `UserWarning`). A history that
    already holds records is not overwritten: without a checkpoint they cannot be continued, and a
    resume never destroys what the run had."""
    run_dir = Path(run_dir)
    history = run_dir / HISTORY
    if stat_path(history, "run file", CheckpointError) is not None and read_history(history):
        raise CheckpointError(f"--resume {shown(run_dir)}: {HISTORY} holds finished {unit}s but there is no "
                              f"{CHECKPOINT}/ to continue them from; move the run directory away to start it again")
    warnings.warn(f"{shown(run_dir)} has no {CHECKPOINT}/ yet (the run stopped before its first one): "
                  f"it starts from {unit} 1", stacklevel=3)
    run_dir.mkdir(parents=True, exist_ok=True)


def load_checkpoint(run_dir: str | os.PathLike[str]) -> Checkpoint:
    """The last complete checkpoint of ``run_dir`` (``checkpoint.prev/`` if the run was killed
    between the two renames of `save_checkpoint`)."""
    run_dir = Path(run_dir)
    folder = run_dir / CHECKPOINT
    if not folder.is_dir():
        folder = run_dir / PREVIOUS
    if not folder.is_dir():
        raise CheckpointError(f"{str(run_dir)!r} has no checkpoint/ directory; it is not a resumable run directory")
    path = folder / ENGINE_FILE
    kept = folder.name == CHECKPOINT and (run_dir / PREVIOUS).is_dir()
    keep = f"; the previous checkpoint is kept in {str(run_dir / PREVIOUS)!r}" if kept else ""
    try:
        payload = read_json(path, "checkpoint", CheckpointError)
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}{keep}") from None
    try:
        if not isinstance(payload, dict):
            raise TypeError(f"expected a JSON object, got {type(payload).__name__}")
        if payload.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema_version={payload.get('schema_version')!r} (expected {SCHEMA_VERSION})")
        engine = payload["engine"]
        evaluator = payload["evaluator"]
        if payload.get("evaluator_file"):
            from autospace.train.checkpoint import load_tensors

            if payload["evaluator_file"] != EVALUATOR_FILE:
                raise ValueError(f"evaluator_file={payload['evaluator_file']!r} (expected {EVALUATOR_FILE!r})")

            path = folder / EVALUATOR_FILE  # the file an error names
            evaluator = load_tensors(path)
        if not isinstance(engine, dict) or not isinstance(evaluator, dict):
            raise TypeError("engine and evaluator states must be objects")
    except (OSError, ValueError, TypeError, KeyError, AttributeError, CheckpointError) as exc:  # load_tensors: pickle
        reason = str(exc).split("\n")[0] or type(exc).__name__  # the CLI prints one line
        raise CheckpointError(f"checkpoint {str(path)!r} is corrupt or unreadable: {reason}{keep}") from None
    return Checkpoint(engine, evaluator)
