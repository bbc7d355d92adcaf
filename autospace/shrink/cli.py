"""`autospace shrink`: shrink a cell space (LISSNAS or a baseline) from a TOML config into a run
directory (``config.toml``, ``history.jsonl``, ``checkpoint/``, ``shrunk_space.json``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from autospace import rundir
from autospace.errors import ConfigError
from autospace.evolve.parallel import add_placement_flags, placement_flags
from autospace.shrink.config import ShrinkRunConfig, load_shrink_config, parse_shrink_config
from autospace.shrink.runner import SHRUNK_SPACE, shrink_space


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("shrink", help="shrink a cell space into a small, diverse one (LISSNAS or a baseline)",
                       description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, help="shrink config (TOML): [shrink], [evaluator], optional [cheap]")
    p.add_argument("--out", type=Path, required=True, help="run directory to create (or to resume with --resume)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--seed", type=int, help="seed (overrides shrink.seed)")
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
    if args.resume and (args.out / rundir.CONFIG).is_file():
        config = _resume_config(args)
    else:
        if args.config is None:
            raise ConfigError("--config is required for a new run")
        config = load_shrink_config(args.config, {"seed": args.seed, **placement_flags(args)})
        if not args.resume:
            rundir.check_new(args.out)
    result = shrink_space(config, out=args.out, resume=args.resume, progress=not args.quiet,
                          log=None if args.quiet else tqdm.write)
    sizes = result.shrunk.sizes()
    print(f"done: {result.shrinker.iteration} iterations, {sum(result.shrinker.queries)} queries, "
          f"sizes {sizes}; shrunk space: {args.out / SHRUNK_SPACE}")
    return 0
