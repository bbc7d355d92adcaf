"""The `autospace` command; each stage adds its subcommand's arguments from its own ``cli`` module,
imported only when that subcommand runs (``autospace --help`` imports none of them). Errors of the
package (`AutospaceError`) become one line on stderr and exit status 2, with no traceback; warnings
become one line each (``autospace CMD: warning: ...``), without the source path of the warning."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from autospace.errors import AutospaceError, ConfigError

# subcommand -> (the stage module whose ``register(parser)`` adds its arguments, a one-line summary)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "space": ("autospace.genome.cli", "describe a named cell space (size, canonical keys)"),
    "evolve": ("autospace.evolve.cli", "evolve layer-wise cell populations into a learned space (AutoSpace, LCMNAS)"),
    "shrink": ("autospace.shrink.cli", "shrink a cell space into a small, diverse one (LISSNAS or a baseline)"),
    "search": ("autospace.search.cli", "phase-2 architecture search in a space under a MAdds budget"),
    "train": ("autospace.train.cli", "train a searched architecture from scratch"),
    "plot": ("autospace.viz.cli", "figures and report.html of run directories"),
    "macro": ("autospace.macro.cli", "LCMNAS: extract the zoo's WDGs, show a macro genome, retrain a run's best"),
}

THREADS_VARIABLE = "OMP_NUM_THREADS"


def default_threads() -> int:
    """The torch CPU threads of a command when neither its settings nor ``OMP_NUM_THREADS`` name a
    count: half the cores, at least one (small networks run fastest on one thread, and a machine
    shared with other work loses far more to threads waiting on a busy core than it gains)."""
    return max(1, (os.cpu_count() or 2) // 2)


THREADS_HELP = (f"torch CPU threads (default: ${THREADS_VARIABLE} if set, else half the cores: "
                f"{default_threads()} here)")
"""What a ``--threads`` flag (or a ``threads`` key) says about the default the command picks."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, as for every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.endswith("expected one argument"):  # e.g. "--madds-budget -5k": argparse reads -5k as a flag
            message += " (write a value that starts with '-' as --flag=VALUE)"
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command`` only that stage is imported (torch is slow to load),
    and without one no stage is (the subcommands are listed from `SUBCOMMANDS`)."""
    parser = _Parser(prog="autospace", description="Learn neural-architecture search spaces (AutoSpace, LISSNAS, "
                     "LCMNAS) and search them. `autospace COMMAND --help` describes each command.",
                     epilog=f"Commands that use torch run it on ${THREADS_VARIABLE} CPU threads if set, else on half "
                     f"the cores ({default_threads()} here); --threads or a threads key overrides it.")
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import MODULE first (repeatable): it registers its own spaces, skeletons, "
                             "evaluators, strategies or algorithms; give it again with --resume")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name, (module, summary) in SUBCOMMANDS.items():
        if command is not None and name != command and command in SUBCOMMANDS:
            continue
        p = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        if name == command:
            importlib.import_module(module).register(p)
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
    """Run the ``autospace`` command line ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "torch" not in sys.modules:  # a fresh process: torch reads it when it loads
        os.environ.setdefault(THREADS_VARIABLE, str(default_threads()))
    command = _command(argv)
    parser = build_parser(command)
    stage = sys.modules.get(SUBCOMMANDS[command][0]) if command in SUBCOMMANDS else None
    args = parser.parse_args(getattr(stage, "reorder_args", list)(argv))  # a stage may put its action first
    with _one_line_warnings(args.command):
        try:
            for module in args.plugin:
                _import_plugin(module)
            return int(args.func(args) or 0)
        except AutospaceError as exc:
            print(f"autospace {args.command}: error: {_one_line(str(exc))}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"autospace {args.command}: interrupted", file=sys.stderr)
            return 130


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


@contextmanager
def _one_line_warnings(command: str) -> Iterator[None]:
    """Warnings raised while ``command`` runs, each as one line on stderr (no source path or code line)."""
    def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        print(f"autospace {command}: warning: {_one_line(str(message))}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _import_plugin(module: str) -> None:
    """Import the ``--plugin`` module ``module``; whatever goes wrong is one `ConfigError` naming it."""
    if not module.strip() or module.startswith(".") or "/" in module or module.endswith(".py"):
        raise ConfigError(f"--plugin {module!r} is not a module name: give an importable module, e.g. my_plugins "
                          "(not a file path, a relative or an empty name)")
    try:
        importlib.import_module(module)
    except SystemExit as exc:
        raise ConfigError(f"--plugin {module!r} called sys.exit({exc.code!r}) while it was imported") from None
    except ModuleNotFoundError as exc:
        raise ConfigError(f"--plugin {module!r} cannot be imported: {exc} (is it on PYTHONPATH or installed?)") from None
    except Exception as exc:  # noqa: BLE001 - a plugin's own error or syntax error: one line naming it
        raise ConfigError(f"--plugin {module!r} cannot be imported: {type(exc).__name__}: "
                          f"{_one_line(str(exc)) or 'no message'}") from None


if __name__ == "__main__":
    sys.exit(main())
