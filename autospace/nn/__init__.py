"""Genomes as PyTorch modules: edge ops, cells, skeletons (macro networks) and the exact
analytic cost model (MAdds and parameters without building anything)."""

from autospace.nn.cell import Cell, ZeroCell, build_cell
from autospace.nn.cost import cell_cost, cell_costs, fixed_cost, layer_cost, layer_costs, measure_cost, network_cost
from autospace.nn.ops import OpSpec, get_op, list_ops, register_op
from autospace.nn.plan import live_edges
from autospace.nn.skeleton import (
    MBCONV,
    Head,
    LayerSpec,
    Network,
    Skeleton,
    Stage,
    Stem,
    build_network,
    get_skeleton,
    list_skeletons,
    mobilenet_v2_genomes,
    register_skeleton,
    skeleton_for,
)

__all__ = [
    "MBCONV",
    "Cell",
    "Head",
    "LayerSpec",
    "Network",
    "OpSpec",
    "Skeleton",
    "Stage",
    "Stem",
    "ZeroCell",
    "build_cell",
    "build_network",
    "cell_cost",
    "cell_costs",
    "fixed_cost",
    "get_op",
    "get_skeleton",
    "layer_cost",
    "layer_costs",
    "list_ops",
    "list_skeletons",
    "live_edges",
    "measure_cost",
    "mobilenet_v2_genomes",
    "network_cost",
    "register_op",
    "register_skeleton",
    "skeleton_for",
]
