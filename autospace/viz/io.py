"""Reading a run directory (docs/formats.md) into plain objects for the figures: an evolution
run (`autospace evolve`) into an `EvolveRunDir`, a search run (`autospace search`) into a `SearchRunDir`,
a shrink run (`autospace shrink`) into a `ShrinkRunDir`."""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace.config import read_toml
from autospace.errors import CheckpointError, ConfigError, GenomeError, VizError
from autospace.evolve.history import read_history
from autospace.files import check_file, read_json, shown, stat_path
from autospace.evolve.learned import LearnedSpace
from autospace.nn import Architecture
from autospace.rundir import (
    ARCHITECTURE,
    CONFIG,
    EVOLVE_FILES,
    HISTORY,
    LEARNED_SPACE,
    RANKING_FIDELITY,
    SEARCH_FILES,
    SUMMARY,
)
from autospace.shrink.runner import SHRUNK_SPACE
from autospace.viz.shrink import ShrinkRunDir, load_shrunk

LearnedLike = LearnedSpace | str | Path | Mapping[str, Any]
"""What the learned-space figures accept: a `LearnedSpace`, a path to its JSON, or the parsed JSON."""


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_learned_space(learned: LearnedLike) -> LearnedSpace:
    """A learned space from any of the forms the figures accept.

    Args:
        learned: a `LearnedSpace`, a path to ``learned_space.json`` or its parsed dict.

    Returns:
        The learned space, checked to have at least one layer and one cell per layer.

    Raises:
        VizError: an empty or malformed learned space.
    """
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
    return read_json(path, "run file", CheckpointError)


def load_learned_space(path: str | Path) -> LearnedSpace:
    """Read ``learned_space.json`` (with `autospace.evolve.LearnedSpace`).

    Args:
        path: the file.

    Returns:
        The learned space.

    Raises:
        VizError: a missing or malformed file; the message names it.
    """
    path = Path(path)
    data = _read_json(path)
    try:
        learned = LearnedSpace.from_dict(data)
    except GenomeError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    return _checked(learned, str(path))


def load_config(path: str | Path) -> dict[str, Any]:
    """Read ``config.toml``."""
    try:
        return read_toml(path, "run config")
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None


@dataclass(frozen=True)
class EvolveRunDir:
    """The files of one evolution run directory; a file the run does not have is None.

    Attributes:
        path: the run directory.
        config: its ``config.toml``.
        history: its ``history.jsonl`` records.
        learned: its ``learned_space.json``.
        ranking_fidelity: its optional ``ranking_fidelity.json``.
    """

    path: Path
    config: dict[str, Any] | None
    history: list[dict[str, Any]] | None
    learned: LearnedSpace | None
    ranking_fidelity: dict[str, Any] | None

    @property
    def name(self) -> str:
        return self.path.resolve().name


@dataclass(frozen=True)
class SearchRunDir:
    """The files of one search run directory; a file the run does not have is None.

    Attributes:
        path: the run directory.
        architecture: its ``architecture.json``.
        config: its ``config.toml``.
        history: its ``history.jsonl`` records.
        summary: its ``summary.json``.
    """

    path: Path
    architecture: Architecture | None
    config: dict[str, Any] | None
    history: list[dict[str, Any]] | None
    summary: dict[str, Any] | None

    @property
    def name(self) -> str:
        return self.path.resolve().name

    @property
    def settings(self) -> dict[str, Any]:
        """The search's settings, flat: ``algo``, ``space``, ``madds_budget``, ``tolerance``,
        ``seed``, ``skeleton``, ``data``, ... from config.toml, else architecture.json's ``search``."""
        settings = dict(self.architecture.search) if self.architecture else {}
        config = self.config or {}
        search, data = config_table(config, "search"), config_table(config, "data")
        settings.update({k: config[k] for k in ("algo", "space", "madds_budget") if k in config})
        settings.update({k: search[k] for k in ("skeleton", "seed", "tolerance") if k in search})
        if "name" in data:
            settings["data"] = data["name"]
        return settings

    @property
    def budget(self) -> tuple[float | None, float | None]:
        """``(madds_budget, tolerance)`` of the search (None where unknown)."""
        settings = self.settings
        budget, tolerance = settings.get("madds_budget"), settings.get("tolerance")
        for key, value in (("madds_budget", budget), ("tolerance", tolerance)):
            if value is not None and not is_number(value):
                raise VizError(f"search run {str(self.path)!r}: {key} must be a number, got {value!r}")
        return budget, tolerance


def config_table(config: dict[str, Any] | None, key: str) -> dict[str, Any]:
    """The table ``key`` of a run's ``config.toml`` (empty without one)."""
    value = (config or {}).get(key)
    return value if isinstance(value, dict) else {}


