"""LISSNAS (Gopal et al., IJCAI 2023), as we operationalise its abstract (docs/lissnas.md).

Per layer and iteration: sample ``n`` new cells of the current space (uniformly, distinct by
canonical key), score them, take the ``k`` best scored cells of the current space as seeds; the
next space is the union of the radius-``r`` Hamming balls (Eq. 2) around the seeds, optionally
only the "good neighbours" whose cheap score reaches the seeds' median. A layer stops when its
sample's mean score improves by less than ``eps`` over the previous iteration (its space is then
the better-scoring of the last two) or after ``max_iters`` samples (its space is the last refinement).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from autospace.evolve.cache import cell_neighbors
from autospace.genome import Genome
from autospace.shrink.base import Shrinker, register_shrinker


def hamming_ball(centres: Sequence[Genome], radius: int) -> list[Genome]:
    """Every cell within ``radius`` edits (Eq. 2) of any of ``centres``: the centres first, then
    by distance, in a fixed order (breadth-first over `CellSpace.neighbors`)."""
    seen = dict.fromkeys(centres)
    frontier = list(seen)
    for _ in range(radius):
        nxt = []
        for genome in frontier:
            for neighbour in cell_neighbors(genome):
                if neighbour not in seen:
                    seen[neighbour] = None
                    nxt.append(neighbour)
        frontier = nxt
    return list(seen)


class LissnasShrinker(Shrinker):
    """The module docstring's loop; ``current[l]`` is layer ``l``'s space (None: the full space)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        layers = self.config.layers
        self.current: list[tuple[Genome, ...] | None] = [None] * layers
        self.previous: list[tuple[Genome, ...] | None] = [None] * layers
        self.means: list[list[float]] = [[] for _ in range(layers)]
        self.final: list[tuple[Genome, ...] | None] = [None] * layers

    @property
    def done(self) -> bool:
        return all(final is not None for final in self.final)

    def cells(self) -> list[tuple[Genome, ...]]:
        return [final for final in self.final if final is not None]

    def step(self) -> dict[str, Any]:
        cfg = self.config
        active = [layer for layer in range(cfg.layers) if self.final[layer] is None]
        samples = {layer: self.new_cells(layer, self.current[layer], cfg.n) for layer in active}
        batch = [(layer, g) for layer in active for g in samples[layer]]
        scores = self.score(batch)
        by_layer: dict[int, list[float]] = {layer: [] for layer in active}
        for (layer, _), value in zip(batch, scores):
            by_layer[layer].append(value)
        record: dict[str, Any] = {"iteration": self.iteration, "layers": []}
        refine = []
        for layer in active:
            values = by_layer[layer]
            mean = statistics.fmean(values) if values else None
            size = self.space.size if self.current[layer] is None else len(self.current[layer])
            entry = {"layer": layer, "size": size, "sampled": len(values), "mean": mean,
                     "best": max(values) if values else None, "stop": None}
            means = self.means[layer]
            if mean is None or (means and mean - means[-1] < cfg.eps):  # plateau (or nothing left to sample)
                better = (mean is not None and mean >= means[-1]) if means else True
                chosen = self.current[layer] if better or self.previous[layer] is None else self.previous[layer]
                self.final[layer] = tuple(self.space.enumerate()) if chosen is None else chosen
                entry["stop"] = "plateau"
            else:
                means.append(mean)
                refine.append(layer)
            record["layers"].append(entry)
        self._refine(refine, record)
        self.iteration += 1
        for layer in active:
            if self.final[layer] is None and self.iteration >= cfg.max_iters:
                self.final[layer] = self.current[layer]
                record["layers"][active.index(layer)]["stop"] = "max_iters"
        record["queries"] = self.queries
        record["cheap_queries"] = self.cheap_queries
        self.history.append(record)
        return record

    def _refine(self, layers: list[int], record: dict[str, Any]) -> None:
        """The next space of each of ``layers``: the balls around its seeds (good neighbours only, if set)."""
        cfg = self.config
        balls = {}
        for layer in layers:
            members = None if self.current[layer] is None else set(self.current[layer])
            inside = [(g, s) for g, s in self.scored[layer].values() if members is None or g in members]
            inside.sort(key=lambda item: -item[1])  # stable: earlier scored cells win ties
            seeds = [g for g, _ in inside[: cfg.k]]
            balls[layer] = (seeds, hamming_ball(seeds, cfg.r))
        if cfg.good_neighbours and balls:
            batch = [(layer, g) for layer, (_, ball) in balls.items() for g in ball]
            cheap = iter(self.cheap_score(batch))
            for layer, (seeds, ball) in balls.items():
                values = dict(zip(ball, cheap))
                median = statistics.median(values[g] for g in seeds)
                seed_set = set(seeds)
                balls[layer] = (seeds, [g for g in ball if g in seed_set or values[g] >= median])
        for layer, (seeds, ball) in balls.items():
            self.previous[layer], self.current[layer] = self.current[layer], tuple(ball)
            entry = next(e for e in record["layers"] if e["layer"] == layer)
            entry["seeds"] = [g.to_dict() for g in seeds]
            entry["next_size"] = len(ball)

    # ----------------------------------------------------------------------------- state
    def own_state(self) -> dict[str, Any]:
        dump = lambda cells: None if cells is None else [g.to_dict() for g in cells]
        return {"current": [dump(c) for c in self.current], "previous": [dump(c) for c in self.previous],
                "means": self.means, "final": [dump(c) for c in self.final]}

    def load_own_state(self, state: dict[str, Any]) -> None:
        load = lambda cells: None if cells is None else self.genomes(cells)
        self.current = [load(c) for c in state["current"]]
        self.previous = [load(c) for c in state["previous"]]
        self.means = [list(m) for m in state["means"]]
        self.final = [load(c) for c in state["final"]]


register_shrinker("lissnas", LissnasShrinker)
