"""The weight-sharing supernet (AutoSpace Eq. 3, 4, 6), shared by the phase-1 evaluator and every
phase-2 algorithm: mixed layers, binary gates, the weight bank, the builder and the steppers."""

from autospace.supernet.builder import Supernet, path_costs
from autospace.supernet.distributed import process_group
from autospace.supernet.gates import UniformPaths
from autospace.supernet.mixed_layer import MixedPathLayer, TiedPathLayers
from autospace.supernet.trainer import AlphaStepper, SupernetConfig, WeightStepper, train_round
from autospace.supernet.weight_bank import WeightBank

__all__ = [
    "AlphaStepper",
    "MixedPathLayer",
    "Supernet",
    "SupernetConfig",
    "TiedPathLayers",
    "UniformPaths",
    "WeightBank",
    "WeightStepper",
    "path_costs",
    "process_group",
    "train_round",
]
