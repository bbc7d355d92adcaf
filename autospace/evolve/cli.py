"""`autospace evolve`: run (or resume) an evolution from a TOML config into a run directory."""

from __future__ import annotations

import argparse
import os
import tomllib
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from tqdm import tqdm

from autospace import rundir
from autospace.config import keys_of, read_toml
from autospace.errors import ConfigError
from autospace.files import path_arg
from autospace.evolve.parallel import ParallelSettings, add_placement_flags, placement_flags
from autospace.evolve.runconfig import SECTIONS, RunConfig, load_run_config, parse_run_config
from autospace.evolve.runner import evolve_space

PLACEMENT_KEYS = frozenset(keys_of(ParallelSettings))
"""``[evolve]`` keys a resumed run may change: where it scores, not what."""


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``autospace evolve`` to its parser ``p``."""
    p.description = (
        "Run an evolution from a TOML config (--config) into a new run directory (--out), or continue one "
        "(--resume). The run directory gets config.toml (every default filled in), history.jsonl and "
        "checkpoint/ after every round, and learned_space.json at the end.")
    p.add_argument("--config", type=path_arg, help="run config (TOML: [evolve], [evaluator], optional [reference] "
                   "or [lcmnas]); relative paths in it are relative to its folder")
    p.add_argument("--out", type=path_arg, help="run directory to create (new or empty)")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="RUN_DIR", type=path_arg,
                   help="continue the run in RUN_DIR (default: --out) from its last checkpoint, with the settings "
                        "of its config.toml")
    add_placement_flags(p, "evolve")
    p.add_argument("--seed", type=int, help="seed (overrides evolve.seed of a new run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-round log lines")
    p.add_argument("--set", action="append", default=[], dest="overrides", metavar="TABLE.KEY=VALUE",
                   help="replace one key of --config for a new run (repeatable, each key once); VALUE is read as "
                        "TOML, or as a string when it is not, e.g. --set evaluator.steps=400")
    p.set_defaults(func=run)


def _resume_config(run_dir: Path, args: argparse.Namespace) -> RunConfig:
    data = rundir.read_config(rundir.resume_dir(run_dir))
    if "evaluator" not in data:
        raise ConfigError(
            f"--resume {str(run_dir)!r}: its {rundir.CONFIG} has no [evaluator] (the run was given an evaluator "
            "object in Python); resume it with evolve_space(..., resume=True)"
        )
    saved = parse_run_config(data, run_dir, placement_flags(args))
    if args.seed is not None and args.seed != saved.evolve.seed:
        raise ConfigError(f"--seed={args.seed} differs from the run's seed={saved.evolve.seed}")
    if args.config is not None:
        given = load_run_config(args.config, {**placement_flags(args), "seed": args.seed}).to_tables()
        for table, values in saved.to_tables().items():
            other = given.get(table, {})
            for key in set(values) | set(other):
                if key not in PLACEMENT_KEYS and values.get(key) != other.get(key):
                    where = f"{table}.{key}"
                    raise ConfigError(f"--config differs from the run's config at {where}; resume without --config")
    return saved


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """``data`` (a run config's tables) with each ``TABLE.KEY=VALUE`` of ``overrides`` set."""
    tables = {name: dict(table) if isinstance(table, dict) else table for name, table in data.items()}
    given: dict[tuple[str, str], str] = {}
    for item in overrides:
        name, dot, rest = item.partition(".")
        key, eq, text = rest.partition("=")
        if not (dot and eq and name and key):
            raise ConfigError(f"--set {item!r} must have the form TABLE.KEY=VALUE, e.g. evaluator.steps=400")
        if (name, key) in given:
            raise ConfigError(f"--set {name}.{key} is given twice ({given[name, key]!r} and {item!r}); give it once")
        given[name, key] = item
        if name not in SECTIONS:
            raise ConfigError(f"--set {item!r}: TABLE must be one of {list(SECTIONS)}, got {name!r}")
        try:
            value = tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            value = text
        table = tables.setdefault(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"--set {item!r}: the config's {name!r} is not a table")
        table[key] = value
    return tables


def _process_group() -> AbstractContextManager[object]:
    """Under torchrun, the ranks' process group for the run (torch is imported only then)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return nullcontext()
    from autospace.supernet.distributed import process_group

    return process_group()


def run(args: argparse.Namespace) -> int:
    """``autospace evolve``: the flags checked against each other, the run, a one-line summary."""
    if isinstance(args.resume, Path) and args.out is not None and args.resume != args.out:
        raise ConfigError(f"--resume {str(args.resume)!r} and --out {str(args.out)!r} name two run directories; "
                          "give the one to continue (--resume RUN_DIR, or --out RUN_DIR --resume)")
    run_dir = args.resume if isinstance(args.resume, Path) else args.out
    if run_dir is None:
        raise ConfigError("--out is required (the run directory)")
    if args.resume:
        if args.overrides:
            raise ConfigError("--set applies to a new run; a resumed run keeps the settings in its config.toml")
        config = _resume_config(run_dir, args)
    else:
        if args.config is None:
            raise ConfigError("--config is required for a new run")
        data = apply_overrides(read_toml(args.config, what="config"), args.overrides)
        config = parse_run_config(data, args.config.parent, {**placement_flags(args), "seed": args.seed})
    assert config.evaluator is not None  # a config file always names one
    main = rundir.is_main_process()  # under torchrun only rank 0 writes and reports
    with _process_group():
        result = evolve_space(
            config.space,
            config.evaluator.to_table(),
            config=config.evolve,
            reference=config.reference,
            out=run_dir,
            workers=config.parallel.workers,
            backend=config.parallel.backend,
            ray_address=config.parallel.ray_address,
            num_gpus=config.parallel.num_gpus,
            skeleton=config.skeleton,
            cells=config.cells_file,
            resume=bool(args.resume),
            progress=main and not args.quiet,
            log=tqdm.write if main and not args.quiet else None,
        )
    if not main:
        return 0
    best = ", ".join("-" if b is None else f"{b.fitness:.4g}" for b in result.best)
    print(
        f"done: {result.engine.round} rounds, {result.engine.distinct_queries} distinct queries, "
        f"best per layer [{best}]; learned space: {run_dir / rundir.LEARNED_SPACE}"
    )
    return 0
