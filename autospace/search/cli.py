"""``autospace search``: phase-2 NAS on a layer-wise space under a MAdds budget.

Writes ``RUN_DIR/architecture.json`` (docs/formats.md), ``config.toml`` (every setting
resolved), ``history.jsonl`` (the algorithm's log) and ``summary.json``. Every setting is checked
before ``RUN_DIR`` is created; the directory appears only when the search has finished.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from autospace import rundir
from autospace.atomic import write_json
from autospace.config import read_toml
from autospace.errors import ConfigError
from autospace.search.runner import build_context, execute, list_algorithms, prepare

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}


def parse_madds(text: str) -> float:
    """``330M``, ``5e6``, ``2.5k`` -> a number of MAdds."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMgG]?)\s*", text)
    if match is None:
        sign = " > 0" if text.strip().startswith("-") else ""
        raise ConfigError(f"--madds-budget={text!r} is not a number{sign} (e.g. 5e6 or 330M)")
    return float(match.group(1)) * _SUFFIX[match.group(2).lower()]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("search", help="phase-2 architecture search under a MAdds budget",
                              description=__doc__.splitlines()[0])
    p.add_argument("--space", required=True, help="learned_space.json, shrunk_space.json, 'irb' or 'open'")
    p.add_argument("--algo", required=True, help=f"{', '.join(list_algorithms())} or one a --plugin registers")
    p.add_argument("--madds-budget", required=True, help="target MAdds, e.g. 5e6 or 330M")
    p.add_argument("--out", required=True, help="run directory (must not exist or be empty)")
    p.add_argument("--config", help="TOML file with [search], [data] and per-algorithm sections")
    p.add_argument("--seed", type=int, help="overrides search.seed")
    p.add_argument("--skeleton", help="overrides search.skeleton")
    p.add_argument("--data", help="overrides data.name (digits, mnist, cifar10, ..., random)")
    p.add_argument("--data-root", help="overrides data.root")
    p.add_argument("--device", help="overrides search.device")
    p.add_argument("--quiet", action="store_true", help="no per-step log on stderr")
    p.set_defaults(func=run)


def _sections(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    sections = {} if args.config is None else read_toml(args.config)
    for flag, section, key in (("seed", "search", "seed"), ("skeleton", "search", "skeleton"),
                               ("device", "search", "device"), ("data", "data", "name"),
                               ("data_root", "data", "root")):
        value, table = getattr(args, flag), sections.get(section, {})
        if value is not None and isinstance(table, dict):  # else prepare() names the bad section
            sections[section] = {**table, key: value}
    return sections


def run(args: argparse.Namespace) -> int:
    run = prepare(args.space, args.algo, parse_madds(args.madds_budget), _sections(args))
    rundir.check_new(args.out)
    log = (lambda record: None) if args.quiet else (lambda record: print(json.dumps(record), file=sys.stderr))
    ctx = build_context(run, log)
    arch, outcome = execute(run, ctx)
    with rundir.staged(args.out) as stage:
        arch.save(stage / rundir.ARCHITECTURE)
        rundir.write_config(stage, run.to_tables())
        rundir.write_jsonl(stage / rundir.HISTORY, outcome.history)
        write_json(stage / rundir.SUMMARY, {**outcome.summary, "madds": arch.madds, "params": arch.params,
                                            "seconds": arch.search["seconds"]})
    print(f"architecture: {args.out}/{rundir.ARCHITECTURE}  MAdds {arch.madds:,}  params {arch.params:,}  "
          f"(budget {run.budget.madds:,.0f})")
    return 0
