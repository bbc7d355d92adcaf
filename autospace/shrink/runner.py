"""`shrink_space(...)`: a shrinker run to the end, optionally in a run directory (``config.toml``,
``history.jsonl`` and ``checkpoint/`` after every iteration, ``shrunk_space.json`` at the end; resumable)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace import rundir
from autospace.config import parse_section
from autospace.errors import AutospaceError, CheckpointError, ConfigError
from autospace.evaluators.base import Evaluator
from autospace.evolve.checkpoint import (
    CHECKPOINT_DIRS,
    ENGINE_FILE,
    Checkpoint,
    has_checkpoint,
    load_checkpoint,
    save_checkpoint,
    start_over,
)
from autospace.files import stat_path
from autospace.genome import CellSpace, get_space
from autospace.progress import progress_bar
from autospace.shrink.base import Shrinker, get_shrinker
from autospace.shrink.config import ShrinkConfig, ShrinkRunConfig, check_counts
from autospace.shrink.space import ShrunkSpace

SHRUNK_SPACE = "shrunk_space.json"


@dataclass
class ShrinkResult:
    """What `shrink_space` returns.

    Attributes:
        shrunk: the shrunk space.
        history: one record per iteration.
        shrinker: the shrinker, in its final state.
    """

    shrunk: ShrunkSpace
    history: list[dict[str, Any]]
    shrinker: Shrinker


def format_step(record: dict[str, Any]) -> str:
    """One log line for a history record."""
    layers = record.get("layers")
    if layers is None:
        return f"iteration {record['iteration'] + 1}: sizes={record['sizes']} queries={record['queries']}"
    parts = [f"L{e['layer']} size={e['size']} mean={'-' if e['mean'] is None else format(e['mean'], '.4g')}"
             + (f" -> {e['next_size']}" if "next_size" in e else "") + (f" stop={e['stop']}" if e["stop"] else "")
             for e in layers]
    return f"iteration {record['iteration'] + 1}: " + "; ".join(parts) + f" queries={record['queries']}"


def build_shrinker(run: ShrinkRunConfig, evaluator: Evaluator | None = None,
                   cheap: Evaluator | None = None) -> Shrinker:
    """The run's shrinker with its evaluators (built from the config unless given)."""
    layers = run.shrink.layers
    evaluator = evaluator or run.evaluator.create(space=run.space, layers=layers)
    if cheap is None and run.cheap is not None:
        cheap = run.cheap.create(space=run.space, layers=layers)
    return get_shrinker(run.shrink.method)(run.space, evaluator, run.shrink, cheap)


def shrink_space(run: ShrinkRunConfig, *, out: str | os.PathLike[str] | None = None, resume: bool = False,
                 progress: bool = False, log: Callable[[str], None] | None = None,
                 evaluator: Evaluator | None = None, cheap: Evaluator | None = None) -> ShrinkResult:
    """Shrink ``run.space`` as ``run`` says, optionally in a run directory.

    With ``out`` (new or empty), the run writes ``config.toml``, then ``history.jsonl`` and
    ``checkpoint/`` after every iteration and ``shrunk_space.json`` at the end.

    Args:
        run: the validated config (`load_shrink_config`).
        out: the run directory (None: nothing is written).
        resume: continue from the checkpoint in ``out`` (or start, if there is none); the result is
            that of an uninterrupted run.
        progress: show a progress bar.
        log: called with one line per iteration.
        evaluator: use this evaluator instead of building ``run.evaluator``.
        cheap: use this cheap evaluator instead of building ``run.cheap``.

    Returns:
        The shrunk space, the history and the shrinker. Independent evaluators are scored on
        ``run.parallel``.

    Raises:
        ConfigError: a bad setting, or an ``out`` that is not new or empty.
        CheckpointError: ``resume`` from a checkpoint of other settings.
    """
    shrinker = build_shrinker(run, evaluator, cheap)
    run_dir = None if out is None else Path(out)
    new_dir = run_dir is not None and stat_path(run_dir, "--out", ConfigError) is None
    with run.parallel.open(shrinker.evaluator) as map_fn:
        shrinker.map_fn = map_fn
        if run_dir is not None:  # after the backend started: a bad address writes nothing
            _prepare(run_dir, run, shrinker, resume)
        try:
            _steps(shrinker, run, run_dir, progress, log)
        except Exception:  # an error or a bug: nothing half-written either way
            if run_dir is not None and not resume and not has_checkpoint(run_dir):  # failed in iteration 1
                rundir.undo_create(run_dir, new_dir)  # leave --out as it was
            raise
    shrunk = shrinker.result()
    if run_dir is not None:
        shrunk.save(run_dir / SHRUNK_SPACE)
    return ShrinkResult(shrunk, shrinker.history, shrinker)


