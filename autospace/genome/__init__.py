"""Genomes: cells as DAGs, named search spaces, canonical keys, Hamming distance, mutation.

Pure Python + networkx + numpy; importing this package never imports torch.
"""

from autospace.genome.canonical import ZERO_KEY, canonical_key, nb201_unique_str
from autospace.genome.distance import hamming, mean_pairwise_hamming, pairwise_hamming
from autospace.genome.genome import SCHEMA_VERSION, Genome
from autospace.genome.registry import AUTOSPACE, IRB, MBCONV, NB201, get_space, list_spaces, register_space
from autospace.genome.space import CellSpace, as_rng

__all__ = [
    "AUTOSPACE",
    "IRB",
    "MBCONV",
    "NB201",
    "SCHEMA_VERSION",
    "ZERO_KEY",
    "CellSpace",
    "Genome",
    "as_rng",
    "canonical_key",
    "get_space",
    "hamming",
    "list_spaces",
    "mean_pairwise_hamming",
    "nb201_unique_str",
    "pairwise_hamming",
    "register_space",
]
