"""`Network`: a skeleton's stem, one module per cell position, the stages' entry blocks and the
head, as one PyTorch module."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from autospace.errors import ConfigError
from autospace.genome import Genome
from autospace.nn.cell import build_cell
from autospace.nn.layers import conv_bn
from autospace.nn.ops import Cost, get_op, positive_int
from autospace.nn.skeleton import Skeleton, genomes_per_position, get_skeleton


class Network(nn.Module):
    """``head(layers(stem(x)))``: the assembled macro network.

    Args:
        stem: the stem module.
        layers: one module per cell position.
        head: pooling and classifier.
        entries: a stage's fixed entry block by position: ``entries[i]`` runs just before ``layers[i]``.
    """

    def __init__(self, stem: nn.Module, layers: Sequence[nn.Module], head: nn.Module,
                 entries: dict[int, nn.Module] | None = None) -> None:
        super().__init__()
        self.stem = stem
        self.layers = nn.ModuleList(layers)
        self.entries = nn.ModuleDict({str(i): module for i, module in (entries or {}).items()})
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for i, layer in enumerate(self.layers):
            if str(i) in self.entries:
                x = self.entries[str(i)](x)
            x = layer(x)
        return self.head(x)


def assemble(skeleton: Skeleton, layer_modules: Sequence[nn.Module], num_classes: int) -> Network:
    """A network from the stem, the given cell modules, the stages' entry blocks and the head.

    Args:
        skeleton: the skeleton.
        layer_modules: one module per cell position; module ``i`` maps ``(N, c_in, h, w)`` to
            ``(N, c_out, h/stride, w/stride)`` of ``skeleton.positions[i]`` (without ``shared_cell``
            the positions are the searchable layers).
        num_classes: the classifier's outputs.

    Returns:
        The network.

    Raises:
        ConfigError: the number of modules is not the skeleton's number of cell positions.
    """
    positive_int("num_classes", num_classes)
    if len(layer_modules) != skeleton.num_positions:
        raise ConfigError(f"skeleton {skeleton.name!r} has {skeleton.num_positions} cell positions; "
                          f"got {len(layer_modules)} layer_modules")
    spec = skeleton.stem
    stem: list[nn.Module] = [conv_bn(skeleton.in_channels, spec.channels, spec.kernel, spec.stride, relu6=spec.relu6)]
    c = spec.channels
    for genome, c_out in spec.cells:
        stem.append(build_cell(genome, c, c_out, 1))
        c = c_out
    entries = {e.before: get_op(e.op).build(e.position.c_in, e.position.c_out, e.position.stride)
               for e in skeleton.entries}
    c = skeleton.stages[-1].channels
    mix: list[nn.Module] = []
    if skeleton.head.channels is not None:
        mix, c = [conv_bn(c, skeleton.head.channels, 1)], skeleton.head.channels
    elif skeleton.head.bn_relu:
        mix = [nn.BatchNorm2d(c), nn.ReLU()]
    head = nn.Sequential(
        *mix, nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Dropout(skeleton.head.dropout), nn.Linear(c, num_classes)
    )
    return Network(nn.Sequential(*stem), layer_modules, head, entries)


def build_network(skeleton: Skeleton | str, genomes_per_layer: Genome | Sequence[Genome], num_classes: int,
                  build_rule: str = "live") -> Network:
    """The network of ``skeleton`` with one cell per layer.

    Args:
        skeleton: a `Skeleton` or a registered name.
        genomes_per_layer: one `Genome` per searchable layer, or one `Genome` for every position;
            with ``shared_cell`` also one per cell position.
        num_classes: the classifier's outputs.
        build_rule: ``"live"`` or ``"all"`` (`autospace.nn.plan`).

    Returns:
        The PyTorch network.
    """
    skeleton = get_skeleton(skeleton) if isinstance(skeleton, str) else skeleton
    genomes = genomes_per_position(skeleton, genomes_per_layer)
    cells = [build_cell(g, p.c_in, p.c_out, p.stride, build_rule) for p, g in zip(skeleton.positions, genomes)]
    return assemble(skeleton, cells, num_classes)


def measure_cost(module: nn.Module, input_shape: Sequence[int]) -> Cost:
    """The cost measured on a built module, to check the analytic model.

    Args:
        module: the module.
        input_shape: ``(C, H, W)`` of one image.

    Returns:
        ``(madds, params)``: FlopCounterMode FLOPs / 2 of one forward pass of a single zero image
        in eval mode, and ``sum(p.numel())``.
    """
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(torch.zeros((1, *input_shape)))
    finally:
        module.train(was_training)
    return counter.get_total_flops() // 2, sum(p.numel() for p in module.parameters())
