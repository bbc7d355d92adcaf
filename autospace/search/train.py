"""Final training of a searched architecture from scratch.

SGD with Nesterov momentum, a per-step learning rate that warms up linearly for
``warmup_epochs`` and then follows a cosine to zero, label smoothing and weight decay. After every
epoch the state (weights, optimiser, RNG states, history) is written atomically to
``OUT/checkpoint.pt``; ``resume=True`` continues from it (loaded with ``weights_only=True``). At
the end: ``OUT/model.pt`` (the state dict) and ``OUT/metrics.json`` (top-1 on the validation
split, params, analytic MAdds and the FlopCounterMode measurement, per-epoch history).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from autospace.atomic import open_atomic, write_json
from autospace.data import DataSplit
from autospace.data.batches import epoch_batches
from autospace.errors import CheckpointError, ConfigError
from autospace.nn import Architecture, measure_cost
from autospace.search.config import as_dict, positive
from autospace.train.device import resolve_device
from autospace.train.loop import accuracy

CHECKPOINT = "checkpoint.pt"
MODEL = "model.pt"
METRICS = "metrics.json"


@dataclass(frozen=True)
class TrainConfig:
    """Final-training recipe; ``max_steps_per_epoch`` caps an epoch (smoke runs)."""

    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 4e-5
    warmup_epochs: int = 1
    label_smoothing: float = 0.1
    seed: int = 0
    device: str = "cpu"
    max_steps_per_epoch: int | None = None

    def __post_init__(self) -> None:
        positive("train", self, "epochs", "batch_size", "lr")
        if self.max_steps_per_epoch is not None:
            positive("train", self, "max_steps_per_epoch")
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"train.label_smoothing={self.label_smoothing!r} must be in [0, 1)")
        for name in ("momentum", "weight_decay", "warmup_epochs", "seed"):
            if getattr(self, name) < 0:
                raise ConfigError(f"train.{name}={getattr(self, name)!r} must be >= 0")
        resolve_device(self.device)


def lr_at(step: int, steps_per_epoch: int, config: TrainConfig) -> float:
    """Linear warmup over ``warmup_epochs``, then cosine decay to zero at the last step."""
    warmup = config.warmup_epochs * steps_per_epoch
    total = config.epochs * steps_per_epoch
    if step < warmup:
        return config.lr * (step + 1) / warmup
    progress = (step - warmup) / max(total - warmup, 1)
    return 0.5 * config.lr * (1 + math.cos(math.pi * min(progress, 1.0)))


def save_tensors(path: Path, obj: Any) -> None:
    """``torch.save`` atomically (a killed run leaves the previous file)."""
    with open_atomic(path) as fh:
        torch.save(obj, fh)


def load_checkpoint(path: Path, arch: Architecture, config: TrainConfig) -> dict[str, Any]:
    """The checkpoint in ``path``; it must belong to the same architecture and recipe."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as exc:
        raise CheckpointError(f"cannot read checkpoint {str(path)!r}: {exc}") from None
    if state.get("arch") != arch.to_dict()["genomes"]:
        raise CheckpointError(f"checkpoint {str(path)!r} was written for another architecture")
    if state.get("config") != as_dict(config):
        changed = sorted(k for k, v in as_dict(config).items() if state.get("config", {}).get(k) != v)
        raise CheckpointError(f"checkpoint {str(path)!r} was written with other settings: {changed}")
    return state


def steps_per_epoch(data: DataSplit, config: TrainConfig) -> int:
    n = len(data.train) // config.batch_size  # type: ignore[arg-type]
    if n < 1:
        raise ConfigError(f"train.batch_size={config.batch_size} exceeds the {len(data.train)} training images")  # type: ignore[arg-type]
    return n if config.max_steps_per_epoch is None else min(n, config.max_steps_per_epoch)


def train(
    arch: Architecture, data: DataSplit, config: TrainConfig, out: Path, *, resume: bool = False, progress: bool = True
) -> dict[str, Any]:
    """Train ``arch`` on ``data`` into ``out`` (which exists); returns the metrics written."""
    device = resolve_device(config.device)
    per_epoch = steps_per_epoch(data, config)
    torch.manual_seed(config.seed)
    model = arch.build().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                          weight_decay=config.weight_decay, nesterov=config.momentum > 0)
    gen = torch.Generator().manual_seed(config.seed)
    history: list[dict[str, Any]] = []
    start_epoch = 0
    if resume:
        state = load_checkpoint(out / CHECKPOINT, arch, config)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history, start_epoch = list(state["history"]), int(state["epoch"])
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    bar = tqdm(total=config.epochs * per_epoch, initial=start_epoch * per_epoch, disable=not progress,
               desc="train", unit="step")
    for epoch in range(start_epoch, config.epochs):
        model.train()
        running = 0.0
        for i, (x, y) in enumerate(epoch_batches(data.train, config.batch_size, gen)):
            if i >= per_epoch:
                break
            for group in opt.param_groups:
                group["lr"] = lr_at(epoch * per_epoch + i, per_epoch, config)
            loss = loss_fn(model(x.to(device)), y.to(device))
            if not torch.isfinite(loss):
                raise ConfigError(f"training diverged at epoch {epoch}: loss={float(loss)}; lower train.lr={config.lr}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += float(loss.detach())
            bar.update(1)
        top1 = accuracy(model, data.val, device)
        history.append({"epoch": epoch + 1, "train_loss": running / per_epoch, "val_top1": top1})
        bar.set_postfix(loss=f"{running / per_epoch:.3f}", top1=f"{top1:.4f}")
        save_tensors(out / CHECKPOINT, {
            "model": model.state_dict(), "optimizer": opt.state_dict(), "generator": gen.get_state(),
            "torch_rng": torch.get_rng_state(), "epoch": epoch + 1, "history": history,
            "arch": arch.to_dict()["genomes"], "config": as_dict(config),
        })
    bar.close()
    return _finish(arch, model.cpu(), data, config, out, history)


def _finish(arch: Architecture, model: nn.Module, data: DataSplit, config: TrainConfig, out: Path,
            history: list[dict[str, Any]]) -> dict[str, Any]:
    madds, params = arch.cost
    measured_madds, measured_params = measure_cost(model, arch.skeleton.input_shape)
    metrics = {
        "top1": history[-1]["val_top1"],
        "params": params,
        "madds": madds,
        "measured_madds": measured_madds,
        "measured_params": measured_params,
        "cost_model_exact": madds == measured_madds and params == measured_params,
        "epochs": config.epochs,
        "data": data.describe(),
        "config": as_dict(config),
        "history": history,
    }
    save_tensors(out / MODEL, model.state_dict())
    write_json(out / METRICS, metrics)
    return metrics


def check_train_out(out: str | os.PathLike[str], resume: bool) -> Path:
    """``out`` must be new or empty, or hold a checkpoint when resuming."""
    out = Path(out)
    if resume:
        if not (out / CHECKPOINT).is_file():
            raise CheckpointError(f"--resume: no {CHECKPOINT} in --out {str(out)!r}")
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {str(out)!r} already exists and is not empty (use --resume to continue a run)")
    return out
