"""Training from scratch: one recipe (`TrainRecipe`), one loop (`StandaloneTrainer`), top-1
`accuracy`, BatchNorm recalibration, and the final training of a searched architecture."""

from autospace.train.final import train_architecture
from autospace.train.loop import StandaloneTrainer, accuracy, recalibrate_bn
from autospace.train.recipe import SCORING_RECIPE, TrainRecipe

__all__ = [
    "SCORING_RECIPE",
    "StandaloneTrainer",
    "TrainRecipe",
    "accuracy",
    "recalibrate_bn",
    "train_architecture",
]
