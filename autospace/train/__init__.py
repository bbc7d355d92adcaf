"""Training from scratch: one recipe (`TrainRecipe`), one loop (`StandaloneTrainer`), top-1
`accuracy`, BatchNorm recalibration, and the final training of a searched architecture.

Names are imported on first use, so ``autospace train`` checks its files and flags before torch loads."""

from __future__ import annotations

from autospace.lazy import lazy_exports

_EXPORTS = {
    "train_architecture": "autospace.train.final",
    "StandaloneTrainer": "autospace.train.loop",
    "accuracy": "autospace.train.loop",
    "recalibrate_bn": "autospace.train.loop",
    "loss_and_accuracy": "autospace.train.loop",
    "ScoringRecipe": "autospace.train.recipe",
    "TrainRecipe": "autospace.train.recipe",
}
__all__ = ["ScoringRecipe", "StandaloneTrainer", "TrainRecipe", "accuracy", "loss_and_accuracy", "recalibrate_bn", "train_architecture"]


__getattr__ = lazy_exports("autospace.train", _EXPORTS)


def __dir__() -> list[str]:
    return list(__all__)
