"""The phase-2 weight-sharing supernet: one `MixedPathLayer` per searchable layer, one path per
candidate cell, built on the skeleton; shared by every phase-2 algorithm."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from autospace.nn import Network, Skeleton, build_cell, fixed_cost
from autospace.search.space import LayerSpace
from autospace.supernet.mixed_layer import MixedPathLayer


class Supernet:
    """``network`` (stem, mixed layers, head), the mixed ``layers``, and the MAdds of every path
    (``costs[l][k]``) and of the fixed parts (``fixed_madds``)."""

    def __init__(self, skeleton: Skeleton, space: LayerSpace, num_classes: int) -> None:
        self.skeleton, self.space, self.num_classes = skeleton, space, num_classes
        self.layers = [
            MixedPathLayer([build_cell(g, spec.c_in, spec.c_out, spec.stride) for g in cands])
            for spec, cands in zip(skeleton.layers, space.candidates)
        ]
        self.network: Network = skeleton.build(self.layers, num_classes)
        self.costs = space.costs(skeleton)
        self.fixed_madds = fixed_cost(skeleton, num_classes)[0]

    def cost_tensors(self) -> list[torch.Tensor]:
        return [torch.tensor(c, dtype=torch.float32) for c in self.costs]

    def madds(self, choice: Sequence[int]) -> int:
        """Analytic MAdds of the architecture that takes path ``choice[l]`` at layer ``l``."""
        return self.fixed_madds + sum(c[k] for c, k in zip(self.costs, choice))

    def use(self, choice: Sequence[int]) -> None:
        """Run the single path ``choice`` (one candidate index per layer)."""
        for layer, k in zip(self.layers, choice):
            layer.use_path(int(k))

    def to(self, device: torch.device) -> Supernet:
        self.network.to(device)
        return self
