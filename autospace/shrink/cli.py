"""`autospace shrink`: shrink a cell space (LISSNAS or a baseline) from a TOML config into a run
directory (``config.toml``, ``history.jsonl``, ``checkpoint/``, ``shrunk_space.json``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from autospace import rundir
from autospace.errors import ConfigError
from autospace.files import path_arg, stat_path
from autospace.evolve.parallel import add_placement_flags, placement_flags
from autospace.shrink.config import ShrinkRunConfig, load_shrink_config, parse_shrink_config
from autospace.shrink.runner import SHRUNK_SPACE, shrink_space


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``autospace shrink`` to its parser ``p``."""
    p.description = (
        "Shrink a cell space (LISSNAS, or the random, op_prune or autospace baseline) from a TOML config into a "
        "new run directory (--out): config.toml, history.jsonl and checkpoint/ after every iteration, "
        "shrunk_space.json at the end; --resume continues an interrupted run.")
    p.add_argument("--config", type=path_arg, help="shrink config (TOML): [shrink], [evaluator], optional [cheap]")
    p.add_argument("--out", type=path_arg, required=True,
                   help="run directory to create (new or empty), or the run to continue with --resume")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--seed", type=int, help="seed (overrides shrink.seed of a new run)")
    add_placement_flags(p, "shrink")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-iteration log lines")
    p.set_defaults(func=run)


def _resume_config(args: argparse.Namespace) -> ShrinkRunConfig:
    saved = parse_shrink_config(rundir.read_config(rundir.resume_dir(args.out)), args.out, placement_flags(args))
    if args.seed is not None and args.seed != saved.shrink.seed:
        raise ConfigError(f"--seed={args.seed} differs from the run's shrink.seed={saved.shrink.seed}")
    given = None if args.config is None else load_shrink_config(args.config, {"seed": args.seed, **placement_flags(args)})
    if given is not None and given.to_tables() != saved.to_tables():
        raise ConfigError("--config differs from the run's config.toml; resume without --config")
    return saved


def run(args: argparse.Namespace) -> int:
    """``autospace shrink``: a new run (--config) or a resumed one (--resume), a one-line summary."""
    if args.resume and (args.config is None or stat_path(args.out / rundir.CONFIG, "--out", ConfigError) is not None):
        config = _resume_config(args)  # without --config: names a --out that is not a run directory
    else:
        if args.config is None:
            raise ConfigError("--config is required for a new run")
        config = load_shrink_config(args.config, {"seed": args.seed, **placement_flags(args)})
        if not args.resume:
            rundir.check_new(args.out, "--resume")
    result = shrink_space(config, out=args.out, resume=args.resume, progress=not args.quiet,
                          log=None if args.quiet else tqdm.write)
    sizes = result.shrunk.sizes()
    print(f"done: {result.shrinker.iteration} iterations, {sum(result.shrinker.queries)} queries, "
          f"sizes {sizes}; shrunk space: {args.out / SHRUNK_SPACE}")
    return 0
