"""The `autospace` command; each stage adds its subcommand from its own ``cli`` module. Errors of
the package (`AutospaceError`) become one line on stderr and exit status 2, with no traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from autospace.errors import AutospaceError, ConfigError

# subcommand -> the stage module that adds it with ``register(subparsers)``
SUBCOMMANDS: dict[str, str] = {
    "space": "autospace.genome.cli",
    "evolve": "autospace.evolve.cli",
    "shrink": "autospace.shrink.cli",
    "search": "autospace.search.cli",
    "train": "autospace.train.cli",
    "plot": "autospace.viz.cli",
    "macro": "autospace.macro.cli",
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, as for every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.endswith("expected one argument"):  # e.g. "--madds-budget -5k": argparse reads -5k as a flag
            message += " (write a value that starts with '-' as --flag=VALUE)"
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command`` only that stage is imported (torch is slow to load)."""
    parser = _Parser(prog="autospace", description="Learn neural-architecture search spaces (AutoSpace) and search them.")
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import MODULE first (repeatable): it registers its own spaces, skeletons, "
                             "evaluators, strategies or algorithms; give it again with --resume")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    names = [command] if command in SUBCOMMANDS else list(SUBCOMMANDS)
    for name in names:
        importlib.import_module(SUBCOMMANDS[name]).register(sub)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand of ``argv``: the first word that is not a ``--plugin`` option or its value."""
    words = iter(argv)
    for word in words:
        if word == "--plugin":
            next(words, None)
        elif not word.startswith("--plugin="):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command(argv)).parse_args(argv)
    try:
        for module in args.plugin:
            _import_plugin(module)
        return int(args.func(args) or 0)
    except AutospaceError as exc:
        print(f"autospace {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autospace {args.command}: interrupted", file=sys.stderr)
        return 130


def _import_plugin(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"--plugin {module!r} cannot be imported: {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
