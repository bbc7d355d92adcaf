"""What every phase-2 algorithm receives (`SearchContext`) and returns (`SearchOutcome`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from autospace.data import DataSplit
from autospace.data.batches import Batch, batch_stream
from autospace.genome import Genome
from autospace.nn import Skeleton
from autospace.search.budget import Budget, check_feasible
from autospace.search.space import LayerSpace
from autospace.supernet.builder import Supernet

Progress = Callable[[dict[str, Any]], None]


@dataclass
class SearchContext:
    """The search problem an algorithm gets.

    Attributes:
        skeleton: the skeleton, fitted to the data's input shape.
        space: the candidates per layer (None for an algorithm that searches the whole open space
            itself, such as the direct EA).
        data: the dataset split.
        budget: the MAdds budget window.
        seed: the search seed.
        device: where to train.
        batch_size: images per batch.
        log: called with each logged step's record (``history.jsonl``).
        progress: called with the number of steps an algorithm has just done (its `Algorithm.steps`
            in all), e.g. to advance a progress bar.
    """

    skeleton: Skeleton
    space: LayerSpace | None
    data: DataSplit
    budget: Budget
    seed: int
    device: torch.device
    batch_size: int
    log: Progress = field(default=lambda record: None)
    progress: Callable[[int], object] = field(default=lambda steps: None)

    def stream(self, split: str, offset: int = 0) -> Iterator[Batch]:
        """Endless seeded batches of a split.

        Args:
            split: ``"train"`` or ``"val"``.
            offset: varies the seed, for independent streams.

        Returns:
            An iterator of ``(images, labels)`` batches.
        """
        dataset = self.data.train if split == "train" else self.data.val
        return batch_stream(dataset, min(self.batch_size, len(dataset)), self.generator(offset))  # type: ignore[arg-type]

    def batches(self, split: str, offset: int, count: int) -> list[Batch]:
        """The first ``count`` batches of ``stream(split, offset)``, moved to ``device`` once (fixed batches
        that score many candidates).

        Args:
            split: ``"train"`` or ``"val"``.
            offset: varies the seed.
            count: how many batches.

        Returns:
            The batches, on ``device``.
        """
        stream = self.stream(split, offset)
        return [(x.to(self.device), y.to(self.device)) for x, y in (next(stream) for _ in range(count))]

    def supernet(self) -> Supernet:
        """The weight-sharing supernet over ``space`` (seeded init, on ``device``), after checking that
        the budget window is reachable at all (`ConfigError` naming ``madds_budget`` if not)."""
        assert self.space is not None, "this algorithm needs candidates per layer"
        net = Supernet(self.skeleton, self.space.candidates, self.data.num_classes, seed=self.seed, device=self.device)
        check_feasible(self.budget, net.costs, net.fixed_madds)
        return net

    def generator(self, offset: int = 0) -> torch.Generator:
        """A CPU generator seeded from the search seed and ``offset``.

        Args:
            offset: varies the seed.

        Returns:
            The generator.
        """
        return torch.Generator().manual_seed(self.seed * 1000 + offset)


@dataclass
class SearchOutcome:
    """What an algorithm returns.

    Attributes:
        genomes: the found cell of every layer, inside the budget window.
        history: the algorithm's per-step log (``history.jsonl``).
        summary: summary numbers (``summary.json``).
    """

    genomes: list[Genome]
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def argmax(logits: Sequence[torch.Tensor]) -> list[int]:
    """The highest-scoring candidate of every layer (architecture parameters, policy logits)."""
    return [int(t.detach().argmax()) for t in logits]
