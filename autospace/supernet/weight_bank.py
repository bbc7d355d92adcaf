"""Weight inheritance across supernet rebuilds (weight sharing, as in ENAS).

Every tensor of a supernet gets a key naming what it *is*, not where it sits: ``stem/<name>``,
``entries/<name>`` (a stage's fixed entry block), ``head/<name>``, and ``L<layer>/e<ratio>/<name>``
for a cell path (``L<layer>/p<position>/e<ratio>/<name>`` at each cell position of a cell-tied
layer, so positions never share), an edge's module name ``edges.<u>_<v>`` extended by its op. So two
cells of one layer with the same expansion ratio share their expand / project convolutions and every
edge op they have in common (the ``op`` rule; under the ``cell`` rule the key also names the cell's
ops, so cells share nothing but the stem, the entry blocks and the head). A rebuilt supernet
copies each tensor whose key and shape it finds in the bank; after the round its trained tensors
and SGD momentum go back into the bank.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import nn

from autospace.genome import Genome
from autospace.supernet.mixed_layer import GatedLayer, TiedPathLayers


SHARING = ("op", "cell")
"""Weight-sharing rules: ``op`` (cells share the tensors of an op on the same edge and their expand /
project convolutions) and ``cell`` (every cell its own tensors)."""


def path_key(layer: int, genome: Genome, name: str, position: int | None = None, sharing: str = "op") -> str:
    """The bank key of tensor ``name`` of the cell ``genome`` built at searchable ``layer`` (at
    cell ``position`` of a cell-tied layer); with ``sharing="cell"`` the key names the whole cell, so
    no other cell shares it."""
    parts = name.split(".")
    if len(parts) > 1 and parts[0] == "edges":
        u, v = (int(n) for n in parts[1].split("_"))
        parts[1] = f"{parts[1]}.{genome.edge_ops[(u, v)]}"
    where = f"L{layer}/" if position is None else f"L{layer}/p{position}/"
    if sharing == "cell":
        where += "c" + ",".join(genome.ops) + "/"
    return f"{where}e{genome.ratio}/" + ".".join(parts)


def named_tensors(module: nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    """Parameters and floating-point buffers (not BatchNorm's batch counters)."""
    yield from module.named_parameters()
    for name, buf in module.named_buffers():
        if buf.is_floating_point():
            yield name, buf


def _tie(module: nn.Module, name: str, tensor: torch.Tensor) -> None:
    """Make ``module``'s parameter or buffer ``name`` the very tensor ``tensor``."""
    owner_name, _, leaf = name.rpartition(".")
    owner = module.get_submodule(owner_name) if owner_name else module
    if leaf in owner._parameters:
        owner._parameters[leaf] = tensor  # type: ignore[assignment]
    else:
        owner._buffers[leaf] = tensor


def tie_by_key(network: nn.Module, layers: Sequence[GatedLayer], candidates: Sequence[Sequence[Genome]],
               sharing: str = "op") -> dict[str, torch.Tensor]:
    """Key every tensor of a supernet (``network.stem`` / ``network.head``, the stages' entry
    blocks, and path ``k`` of searchable layer ``l`` built from ``candidates[l][k]``, at each of
    its positions, under the ``sharing`` rule of `path_key`); the paths' tensors with the same key and
    shape become one tensor. Returns key -> live tensor."""
    named: dict[str, torch.Tensor] = {}
    for part in ("stem", "entries", "head"):
        named.update({f"{part}/{n}": t for n, t in named_tensors(getattr(network, part))})
    for layer, (gated, cands) in enumerate(zip(layers, candidates)):
        positions = gated.positions if isinstance(gated, TiedPathLayers) else [gated]
        tied = isinstance(gated, TiedPathLayers)
        for position, mixed in enumerate(positions):
            for path, genome in zip(mixed.paths, cands):
                for name, tensor in list(named_tensors(path)):
                    key = path_key(layer, genome, name, position if tied else None, sharing)
                    if key in named and named[key].shape == tensor.shape:
                        _tie(path, name, named[key])
                    else:
                        named[key] = tensor
    return named


class WeightBank:
    """Trained tensors and their SGD momentum, by key."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}
        self.momentum: dict[str, torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self.tensors)

    @torch.no_grad()
    def load_into(self, named: dict[str, torch.Tensor]) -> None:
        """Copy the banked tensors into live ones of the same key and shape.

        Args:
            named: key -> live tensor.
        """
        for key, tensor in named.items():
            saved = self.tensors.get(key)
            if saved is not None and saved.shape == tensor.shape:
                tensor.copy_(saved.to(tensor.device))

    def restore_momentum(self, named: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer) -> None:
        """Seed an SGD optimizer with the banked momentum buffers of the parameters in ``named``.

        Args:
            named: key -> live tensor.
            optimizer: the weights' SGD optimizer.
        """
        for key, param in named.items():
            saved = self.momentum.get(key)
            if isinstance(param, nn.Parameter) and saved is not None and saved.shape == param.shape:
                optimizer.state[param]["momentum_buffer"] = saved.to(param.device).clone()

    @torch.no_grad()
    def store(self, named: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer) -> None:
        """Bank the tensors in ``named`` and the momentum buffers ``optimizer`` holds for them.

        Args:
            named: key -> live tensor.
            optimizer: the weights' SGD optimizer.
        """
        for key, tensor in named.items():
            self.tensors[key] = tensor.detach().to("cpu", copy=True)
            buf = optimizer.state.get(tensor, {}).get("momentum_buffer") if isinstance(tensor, nn.Parameter) else None
            if buf is not None:
                self.momentum[key] = buf.detach().to("cpu", copy=True)

    def state_dict(self) -> dict[str, dict[str, torch.Tensor]]:
        return {"tensors": dict(self.tensors), "momentum": dict(self.momentum)}

    def load_state_dict(self, state: dict[str, dict[str, torch.Tensor]]) -> None:
        self.tensors = dict(state.get("tensors", {}))
        self.momentum = dict(state.get("momentum", {}))
