"""Scoring backends as DEAP's ``toolbox.map``: ``serial`` (in this process), ``process`` (a local
spawn pool) and ``ray`` (tasks on a local or remote Ray cluster, `autospace.evolve.ray_map`).

`open_map` is the one entry point for any loop that scores independent candidates. Every backend
returns results in order, scores each failed item once more, and then raises an error naming it
(a `Candidate` by layer and genome key), so no candidate is lost and no score is made up.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Self

from autospace.errors import AutospaceError, ConfigError, EvaluatorError
from autospace.evaluators.base import Candidate, Evaluator, MapFn

BACKENDS = ("serial", "process", "ray")
MAX_WORKERS_PER_CORE = 2
"""Local workers (``process``, or ``ray`` without an address) may be at most this many per core."""
Outcome = tuple[bool, Any]
"""``(True, result)`` or ``(False, exception)`` of one attempt at one item."""


def resolve_backend(backend: str | None, workers: int) -> str:
    """The backend to use: ``backend``, or (None) ``process`` when ``workers > 1``, else ``serial``."""
    if backend is not None:
        return backend
    return "process" if workers > 1 else "serial"


def check_parallel(section: str, backend: str | None, workers: int, ray_address: str | None,
                   num_gpus: float) -> None:
    """Validate the parallel keys of a config ``section`` (``backend``, ``workers``, ``ray_address``,
    ``num_gpus``); a bad one is a `ConfigError` naming ``section.key`` and its value."""
    if backend is not None and backend not in BACKENDS:
        raise ConfigError(f"{section}.backend={backend!r} is not one of {list(BACKENDS)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"{section}.workers={workers!r} must be an integer >= 1")
    cores = os.cpu_count() or 1
    local = resolve_backend(backend, workers) == "process" or (backend == "ray" and ray_address is None)
    if local and workers > MAX_WORKERS_PER_CORE * cores:
        raise ConfigError(f"{section}.workers={workers!r} is more than {MAX_WORKERS_PER_CORE}x the {cores} cores of "
                          "this machine; each worker is a process scoring on a core of its own")
    if ray_address is not None and (backend != "ray" or not ray_address.strip()):
        raise ConfigError(f"{section}.ray_address={ray_address!r} needs backend = 'ray' and a non-empty address")
    if not 0.0 <= num_gpus <= 1.0:
        raise ConfigError(f"{section}.num_gpus={num_gpus!r} must be a GPU fraction in [0, 1]")
    if num_gpus and backend != "ray":
        raise ConfigError(f"{section}.num_gpus={num_gpus!r} needs backend = 'ray' (the other backends "
                          "share the evaluator's device)")


@dataclass(frozen=True)
class ParallelSettings:
    """The parallel keys of a config section (``[evolve]``; any loop scoring independent candidates
    can add them to its own section with `autospace.config.parse_parts`, then call `check`).

    Args:
        workers: processes (``process``) or local Ray CPUs (``ray`` without an address).
        backend: ``serial``, ``process`` or ``ray`` (None: ``process`` if ``workers > 1``, else ``serial``).
        ray_address: join the Ray cluster there (``ray start --head`` prints it; None: start a local Ray).
        num_gpus: the GPU fraction each Ray task asks for (0: none), so candidates share a GPU.
    """

    workers: int = 1
    backend: str | None = None
    ray_address: str | None = None
    num_gpus: float = 0.0

    def check(self, section: str) -> ParallelSettings:
        """Validate the settings.

        Args:
            section: the config section they came from, for messages (``evolve``, ``shrink``).

        Returns:
            ``self``.

        Raises:
            ConfigError: a bad value, or keys that contradict each other (more than one worker on the
                one-process ``serial`` backend); the message names ``section.key`` and the value.
        """
        check_parallel(section, self.backend, self.workers, self.ray_address, self.num_gpus)
        if self.backend == "serial" and self.workers > 1:
            raise ConfigError(f"{section}.workers={self.workers!r} has no effect with {section}.backend='serial' "
                              "(one process scores every candidate); drop one of the two")
        return self

    def open(self, evaluator: Evaluator) -> AbstractContextManager[MapFn]:
        """`open_map` with these settings.

        Args:
            evaluator: an independent evaluator.

        Returns:
            The context manager of `open_map`.
        """
        return open_map(evaluator, self.backend, self.workers, self.ray_address, self.num_gpus)


def add_placement_flags(parser: argparse.ArgumentParser, section: str) -> None:
    """``--workers``, ``--backend`` and ``--ray-address``, overriding ``[section]``'s keys (`placement_flags`)."""
    parser.add_argument("--workers", type=int,
                        help="processes (or local Ray CPUs) scoring independent evaluators, at most "
                             f"{MAX_WORKERS_PER_CORE} per core (overrides {section}.workers)")
    parser.add_argument("--backend", choices=BACKENDS,
                        help="where independent evaluators score: serial, process (a local pool) or ray "
                             f"(default: process if --workers > 1, else serial; overrides {section}.backend)")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="with --backend ray: join the Ray cluster at ADDR (default: start a local Ray)")


