"""Which process writes: under ``torchrun`` every rank runs the same engine, rank 0 writes."""

from __future__ import annotations

import os


def is_main_process() -> bool:
    """True outside ``torchrun`` and on its global rank 0 (read from the ``RANK`` variable)."""
    return int(os.environ.get("RANK", "0")) == 0
