"""`evolve_space(...)`: run an engine with an evaluator to the end, optionally in a run directory
(history, checkpoints, learned space; resumable)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace import rundir
from autospace.atomic import write_json
from autospace.config import parse_section
from autospace.errors import AutospaceError, CheckpointError, ConfigError
from autospace.evaluators.base import Evaluator, MapFn
from autospace.evaluators.cost import layer_cost_fn
from autospace.evaluators.registry import parse_evaluator
from autospace.evolve.checkpoint import (
    CHECKPOINT_DIRS,
    ENGINE_FILE,
    Checkpoint,
    has_checkpoint,
    load_checkpoint,
    save_checkpoint,
    start_over,
)
from autospace.evolve.config import EvolveConfig
from autospace.evolve.engine import Engine, LayerCost
from autospace.evolve.history import History
from autospace.evolve.learned import LearnedSpace, Ranked
from autospace.evolve.parallel import ParallelSettings, open_map, resolve_backend
from autospace.evolve.runconfig import RunConfig, default_layers, shrunk_cells
from autospace.files import resolved, stat_path
from autospace.genome import SCHEMA_VERSION, CellSpace, Genome, get_space
from autospace.macro.space import MacroSpace
from autospace.progress import progress_bar


@dataclass
class EvolveResult:
    """What `evolve_space` returns.

    Attributes:
        learned_space: the top-K cells of every layer.
        history: one record per round.
        best: the best cell of every layer (None for a layer that scored nothing).
        engine: the engine, in its final state.
        evaluator: the evaluator, with its cost counters.
    """

    learned_space: LearnedSpace
    history: History
    best: list[Ranked | None]
    engine: Engine
    evaluator: Evaluator


def format_round(record: dict[str, Any], rounds: int) -> str:
    """One log line for a history record."""
    fmt = lambda xs: "[" + ", ".join("-" if x is None else f"{x:.4g}" for x in xs) + "]"
    return (
        f"round {record['round'] + 1}/{rounds} best={fmt(record['best'])} mean={fmt(record['mean'])} "
        f"diversity={fmt(record['diversity'])} queries={record['queries']} distinct={record['distinct_queries']}"
        + (" constrained" if record["constraint_active"] else "")
    )


def evolve_space(
    space: CellSpace | MacroSpace | str,
    evaluator: Evaluator | Mapping[str, Any],
    strategy: str | None = None,
    *,
    config: EvolveConfig | None = None,
    reference: Genome | None = None,
    out: str | os.PathLike[str] | None = None,
    workers: int = 1,
    backend: str | None = None,
    ray_address: str | None = None,
    num_gpus: float = 0.0,
    skeleton: str | None = None,
    layer_cost: LayerCost | None = None,
    resume: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    cells: Sequence[Sequence[Genome]] | str | os.PathLike[str] | None = None,
    **settings: Any,
) -> EvolveResult:
    """Evolve layer-wise populations of ``space`` scored by ``evaluator``.

    With ``out`` (which must be new or empty) the run writes ``config.toml``, then ``history.jsonl``
    and ``checkpoint/`` every round and ``scored_cells.json`` (every distinct cell scored, with its
    final fitness: `Engine.scored_cells`) and ``learned_space.json`` at the end; ``autospace evolve
    --resume`` continues it too when the evaluator was given as a table.

    Args:
        space: the cell space (or its name), or a `MacroSpace` for LCMNAS macro search.
        evaluator: an `Evaluator`, or an ``[evaluator]`` table (``{"name": "analytic", "seed": 1}``)
            that is built here and recorded in the run's ``config.toml``.
        strategy: the strategy's registered name (replaces ``config.strategy``).
        config: the evolution settings (default: `EvolveConfig`'s defaults).
        reference: the reference cell of the Eq. 2 constraint (None: no constraint).
        out: the run directory (None: nothing is written).
        workers: processes (``process``) or local Ray CPUs (``ray``) scoring independent evaluators.
        backend: ``serial``, ``process`` or ``ray`` (`open_map`; None: ``process`` if ``workers > 1``).
        ray_address: the Ray cluster to join (None: a local Ray with ``workers`` CPUs).
        num_gpus: the GPU fraction of each Ray task.
        skeleton: a registered skeleton: ``layers`` defaults to its number of searchable layers and
            ``madds_cap`` uses the `autospace.nn` cost model.
        layer_cost: ``layer_cost(layer, genome) -> MAdds`` for ``madds_cap`` without a skeleton.
        resume: continue from the checkpoint in ``out`` (or start, if there is none yet).
        progress: show a progress bar.
        log: called with one line per round.
        cells: restricts every layer to its cells (`Engine`): a ``shrunk_space.json`` path
            (recorded in ``config.toml`` as ``evolve.cells``, so ``--resume`` restores it) or a
            shrunk space's ``layers`` (pass them again on resume).
        **settings: any other `EvolveConfig` field (``population``, ``rounds``, ``tau``, ...), checked
            like the ``[evolve]`` keys of a config file.

    Returns:
        The learned space, the history, the best cell of every layer, the engine and the evaluator.

    Raises:
        ConfigError: a bad setting (named), or an ``out`` that is not new or empty.
        CheckpointError: ``resume`` from a checkpoint that does not fit the run.
        EvolveError: no admissible cell is left under the constraint and the cap.
    """
    space = space if isinstance(space, (CellSpace, MacroSpace)) else get_space(space)
    if strategy is not None:
        settings["strategy"] = strategy
    if config is None or settings:
        base = {} if config is None else config.to_dict()
        config = parse_section(EvolveConfig, "evolve", default_layers(base | settings, skeleton))
    if out is not None and not resume and rundir.is_main_process():
        rundir.check_new(out, "--resume")  # before the evaluator loads anything
    spec = None
    if isinstance(evaluator, Mapping):
        spec = parse_evaluator(evaluator)
        evaluator = spec.create(space=space, layers=config.layers)
    cells_file = None
    if isinstance(cells, str | os.PathLike):
        cells_file = str(resolved(cells, "cells", ConfigError))
        cells = shrunk_cells(cells_file, space, config.layers)
    if config.madds_cap is not None and layer_cost is None and skeleton is not None:
        layer_cost = layer_cost_fn(skeleton)
    parallel = ParallelSettings(workers, backend, ray_address, num_gpus).check("evolve")
    engine = Engine(space, config, exact=evaluator.exact, reference=reference, layer_cost=layer_cost, cells=cells)
    run_dir = None if out is None else Path(out)
    writes = run_dir is not None and rundir.is_main_process()
    new_dir = run_dir is not None and stat_path(run_dir, "--out", ConfigError) is None
    with _scoring_map(evaluator, parallel) as map_fn:  # before the first write: a bad address stops here
        if run_dir is not None:
            run_config = RunConfig(space, skeleton, parallel, config, reference, spec, cells, cells_file)
            _prepare(run_dir, run_config, engine, evaluator, resume, writes)
        try:
            _run(engine, evaluator, config, run_dir if writes else None, map_fn, progress, log)
        except Exception:  # an error or a bug: nothing half-written either way
            if writes and not resume and not has_checkpoint(run_dir):  # failed in round 1: leave --out as it was
                rundir.undo_create(run_dir, new_dir)
            raise
    learned = engine.learned_space(skeleton)
    if writes:
        write_json(run_dir / rundir.SCORED_CELLS, {"schema_version": SCHEMA_VERSION, "space": engine.space.name,
                                                  "cells": [c.to_dict() for c in engine.scored_cells()]})
        learned.save(run_dir / rundir.LEARNED_SPACE)
    return EvolveResult(learned, engine.history, engine.best, engine, evaluator)


def _scoring_map(evaluator: Evaluator, parallel: ParallelSettings) -> AbstractContextManager[MapFn]:
    """`open_map` for an independent evaluator; serial (with a warning if more was asked) for a joint one."""
    if evaluator.independent:
        return parallel.open(evaluator)
    if resolve_backend(parallel.backend, parallel.workers) != "serial":
        asked = f"workers={parallel.workers}" + ("" if parallel.backend is None else f", backend={parallel.backend!r}")
        warnings.warn(f"{asked} ignored: {type(evaluator).__name__} scores its batch jointly "
                      "(use torchrun for data-parallel supernet training)", stacklevel=3)
    return open_map(evaluator, "serial")


def _run(engine: Engine, evaluator: Evaluator, config: EvolveConfig, run_dir: Path | None, map_fn: MapFn,
         progress: bool, log: Callable[[str], None] | None) -> None:
    """The rounds to the end; with ``run_dir``, a checkpoint and a history line after each."""
    with progress_bar(config.rounds, "round", enabled=progress, initial=engine.round) as bar:
        engine.toolbox.register("map", map_fn)
        while not engine.done:
            candidates = engine.ask()
            scores = evaluator.score(candidates, engine.toolbox.map) if candidates else []
            record = engine.tell(scores, evaluator.cost)
            if run_dir is not None:
                save_checkpoint(run_dir, Checkpoint(engine.state_dict(), evaluator.state_dict()))
                engine.history.append_last(run_dir / rundir.HISTORY)
            bar.update(1)
            if log is not None:
                log(format_round(record, config.rounds))


def _prepare(
    run_dir: Path, config: RunConfig, engine: Engine, evaluator: Evaluator, resume: bool, writes: bool
) -> None:
    """Load the checkpoint when resuming (every rank), else create the run directory. A resumed
    run's files are checked first (`rundir.check_outputs`), so nothing is written or lost when one
    of them is in the way."""
    if resume:
        rundir.check_outputs(run_dir, (rundir.CONFIG, rundir.HISTORY, rundir.LEARNED_SPACE, rundir.SCORED_CELLS),
                             CHECKPOINT_DIRS)
    if resume and has_checkpoint(run_dir):
        state = load_checkpoint(run_dir)
        where = f"checkpoint {str(run_dir / rundir.CHECKPOINT / ENGINE_FILE)!r}"
        try:
            engine.load_state_dict(state.engine)
            evaluator.load_state_dict(state.evaluator)
        except AutospaceError as exc:
            raise type(exc)(f"{where}: {exc}") from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise CheckpointError(f"{where} does not fit this run ({type(exc).__name__}: {exc})") from None
        if writes:
            engine.history.save(run_dir / rundir.HISTORY)  # drop lines of a round that was not checkpointed
        return
    if not writes:
        return
    if resume:  # a run killed before its first checkpoint
        start_over(run_dir, "round")
        rundir.write_config(run_dir, config.to_tables())
        engine.history.save(run_dir / rundir.HISTORY)
        return
    with rundir.staged(run_dir) as stage:  # a run killed here leaves --out as it was
        rundir.write_config(stage, config.to_tables())
        engine.history.save(stage / rundir.HISTORY)  # a fresh file: rounds are appended to it
