"""Low-fidelity evaluator: train each candidate's standalone network briefly on a subset of the
training set with a fixed recipe; the score is its validation accuracy (deterministic per seed).

Training batches of image sets can also be cut out (``cutout``: LCMNAS uses 16). The subsets are random ones of ``train_size`` training and ``val_size`` validation examples, or,
with ``train_fraction`` and ``val_fraction`` (LCMNAS: 8 % and 2 %), two disjoint stratified
subsets of the training split, so the search never sees the validation split. (The LCMNAS code
trains on the first 4,000 images and validates on the first 1,000 of those same images, a
sampler bug; see docs/lcmnas.md.)"""

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
from autospace.evaluators.standalone import StandaloneBuilder
from autospace.genome import CellSpace, Genome
from autospace.macro.space import MacroSpace
from autospace.nn import Skeleton
from autospace.train.device import resolve_device, seeded
from autospace.train.loop import StandaloneTrainer, accuracy
from autospace.train.recipe import ScoringRecipe, TrainRecipe


def _subset(dataset: TensorDataset | Any, size: int | None, seed: int) -> Any:
    if size is None or size >= len(dataset):
        return dataset
    return _take(dataset, torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:size])


def _labels(dataset: TensorDataset | Any) -> torch.Tensor:
    if isinstance(dataset, ImageTensors):
        return dataset.labels.cpu()
    if isinstance(dataset, TensorDataset):
        return dataset.tensors[1]
    return torch.tensor([int(dataset[i][1]) for i in range(len(dataset))])


def stratified_split(labels: torch.Tensor, fractions: tuple[float, float], seed: int) -> tuple[torch.Tensor, ...]:
    """Two disjoint index sets holding ``fractions`` of each class (rounded, at least one example
    of every class with two or more), drawn from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    parts: tuple[list[torch.Tensor], list[torch.Tensor]] = ([], [])
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        first = min(len(members) - 1, max(1, round(fractions[0] * len(members))))
        second = min(len(members) - first, max(1, round(fractions[1] * len(members))))
        parts[0].append(members[:first])
        parts[1].append(members[first:first + second])
    return tuple(torch.sort(torch.cat(p)).values for p in parts)


def _take(dataset: TensorDataset | Any, idx: torch.Tensor) -> Any:
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
                 data_root: str | None = None, *, split: str | None = None, image_size: int | None = None,
                 recipe: TrainRecipe | None = None, train_size: int | None = None,
                 val_size: int | None = None, train_fraction: float | None = None, val_fraction: float | None = None,
                 cutout: int = 0, context: Genome | None = None, device: str = "cpu", seed: int = 0) -> None:
        super().__init__()
        if train_size is not None and train_size < 1:
            raise ConfigError(f"evaluator.train_size={train_size!r} must be >= 1")
        fractions = (train_fraction, val_fraction)
        if (train_fraction is None) != (val_fraction is None):
            raise ConfigError(f"evaluator.train_fraction={train_fraction!r} and val_fraction={val_fraction!r}: "
                              "give both or neither")
        if train_fraction is not None and (train_size is not None or val_size is not None):
            raise ConfigError("evaluator.train_fraction/val_fraction replace train_size/val_size; give one pair")
        if train_fraction is not None and not (0 < train_fraction and 0 < val_fraction and train_fraction + val_fraction <= 1):  # type: ignore[operator]
            raise ConfigError(f"evaluator.train_fraction={train_fraction!r} and val_fraction={val_fraction!r} must "
                              "be positive with a sum of at most 1")
        self.recipe = recipe or ScoringRecipe(seed=seed)
        self.builder = StandaloneBuilder.create(skeleton, data, data_root, context, seed, split=split,
                                                image_size=image_size)
        self.fractions = fractions if train_fraction is not None else None
        if self.fractions is not None:
            source = self.builder.data.train
            train_idx, val_idx = stratified_split(_labels(source), self.fractions, seed)  # type: ignore[arg-type]
            self.train, self.val = _take(source, train_idx), _take(source, val_idx)
            if isinstance(self.val, ImageTensors):  # validated without the training augmentation
                self.val = self.val.with_transform(padding=0, flip=False)
        else:
            self.train = _subset(self.builder.data.train, train_size, seed)
            self.val = _subset(self.builder.data.val, val_size, seed + 1)
        if cutout < 0:
            raise ConfigError(f"evaluator.cutout={cutout!r} must be >= 0")
        self.cutout = cutout
        if cutout and isinstance(self.train, ImageTensors):  # image sets only (digits has no augmentation)
            self.train = self.train.with_transform(cutout=cutout)
        self.device = resolve_device(device)

    def score_one(self, candidate: Candidate) -> float:
        net = self.builder.network(candidate)
        with seeded(self.builder.seed):  # dropout masks (macro genomes have Dropout) from the seed
            StandaloneTrainer(net, self.train, self.recipe, self.device).fit()
        return accuracy(net, self.val, self.device)

    def describe(self) -> dict[str, Any]:
        split = {} if self.fractions is None else {"split": "stratified", "fractions": list(self.fractions)}
        if self.cutout:
            split["cutout"] = self.cutout
        return {"name": "low_fidelity", "recipe": self.recipe.to_dict(), "train_size": len(self.train),
                "val_size": len(self.val), **split, "device": str(self.device), **self.builder.describe()}


@dataclass(frozen=True)
class LowFidelitySettings:
    """``[evaluator]`` keys of ``low_fidelity`` besides the recipe's (`ScoringRecipe`): the skeleton, the
    data (``split``, e.g. ``"nb201"``; ``image_size``: images average-pooled to this side), the subsets
    trained and validated on, LCMNAS's ``cutout`` and the device."""

    skeleton: str = "tiny"
    data: str = "digits"
    data_root: str | None = None
    split: str | None = None
    image_size: int | None = None
    train_size: int | None = None
    val_size: int | None = None
    train_fraction: float | None = None
    val_fraction: float | None = None
    cutout: int = 0
    device: str = "cpu"


def _factory(settings: LowFidelitySettings, recipe: ScoringRecipe, *, space: CellSpace | MacroSpace, layers: int
             ) -> LowFidelityEvaluator:
    ev = LowFidelityEvaluator(**asdict(settings), recipe=recipe, seed=recipe.seed)
    ev.builder.check_run(layers, space)
    return ev


register_evaluator("low_fidelity", _factory, settings=(LowFidelitySettings, ScoringRecipe), path_keys=("data_root",))
