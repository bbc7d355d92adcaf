"""`MixedPathLayer`: N parallel paths of which a step runs one (weights) or a gated pair (alpha);
`TiedPathLayers`: one gate decision for the mixed layers of several cell positions."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class MixedPathLayer(nn.Module):
    """N candidate paths mixed by binary gates (Eq. 3); the caller sets the gates before each step.

    * `use_path` (weight steps): forward runs the active path only, as a standalone layer would.
    * `use_gates` (alpha steps): ``out = sum_j g_j * path_j(x)`` over the involved paths (active
      first) with gate values ``g`` (1 for the active path, 0 otherwise) that receive ``dL/dg``;
      only the active path keeps an autograd graph, so memory stays near one path's, while
      ``dL/dg_j`` is still exact for every involved path.

    Args:
        paths: one module per candidate cell.
    """

    def __init__(self, paths: Sequence[nn.Module]) -> None:
        super().__init__()
        self.paths = nn.ModuleList(paths)
        self.involved: list[int] = [0]
        self.gates: torch.Tensor | None = None

    @property
    def active(self) -> int:
        return self.involved[0]

    @property
    def num_paths(self) -> int:
        return len(self.paths)

    def use_path(self, active: int) -> None:
        """Run the single path ``active`` (weight steps, evaluation).

        Args:
            active: the path's index.
        """
        self.involved, self.gates = [active], None

    def use_gates(self, involved: Sequence[int], gates: torch.Tensor) -> None:
        """Mix the ``involved`` paths (active first) with ``gates``.

        Args:
            involved: the path indices, the active one first.
            gates: one gate value per involved path.

        Raises:
            ValueError: a different number of paths and gates.
        """
        if len(involved) != len(gates):
            raise ValueError(f"{len(involved)} involved paths but {len(gates)} gates")
        self.involved, self.gates = list(involved), gates

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        active = self.paths[self.involved[0]](x)
        if self.gates is None:
            return active
        gates = self.gates.unbind(0)
        out = gates[0] * active
        for gate, k in zip(gates[1:], self.involved[1:]):
            with torch.no_grad():
                other = self.paths[k](x)
            out = out + gate * other
        return out


class TiedPathLayers:
    """One searchable layer whose cell sits at several cell positions (a ``shared_cell`` skeleton,
    NAS-Bench-201's one cell for the whole network): one `MixedPathLayer` per position, each with its
    own path modules, under one gate decision.

    `use_path` and `use_gates` set every position alike, and every position multiplies by the very
    same gate tensor, so ``dL/dg`` is the sum over the positions. The network owns the positions'
    modules; this only steers them.

    Args:
        positions: the mixed layers of the cell positions, with the same number of paths.

    Raises:
        ValueError: positions with different numbers of paths.
    """

    def __init__(self, positions: Sequence[MixedPathLayer]) -> None:
        sizes = {p.num_paths for p in positions}
        if len(sizes) != 1:
            raise ValueError(f"tied positions must have the same number of paths, got {sorted(sizes)}")
        self.positions = list(positions)

    @property
    def active(self) -> int:
        return self.positions[0].active

    @property
    def num_paths(self) -> int:
        return self.positions[0].num_paths

    def use_path(self, active: int) -> None:
        """Run the single path ``active`` at every position.

        Args:
            active: the path's index.
        """
        for layer in self.positions:
            layer.use_path(active)

    def use_gates(self, involved: Sequence[int], gates: torch.Tensor) -> None:
        """Mix the ``involved`` paths with ``gates`` at every position (one gate tensor for all).

        Args:
            involved: the path indices, the active one first.
            gates: one gate value per involved path.
        """
        for layer in self.positions:
            layer.use_gates(involved, gates)


GatedLayer = MixedPathLayer | TiedPathLayers
"""A searchable layer the steppers drive: one mixed layer, or several tied ones."""
