"""The progress bar of every long loop (evolve rounds, shrink iterations, search steps, training
epochs, macro retraining): tqdm on stderr, shown only when the caller asks for it and stderr is a
terminal (a log file or a pipe gets the loop's own log lines and its one-line summary instead)."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int | None, unit: str, *, enabled: bool, initial: int = 0, desc: str | None = None) -> tqdm:
    """A tqdm bar of ``total`` ``unit`` s (``initial`` already done).

    Args:
        total: the number of steps (None: unknown).
        unit: what a step is (``round``, ``epoch``, ...).
        enabled: False hides it (``--quiet``); True shows it if stderr is a terminal.
        initial: steps done before (a resumed run).
        desc: a short label before the bar.

    Returns:
        The bar; use it as a context manager and call ``update(1)`` per step.
    """
    return tqdm(total=total, initial=initial, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True,
                disable=None if enabled else True)
