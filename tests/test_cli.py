"""The `autospace` command: subcommands, exit codes, start-up imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autospace.cli import SUBCOMMANDS, build_parser, main


def test_help_lists_every_subcommand(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in SUBCOMMANDS)


def test_unknown_subcommand_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bogus"])
    assert exc.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_space_info_and_bad_space(capsys) -> None:
    assert main(["space", "info", "irb", "--json"]) == 0
    assert '"size": 7' in capsys.readouterr().out
    assert main(["space", "info", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autospace space: error: space='nope' is not a known space; choose one of ['autospace'")
    assert err.count("\n") == 1  # one line, no traceback


def test_space_command_starts_without_torch() -> None:
    code = "import sys; from autospace.cli import main; main(['space', 'list']); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
