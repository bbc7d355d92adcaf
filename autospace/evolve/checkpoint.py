"""Checkpoints of a run: the engine state (JSON) and the evaluator state (JSON, or a tensor file).

``checkpoint/`` holds the last finished round, ``checkpoint.prev/`` the one before. A new one is
written to ``checkpoint.tmp/``, then two renames rotate them, so a killed run always leaves a
complete checkpoint; a corrupt ``checkpoint/`` is an error naming the file, ``checkpoint.prev/`` kept.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.atomic import write_text
from autospace.errors import CheckpointError
from autospace.rundir import CHECKPOINT

PREVIOUS = "checkpoint.prev"
TEMPORARY = "checkpoint.tmp"
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
    """True when ``run_dir`` holds a checkpoint; a ``checkpoint`` that is not a directory is an error."""
    run_dir = Path(run_dir)
    for name in (CHECKPOINT, PREVIOUS):
        if (run_dir / name).exists() and not (run_dir / name).is_dir():
            raise CheckpointError(f"{str(run_dir / name)!r} is not a directory; it is not a checkpoint of a run")
    return (run_dir / CHECKPOINT).is_dir() or (run_dir / PREVIOUS).is_dir()


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
        payload = json.loads(path.read_text())
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