def _steps(shrinker: Shrinker, run: ShrinkRunConfig, run_dir: Path | None, progress: bool,
           log: Callable[[str], None] | None) -> None:
    """Step ``shrinker`` to the end, checkpointing after every iteration when there is a run directory."""
    with progress_bar(run.shrink.max_iters, "iteration", enabled=progress, initial=shrinker.iteration) as bar:
        while not shrinker.done:
            record = shrinker.step()
            if run_dir is not None:
                save_checkpoint(run_dir, Checkpoint(shrinker.state_dict(), shrinker.evaluator.state_dict()))
                rundir.write_jsonl(run_dir / rundir.HISTORY, shrinker.history)
            bar.update(1)
            if log is not None:
                log(format_step(record))


def _prepare(run_dir: Path, run: ShrinkRunConfig, shrinker: Shrinker, resume: bool) -> None:
    """Load the checkpoint when resuming, else create the run directory (whole or not at all). A
    resumed run's files are checked first (`rundir.check_outputs`)."""
    if resume:
        rundir.check_outputs(run_dir, (rundir.CONFIG, rundir.HISTORY, SHRUNK_SPACE), CHECKPOINT_DIRS)
    if resume and has_checkpoint(run_dir):
        state = load_checkpoint(run_dir)
        where = f"checkpoint {str(run_dir / rundir.CHECKPOINT / ENGINE_FILE)!r}"
        try:
            shrinker.load_state_dict(state.engine)
            shrinker.evaluator.load_state_dict(state.evaluator)
        except AutospaceError as exc:
            raise type(exc)(f"{where}: {exc}") from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise CheckpointError(f"{where} does not fit this run ({type(exc).__name__}: {exc})") from None
        rundir.write_jsonl(run_dir / rundir.HISTORY, shrinker.history)  # drop a step that was not checkpointed
        return
    if resume:  # killed before its first checkpoint
        start_over(run_dir, "iteration")
        rundir.write_config(run_dir, run.to_tables())
        return
    with rundir.staged(run_dir) as stage:
        rundir.write_config(stage, run.to_tables())
        rundir.write_jsonl(stage / rundir.HISTORY, [])


def shrink(space: CellSpace | str, evaluator: Evaluator, method: str = "lissnas", *, cheap: Evaluator | None = None,
           **settings: Any) -> ShrunkSpace:
    """Shrink ``space`` with ``evaluator``'s scores (no run directory).

    Args:
        space: the cell space, or a registered name.
        evaluator: scores the cells.
        method: ``lissnas``, ``random``, ``op_prune``, ``autospace`` or a registered shrinker.
        cheap: the evaluator of the good-neighbour filter (``good_neighbours=True``).
        **settings: `ShrinkConfig` keys (``n``, ``k``, ``r``, ``size``, ``queries``, ...), checked as
            in a config file.

    Returns:
        The shrunk space.

    Raises:
        ConfigError: a bad setting (named).
        UnknownNameError: an unknown method.
    """
    name = space if isinstance(space, str) else space.name
    config = parse_section(ShrinkConfig, "shrink", {**settings, "method": method, "space": name})
    cell_space = space if isinstance(space, CellSpace) else get_space(space)
    check_counts(config, cell_space)
    return get_shrinker(method)(cell_space, evaluator, config, cheap).run()


def lissnas(space: CellSpace | str, evaluator: Evaluator, *, cheap: Evaluator | None = None,
            **settings: Any) -> ShrunkSpace:
    """LISSNAS: `shrink` with ``method="lissnas"``.

    Args:
        space: the cell space, or a registered name.
        evaluator: scores the cells.
        cheap: the evaluator of the good-neighbour filter.
        **settings: `ShrinkConfig` keys.

    Returns:
        The shrunk space.
    """
    return shrink(space, evaluator, "lissnas", cheap=cheap, **settings)
