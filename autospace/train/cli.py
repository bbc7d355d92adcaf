"""``autospace train``: train a searched architecture from scratch into OUT.

Writes config.toml, model.pt, metrics.json and optionally model.onnx; ``--resume`` continues from
OUT/checkpoint.pt with the settings of OUT/config.toml. Without a progress bar (``--no-progress``,
or stderr not a terminal) it logs one line per epoch to stderr."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autospace import rundir
from autospace.config import check_sections, read_toml, to_table
from autospace.errors import ConfigError
from autospace.nn import Architecture

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
    p.add_argument("--data", help="dataset (default digits; an unknown name lists the known ones); "
                                  "overrides data.name")
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
    p.add_argument("--export", help="also write OUT/model.onnx (onnx: needs the onnx package)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def config_tables(recipe: Any, place: TrainPlacement, data: Any) -> dict[str, dict[str, Any]]:
    """The ``config.toml`` tables of a training run (a `TrainRecipe`, its placement, a `DataConfig`)."""
    return {"train": {**to_table(recipe), **to_table(place)}, "data": to_table(data)}


def run(args: argparse.Namespace) -> int:
    """Check the files, the flags that need no torch and OUT first (an error answers at once), then train."""
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads must be >= 1, got {args.threads}")
    arch = Architecture.load(args.arch)
    given = {} if args.config is None else check_sections(read_toml(args.config), SECTIONS)
    saved = check_sections(rundir.read_config(rundir.resume_dir(args.out)), SECTIONS) if args.resume else None
    out = Path(args.out) if args.resume else rundir.check_new(args.out)
    from autospace.train.command import train_command  # torch, from here on

    return train_command(args, arch, given, saved, out)
