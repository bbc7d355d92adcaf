"""Reading a run directory (docs/formats.md) into plain objects for the figures."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.errors import AutospaceError, CheckpointError, GenomeError
from autospace.evolve.learned import LearnedSpace

CONFIG = "config.toml"
HISTORY = "history.jsonl"
LEARNED_SPACE = "learned_space.json"
RANKING_FIDELITY = "ranking_fidelity.json"
RUN_FILES = (CONFIG, HISTORY, LEARNED_SPACE, RANKING_FIDELITY)


LearnedLike = LearnedSpace | str | Path | Mapping[str, Any]
"""What the learned-space figures accept: a `LearnedSpace`, a path to its JSON, or the parsed JSON."""


class VizError(AutospaceError, ValueError):
    """Data given to a figure is missing a field or holds a bad value."""


def as_learned_space(learned: LearnedLike) -> LearnedSpace:
    """A `LearnedSpace` from a `LearnedSpace`, a path to ``learned_space.json`` or its parsed
    dict; checked to have at least one layer and one cell per layer."""
    if isinstance(learned, str | Path):
        learned = load_learned_space(Path(learned))
    elif isinstance(learned, Mapping):
        try:
            learned = LearnedSpace.from_dict(learned)
        except GenomeError as exc:
            raise VizError(str(exc)) from None
    elif not isinstance(learned, LearnedSpace):
        raise VizError(f"expected a LearnedSpace, a dict or a path, got {type(learned).__name__}")
    return _checked(learned, "learned space")


def _checked(learned: LearnedSpace, where: str) -> LearnedSpace:
    if not learned.layers:
        raise VizError(f"{where}: field 'layers' is empty")
    for i, entries in enumerate(learned.layers):
        if not entries:
            raise VizError(f"{where}: layers[{i}] has no cell")
    return learned


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: malformed JSON: {exc}") from None
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror}") from None


def load_learned_space(path: Path) -> LearnedSpace:
    """Read ``learned_space.json`` (with `autospace.evolve.LearnedSpace`)."""
    data = _read_json(path)
    try:
        learned = LearnedSpace.from_dict(data)
    except GenomeError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    return _checked(learned, str(path))


def load_history(path: Path) -> list[dict[str, Any]]:
    """Read ``history.jsonl``: one dict per round. An unterminated last line (a round being
    written while we read) is ignored; any other malformed line is an error naming it."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror}") from None
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break
            raise CheckpointError(f"{path}: line {number}: malformed JSON: {exc}") from None
        if not isinstance(record, dict):
            raise CheckpointError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
        records.append(record)
    return records


def load_config(path: Path) -> dict[str, Any]:
    """Read ``config.toml``."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise CheckpointError(f"{path}: malformed TOML: {exc}") from None
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror}") from None


@dataclass(frozen=True)
class Run:
    """The files of one run directory; a file the run does not have is None."""

    path: Path
    config: dict[str, Any] | None
    history: list[dict[str, Any]] | None
    learned: LearnedSpace | None
    ranking_fidelity: dict[str, Any] | None

    @property
    def name(self) -> str:
        return self.path.resolve().name


def load_run(path: str | Path) -> Run:
    """Read a run directory. It must hold at least one of `RUN_FILES`."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"run directory {str(path)!r} does not exist or is not a directory")
    present = {name: path / name for name in RUN_FILES if (path / name).is_file()}
    if not present:
        raise CheckpointError(f"{str(path)!r} is not a run directory: it has none of {', '.join(RUN_FILES)}")
    fidelity = present.get(RANKING_FIDELITY)
    return Run(
        path=path,
        config=load_config(present[CONFIG]) if CONFIG in present else None,
        history=load_history(present[HISTORY]) if HISTORY in present else None,
        learned=load_learned_space(present[LEARNED_SPACE]) if LEARNED_SPACE in present else None,
        ranking_fidelity=_read_json(fidelity) if fidelity else None,
    )
