"""Final training of a searched architecture from scratch (``autospace train``) with a `TrainRecipe`.

After every epoch the state (trainer, global RNG, history) is written atomically to
``OUT/checkpoint.pt``, from which ``resume=True`` continues. At the end: ``OUT/model.pt`` (the state
dict) and ``OUT/metrics.json`` (validation top-1, params, analytic and measured MAdds, history).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from tqdm import tqdm

from autospace.atomic import write_json
from autospace.data import DataSplit
from autospace.errors import CheckpointError
from autospace.nn import measure_cost
from autospace.rundir import METRICS, MODEL, TRAIN_CHECKPOINT
from autospace.train.checkpoint import load_tensors, save_tensors
from autospace.train.device import resolve_device, seeded
from autospace.train.loop import StandaloneTrainer, accuracy
from autospace.train.recipe import TrainRecipe

if TYPE_CHECKING:
    from autospace.nn import Architecture


def train_architecture(arch: Architecture, data: DataSplit, recipe: TrainRecipe, out: Path, *,
                       device: str | torch.device = "cpu", resume: bool = False, progress: bool = True,
                       on_epoch: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Train ``arch`` from scratch on ``data`` into ``out``, checkpointing every epoch.

    Writes ``checkpoint.pt`` every epoch, then ``model.pt`` and ``metrics.json`` (docs/guide/formats.md).

    Args:
        arch: the architecture (`autospace.search.search_architecture` finds one).
        data: the dataset split.
        recipe: how to train.
        out: an existing directory.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``.
        resume: continue from ``out/checkpoint.pt``.
        progress: show a progress bar.
        on_epoch: called with each epoch's history entry once it is checkpointed.

    Returns:
        The metrics written: top-1, analytic and measured MAdds and params, the recipe and data.

    Raises:
        CheckpointError: ``resume`` from a checkpoint that does not fit ``arch`` and ``recipe``.
        TrainingDiverged: a non-finite loss.
    """
    device = resolve_device(device)
    with seeded(recipe.seed):  # init and dropout; the caller's random stream is restored after
        trainer = StandaloneTrainer(arch.build(), data.train, recipe, device)
        history: list[dict[str, Any]] = []
        if resume:
            state = _resume_state(out / TRAIN_CHECKPOINT, arch, recipe)
            try:
                trainer.load_state_dict(state["trainer"])
                torch.set_rng_state(state["torch_rng"])
            except (KeyError, TypeError, ValueError, RuntimeError) as exc:
                reason = str(exc).split("\n")[0]
                raise CheckpointError(f"checkpoint {str(out / TRAIN_CHECKPOINT)!r} does not fit: {reason}") from None
            history = list(state["history"])
        bar = tqdm(total=trainer.total_steps, initial=trainer.step, disable=not progress, desc="train", unit="step")
        for epoch in range(len(history), recipe.epochs):
            loss = trainer.train_epoch(on_step=lambda: bar.update(1))
            top1 = accuracy(trainer.model, data.val, device)
            history.append({"epoch": epoch + 1, "train_loss": loss, "val_top1": top1})
            bar.set_postfix(loss=f"{loss:.3f}", top1=f"{top1:.4f}")
            save_tensors(out / TRAIN_CHECKPOINT, {
                "trainer": trainer.state_dict(), "torch_rng": torch.get_rng_state(), "history": history,
                "arch": arch.to_dict()["genomes"], "recipe": recipe.to_dict(),
            })
            if on_epoch is not None:
                on_epoch(history[-1])
        bar.close()
        return _finish(arch, trainer.model.cpu(), data, recipe, device, out, history)


def _resume_state(path: Path, arch: Architecture, recipe: TrainRecipe) -> dict[str, Any]:
    """The checkpoint in ``path``; it must belong to the same architecture and recipe."""
    state = load_tensors(path)
    if not isinstance(state, dict) or not isinstance(state.get("trainer"), dict) or \
            not {"model", "optimizer", "scheduler", "generator", "step"} <= set(state["trainer"]) or \
            not {"torch_rng", "history"} <= set(state):
        raise CheckpointError(f"checkpoint {str(path)!r} is not a training checkpoint (trainer, torch_rng, history)")
    if state.get("arch") != arch.to_dict()["genomes"]:
        raise CheckpointError(f"checkpoint {str(path)!r} was written for another architecture")
    if state.get("recipe") != recipe.to_dict():
        changed = sorted(k for k, v in recipe.to_dict().items() if state.get("recipe", {}).get(k) != v)
        raise CheckpointError(f"checkpoint {str(path)!r} was written with other settings: {changed}")
    return state


def _finish(arch: Architecture, model: nn.Module, data: DataSplit, recipe: TrainRecipe, device: torch.device,
            out: Path, history: list[dict[str, Any]]) -> dict[str, Any]:
    madds, params = arch.cost
    measured_madds, measured_params = measure_cost(model, arch.skeleton.input_shape)
    metrics = {
        "top1": history[-1]["val_top1"], "params": params, "madds": madds, "measured_madds": measured_madds,
        "measured_params": measured_params, "cost_model_exact": madds == measured_madds and params == measured_params,
        "epochs": recipe.epochs, "data": data.describe(), "recipe": recipe.to_dict(), "device": str(device),
        "history": history,
    }
    save_tensors(out / MODEL, model.state_dict())
    write_json(out / METRICS, metrics)
    return metrics
