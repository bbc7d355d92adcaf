"""The bad-input convention shared by the corpus tests (``test_bad_inputs*.py``): a `Case` is a CLI
command that must exit 2 with one line on stderr naming the field or file, no traceback, no hang, and
leave its folder byte for byte as it was (`assert_rejected`); or, where the command may repair the
input, exit 0 with one warning line naming it (`assert_warned`)."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from autospace.cli import main


@dataclass(frozen=True)
class Case:
    """``argv`` (``{tmp}``: the case's folder, ``{out}``: ``{tmp}/out``, and any other field that
    `assert_rejected` is given, e.g. ``{bad}``), the text stderr must hold, and what ``setup``
    builds in ``{tmp}`` first."""

    id: str
    argv: tuple[str, ...]
    names: str
    setup: Callable[[Path], None] | None = None


Snapshot = dict[str, bytes | tuple[str, object] | None]

DEADLINE = 600
"""Seconds a case may take: past it, it fails as a hang (e.g. a FIFO opened for reading)."""


def snapshot(root: Path) -> Snapshot:
    """Every path under ``root`` (symlinks not followed) with its bytes (None: a directory; a
    symlink: its target; a FIFO or other special file: its type), so a case with a symlink loop or a
    FIFO in its folder is compared byte for byte too."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found[str(path.relative_to(root))] = ("symlink", os.readlink(path))
            elif stat.S_ISDIR(mode):
                found[str(path.relative_to(root))] = None
            elif stat.S_ISREG(mode):
                found[str(path.relative_to(root))] = path.read_bytes()
            else:
                found[str(path.relative_to(root))] = ("special", stat.S_IFMT(mode))
    return dict(sorted(found.items()))


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging forever) when the block runs longer than ``seconds``."""
    def expire(*_: object) -> None:
        raise TimeoutError(f"the case ran past {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, tmp: Path, capsys: pytest.CaptureFixture[str], **fields: object) -> tuple[int, str]:
    """Run ``case`` (already set up) in ``tmp`` within `DEADLINE`; its exit status and stderr."""
    capsys.readouterr()
    argv = [a.format(tmp=tmp, out=tmp / "out", **fields) for a in case.argv]
    with deadline(DEADLINE):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, capsys.readouterr().err


def assert_rejected(case: Case, tmp: Path, capsys: pytest.CaptureFixture[str], **fields: object) -> None:
    """Run ``case`` (already set up) in ``tmp``: exit 2, one line holding ``case.names``, no
    traceback, no hang, ``tmp`` unchanged."""
    before = snapshot(tmp)
    code, err = run_case(case, tmp, capsys, **fields)
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert case.names.format(tmp=tmp, **fields) in err, err
    assert snapshot(tmp) == before


def assert_warned(case: Case, tmp: Path, capsys: pytest.CaptureFixture[str], **fields: object) -> None:
    """Run ``case`` (already set up) in ``tmp``, a repair the command may make: exit 0 with exactly
    one ``warning:`` line on stderr holding ``case.names`` (no source path of the warning), no traceback."""
    code, err = run_case(case, tmp, capsys, **fields)
    assert code == 0, err
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warnings) == 1, err
    assert case.names.format(tmp=tmp, **fields) in warnings[0], err
    assert ".py:" not in err, err
