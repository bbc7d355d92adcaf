"""The torch part of ``autospace train`` (`autospace.train.cli` checks files, flags and OUT first):
the ``[train]`` / ``[data]`` settings, the data, the training run and the export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from autospace import rundir
from autospace.atomic import write_json
from autospace.config import parse_parts, parse_section
from autospace.data.config import DataConfig
from autospace.data.loading import load_data
from autospace.errors import ConfigError
from autospace.nn import Architecture
from autospace.train.checkpoint import load_tensors
from autospace.train.cli import FLAGS, SECTIONS, TrainPlacement, config_tables
from autospace.train.device import resolve_device, torch_threads
from autospace.train.final import train_architecture
from autospace.train.onnx_export import check_export, export_onnx
from autospace.train.recipe import TrainRecipe


def resolve_settings(args: argparse.Namespace, num_classes: int, given: dict[str, Any],
                     saved: dict[str, Any] | None) -> tuple[TrainRecipe, TrainPlacement, DataConfig]:
    """The [train] and [data] settings: ``given`` (--config), then the flags; with --resume
    (``saved``: the run's own tables), the run's, which the flags and --config may repeat but not change."""
    given = {section: dict(table) for section, table in given.items()}
    for flag, (section, key) in FLAGS.items():
        if getattr(args, flag) is not None:
            given[section] = {**given.get(section, {}), key: getattr(args, flag)}
    base = saved or {}
    sections = {s: {**base.get(s, {}), **given.get(s, {})} for s in SECTIONS}
    sections["data"].setdefault("num_classes", num_classes)
    recipe, place = parse_parts((TrainRecipe, TrainPlacement), "train", sections["train"])
    data = parse_section(DataConfig, "data", sections["data"])
    if saved is not None:
        before = config_tables(*parse_parts((TrainRecipe, TrainPlacement), "train", base.get("train")),
                               parse_section(DataConfig, "data", base.get("data")))
        for section, table in config_tables(recipe, place, data).items():
            for key, value in table.items():
                if before[section].get(key) != value:
                    raise ConfigError(f"{section}.{key}={value!r} differs from the run's {before[section].get(key)!r}; "
                                      f"resume without changing it")
    return recipe, place, data


def _log_epoch(entry: dict[str, Any], epochs: int) -> None:
    """One stderr line for a finished epoch (when there is no progress bar)."""
    print(f"epoch {entry['epoch']}/{epochs}  train loss {entry['train_loss']:.4f}  val top-1 {entry['val_top1']:.4f}",
          file=sys.stderr, flush=True)


def train_command(args: argparse.Namespace, arch: Architecture, given: dict[str, Any], saved: dict[str, Any] | None,
                  out: Path) -> int:
    """The rest of ``autospace train`` once `autospace.train.cli.run` has checked the files and OUT."""
    recipe, place, data_config = resolve_settings(args, arch.num_classes, given, saved)
    device = resolve_device(place.device)
    check_export(args.export)
    data = load_data(data_config, arch.skeleton)
    if tuple(data.input_shape) != arch.skeleton.input_shape or data.num_classes != arch.num_classes:
        raise ConfigError(
            f"data.name={data_config.name!r} has images {tuple(data.input_shape)} and {data.num_classes} classes; "
            f"the architecture expects {arch.skeleton.input_shape} and {arch.num_classes}"
        )
    if not args.resume:
        with rundir.staged(out) as stage:  # the run directory appears with its config.toml or not at all
            rundir.write_config(stage, config_tables(recipe, place, data_config))
    resume = args.resume and (out / rundir.TRAIN_CHECKPOINT).is_file()  # else it was killed in epoch 1
    progress = not (args.no_progress or args.quiet) and sys.stderr.isatty()
    log = None if progress or args.quiet else lambda entry: _log_epoch(entry, recipe.epochs)
    with torch_threads(args.threads):
        metrics = train_architecture(arch, data, recipe, out, device=device, resume=resume, progress=progress,
                                     on_epoch=log)
        if args.export:
            model = arch.build()
            model.load_state_dict(load_tensors(out / rundir.MODEL))
            metrics["export"] = export_onnx(model, arch.skeleton.input_shape, out / rundir.ONNX_MODEL)
            write_json(out / rundir.METRICS, metrics)
    print(f"done: {recipe.epochs} epochs, top-1 {metrics['top1']:.4f}  params {metrics['params']:,}  "
          f"MAdds {metrics['madds']:,} (measured {metrics['measured_madds']:,})  -> {out}")
    return 0