def placement_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The `ParallelSettings` keys the flags of `add_placement_flags` set (None: not given);
    ``--backend serial`` alone also means one worker (a resumed run may move off a pool)."""
    workers = 1 if args.backend == "serial" and args.workers is None else args.workers
    return {"workers": workers, "backend": args.backend, "ray_address": args.ray_address}


def describe_item(item: Any) -> str:
    """What a failure message calls ``item``: a candidate by layer and genome key."""
    if isinstance(item, Candidate):
        return f"candidate layer {item.layer} genome {item.genome.key!r}"
    return f"item {item!r}"


def attempt(fn: Callable[[Any], Any], item: Any) -> Outcome:
    """``fn(item)`` as an `Outcome`; the exception is kept only if it can travel between processes."""
    try:
        return True, fn(item)
    except Exception as exc:  # noqa: BLE001 - every failure is retried once, then reported by the map
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001
            exc = EvaluatorError(f"{type(exc).__name__}: {exc}")
        return False, exc


def failure(item: Any, exc: BaseException) -> AutospaceError:
    """The error for ``item`` failing twice: a package error keeps its type, anything else
    (a bug, a dead worker) becomes an `EvaluatorError`."""
    where = f"scoring {describe_item(item)} failed twice (retried once)"
    if isinstance(exc, AutospaceError):
        return type(exc)(f"{where}: {exc}")
    reason = (str(exc).strip().splitlines() or [""])[0]
    return EvaluatorError(f"{where}: {type(exc).__name__}: {reason}")


class ScoringMap(ABC):
    """``map(fn, items)`` in order: items that fail are scored once more, then the first item that
    failed twice is an error naming it. Use as a context manager; `close` releases the workers."""

    def __call__(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        outcomes = self.attempts(fn, items)
        failed = [i for i, (ok, _) in enumerate(outcomes) if not ok]
        if failed:
            for i, outcome in zip(failed, self.attempts(fn, [items[i] for i in failed]), strict=True):
                outcomes[i] = outcome
        for item, (ok, value) in zip(items, outcomes, strict=True):
            if not ok:
                raise failure(item, value) from value
        return [value for _, value in outcomes]

    @abstractmethod
    def attempts(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Outcome]:
        """One attempt at every item, in order."""

    def close(self) -> None:
        """Release the workers (nothing for the serial map)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialMap(ScoringMap):
    """In this process, one item after the other."""

    def attempts(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Outcome]:
        return [attempt(fn, item) for item in items]


_WORKER_EVALUATOR: Evaluator | None = None


def _init_worker(evaluator: Evaluator) -> None:
    global _WORKER_EVALUATOR
    _WORKER_EVALUATOR = evaluator


def _attempt_in_worker(fn: Callable[[Any], Any] | str, item: Any) -> Outcome:
    """`attempt` in a pool process; a ``str`` ``fn`` names a method of the worker's evaluator."""
    return attempt(getattr(_WORKER_EVALUATOR, fn) if isinstance(fn, str) else fn, item)


def method_name(fn: Callable[[Any], Any], evaluator: Evaluator) -> Callable[[Any], Any] | str:
    """``fn``'s name if it is a bound method of ``evaluator`` (the workers hold their own copy), else ``fn``."""
    return fn.__name__ if getattr(fn, "__self__", None) is evaluator else fn


class ProcessMap(ScoringMap):
    """``workers`` spawned processes; each receives the evaluator once, through the pool initializer.
    A dead worker breaks the pool: a fresh one is started and the items left unscored count as failed
    (so they are retried once, like an item that raised)."""

    def __init__(self, evaluator: Evaluator, workers: int) -> None:
        check_parallel("parallel", "process", workers, None, 0.0)
        self.evaluator = evaluator
        self.workers = workers
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(self.evaluator,))

    def attempts(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Outcome]:
        task = method_name(fn, self.evaluator)
        chunksize = max(1, len(items) // (4 * self.workers))
        done: list[Outcome] = []
        try:
            for outcome in self._pool.map(_attempt_in_worker, repeat(task), items, chunksize=chunksize):
                done.append(outcome)  # noqa: PERF402 - keeps what came back before a worker died
        except BrokenProcessPool as exc:
            self._pool.shutdown(cancel_futures=True)
            self._pool = self._start()
            lost = EvaluatorError(f"a worker process died ({exc})")
            done += [(False, lost)] * (len(items) - len(done))
        return done

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def make_map(evaluator: Evaluator, backend: str | None = None, workers: int = 1, address: str | None = None,
             num_gpus: float = 0.0) -> ScoringMap:
    """A `ScoringMap` of ``backend`` (see `resolve_backend`) for ``evaluator``; close it after use."""
    check_parallel("parallel", backend, workers, address, num_gpus)
    kind = resolve_backend(backend, workers)
    if kind == "serial":
        return SerialMap()
    if kind == "process":
        return ProcessMap(evaluator, workers)
    from autospace.evolve.ray_map import RayMap

    return RayMap(evaluator, workers, address, num_gpus)


@contextmanager
def open_map(evaluator: Evaluator, backend: str | None = None, workers: int = 1, address: str | None = None,
             num_gpus: float = 0.0) -> Iterator[MapFn]:
    """A DEAP-style ``map_fn(fn, items) -> list`` scoring ``evaluator``'s candidates on ``backend``.

    The workers are released on exit::

        with open_map(evaluator, "ray", workers=4) as map_fn:
            scores = evaluator.score(candidates, map_fn)

    Args:
        evaluator: an independent evaluator.
        backend: ``serial``, ``process`` or ``ray`` (None: ``process`` if ``workers > 1``).
        workers: processes, or local Ray CPUs.
        address: join the Ray cluster there (None: start a local one with ``workers`` CPUs).
        num_gpus: each Ray task's GPU fraction.

    Returns:
        A context manager yielding the map function; results come back in order, a failed item is
        retried once.

    Raises:
        ConfigError: bad settings, Ray not installed, or no Ray head answering at ``address``.
    """
    scoring = make_map(evaluator, backend, workers, address, num_gpus)
    with scoring:
        yield scoring
