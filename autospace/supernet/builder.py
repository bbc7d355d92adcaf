"""`Supernet`: one `MixedPathLayer` per searchable layer of a skeleton, one path per candidate
cell, and the MAdds of every path (the costs of Eq. 6). On a ``shared_cell`` skeleton (``nb201``)
the one searchable layer is cell-tied: a `MixedPathLayer` per cell position, all under one gate
decision (`TiedPathLayers`) — NAS-Bench-201's one-shot setting."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from autospace.genome import Genome
from autospace.nn import Network, Skeleton, assemble, build_cell, fixed_cost, layer_cost
from autospace.supernet.mixed_layer import GatedLayer, MixedPathLayer, TiedPathLayers
from autospace.supernet.weight_bank import WeightBank, tie_by_key
from autospace.train.device import seeded


def path_costs(skeleton: Skeleton, candidates: Sequence[Sequence[Genome]]) -> list[list[int]]:
    """Analytic MAdds of every candidate in its layer.

    Args:
        skeleton: the skeleton.
        candidates: the cells of each searchable layer.

    Returns:
        ``[l][k]``: the MAdds of candidate ``k`` in layer ``l`` of ``skeleton``.
    """
    return [[layer_cost(spec, g)[0] for g in cands] for spec, cands in zip(skeleton.layers, candidates)]


class Supernet:
    """The weight-sharing supernet: ``network`` (stem, mixed ``layers``, head) on ``skeleton``; path
    ``k`` of layer ``l`` is the cell ``candidates[l][k]``. ``costs[l][k]`` is its MAdds and
    ``fixed_madds`` those of the rest.

    ``layers[l]`` steers searchable layer ``l``: its `MixedPathLayer`, or with ``shared_cell`` a
    `TiedPathLayers` over one mixed layer per cell position (each position its own weights, one gate
    decision and one alpha vector for all); ``mixed_layers`` lists every mixed layer in network order.
    ``tensors`` maps each bank key to its live tensor (empty without a bank).

    Args:
        skeleton: the macro network.
        candidates: the cells of each searchable layer (its paths).
        num_classes: the classifier's outputs.
        seed: the weights' initialisation (without touching torch's global generator).
        device: where the network lives.
        bank: weights inherited across rebuilds: tensors with the same bank key are one tensor
            inside the supernet and start from the banked values.
        sharing: which cells share a tensor (`autospace.supernet.weight_bank.SHARING`).
    """

    def __init__(self, skeleton: Skeleton, candidates: Sequence[Sequence[Genome]], num_classes: int, *, seed: int,
                 device: torch.device | str = "cpu", bank: WeightBank | None = None, sharing: str = "op") -> None:
        self.skeleton, self.num_classes = skeleton, num_classes
        self.candidates = tuple(tuple(c) for c in candidates)
        with seeded(seed):
            per_layer = [
                [MixedPathLayer([build_cell(g, p.c_in, p.c_out, p.stride) for g in cands]) for p in spec.positions]
                for spec, cands in zip(skeleton.layers, self.candidates)
            ]
            self.mixed_layers = [mixed for positions in per_layer for mixed in positions]
            self.network: Network = assemble(skeleton, self.mixed_layers, num_classes).to(device)
        self.layers: list[GatedLayer] = [
            positions[0] if len(positions) == 1 else TiedPathLayers(positions) for positions in per_layer
        ]
        self.tensors: dict[str, torch.Tensor] = {}
        if bank is not None:  # after the move to the device, which would untie buffers
            self.tensors = tie_by_key(self.network, self.layers, self.candidates, sharing)
            bank.load_into(self.tensors)
        self.costs = path_costs(skeleton, self.candidates)
        self.fixed_madds: int = fixed_cost(skeleton, num_classes)[0]

    def sizes(self) -> list[int]:
        """Paths per layer."""
        return [len(c) for c in self.candidates]

    def madds(self, choice: Sequence[int]) -> int:
        """Analytic MAdds of the architecture that takes path ``choice[l]`` at layer ``l``.

        Args:
            choice: one candidate index per layer.

        Returns:
            The network's MAdds.
        """
        return self.fixed_madds + sum(c[k] for c, k in zip(self.costs, choice))

    def genomes(self, choice: Sequence[int]) -> list[Genome]:
        """The cells of the architecture ``choice``.

        Args:
            choice: one candidate index per layer.

        Returns:
            One cell per layer.
        """
        return [cands[k] for cands, k in zip(self.candidates, choice)]

    def use(self, choice: Sequence[int]) -> None:
        """Run the single path ``choice``.

        Args:
            choice: one candidate index per layer.
        """
        for layer, k in zip(self.layers, choice):
            layer.use_path(int(k))