RunDir = EvolveRunDir | SearchRunDir | ShrinkRunDir
"""A loaded run directory of either kind."""


def _present(path: Path) -> bool:
    """Whether a run has the file ``path``: False when nothing is there; a directory, a FIFO or a
    symlink loop where the file goes is a `CheckpointError` naming it (`autospace.files.stat_path`)."""
    if stat_path(path, "run file", CheckpointError) is None:
        return False
    check_file(path, "run file", CheckpointError)
    return True


def run_kind(path: Path) -> str:
    """``"shrink"`` for a directory with shrunk_space.json or a config.toml with a [shrink] table,
    ``"search"`` for a directory with a file only `autospace search` writes (architecture.json,
    summary.json), ``"evolution"`` for one with a file of `EVOLVE_FILES` (config.toml or history.jsonl
    alone counts as evolution); an error for a directory with both kinds' own files or none."""
    status = stat_path(path, "run directory", CheckpointError)
    if status is None or not stat.S_ISDIR(status.st_mode):
        raise CheckpointError(f"run directory {shown(path)} does not exist or is not a directory")
    if _present(path / SHRUNK_SPACE) or (_present(path / CONFIG) and "shrink" in load_config(path / CONFIG)):
        return "shrink"
    search = [name for name in SEARCH_FILES if name not in EVOLVE_FILES and _present(path / name)]
    evolution = [name for name in EVOLVE_FILES if _present(path / name)]
    if search and set(evolution) - set(SEARCH_FILES):
        raise CheckpointError(
            f"{str(path)!r} mixes an evolution run ({', '.join(evolution)}) and a search run ({', '.join(search)})"
        )
    if search:
        return "search"
    if evolution:
        return "evolution"
    names = ", ".join(dict.fromkeys(EVOLVE_FILES + SEARCH_FILES))
    raise CheckpointError(f"{str(path)!r} is not a run directory: it has none of {names}")


def load_run(path: str | Path) -> RunDir:
    """Read a run directory of either kind (see `run_kind`).

    Args:
        path: an evolution or search run directory.

    Returns:
        Its files as an `EvolveRunDir` or a `SearchRunDir`.

    Raises:
        VizError: not a run directory, or a malformed file.
    """
    path = Path(path)
    kind = run_kind(path)
    if kind == "shrink":
        return load_shrink_run(path)
    return load_search_run(path) if kind == "search" else _load_evolution_run(path)


def load_shrink_run(path: str | Path) -> ShrinkRunDir:
    """Read a shrink run directory (config.toml, history.jsonl, shrunk_space.json); a missing file is None."""
    path = Path(path)
    return ShrinkRunDir(
        path=path,
        config=load_config(path / CONFIG) if _present(path / CONFIG) else None,
        history=read_history(path / HISTORY) if _present(path / HISTORY) else None,
        shrunk=load_shrunk(path / SHRUNK_SPACE) if _present(path / SHRUNK_SPACE) else None,
    )


def _load_evolution_run(path: Path) -> EvolveRunDir:
    present = {name: path / name for name in EVOLVE_FILES if _present(path / name)}
    fidelity = present.get(RANKING_FIDELITY)
    return EvolveRunDir(
        path=path,
        config=load_config(present[CONFIG]) if CONFIG in present else None,
        history=read_history(present[HISTORY]) if HISTORY in present else None,
        learned=load_learned_space(present[LEARNED_SPACE]) if LEARNED_SPACE in present else None,
        ranking_fidelity=_read_json(fidelity) if fidelity else None,
    )


def load_search_run(path: str | Path) -> SearchRunDir:
    """Read a search run directory (`SEARCH_FILES`); a missing file is None.

    Args:
        path: the run directory.

    Returns:
        Its files.

    Raises:
        VizError: a malformed file.
    """
    path = Path(path)
    present = {name: path / name for name in SEARCH_FILES if _present(path / name)}
    return SearchRunDir(
        path=path,
        architecture=load_architecture(present[ARCHITECTURE]) if ARCHITECTURE in present else None,
        config=load_config(present[CONFIG]) if CONFIG in present else None,
        history=read_history(present[HISTORY]) if HISTORY in present else None,
        summary=_read_object(present[SUMMARY]) if SUMMARY in present else None,
    )


def load_architecture(path: Path) -> Architecture:
    """Read ``architecture.json`` (with `autospace.nn.Architecture`, which checks its MAdds)."""
    try:
        return Architecture.from_dict(_read_json(path))
    except (ConfigError, GenomeError) as exc:
        raise CheckpointError(f"{path}: {exc}") from None


def _read_object(path: Path) -> dict[str, Any]:
    data = _read_json(path)
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data
