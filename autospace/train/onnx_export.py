"""ONNX export of a trained network (``torch.onnx.export``), checked in onnxruntime when installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import torch
from torch import nn

from autospace.errors import ConfigError

FORMATS = ("onnx",)


def check_export(fmt: str | None) -> None:
    """Fail early (before training) when ``--export`` cannot be honoured."""
    if fmt is None:
        return
    if fmt not in FORMATS:
        raise ConfigError(f"--export={fmt!r} is not one of {list(FORMATS)}")
    if importlib.util.find_spec("onnx") is None:
        raise ConfigError("--export onnx needs the 'onnx' package (pip install 'autospace[onnx]')")


def export_onnx(model: nn.Module, input_shape: tuple[int, int, int], path: Path) -> dict[str, Any]:
    """Write ``path``; when onnxruntime is installed, run it on a random batch and compare with torch."""
    model = model.cpu().eval()
    x = torch.randn((2, *input_shape), generator=torch.Generator().manual_seed(0))
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        torch.onnx.export(model, (x,), str(tmp), input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    info: dict[str, Any] = {"path": path.name, "onnxruntime_max_abs_diff": None}
    if importlib.util.find_spec("onnxruntime") is not None:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (logits,) = session.run(None, {"input": x.numpy()})
        with torch.no_grad():
            info["onnxruntime_max_abs_diff"] = float((torch.from_numpy(logits) - model(x)).abs().max())
    return info
