"""The MAdds budget: the window ``[(1 - tol) * B, (1 + tol) * B]``, feasibility and projection.

Gradient and RL search steer towards ``B``; their final argmax is then *projected*: while outside the
window, one layer's cell is swapped for the candidate that costs the least score per MAdd moved towards
the window (``(score_now - score_new) / |dMAdds|``), preferring swaps that do not jump past it; when no
single swap gets closer (coarse cost steps), the best pair of swaps in two layers. SPOS and the direct
EA only ever score architectures inside the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autospace.errors import ConfigError

DEFAULT_TOLERANCE = 0.1


@dataclass(frozen=True)
class Budget:
    """A MAdds target and its window ``[(1 - tolerance) * madds, (1 + tolerance) * madds]``.

    Attributes:
        madds: the target MAdds.
        tolerance: the window's relative half-width, in (0, 1).

    Raises:
        ConfigError: a non-positive ``madds`` or a ``tolerance`` outside (0, 1).
    """

    madds: float
    tolerance: float = DEFAULT_TOLERANCE

    def __post_init__(self) -> None:
        if isinstance(self.madds, bool) or not isinstance(self.madds, (int, float)) or not self.madds > 0:
            raise ConfigError(f"madds_budget={self.madds!r} must be a positive number")
        if isinstance(self.tolerance, bool) or not isinstance(self.tolerance, (int, float)) or not 0 < self.tolerance < 1:
            raise ConfigError(f"tolerance={self.tolerance!r} must be a number in (0, 1)")

    @property
    def low(self) -> float:
        return (1 - self.tolerance) * self.madds

    @property
    def high(self) -> float:
        return (1 + self.tolerance) * self.madds

    def admits(self, madds: float) -> bool:
        """Whether ``madds`` lies inside the window.

        Args:
            madds: a network's MAdds.

        Returns:
            True inside ``[low, high]``.
        """
        return self.low <= madds <= self.high

    def distance(self, madds: float) -> float:
        """How far ``madds`` lies outside the window.

        Args:
            madds: a network's MAdds.

        Returns:
            The distance to the nearer end of the window (0 inside).
        """
        return max(self.low - madds, madds - self.high, 0.0)


def cost_span(costs: Sequence[Sequence[int]], fixed: int) -> tuple[int, int]:
    """The least and the most MAdds of any architecture: ``fixed`` plus each layer's cheapest / dearest
    candidate (``costs[l][k]``)."""
    return fixed + sum(min(c) for c in costs), fixed + sum(max(c) for c in costs)


def reaches(budget: Budget, span: tuple[float, float]) -> bool:
    """Whether a space whose architectures span ``span`` MAdds has any in the budget window."""
    return span[0] <= budget.high and span[1] >= budget.low


def check_feasible(budget: Budget, costs: Sequence[Sequence[int]], fixed: int) -> None:
    """Raise `ConfigError` naming ``madds_budget`` when no architecture can reach the window."""
    lowest, highest = cost_span(costs, fixed)
    if not reaches(budget, (lowest, highest)):
        raise ConfigError(
            f"madds_budget={budget.madds:g} is out of reach: architectures of this space and skeleton have "
            f"{lowest:,} to {highest:,} MAdds (tolerance {budget.tolerance:g})"
        )


def project(
    choice: Sequence[int], scores: Sequence[Sequence[float]], costs: Sequence[Sequence[int]], fixed: int, budget: Budget
) -> list[int]:
    """``choice`` moved into the budget window by greedy swaps (module docstring).

    Args:
        choice: the chosen candidate index of every layer.
        scores: ``scores[l][k]`` ranks candidate ``k`` of layer ``l`` (architecture parameters,
            policy logits...).
        costs: ``costs[l][k]``: the MAdds of candidate ``k`` at layer ``l``.
        fixed: the MAdds no choice changes (stem, entry blocks, head).
        budget: the window to reach.

    Returns:
        The projected choice (``choice`` itself when it is inside the window).

    Raises:
        ConfigError: no swap sequence reaches the window; the message names ``madds_budget``.
    """
    choice = list(choice)
    total = fixed + sum(c[k] for c, k in zip(costs, choice))
    for _ in range(sum(len(c) for c in costs) * len(costs) + 1):
        if budget.admits(total):
            return choice
        move = _best_swap(choice, scores, costs, total, budget)
        if move is None:
            break
        for layer, k in move:
            total += costs[layer][k] - costs[layer][choice[layer]]
            choice[layer] = k
    raise ConfigError(
        f"madds_budget={budget.madds:g}: budget projection could not reach the window "
        f"[{budget.low:,.0f}, {budget.high:,.0f}] (stuck at {total:,} MAdds)"
    )


Move = tuple[tuple[int, int], ...]


def _moves(choice: Sequence[int], costs: Sequence[Sequence[int]]) -> list[tuple[int, int, int]]:
    """Every single swap ``(layer, k, dMAdds)`` that changes the MAdds."""
    return [
        (layer, k, cost - layer_costs[choice[layer]])
        for layer, layer_costs in enumerate(costs)
        for k, cost in enumerate(layer_costs)
        if k != choice[layer] and cost != layer_costs[choice[layer]]
    ]


def _best_swap(
    choice: Sequence[int], scores: Sequence[Sequence[float]], costs: Sequence[Sequence[int]], total: int, budget: Budget
) -> Move | None:
    """The cheapest (in score per MAdd) swap that reduces the distance to the window; a pair of
    swaps in two layers when no single swap does (coarse cost steps)."""
    now = budget.distance(total)
    moves = _moves(choice, costs)
    best: tuple[bool, float, Move] | None = None
    for group in ([(m,) for m in moves], [(a, b) for i, a in enumerate(moves) for b in moves[i + 1:] if a[0] != b[0]]):
        for move in group:
            delta = sum(d for _, _, d in move)
            after = total + delta
            if delta == 0 or budget.distance(after) >= now:
                continue
            overshoot = (total > budget.high and after < budget.low) or (total < budget.low and after > budget.high)
            drop = sum(scores[layer][choice[layer]] - scores[layer][k] for layer, k, _ in move)
            key = (overshoot, drop / abs(delta), tuple((layer, k) for layer, k, _ in move))
            if best is None or key < best:
                best = key
        if best is not None:
            return best[2]
    return None
