"""Genomes as networks: edge ops, skeletons, architectures, the exact analytic cost model, and the
PyTorch modules. ``import autospace.nn`` does not import torch; the PyTorch names import it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autospace.lazy import lazy_exports
from autospace.nn.architecture import Architecture
from autospace.nn.cost import (
    cell_cost,
    cell_costs,
    fixed_cost,
    layer_cost,
    layer_costs,
    network_cost,
    network_costs,
)
from autospace.nn.ops import OpSpec, get_op, list_ops, register_op
from autospace.nn.plan import BUILD_RULES
from autospace.nn.skeleton import (
    CellPosition,
    EntryBlock,
    Head,
    SearchableLayer,
    Skeleton,
    Stage,
    Stem,
    get_skeleton,
    list_skeletons,
    mobilenet_v2_genomes,
    nb201_skeleton,
    register_skeleton,
    skeleton_for,
)

if TYPE_CHECKING:
    from autospace.nn.cell import Cell, ZeroCell, build_cell
    from autospace.nn.network import Network, assemble, build_network, measure_cost

_TORCH_NAMES = {
    "Cell": "autospace.nn.cell",
    "ZeroCell": "autospace.nn.cell",
    "build_cell": "autospace.nn.cell",
    "Network": "autospace.nn.network",
    "assemble": "autospace.nn.network",
    "build_network": "autospace.nn.network",
    "measure_cost": "autospace.nn.network",
}


__getattr__ = lazy_exports("autospace.nn", _TORCH_NAMES)


__all__ = [
    "BUILD_RULES",
    "Architecture",
    "Cell",
    "CellPosition",
    "EntryBlock",
    "Head",
    "Network",
    "OpSpec",
    "SearchableLayer",
    "Skeleton",
    "Stage",
    "Stem",
    "ZeroCell",
    "assemble",
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
    "measure_cost",
    "mobilenet_v2_genomes",
    "nb201_skeleton",
    "network_cost",
    "network_costs",
    "register_op",
    "register_skeleton",
    "skeleton_for",
]
