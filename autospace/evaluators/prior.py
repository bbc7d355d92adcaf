"""A training-free prior for a learned fitness: a new cell's first score blended with how a cheap signal
(its parameter count in the layer, or a zero-cost proxy of its network) ranks it among the cells scored
with it, so the supernet refines a sensible start instead of starting every new cell at the layer's mean.

Scores and the prior are put on one scale first: each layer's scores of a round standardised over the
round's candidates (`standardised`), the prior as a standardised rank among every cell of the layer the
run has seen so far (`CellPrior.standing`: a z-score of the order, whatever the prior's outliers —
synflow's floor for a network without signal, parameter counts spanning orders of magnitude).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.stats import rankdata

from autospace.data import DataSplit
from autospace.errors import ConfigError
from autospace.evaluators.proxies import STANDARD_PROXIES, get_proxy
from autospace.evaluators.zero_cost import proxy_batches
from autospace.genome import Genome
from autospace.nn import Skeleton, build_network, layer_cost
from autospace.train.device import seeded

PRIORS = ("none", "params", *STANDARD_PROXIES)
"""``none``, ``params`` (the cell's parameters in its layer) or one of the zero-cost proxies
`autospace.evaluators.proxies.STANDARD_PROXIES` (on the network with the cell at every layer, at
initialisation); several joined by ``+`` combine (`CellPrior`)."""


def standardised(values: Sequence[float]) -> list[float]:
    """``values`` minus their mean, over their standard deviation (all 0.0 when they are constant)."""
    v = np.asarray(values, dtype=float)
    std = float(v.std())
    return ((v - v.mean()) / std).tolist() if std > 0 else [0.0] * len(v)


def standardised_ranks(values: Sequence[float]) -> list[float]:
    """The standardised ranks of ``values`` (ties share their mean rank)."""
    return standardised(rankdata(values))


class CellPrior:
    """The prior ``kind`` of cells on ``skeleton``, computed once per (layer, cell).

    Args:
        kind: one of `PRIORS` other than ``none``, or several joined by ``+`` (e.g. ``"params+synflow"``):
            a cell's standing is then its standing by the sum of the components' standings.
        skeleton: the network the cells are scored in.
        data: the training images a proxy is computed on (one batch of the proxy's published size).
        seed: the network initialisation and the batch.

    Raises:
        ConfigError: an unknown ``kind`` or component.
    """

    def __init__(self, kind: str, skeleton: Skeleton, data: DataSplit, seed: int) -> None:
        self.kinds = tuple(kind.split("+"))
        allowed = [p for p in PRIORS if p != "none"]
        bad = [k for k in self.kinds if k not in allowed]
        if bad or len(set(self.kinds)) != len(self.kinds):
            raise ConfigError(f"evaluator.prior={kind!r} must be one of {allowed} or several of them joined by '+'")
        self.kind, self.skeleton, self.data, self.seed = kind, skeleton, data, seed
        self._values: dict[tuple[int, Genome], tuple[float, ...]] = {}
        self._batches: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    def value(self, layer: int, genome: Genome) -> tuple[float, ...]:
        """The prior's components for ``genome`` at searchable ``layer`` (higher: predicted better)."""
        key = (layer, genome)
        if key not in self._values:
            self._values[key] = tuple(self._compute(kind, layer, genome) for kind in self.kinds)
        return self._values[key]

    def standing(self, layer: int, genomes: Sequence[Genome]) -> list[float]:
        """Each genome's prior as a standardised rank among every cell of ``layer`` this prior has valued
        (these included): the more cells a run has seen, the steadier a cell's standing. With several
        components, the standardised rank of the sum of the components' standardised ranks."""
        for genome in genomes:
            self.value(layer, genome)
        known = [(g, v) for (at, g), v in self._values.items() if at == layer]
        if len(known) < 2:
            return [0.0] * len(genomes)
        columns = np.array([v for _, v in known], dtype=float).T
        total = np.sum([standardised_ranks(column) for column in columns], axis=0)
        standing = dict(zip((g for g, _ in known), standardised_ranks(total) if len(columns) > 1 else total))
        return [float(standing[g]) for g in genomes]

    def _compute(self, kind: str, layer: int, genome: Genome) -> float:
        if kind == "params":
            return float(layer_cost(self.skeleton.layers[layer], genome)[1])
        proxy = get_proxy(kind)
        if kind not in self._batches:
            self._batches[kind] = proxy_batches(self.data.train, proxy.batch_size, proxy.augment, 1, self.seed)[0]
        with seeded(self.seed):
            net = build_network(self.skeleton, [genome] * self.skeleton.num_layers, self.data.num_classes).train()
        return proxy.score(net, *self._batches[kind])
