"""`History`: the per-round records of a run (a DEAP ``tools.Logbook``), as JSON lines.

The keys of a record are documented in docs/formats.md (``history.jsonl``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from deap import tools

from autospace.atomic import write_text
from autospace.errors import CheckpointError
from autospace.files import MAX_DEPTH, check_finite, read_utf8

WALL_CLOCK_KEYS = ("seconds", "eval_seconds")


class History:
    """Round records in order; ``history[i]`` is round ``i``'s record.

    Args:
        records: the records to start with.
    """

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self.logbook = tools.Logbook()
        for record in records:
            self.append(record)

    def append(self, record: dict[str, Any]) -> None:
        """Add a round's record.

        Args:
            record: the record (its keys: docs/guide/formats.md, ``history.jsonl``).
        """
        self.logbook.record(**record)

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.logbook)

    def __len__(self) -> int:
        return len(self.logbook)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.logbook[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.logbook)

    def column(self, key: str) -> list[Any]:
        """One key across rounds (``history.column("best")``).

        Args:
            key: a record key.

        Returns:
            Its value in every round, in order.
        """
        return self.logbook.select(key)

    def without_wall_clock(self) -> list[dict[str, Any]]:
        """Records minus the wall-clock keys: what is identical between runs with the same seed."""
        return [{k: v for k, v in r.items() if k not in WALL_CLOCK_KEYS} for r in self.logbook]

    def to_jsonl(self) -> str:
        return "".join(json.dumps(record) + "\n" for record in self.logbook)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write all records as JSON lines, atomically.

        Args:
            path: the file (``history.jsonl``).
        """
        write_text(path, self.to_jsonl())

    def append_last(self, path: str | os.PathLike[str]) -> None:
        """Append the last record as one JSON line.

        A killed write leaves at most an unfinished last line, which readers skip and a resumed run
        rewrites from its checkpoint.

        Args:
            path: the file (``history.jsonl``).
        """
        with open(path, "a") as fh:
            fh.write(json.dumps(self.logbook[-1]) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> History:
        """Read a ``history.jsonl`` (`read_history`).

        Args:
            path: the file.

        Returns:
            The history.
        """
        return cls(read_history(path))


def read_history(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a ``history.jsonl`` (any run's: evolve or search), one dict per line.

    An unterminated last line that is not JSON (a round being written, or a write killed
    midway, see `History.append_last`) is skipped; any other malformed line, a file that is not
    UTF-8 or not a regular file, and a non-finite number (`autospace.files`) are a
    `CheckpointError` naming the file and line.
    """
    text = read_utf8(path, "history", CheckpointError)
    lines = text.split("\n")  # the last item is "" when the file ends with a newline
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break
            raise CheckpointError(f"{path}: line {number}: malformed JSON: {exc}") from None
        except RecursionError:
            raise CheckpointError(f"{path}: line {number} is nested deeper than {MAX_DEPTH} levels") from None
        check_finite(record, f"{path}: line {number}", CheckpointError)
        if not isinstance(record, dict):
            raise CheckpointError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
        records.append(record)
    return records
