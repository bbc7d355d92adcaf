"""Property tests: valid genome, learned-space, architecture and run-config files, mutated byte by byte,
either load or raise `AutospaceError` — never another exception."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autospace.errors import AutospaceError
from autospace.evolve.learned import LearnedSpace
from autospace.evolve.runconfig import load_run_config
from autospace.genome import Genome
from autospace.nn import Architecture

BAD = Path(__file__).parent / "bad_inputs"

LOADERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "genome": ("genome_ok.json", lambda path: Genome.from_json(path.read_bytes().decode("utf-8", "replace"))),
    "learned_space": ("learned_ok.json", LearnedSpace.load),
    "architecture": ("arch_ok.json", Architecture.load),
    "run_config": ("evolve_ok.toml", load_run_config),
}

edits = st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(["set", "insert", "delete"]),
                           st.integers(min_value=0, max_value=255)), min_size=1, max_size=4)


def mutated(data: bytes, changes: list[tuple[int, str, int]]) -> bytes:
    """``data`` with each ``(position, kind, byte)`` change applied in turn."""
    buffer = bytearray(data)
    for position, kind, byte in changes:
        i = position % (len(buffer) + 1)
        if kind == "insert":
            buffer.insert(i, byte)
        elif buffer and kind == "set":
            buffer[min(i, len(buffer) - 1)] = byte
        elif buffer:
            del buffer[min(i, len(buffer) - 1)]
    return bytes(buffer)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_mutated_file_loads_or_raises_autospace_error(kind: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    name, load = LOADERS[kind]
    original = (BAD / name).read_bytes()
    path = tmp_path_factory.mktemp(kind) / name

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(changes=edits)
    def check(changes: list[tuple[int, str, int]]) -> None:
        path.write_bytes(mutated(original, changes))
        try:
            load(path)
        except AutospaceError:
            pass

    check()
