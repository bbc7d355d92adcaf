"""``autospace search``: phase-2 NAS on a layer-wise space under a MAdds budget (its ``--help``
says what it writes)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from tqdm import tqdm

from autospace import rundir
from autospace.atomic import write_json
from autospace.config import read_toml
from autospace.cli import THREADS_HELP
from autospace.errors import ConfigError
from autospace.files import path_arg
from autospace.search.runner import build_context, execute, list_algorithms, prepare

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}


def parse_madds(text: str) -> float:
    """``330M``, ``5e6``, ``2.5k`` -> a number of MAdds."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMgG]?)\s*", text)
    if match is None:
        sign = " > 0" if text.strip().startswith("-") else ""
        raise ConfigError(f"--madds-budget={text!r} is not a number{sign} (e.g. 5e6 or 330M)")
    return float(match.group(1)) * _SUFFIX[match.group(2).lower()]


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``autospace search`` to its parser ``p``."""
    p.description = (
        "Phase-2 architecture search: one cell per layer from a space (a learned or shrunk space file, 'irb' or "
        "'open') under a MAdds budget, by a gradient, RL, SPOS or evolutionary algorithm. Writes OUT/"
        "architecture.json, config.toml (every setting resolved), history.jsonl and summary.json; every setting "
        "is checked before OUT is created, and OUT appears only when the search has finished.")
    p.add_argument("--space", required=True, help="learned_space.json, shrunk_space.json, 'irb' or 'open'")
    p.add_argument("--algo", required=True, help=f"{', '.join(list_algorithms())} or one a --plugin registers")
    p.add_argument("--madds-budget", required=True, help="target MAdds, e.g. 5e6 or 330M")
    p.add_argument("--out", type=path_arg, required=True, help="run directory to create (new or empty)")
    p.add_argument("--config", type=path_arg, help="TOML file with [search], [data] and per-algorithm sections")
    p.add_argument("--seed", type=int, help="overrides search.seed")
    p.add_argument("--skeleton", help="overrides search.skeleton")
    p.add_argument("--data", help="overrides data.name (digits, mnist, cifar10, ..., random)")
    p.add_argument("--data-root", help="overrides data.root (a data directory or archive)")
    p.add_argument("--device", help="overrides search.device (cpu, cuda, cuda:N or auto)")
    p.add_argument("--threads", type=int, help=f"overrides search.threads: {THREADS_HELP}")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-step log lines on stderr")
    p.set_defaults(func=run)


def _sections(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    sections = {} if args.config is None else read_toml(args.config)
    for flag, section, key in (("seed", "search", "seed"), ("skeleton", "search", "skeleton"),
                               ("device", "search", "device"), ("threads", "search", "threads"),
                               ("data", "data", "name"), ("data_root", "data", "root")):
        value, table = getattr(args, flag), sections.get(section, {})
        if value is not None and isinstance(table, dict):  # else prepare() names the bad section
            sections[section] = {**table, key: value}
    return sections


def run(args: argparse.Namespace) -> int:
    """``autospace search``: every setting checked, the search, the run directory, a one-line summary."""
    run = prepare(args.space, args.algo, parse_madds(args.madds_budget), _sections(args))
    rundir.check_new(args.out)
    log = (lambda record: None) if args.quiet else (lambda record: tqdm.write(json.dumps(record), file=sys.stderr))
    ctx = build_context(run, log)
    arch, outcome = execute(run, ctx, progress=not args.quiet)
    with rundir.staged(args.out) as stage:
        arch.save(stage / rundir.ARCHITECTURE)
        rundir.write_config(stage, run.to_tables())
        rundir.write_jsonl(stage / rundir.HISTORY, outcome.history)
        write_json(stage / rundir.SUMMARY, {**outcome.summary, "madds": arch.madds, "params": arch.params,
                                            "seconds": arch.search["seconds"]})
    print(f"done: {run.algorithm.name} in {arch.search['seconds']:.0f} s; architecture: {args.out / rundir.ARCHITECTURE}"
          f"  MAdds {arch.madds:,}  params {arch.params:,}  (budget {run.budget.madds:,.0f})")
    return 0
