"""Training from scratch: one recipe (`TrainRecipe`), one loop (`StandaloneTrainer`), top-1
`accuracy`, BatchNorm recalibration, and the final training of a searched architecture."""

from autospace.train.final import train_architecture
from autospace.train.loop import StandaloneTrainer, accuracy, recalibrate_bn
from autospace.train.recipe import ScoringRecipe, TrainRecipe

__all__ = [
    "ScoringRecipe",
    "StandaloneTrainer",
    "TrainRecipe",
    "accuracy",
    "recalibrate_bn",
    "train_architecture",
]
