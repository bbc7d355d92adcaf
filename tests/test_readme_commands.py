"""The README's commands, run in order as written on a fresh clone, all succeed (issue 22).

Read from README.md's fenced ``bash`` blocks, not copied here, so the test follows the README as it
changes. Each command runs with ``bash`` in a copy of the repository's files (``git ls-files``) that
sits beside a link to the real ``shared/`` folder, at reduced settings: the clone's example configs
(and a ``toml`` block that follows a command naming a config the clone lacks) are cut down by
`REDUCED`, and ``--epochs``-like flags by `FLAG_LIMITS`. Commands that cannot run here are skipped
by `SKIPPED`, each with its reason; every other command must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

PLACEHOLDERS = {
    r"HEAD_IP": "a placeholder for the user's cluster",
    r"\bmy\.toml\b|\bgenome\.json\b": "a placeholder for the user's own config or genome file",
    r"--plan gpu|--device cuda": "needs a GPU",
}
"""Command patterns (regex) that are not run, with the reason."""

SKIPPED_PROGRAMS = {
    "pip": "installs packages: the test runs in the installed environment",
    "ray": "needs the optional ray extra and a cluster",
    "torchrun": "a multi-process launch (tests/test_ddp_supernet.py runs it)",
}
"""Programs that the clone's PATH answers with a no-op (the rest of their line still runs)."""

SKIPPED_PYTHON = {
    "-m pytest": "the test suite itself",
    "benchmarks/": "a benchmark (minutes to hours; each has its own tests)",
}
"""``python`` command lines (by their start) that are not run, with the reason."""

REDUCED = {"rounds": 2, "steps": 4, "warmup_steps": 2, "total_steps": 8, "epochs": 1, "max_iters": 2,
           "generations": 1, "train_steps": 4, "budget": 20, "population": 6, "bn_batches": 1, "eval_batches": 1}
"""Config keys of the clone's TOML files capped at these values (any table)."""

FLAG_LIMITS = {"--epochs": 1, "--final-epochs": 1, "--top": 2}
"""Command-line flags of ``autospace`` capped at these values (and ``--set TABLE.KEY=N`` by `REDUCED`)."""


def commands(readme: str) -> list[tuple[str, str | None]]:
    """The commands of the README's ``bash`` blocks in order (continuation lines joined; a quoted
    string may span lines), each with the ``toml`` block that follows its block (None if none does)."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", readme, flags=re.M | re.S)
    found = []
    for i, (lang, body) in enumerate(blocks):
        if lang != "bash":
            continue
        following = blocks[i + 1][1] if i + 1 < len(blocks) and blocks[i + 1][0] == "toml" else None
        pending = ""
        for line in body.replace("\\\n", " ").splitlines():
            pending += line + "\n"
            try:
                words = shlex.split(pending, comments=True)
            except ValueError:  # an open quote: the command goes on (python -c "...")
                continue
            if words:
                found.append((pending.strip(), following))
            pending = ""
    return found


def reduce_toml(path: Path) -> None:
    """Cap the `REDUCED` keys of every table of the TOML file ``path``."""
    data = tomllib.loads(path.read_text())
    for table in data.values():
        if isinstance(table, dict):
            for key, cap in REDUCED.items():
                if isinstance(table.get(key), int) and not isinstance(table[key], bool):
                    table[key] = min(table[key], cap)
    path.write_text(tomli_w.dumps(data))


def fresh_clone(tmp: Path) -> Path:
    """The repository's tracked files in ``tmp/repo``, beside ``tmp/shared`` (a link to the real one)."""
    clone = tmp / "repo"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    os.symlink(SHARED, tmp / "shared")
    for config in (clone / "examples").glob("*.toml"):
        reduce_toml(config)
    return clone


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def shims(folder: Path) -> None:
    """The clone's PATH: ``autospace`` (the package under test, `FLAG_LIMITS` applied), ``python``
    (`SKIPPED_PYTHON` answered with a no-op) and the `SKIPPED_PROGRAMS`."""
    folder.mkdir()
    python = shlex.quote(sys.executable)
    _executable(folder / "autospace", f"""#!{sys.executable}
import sys
from autospace.cli import main
args, limits, reduced = sys.argv[1:], {FLAG_LIMITS!r}, {REDUCED!r}
for i, word in enumerate(args[:-1]):
    value = args[i + 1]
    if word in limits and value.isdigit():
        args[i + 1] = str(min(int(value), limits[word]))
    key, _, number = value.partition("=")
    if word == "--set" and key.rpartition(".")[2] in reduced and number.isdigit():
        args[i + 1] = f"{{key}}={{min(int(number), reduced[key.rpartition('.')[2]])}}"
sys.exit(main(args))
""")
    cases = "".join(f'  "{start}"*) echo "skipped: python $*: {why}" >&2; exit 0;;\n'
                    for start, why in SKIPPED_PYTHON.items())
    _executable(folder / "python", f'#!/bin/sh\ncase "$*" in\n{cases}esac\nexec {python} "$@"\n')
    for program, why in SKIPPED_PROGRAMS.items():
        _executable(folder / program, f'#!/bin/sh\necho "skipped: {program} $*: {why}" >&2\n')


@pytest.mark.slow
def test_readme_commands_run_in_order_on_a_fresh_clone(tmp_path: Path) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"the shared data folder {SHARED} is not there")
    clone = fresh_clone(tmp_path)
    shims(tmp_path / "bin")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    ran = []
    for command, following in commands((ROOT / "README.md").read_text()):
        if any(re.search(pattern, command) for pattern in PLACEHOLDERS):
            continue
        words = shlex.split(command, comments=True)
        if "--config" in words and following is not None:  # a config the README shows below the command
            config = clone / words[words.index("--config") + 1]
            if not config.exists():
                config.write_text(following)
                reduce_toml(config)
        result = subprocess.run(["bash", "-e", "-c", command], cwd=clone, env=env, capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, f"README command failed: {command}\n{result.stderr[-3000:]}"
        ran.append(command)
    assert any("autospace evolve" in c for c in ran), ran  # the main job at least
