"""`autospace space`: describe the named search spaces."""

from __future__ import annotations

import argparse
import json
import time

from autospace.genome.registry import get_space, list_spaces


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``autospace space`` to its parser ``p``."""
    p.add_argument("action", choices=["info", "list"], help="info: size and canonical-key count; list: names")
    p.add_argument("name", nargs="?", default="autospace", help="space name (default: autospace)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        print("\n".join(list_spaces()))
        return 0
    space = get_space(args.name)
    start = time.perf_counter()
    keys = {g.key for g in space.enumerate()}
    seconds = time.perf_counter() - start
    info = space.describe() | {"canonical_keys": len(keys), "canonicalise_seconds": round(seconds, 3)}
    if args.json:
        print(json.dumps(info))
    else:
        for k, v in info.items():
            print(f"{k:>22}: {v}")
    return 0
