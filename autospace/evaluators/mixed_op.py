"""`MixedPathLayer`: N parallel paths of which a step runs one (weights) or a gated pair (alpha)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class MixedPathLayer(nn.Module):
    """N candidate paths mixed by binary gates (Eq. 3); the caller sets the gates before each step.

    * `use_path` (weight steps): forward runs the active path only, as a standalone layer would.
    * `use_gates` (alpha steps): ``out = sum_j g_j * path_j(x)`` over the involved paths with a
      one-hot leaf tensor ``g``; only the active path keeps an autograd graph, so memory stays
      near one path's, while ``dL/dg_j`` is still exact for every involved path.
    """

    def __init__(self, paths: Sequence[nn.Module]) -> None:
        super().__init__()
        self.paths = nn.ModuleList(paths)
        self.involved: list[int] = [0]
        self.active = 0
        self.gates: torch.Tensor | None = None

    def use_path(self, active: int) -> None:
        self.involved, self.active, self.gates = [active], active, None

    def use_gates(self, involved: Sequence[int], active: int, device: torch.device) -> torch.Tensor:
        """Set a one-hot gate over ``involved`` and return it (a leaf that receives ``dL/dg``)."""
        self.involved, self.active = list(involved), active
        gates = torch.zeros(len(self.involved), device=device)
        gates[self.involved.index(active)] = 1.0
        self.gates = gates.requires_grad_(True)
        return self.gates

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.gates is None:
            return self.paths[self.active](x)
        out: torch.Tensor | None = None
        for gate, k in zip(self.gates, self.involved):
            if k == self.active:
                y = self.paths[k](x)
            else:
                with torch.no_grad():
                    y = self.paths[k](x)
            out = gate * y if out is None else out + gate * y
        assert out is not None
        return out
