"""One entry point for every phase-2 algorithm, from settings to an `Architecture`; algorithms are
registered by name (`register_algorithm`) with their config class and ``run(ctx, config)``, and a
user's own module adds more the same way. `prepare` checks every setting without torch; the
built-in algorithms' modules (and torch) are imported by `build_context` and the first run."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autospace.config import check_sections, parse_section, to_table
from autospace.data.config import DataConfig
from autospace.errors import ConfigError
from autospace.nn import Architecture, get_skeleton, skeleton_for
from autospace.progress import progress_bar
from autospace.registry import Registry
from autospace.search.budget import Budget
from autospace.search.config import EAConfig, ProxylessConfig, RLConfig, SearchSettings, SposConfig
from autospace.search.space import MANUAL, OPEN, LayerSpace, check_space_name, file_skeleton, resolve_space

if TYPE_CHECKING:
    from autospace.search.base import Progress, SearchContext, SearchOutcome

DEFAULT_SKELETON = "tiny"


@dataclass(frozen=True)
class Algorithm:
    """A phase-2 algorithm: its name, its config section's dataclass, its ``run`` and ``steps``
    (the number of steps of a run with a config, which ``run`` reports through ``ctx.progress``;
    None: unknown, the progress bar counts without a total)."""

    name: str
    config_cls: type
    run: Callable[[SearchContext, Any], SearchOutcome]
    needs_layer_space: bool = True
    steps: Callable[[Any], int] | None = None


_ALGORITHMS: Registry[Algorithm] = Registry("algorithm")


def register_algorithm(name: str, run: Callable[[SearchContext, Any], SearchOutcome], config_cls: type, *,
                       needs_layer_space: bool = True, steps: Callable[[Any], int] | None = None,
                       overwrite: bool = False) -> None:
    """Make ``run(ctx, config)`` available as ``algo=name``.

    Args:
        name: the name (``--algo``, ``search_architecture(..., algo)``).
        run: ``run(ctx: SearchContext, config) -> SearchOutcome``.
        config_cls: the dataclass its ``[name]`` section of a search config is parsed into.
        needs_layer_space: False for an algorithm that searches the whole open space itself
            (``ctx.space`` is then None).
        steps: ``steps(config)``, the total of an algorithm that calls ``ctx.progress(n)`` as it goes
            (for the progress bar).
        overwrite: replace another algorithm registered under the same name.

    Raises:
        UnknownNameError: the name is taken without ``overwrite``.
    """
    _ALGORITHMS.register(name, Algorithm(name, config_cls, run, needs_layer_space, steps), overwrite=overwrite)


def get_algorithm(name: str) -> Algorithm:
    """The algorithm registered as ``name``.

    Args:
        name: ``proxyless-g``, ``rl``, ``spos``, ``ea`` or a user's.

    Returns:
        Its entry: name, config dataclass and ``run``.

    Raises:
        UnknownNameError: no algorithm has that name; the message lists the known ones.
    """
    return _ALGORITHMS.get(name)


def list_algorithms() -> list[str]:
    """Names of the registered algorithms."""
    return _ALGORITHMS.names()


def _run_of(module: str) -> Callable[[SearchContext, Any], SearchOutcome]:
    """``module.run``, imported on the first search: the built-ins need torch, their settings do not."""
    def run(ctx: SearchContext, config: Any) -> SearchOutcome:
        return importlib.import_module(module).run(ctx, config)
    return run


register_algorithm("proxyless-g", _run_of("autospace.search.proxyless"), ProxylessConfig,
                   steps=lambda c: c.warmup_steps + c.steps)
register_algorithm("rl", _run_of("autospace.search.rl"), RLConfig, steps=lambda c: c.warmup_steps + c.steps)
register_algorithm("spos", _run_of("autospace.search.spos"), SposConfig, steps=lambda c: c.steps + 1)
register_algorithm("ea", _run_of("autospace.search.ea"), EAConfig, needs_layer_space=False, steps=lambda c: c.rounds)


@dataclass(frozen=True)
class SearchPlan:
    """Everything resolved before any work starts (so errors come before any output)."""

    algorithm: Algorithm
    algo_config: Any
    settings: SearchSettings
    data_config: DataConfig
    space_name: str
    budget: Budget

    def to_tables(self) -> dict[str, Any]:
        """The full configuration, every default filled in (the run directory's config.toml)."""
        return {"algo": self.algorithm.name, "space": self.space_name, "madds_budget": self.budget.madds,
                "search": to_table(self.settings), "data": to_table(self.data_config),
                self.algorithm.name: to_table(self.algo_config)}


def prepare(space: str, algo: str, madds_budget: float,
            sections: Mapping[str, Mapping[str, Any]] | None = None) -> SearchPlan:
    """Validate every setting without doing any work (and without torch).

    Args:
        space: ``"irb"``, ``"open"`` or the path of a learned or shrunk space JSON.
        algo: the algorithm's name.
        madds_budget: the target MAdds.
        sections: config sections as read from TOML (``search``, ``data``, ``<algo>``).

    Returns:
        The resolved plan (`build_context` and `execute` run it).

    Raises:
        ConfigError: a bad section, key or value (named), an unknown space or a space the
            algorithm cannot search.
    """
    sections = check_sections(sections or {}, ("search", "data", *list_algorithms()))
    algorithm = get_algorithm(algo)
    settings = parse_section(SearchSettings, "search", sections.get("search"))
    if not algorithm.needs_layer_space and space != OPEN:
        raise ConfigError(f"algo={algo!r} searches the full open space; it needs space='open', got space={space!r}")
    check_space_name(space)
    settings = replace(settings, skeleton=_skeleton_name(space, settings.skeleton))
    get_skeleton(settings.skeleton)
    return SearchPlan(
        algorithm,
        parse_section(algorithm.config_cls, algorithm.name, sections.get(algorithm.name)),
        settings,
        parse_section(DataConfig, "data", sections.get("data")),
        space,
        Budget(madds_budget, settings.tolerance),
    )


def _skeleton_name(space: str, requested: str | None) -> str:
    """The requested skeleton, the one a learned space file was evolved on, or ``tiny``."""
    learned = file_skeleton(space) if space not in (MANUAL, OPEN) and Path(space).is_file() else None
    if requested is not None and learned is not None and requested != learned:
        raise ConfigError(f"search.skeleton={requested!r} but the learned space {space!r} was evolved on {learned!r}")
    return requested or learned or DEFAULT_SKELETON


def build_context(run: SearchPlan, log: Progress | None = None) -> SearchContext:
    """Load the data, fit the skeleton to it and resolve the candidates per layer (torch loads here).

    Args:
        run: a plan from `prepare`.
        log: called with each logged step's record.

    Returns:
        The search context.
    """
    from autospace.data.loading import load_data
    from autospace.search.base import SearchContext
    from autospace.train.device import resolve_device

    settings = run.settings
    device = resolve_device(settings.device)
    base = get_skeleton(settings.skeleton)
    data = load_data(run.data_config, base)
    skeleton = skeleton_for(settings.skeleton, data.input_shape)
    layer_space: LayerSpace | None = None
    if run.algorithm.needs_layer_space:
        layer_space = resolve_space(run.space_name, skeleton, open_k=settings.open_k, seed=settings.seed)
    return SearchContext(
        skeleton, layer_space, data, run.budget, settings.seed, device,
        settings.batch_size, log or (lambda record: None),
    )


def execute(run: SearchPlan, ctx: SearchContext, progress: bool = False) -> tuple[Architecture, SearchOutcome]:
    """Run the algorithm.

    Args:
        run: a plan from `prepare`.
        ctx: its context from `build_context`.
        progress: show a progress bar of its steps (`progress_bar`).

    Returns:
        The found architecture (with its search metadata) and the algorithm's outcome.
    """
    from autospace.train.device import seeded, torch_threads

    start = time.perf_counter()
    total = None if run.algorithm.steps is None else run.algorithm.steps(run.algo_config)
    with progress_bar(total, "step", enabled=progress, desc=run.algorithm.name) as bar, \
            torch_threads(run.settings.threads), seeded(run.settings.seed):
        outcome = run.algorithm.run(replace(ctx, progress=bar.update), run.algo_config)
    arch = Architecture(ctx.skeleton, tuple(outcome.genomes), ctx.data.num_classes, {
        "algo": run.algorithm.name, "space": run.space_name, "madds_budget": run.budget.madds,
        "tolerance": run.budget.tolerance, "seed": run.settings.seed, "data": run.data_config.name,
        "seconds": round(time.perf_counter() - start, 3),
    })
    return arch, outcome


def search_architecture(space: str, algo: str, madds_budget: float,
                        sections: Mapping[str, Mapping[str, Any]] | None = None,
                        log: Progress | None = None) -> tuple[Architecture, SearchOutcome]:
    """Validate, prepare and run one phase-2 search.

    Args:
        space: ``"irb"``, ``"open"`` or the path of a learned or shrunk space JSON.
        algo: ``proxyless-g``, ``rl``, ``spos``, ``ea`` or a registered name.
        madds_budget: the target MAdds; the result lies within ``search.tolerance`` of it.
        sections: config sections as in a TOML file: ``search`` (`SearchSettings`: skeleton, seed,
            device, threads, ...), ``data`` and one named after the algorithm.
        log: called with each logged step's record.

    Returns:
        The found `Architecture` and the algorithm's `SearchOutcome`.

    Raises:
        ConfigError: a bad setting (named), or a budget the space cannot reach.
    """
    run = prepare(space, algo, madds_budget, sections)
    return execute(run, build_context(run, log))
