"""A local process pool (spawn) as DEAP's ``toolbox.map``. Each worker receives the evaluator once,
through the pool initializer; mapping the evaluator's own bound method sends only its name and the items."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from typing import Any, Self

from autospace.errors import ConfigError
from autospace.evaluators.base import Evaluator

_WORKER_EVALUATOR: Evaluator | None = None


def _init_worker(evaluator: Evaluator) -> None:
    global _WORKER_EVALUATOR
    _WORKER_EVALUATOR = evaluator


def _call_method(name: str, item: Any) -> Any:
    return getattr(_WORKER_EVALUATOR, name)(item)


class ProcessMap:
    """``map(fn, items)`` over ``workers`` processes, in order; use as a context manager."""

    def __init__(self, evaluator: Evaluator, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers={workers!r} must be an integer >= 1")
        self.evaluator = evaluator
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(evaluator,),
        )

    def __call__(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        chunksize = max(1, len(items) // (4 * self.workers))
        if getattr(fn, "__self__", None) is self.evaluator:
            return list(self._pool.map(_call_method, repeat(fn.__name__), items, chunksize=chunksize))
        return list(self._pool.map(fn, items, chunksize=chunksize))

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
