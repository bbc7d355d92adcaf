"""The bad-input convention shared by the corpus tests (``test_bad_inputs*.py``): a `Case` is a CLI
command that must exit 2 with one line on stderr naming the field or file, no traceback, and leave
its folder byte for byte as it was (`assert_rejected`)."""

from __future__ import annotations

from collections.abc import Callable
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


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None: a directory)."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def assert_rejected(case: Case, tmp: Path, capsys: pytest.CaptureFixture[str], **fields: object) -> None:
    """Run ``case`` (already set up) in ``tmp``: exit 2, one line holding ``case.names``, no
    traceback, ``tmp`` unchanged."""
    capsys.readouterr()
    argv = [a.format(tmp=tmp, out=tmp / "out", **fields) for a in case.argv]
    before = snapshot(tmp)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert case.names.format(tmp=tmp, **fields) in err, err
    assert snapshot(tmp) == before
