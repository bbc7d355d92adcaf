"""The ``ray`` scoring backend: every item is a Ray task. The evaluator is put in Ray's object store
once (``ray.put``) and each worker process unpacks it once; results come back in order. Ray is an
optional dependency (``pip install "autospace[ray]"``)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from typing import Any

from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators.base import Evaluator
from autospace.evolve.parallel import Outcome, ScoringMap, attempt, check_parallel, method_name

INSTALL = 'pip install "autospace[ray]"  (or: pip install "ray>=2.9")'
CONNECT_TIMEOUT_S = 5.0

_WORKER_EVALUATOR: dict[str, Evaluator] = {}
"""In a Ray worker process: the evaluator of the latest run, by the hex id of its object."""


def import_ray() -> Any:
    """The ``ray`` module; without it, a `ConfigError` that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"backend 'ray' needs Ray, which is not installed: {INSTALL}") from None
    return ray


def check_reachable(address: str) -> None:
    """A ``HOST:PORT`` address must accept a connection within `CONNECT_TIMEOUT_S` (Ray itself waits
    minutes for an unreachable head); other forms (``auto``, ``ray://...``) are left to Ray."""
    match = re.fullmatch(r"([^:/\s]+):(\d+)", address)
    if match is None:
        return
    try:
        socket.create_connection((match.group(1), int(match.group(2))), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ConfigError(f"ray_address={address!r}: no Ray head answers there ({exc}); "
                          "start one with `ray start --head`") from None


def _attempt_in_task(boxed: list[Any], fn: Callable[[Any], Any] | str, item: Any) -> Outcome:
    """A Ray task: `attempt` with this worker's evaluator (``boxed``: its object ref, inside a list so
    that Ray hands over the ref, not the value; it is fetched once per worker process)."""
    import ray

    ref = boxed[0]
    if ref.hex() not in _WORKER_EVALUATOR:
        _WORKER_EVALUATOR.clear()
        _WORKER_EVALUATOR[ref.hex()] = ray.get(ref)
    evaluator = _WORKER_EVALUATOR[ref.hex()]
    return attempt(getattr(evaluator, fn) if isinstance(fn, str) else fn, item)


class RayMap(ScoringMap):
    """Items as Ray tasks (1 CPU and ``num_gpus`` of a GPU each) on a local Ray started with
    ``workers`` CPUs, or on the cluster at ``address``, or on the Ray this process has already
    joined (left running on `close`). A task whose worker dies counts as failed (retried once)."""

    def __init__(self, evaluator: Evaluator, workers: int, address: str | None, num_gpus: float) -> None:
        check_parallel("parallel", "ray", workers, address, num_gpus)
        if address is not None:
            check_reachable(address)
        ray = import_ray()
        self._ray = ray
        self.evaluator = evaluator
        self._owns = not ray.is_initialized()
        if self._owns:
            try:
                ray.init(address=address, num_cpus=workers if address is None else None,
                         include_dashboard=False, logging_level="warning")
            except (ValueError, ConnectionError, RuntimeError) as exc:
                raise ConfigError(f"ray_address={address!r}: cannot join Ray: {exc}") from None
        self._evaluator_ref = ray.put(evaluator)
        self._task = ray.remote(_attempt_in_task).options(num_cpus=1, num_gpus=num_gpus, max_retries=0)

    def attempts(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Outcome]:
        task = method_name(fn, self.evaluator)
        refs = [self._task.remote([self._evaluator_ref], task, item) for item in items]
        outcomes: list[Outcome] = []
        for ref in refs:
            try:
                outcomes.append(self._ray.get(ref))
            except self._ray.exceptions.RayError as exc:  # the worker died, the node was lost, ...
                reason = (str(exc).strip().splitlines() or [""])[0]
                outcomes.append((False, EvaluatorError(f"its Ray task failed: {type(exc).__name__}: {reason}")))
        return outcomes

    def close(self) -> None:
        if self._owns:
            self._ray.shutdown()
