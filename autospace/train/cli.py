"""``autospace train``: train a searched architecture from scratch into OUT (its ``--help`` says
what it writes); files, flags and OUT are checked here before torch loads."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from autospace import rundir
from autospace.cli import THREADS_HELP
from autospace.config import check_sections, read_toml, to_table
from autospace.errors import ConfigError
from autospace.files import path_arg
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


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``autospace train`` to its parser ``p``."""
    p.description = (
        "Train a searched architecture (architecture.json) from scratch into OUT: config.toml, checkpoint.pt after "
        "every epoch, model.pt and metrics.json at the end, and model.onnx with --export onnx. --resume continues "
        "from OUT/checkpoint.pt with the settings of OUT/config.toml. Without a progress bar (--no-progress, or "
        "stderr not a terminal) it logs one line per epoch to stderr.")
    p.add_argument("--arch", type=path_arg, required=True, help="architecture.json written by `autospace search`")
    p.add_argument("--out", type=path_arg, required=True, help="run directory (new or empty, or with --resume)")
    p.add_argument("--config", type=path_arg, help="TOML file with [train] (the recipe) and [data] sections")
    p.add_argument("--data", help="dataset (default digits; an unknown name lists the known ones); "
                                  "overrides data.name")
    p.add_argument("--data-root", help="data directory or archive (MNIST defaults to ../shared/data/mnist)")
    p.add_argument("--data-seed", type=int, help="seed of the train/validation split (overrides data.seed)")
    p.add_argument("--epochs", type=int, help="epochs of training (overrides train.epochs; default 10)")
    p.add_argument("--batch-size", type=int, help="images per step (overrides train.batch_size; default 64)")
    p.add_argument("--lr", type=float, help="peak learning rate of the cosine schedule (overrides train.lr; "
                                            "default 0.05)")
    p.add_argument("--momentum", type=float, help="SGD momentum (overrides train.momentum; default 0.9)")
    p.add_argument("--weight-decay", type=float, help="SGD weight decay (overrides train.weight_decay; "
                                                      "default 4e-5)")
    p.add_argument("--warmup-epochs", type=int, help="epochs of linear learning-rate warm-up (overrides "
                                                     "train.warmup_epochs; default 1)")
    p.add_argument("--label-smoothing", type=float, help="label smoothing in [0, 1) (overrides "
                                                         "train.label_smoothing; default 0.1)")
    p.add_argument("--seed", type=int, help="seed of initialisation and batch order (overrides train.seed)")
    p.add_argument("--device", help="cpu, cuda, cuda:N or auto (overrides train.device; default cpu)")
    p.add_argument("--threads", type=int, help=THREADS_HELP)
    p.add_argument("--max-steps-per-epoch", type=int, help="cap the steps of an epoch (smoke runs)")
    p.add_argument("--resume", action="store_true", help="continue the run in OUT (its config.toml, checkpoint.pt)")
    p.add_argument("--export", help="also write OUT/model.onnx (onnx: needs the onnx package)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (one log line per epoch instead)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch log lines")
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
    if args.resume:  # every file the run writes, before any work
        written = (rundir.CONFIG, rundir.TRAIN_CHECKPOINT, rundir.MODEL, rundir.METRICS, rundir.ONNX_MODEL)
        rundir.check_outputs(args.out, written if args.export else written[:-1])
    out = args.out if args.resume else rundir.check_new(args.out, "--resume")
    from autospace.train.command import train_command  # torch, from here on

    return train_command(args, arch, given, saved, out)
