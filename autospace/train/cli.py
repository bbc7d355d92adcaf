"""``autospace train``: train a searched architecture from scratch into OUT.

Writes config.toml, model.pt, metrics.json and optionally model.onnx; ``--resume`` continues from
OUT/checkpoint.pt with the settings of OUT/config.toml. Without a progress bar (``--no-progress``,
or stderr not a terminal) it logs one line per epoch to stderr."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace import rundir
from autospace.atomic import write_json
from autospace.config import check_sections, parse_parts, parse_section, read_toml, to_table
from autospace.data.loading import NAMES, DataConfig, load_data
from autospace.errors import ConfigError
from autospace.nn import Architecture
from autospace.train.checkpoint import load_tensors
from autospace.train.device import resolve_device, torch_threads
from autospace.train.final import train_architecture
from autospace.train.onnx_export import FORMATS, check_export, export_onnx
from autospace.train.recipe import TrainRecipe

SECTIONS = ("train", "data")


@dataclass(frozen=True)
class TrainPlacement:
    """``[train]`` keys besides the recipe's: where the network trains."""

    device: str = "cpu"


# flag -> (section, key); every flag defaults to the key's default in that section's dataclass
FLAGS = {
    "data": ("data", "name"), "data_root": ("data", "root"), "data_seed": ("data", "seed"),
    **{key: ("train", key) for key in ("epochs", "batch_size", "lr", "momentum", "weight_decay", "warmup_epochs",
                                       "label_smoothing", "seed", "device", "max_steps_per_epoch")},
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="train a searched architecture from scratch",
                              description=__doc__)
    p.add_argument("--arch", required=True, help="architecture.json written by `autospace search`")
    p.add_argument("--out", required=True, help="output directory (new or empty, or with --resume)")
    p.add_argument("--config", help="TOML file with [train] (the recipe) and [data] sections")
    p.add_argument("--data", choices=NAMES, help="dataset (default digits); overrides data.name")
    p.add_argument("--data-root", help="data directory (MNIST defaults to ../shared/data/mnist)")
    p.add_argument("--data-seed", type=int, help="seed of the train/validation split")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--momentum", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--warmup-epochs", type=int)
    p.add_argument("--label-smoothing", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--device")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice); small networks "
                   "run fastest on 1, many times faster on a busy machine")
    p.add_argument("--max-steps-per-epoch", type=int, help="cap the steps of an epoch (smoke runs)")
    p.add_argument("--resume", action="store_true", help="continue the run in OUT (its config.toml, checkpoint.pt)")
    p.add_argument("--export", choices=FORMATS, help="also write OUT/model.onnx")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _sections(args: argparse.Namespace, num_classes: int) -> tuple[TrainRecipe, TrainPlacement, DataConfig]:
    """The [train] and [data] settings: --config, then the flags; with --resume, the run's own,
    which the flags and --config may repeat but not change."""
    given = {} if args.config is None else check_sections(read_toml(args.config), SECTIONS)
    for flag, (section, key) in FLAGS.items():
        if getattr(args, flag) is not None:
            given[section] = {**given.get(section, {}), key: getattr(args, flag)}
    base = check_sections(rundir.read_config(rundir.resume_dir(args.out)), SECTIONS) if args.resume else {}
    sections = {s: {**base.get(s, {}), **given.get(s, {})} for s in SECTIONS}
    sections["data"].setdefault("num_classes", num_classes)
    recipe, place = parse_parts((TrainRecipe, TrainPlacement), "train", sections["train"])
    data = parse_section(DataConfig, "data", sections["data"])
    if args.resume:
        saved = _tables(*parse_parts((TrainRecipe, TrainPlacement), "train", base.get("train")),
                        parse_section(DataConfig, "data", base.get("data")))
        for section, table in _tables(recipe, place, data).items():
            for key, value in table.items():
                if saved[section].get(key) != value:
                    raise ConfigError(f"{section}.{key}={value!r} differs from the run's {saved[section].get(key)!r}; "
                                      f"resume without changing it")
    return recipe, place, data


def _tables(recipe: TrainRecipe, place: TrainPlacement, data: DataConfig) -> dict[str, dict[str, Any]]:
    """The ``config.toml`` tables of a training run."""
    return {"train": {**to_table(recipe), **to_table(place)}, "data": to_table(data)}


def _log_epoch(entry: dict[str, Any], epochs: int) -> None:
    """One stderr line for a finished epoch (when there is no progress bar)."""
    print(f"epoch {entry['epoch']}/{epochs}  train loss {entry['train_loss']:.4f}  val top-1 {entry['val_top1']:.4f}",
          file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads must be >= 1, got {args.threads}")
    arch = Architecture.load(args.arch)
    recipe, place, data_config = _sections(args, arch.num_classes)
    device = resolve_device(place.device)
    check_export(args.export)
    out = Path(args.out) if args.resume else rundir.check_new(args.out)
    data = load_data(data_config, arch.skeleton)
    if tuple(data.input_shape) != arch.skeleton.input_shape or data.num_classes != arch.num_classes:
        raise ConfigError(
            f"data.name={data_config.name!r} has images {tuple(data.input_shape)} and {data.num_classes} classes; "
            f"the architecture expects {arch.skeleton.input_shape} and {arch.num_classes}"
        )
    if not args.resume:
        with rundir.staged(out) as stage:  # the run directory appears with its config.toml or not at all
            rundir.write_config(stage, _tables(recipe, place, data_config))
    resume = args.resume and (out / rundir.TRAIN_CHECKPOINT).is_file()  # else it was killed in epoch 1
    progress = not args.no_progress and sys.stderr.isatty()
    with torch_threads(args.threads):
        metrics = train_architecture(arch, data, recipe, out, device=device, resume=resume, progress=progress,
                                     on_epoch=None if progress else lambda entry: _log_epoch(entry, recipe.epochs))
        if args.export:
            model = arch.build()
            model.load_state_dict(load_tensors(out / rundir.MODEL))
            metrics["export"] = export_onnx(model, arch.skeleton.input_shape, out / rundir.ONNX_MODEL)
            write_json(out / rundir.METRICS, metrics)
    print(f"top-1 {metrics['top1']:.4f}  params {metrics['params']:,}  MAdds {metrics['madds']:,} "
          f"(measured {metrics['measured_madds']:,})  -> {out}")
    return 0
