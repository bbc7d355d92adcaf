"""WDG extraction from model definitions: one forward pass with hooks on the leaf modules records
the layers in execution order (architectures only: random init, never pretrained weights; on the
``meta`` device by default, so nothing is allocated or computed).

Each recorded module becomes a `LayerSpec` of the macro vocabulary: Conv2d (``out_channels``,
``kernel_size``: the largest side of a non-square kernel; groups, stride and dilation are not
recorded), Max/AvgPool2d (``kernel_size``), AdaptiveAvgPool2d (``output_size``, its largest
side), BatchNorm2d, ReLU, ReLU6, Dropout (``p``), Linear (``out_features``) and autospace's own
`Bottleneck` (recorded whole). Other leaf types are counted in `WDG.skipped`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from autospace.errors import ConfigError, UnknownNameError
from autospace.macro.build import Bottleneck
from autospace.macro.layers import LayerSpec
from autospace.macro.space import ZOO
from autospace.macro.wdg import WDG

MODEL_KWARGS: dict[str, dict[str, Any]] = {"googlenet": {"aux_logits": False, "init_weights": False}}
"""Constructor arguments per zoo model: GoogLeNet without its auxiliary heads (which only run in
training) and without its slow truncated-normal init (the weights are never used)."""


def _largest(value: int | Sequence[int]) -> int:
    return int(value) if isinstance(value, int) else int(max(value))


def layer_spec(module: nn.Module) -> LayerSpec | None:
    """The macro layer a module is recorded as (None: outside the vocabulary)."""
    if isinstance(module, nn.Conv2d):
        return LayerSpec.of("Conv2d", out_channels=module.out_channels, kernel_size=_largest(module.kernel_size))
    if isinstance(module, Bottleneck):
        conv = module.body[3]
        return LayerSpec.of("Bottleneck", planes=conv.out_channels, stride=_largest(conv.stride))
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        return LayerSpec.of(type(module).__name__, kernel_size=_largest(module.kernel_size))
    if isinstance(module, nn.AdaptiveAvgPool2d) and module.output_size is not None:
        sizes = [module.output_size] if isinstance(module.output_size, int) else module.output_size
        if all(s is not None for s in sizes):
            return LayerSpec.of("AdaptiveAvgPool2d", output_size=_largest(sizes))
    if type(module) in (nn.BatchNorm2d, nn.ReLU, nn.ReLU6):
        return LayerSpec.of(type(module).__name__)
    if isinstance(module, nn.Dropout):
        return LayerSpec.of("Dropout", p=float(module.p))
    if isinstance(module, nn.Linear):
        return LayerSpec.of("Linear", out_features=module.out_features)
    return None


def extract_wdg(model: nn.Module, input_shape: Sequence[int] = (3, 224, 224), name: str | None = None,
                device: str | torch.device = "meta") -> WDG:
    """The WDG of a model, from one eval-mode forward pass of a ``(1, *input_shape)`` input.

    Args:
        model: any ``nn.Module``; it is moved to ``device``.
        input_shape: ``(c, h, w)`` of the input.
        name: the WDG's name (default: the model's class name).
        device: where the pass runs; on ``meta`` no memory is used and nothing computed.

    Returns:
        The model's weighted directed graph (leaf modules outside the vocabulary counted in
        ``skipped``).
    """
    model = model.to(device).eval()
    layers: list[LayerSpec] = []
    skipped: Counter[str] = Counter()
    blocks = [m for m in model.modules() if isinstance(m, Bottleneck)]
    inside = {id(sub) for block in blocks for sub in block.modules() if sub is not block}

    def record(module: nn.Module, _inputs: Any, _output: Any) -> None:
        spec = layer_spec(module)
        if spec is None:
            skipped[type(module).__name__] += 1
        else:
            layers.append(spec)

    hooks = [m.register_forward_hook(record) for m in model.modules()
             if id(m) not in inside and (isinstance(m, Bottleneck) or not any(m.children()))]
    try:
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), device=device))
    finally:
        for hook in hooks:
            hook.remove()
    return WDG.from_layers(name or type(model).__name__, layers, skipped)


def zoo_model(name: str) -> Callable[[], nn.Module]:
    """A builder of the zoo model ``name`` (random init, no weights); an unknown name is an error."""
    if name not in ZOO:
        raise UnknownNameError(f"lcmnas.zoo: {name!r} is not a zoo model; choose from {list(ZOO)}")
    from torchvision import models

    return lambda: models.get_model(name, weights=None, **MODEL_KWARGS.get(name, {}))


def extract_zoo(names: Sequence[str] = ZOO, input_shape: Sequence[int] = (3, 224, 224)) -> list[WDG]:
    """The WDG of each zoo model, built and run on the ``meta`` device (no weights).

    Args:
        names: torchvision model names (default: the whole zoo).
        input_shape: ``(c, h, w)`` of the input.

    Returns:
        One WDG per model, in order.

    Raises:
        ConfigError: no model named.
        UnknownNameError: a name outside the zoo.
    """
    if not names:
        raise ConfigError("lcmnas.zoo is empty; name at least one model")
    out = []
    for name in names:
        build = zoo_model(name)
        with torch.device("meta"):
            model = build()
        out.append(extract_wdg(model, input_shape, name))
    return out
