"""Genomes: cells as DAGs, named search spaces, canonical keys, liveness, Hamming distance, mutation,
motifs.

Pure Python + networkx + numpy; importing this package never imports torch.
"""

from autospace.genome.canonical import ZERO_KEY, canonical_key
from autospace.genome.distance import hamming, mean_pairwise_hamming, pairwise_hamming
from autospace.genome.genome import SCHEMA_VERSION, Genome
from autospace.genome.liveness import live_edges, live_nodes, prune
from autospace.genome.motifs import Motif, MotifTable, mine_motifs
from autospace.genome.registry import get_space, list_spaces, register_space
from autospace.genome.space import CellSpace
from autospace.genome.spaces import AUTOSPACE, IRB, MBCONV, NB201

__all__ = [
    "AUTOSPACE",
    "IRB",
    "MBCONV",
    "NB201",
    "SCHEMA_VERSION",
    "ZERO_KEY",
    "CellSpace",
    "Genome",
    "Motif",
    "MotifTable",
    "canonical_key",
    "get_space",
    "hamming",
    "list_spaces",
    "live_edges",
    "live_nodes",
    "mean_pairwise_hamming",
    "mine_motifs",
    "pairwise_hamming",
    "prune",
    "register_space",
]
