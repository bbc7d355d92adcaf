"""Low-fidelity evaluator: train each candidate's standalone network briefly on a subset of the
training set with a fixed recipe; the score is its validation accuracy (deterministic per seed)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch.utils.data import TensorDataset

from autospace.data import DataSplit
from autospace.data.augment import ImageTensors
from autospace.errors import ConfigError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.registry import register_evaluator
from autospace.evaluators.standalone import StandaloneBuilder, check_layers
from autospace.genome import CellSpace, Genome
from autospace.nn import Skeleton
from autospace.train.device import resolve_device
from autospace.train.loop import StandaloneTrainer, accuracy
from autospace.train.recipe import ScoringRecipe, TrainRecipe


def _subset(dataset: TensorDataset | Any, size: int | None, seed: int) -> Any:
    if size is None or size >= len(dataset):
        return dataset
    idx = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:size]
    if isinstance(dataset, ImageTensors):  # keeps whole-batch augmentation
        return ImageTensors(dataset.images[idx.to(dataset.images.device)], dataset.labels[idx.to(dataset.labels.device)],
                            dataset.transform)
    if isinstance(dataset, TensorDataset):
        return TensorDataset(*(t[idx] for t in dataset.tensors))
    return torch.utils.data.Subset(dataset, idx.tolist())


class LowFidelityEvaluator(Evaluator):
    """Validation accuracy after ``recipe`` (default: `ScoringRecipe`, 2 epochs) on ``train_size``
    training examples (default: all)."""

    def __init__(self, skeleton: str | Skeleton = "tiny", data: str | DataSplit = "digits",
                 data_root: str | None = None, *, recipe: TrainRecipe | None = None, train_size: int | None = None,
                 val_size: int | None = None, context: Genome | None = None, device: str = "cpu", seed: int = 0) -> None:
        super().__init__()
        if train_size is not None and train_size < 1:
            raise ConfigError(f"evaluator.train_size={train_size!r} must be >= 1")
        self.recipe = recipe or ScoringRecipe(seed=seed)
        self.builder = StandaloneBuilder.create(skeleton, data, data_root, context, seed)
        self.train = _subset(self.builder.data.train, train_size, seed)
        self.val = _subset(self.builder.data.val, val_size, seed + 1)
        self.device = resolve_device(device)

    def score_one(self, candidate: Candidate) -> float:
        net = self.builder.network(candidate)
        StandaloneTrainer(net, self.train, self.recipe, self.device).fit()
        return accuracy(net, self.val, self.device)

    def describe(self) -> dict[str, Any]:
        return {"name": "low_fidelity", "recipe": self.recipe.to_dict(), "train_size": len(self.train),
                "val_size": len(self.val), "device": str(self.device), **self.builder.describe()}


@dataclass(frozen=True)
class LowFidelitySettings:
    """``[evaluator]`` keys of ``low_fidelity`` besides the recipe's (`ScoringRecipe`)."""

    skeleton: str = "tiny"
    data: str = "digits"
    data_root: str | None = None
    train_size: int | None = None
    val_size: int | None = None
    device: str = "cpu"


def _factory(settings: LowFidelitySettings, recipe: ScoringRecipe, *, space: CellSpace, layers: int
             ) -> LowFidelityEvaluator:
    ev = LowFidelityEvaluator(**asdict(settings), recipe=recipe, seed=recipe.seed)
    check_layers(ev.builder.skeleton, layers)
    return ev


register_evaluator("low_fidelity", _factory, settings=(LowFidelitySettings, ScoringRecipe), path_keys=("data_root",))
