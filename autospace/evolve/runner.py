"""`evolve(...)`: run an engine with an evaluator to the end, optionally in a run directory
(history, checkpoints, learned space; resumable)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from autospace.errors import CheckpointError
from autospace.evaluators.base import Evaluator
from autospace.evaluators.cost import layer_cost_fn, skeleton_layer_specs
from autospace.evolve.checkpoint import Checkpoint, has_checkpoint, load_checkpoint, save_checkpoint
from autospace.evolve.config import EvolveConfig
from autospace.evolve.engine import Engine, LayerCost
from autospace.evolve.history import History
from autospace.evolve.learned import LearnedSpace, Ranked
from autospace.evolve.parallel import ProcessMap
from autospace.evolve.ranks import is_main_process
from autospace.genome import CellSpace, Genome, get_space

HISTORY_FILE = "history.jsonl"
LEARNED_FILE = "learned_space.json"


@dataclass
class EvolveResult:
    """What `evolve` returns."""

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


def evolve(
    space: CellSpace | str,
    evaluator: Evaluator,
    strategy: str = "autospace",
    *,
    reference: Genome | None = None,
    tau: int = 2,
    population: int = 64,
    rounds: int = 40,
    sample_size: int = 9,
    top_k: int = 5,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    workers: int = 1,
    budget: int | None = None,
    skeleton: str | None = None,
    layer_cost: LayerCost | None = None,
    resume: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    **settings: Any,
) -> EvolveResult:
    """Evolve layer-wise populations of ``space`` scored by ``evaluator``.

    ``settings`` are further `EvolveConfig` fields (``tournament_size``, ``momentum``,
    ``constraint_fraction``, ``init``, ``max_tries``, ``layers``, ``madds_cap``). With a
    ``skeleton``, ``layers`` defaults to its number of searchable layers and ``madds_cap`` uses
    the `autospace.nn` cost model. With ``out``, the run writes ``history.jsonl`` and
    ``checkpoint/`` every round and ``learned_space.json`` at the end; ``resume=True`` continues
    from the checkpoint there (or starts, if there is none yet). ``workers > 1`` scores independent evaluators in a process pool.
    """
    space = space if isinstance(space, CellSpace) else get_space(space)
    if skeleton is not None and "layers" not in settings:
        settings["layers"] = len(skeleton_layer_specs(skeleton))
    config = EvolveConfig.from_dict(
        dict(
            strategy=strategy,
            tau=tau,
            population=population,
            rounds=rounds,
            sample_size=sample_size,
            top_k=top_k,
            seed=seed,
            budget=budget,
            **settings,
        )
    )
    if config.madds_cap is not None and layer_cost is None and skeleton is not None:
        layer_cost = layer_cost_fn(skeleton)
    engine = Engine(space, config, exact=evaluator.exact, reference=reference, layer_cost=layer_cost)
    run_dir = None if out is None else Path(out)
    writes = run_dir is not None and is_main_process()
    if run_dir is not None:
        _prepare(run_dir, engine, evaluator, resume, writes)
    if workers > 1 and not evaluator.independent:
        warnings.warn(
            f"workers={workers} ignored: {type(evaluator).__name__} scores its batch jointly "
            "(use torchrun for data-parallel supernet training)",
            stacklevel=2,
        )
    pool = ProcessMap(evaluator, workers) if workers > 1 and evaluator.independent else nullcontext()
    with pool as map_fn, tqdm(total=config.rounds, initial=engine.round, disable=not progress, unit="round") as bar:
        if map_fn is not None:
            engine.toolbox.register("map", map_fn)
        while not engine.done:
            candidates = engine.ask()
            scores = evaluator.score(candidates, engine.toolbox.map) if candidates else []
            record = engine.tell(scores, evaluator.cost)
            if writes:
                save_checkpoint(run_dir, Checkpoint(engine.state_dict(), evaluator.state_dict()))
                engine.history.append_last(run_dir / HISTORY_FILE)
            bar.update(1)
            if log is not None:
                log(format_round(record, config.rounds))
    learned = engine.learned_space(skeleton)
    if writes:
        learned.save(run_dir / LEARNED_FILE)
    return EvolveResult(learned, engine.history, engine.best, engine, evaluator)


def _prepare(run_dir: Path, engine: Engine, evaluator: Evaluator, resume: bool, writes: bool) -> None:
    """Load the checkpoint when resuming (every rank), else check the directory is free."""
    if resume and has_checkpoint(run_dir):
        state = load_checkpoint(run_dir)
        engine.load_state_dict(state.engine)
        evaluator.load_state_dict(state.evaluator)
        if writes:
            engine.history.save(run_dir / HISTORY_FILE)  # drop lines of a round that was not checkpointed
        return
    if not writes:
        return
    if has_checkpoint(run_dir):
        raise CheckpointError(f"{str(run_dir)!r} already holds a run; resume it or choose another out directory")
    run_dir.mkdir(parents=True, exist_ok=True)
    engine.history.save(run_dir / HISTORY_FILE)  # a fresh file: rounds are appended to it
