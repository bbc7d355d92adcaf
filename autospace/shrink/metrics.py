"""Metrics of a shrunk space (our operationalisation, docs/lissnas.md): size, retention of the global
top cells, quality inside, diversity and pockets, the locality premise, Kendall tau of a cheap
score inside vs outside, and search performance inside at a fixed total query budget."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import stats

from autospace.evaluators.base import Candidate, Evaluator
from autospace.evolve.cache import cell_neighbors
from autospace.evolve.config import EvolveConfig
from autospace.evolve.engine import Engine
from autospace.genome import CellSpace, Genome, hamming, mean_pairwise_hamming

SEARCH_SETTINGS: dict[str, dict[str, int | str]] = {
    "regularized": {"strategy": "regularized", "population": 20, "sample_size": 10, "tournament_size": 5},
    "random": {"strategy": "random", "population": 20, "sample_size": 10},
}
"""The phase-2 searches inside a space (benchmarks/nb201_search.py's NAS-Bench-201 settings)."""


def top_cells(truth: Mapping[Genome, float], count: int) -> set[Genome]:
    """The ``count`` cells with the highest ``truth`` (ties: the order of ``truth``)."""
    ranked = sorted(truth, key=lambda g: -truth[g])
    return set(ranked[:count])


def retained(cells: Sequence[Genome], top: set[Genome]) -> float:
    """Share of ``top`` that lies in ``cells``."""
    return len(top & set(cells)) / len(top)


def pockets(cells: Sequence[Genome]) -> int:
    """Connected components of the radius-1 graph of ``cells`` (edges between cells one edit apart)."""
    members = set(cells)
    graph = nx.Graph()
    graph.add_nodes_from(members)
    graph.add_edges_from((g, n) for g in members for n in cell_neighbors(g) if n in members)
    return nx.number_connected_components(graph)


def pocket_labels(cells: Sequence[Genome]) -> list[int]:
    """The pocket of each cell: its connected component of the radius-1 graph, largest first.

    Args:
        cells: the cells of a space.

    Returns:
        One pocket index per cell (0: the largest pocket).
    """
    position = {g: i for i, g in enumerate(cells)}
    graph = nx.Graph()
    graph.add_nodes_from(cells)
    graph.add_edges_from((g, n) for g in position for n in cell_neighbors(g) if n in position)
    label = {}
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(position[g] for g in c)))
    for index, component in enumerate(components):
        for genome in component:
            label[genome] = index
    return [label[g] for g in cells]


def diversity(space: CellSpace, cells: Sequence[Genome]) -> float:
    """Mean pairwise Hamming distance (Eq. 2) of ``cells``."""
    return mean_pairwise_hamming(space.encode(cells))


@dataclass(frozen=True)
class Locality:
    """The locality premise on a space: Spearman rho between the Hamming distance of random pairs
    and the absolute difference of their truth, and the mean difference at each distance."""

    rho: float
    pairs: int
    mean_gap: dict[int, float]


def locality(space: CellSpace, truth: Mapping[Genome, float], pairs: int, seed: int) -> Locality:
    """`Locality` over ``pairs`` uniformly drawn pairs of distinct cells of ``truth``."""
    cells = list(truth)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(len(cells), size=pairs), rng.integers(len(cells), size=pairs)
    keep = a != b
    dist = np.array([hamming(cells[i], cells[j]) for i, j in zip(a[keep], b[keep])])
    gap = np.array([abs(truth[cells[i]] - truth[cells[j]]) for i, j in zip(a[keep], b[keep])])
    rho = float(stats.spearmanr(dist, gap).statistic)
    mean_gap = {int(d): float(gap[dist == d].mean()) for d in np.unique(dist)}
    return Locality(rho, int(keep.sum()), mean_gap)


def kendall_tau(cells: Sequence[Genome], cheap: Mapping[Genome, float], truth: Mapping[Genome, float]) -> float | None:
    """Kendall tau between the cheap score and the truth over the ``cells`` that have both (None: < 3)."""
    both = [g for g in cells if g in cheap and g in truth]
    if len(both) < 3:
        return None
    tau = stats.kendalltau([cheap[g] for g in both], [truth[g] for g in both]).statistic
    return None if np.isnan(tau) else float(tau)


def search_in(space: CellSpace, cells: Sequence[Genome] | None, evaluator: Evaluator, strategy: str, budget: int,
              seed: int, known: Mapping[Genome, float] | None = None) -> dict[Genome, float]:
    """The cells a phase-2 search (`SEARCH_SETTINGS`) newly scores inside ``cells`` (None: all of
    ``space``) with ``budget`` new queries, and their scores.

    Cells in ``known`` (scored before, e.g. by the shrinker) are answered from it and cost no query;
    the search stops once ``budget`` new cells are scored (new cells of its last round beyond that
    are left out, as if never asked) or when it proposes nothing new (the cells are exhausted).
    """
    known = dict(known or {})
    found: dict[Genome, float] = {}
    if budget < 1:
        return found
    settings = dict(SEARCH_SETTINGS[strategy])
    if cells is not None:
        for name in ("population", "sample_size", "tournament_size"):
            if name in settings:
                settings[name] = min(int(settings[name]), len(cells))
    rounds = 20 * (budget + len(known))
    config = EvolveConfig(seed=seed, rounds=rounds, **settings)  # type: ignore[arg-type]
    engine = Engine(space, config, exact=True, cells=None if cells is None else [cells])
    while not engine.done and len(found) < budget:
        batch = engine.ask()
        if not batch:
            break
        new = [c for c in batch if c.genome not in known and c.genome not in found]
        fresh = dict(zip([c.genome for c in new], evaluator.score(new)))
        for genome, value in fresh.items():
            if len(found) < budget:
                found[genome] = value
        engine.tell([known[c.genome] if c.genome in known else fresh[c.genome] for c in batch])
    return found


def best_of(scored: Mapping[Genome, float], report: Callable[[Genome], float]) -> float:
    """The report value of the best-scored cell of ``scored``."""
    best = max(scored, key=lambda g: scored[g])
    return report(best)


def summary(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    """Mean and (population) standard deviation of the values that are not None."""
    present = [v for v in values if v is not None]
    if not present:
        return None, None
    return statistics.fmean(present), statistics.pstdev(present)


def score_all(evaluator: Evaluator, cells: Sequence[Genome]) -> dict[Genome, float]:
    """``evaluator``'s score of every cell (layer 0)."""
    return dict(zip(cells, evaluator.score([Candidate(0, g) for g in cells])))
