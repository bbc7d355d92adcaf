"""The `autospace` command. Each stage adds its subcommand from its own ``cli`` module.

Errors of the package (`autospace.errors.AutospaceError`) become one line on stderr and exit
status 2, with no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from autospace.errors import AutospaceError

# the stage modules that add the subcommands space, evolve, search, train and plot
STAGE_CLIS: tuple[str, ...] = (
    "autospace.genome.cli",
    "autospace.evolve.cli",
    "autospace.search.cli",
    "autospace.search.train_cli",
    "autospace.viz.cli",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, as for every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="autospace", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module_name in STAGE_CLIS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AutospaceError as exc:
        print(f"autospace {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autospace {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
