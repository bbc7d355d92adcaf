"""``autospace train``: train a searched architecture from scratch; model.pt, metrics.json,
optional ONNX export; ``--resume`` continues from OUT/checkpoint.pt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from autospace.atomic import write_json
from autospace.errors import ConfigError
from autospace.nn import Architecture
from autospace.search.data import NAMES, DataConfig, load_data
from autospace.search.onnx_export import FORMATS, check_export, export_onnx
from autospace.search.train import METRICS, TrainConfig, check_train_out, train

_RECIPE = ("epochs", "batch_size", "lr", "momentum", "weight_decay", "warmup_epochs", "label_smoothing", "seed",
           "device", "max_steps_per_epoch")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="train a searched architecture from scratch",
                              description=__doc__.splitlines()[0])
    p.add_argument("--arch", required=True, help="architecture.json written by `autospace search`")
    p.add_argument("--out", required=True, help="output directory (new or empty, or with --resume)")
    p.add_argument("--data", default="digits", choices=NAMES, help="dataset (default digits)")
    p.add_argument("--data-root", help="data directory (MNIST defaults to ../shared/data/mnist)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the train/validation split")
    defaults = TrainConfig()
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--batch-size", type=int, default=defaults.batch_size)
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--momentum", type=float, default=defaults.momentum)
    p.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    p.add_argument("--warmup-epochs", type=int, default=defaults.warmup_epochs)
    p.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--device", default=defaults.device)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice); small networks "
                   "run fastest on 1, many times faster on a busy machine")
    p.add_argument("--max-steps-per-epoch", type=int, help="cap the steps of an epoch (smoke runs)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--export", choices=FORMATS, help="also write OUT/model.onnx")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    config = TrainConfig(**{k: getattr(args, k) for k in _RECIPE})
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads must be >= 1, got {args.threads}")
    arch = Architecture.load(args.arch)
    check_export(args.export)
    out = check_train_out(args.out, args.resume)
    data = load_data(DataConfig(name=args.data, root=args.data_root, seed=args.data_seed,
                                num_classes=arch.num_classes), arch.skeleton)
    if tuple(data.input_shape) != arch.skeleton.input_shape or data.num_classes != arch.num_classes:
        raise ConfigError(
            f"--data {args.data!r} has images {tuple(data.input_shape)} and {data.num_classes} classes; the "
            f"architecture expects {arch.skeleton.input_shape} and {arch.num_classes}"
        )
    out.mkdir(parents=True, exist_ok=True)
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    metrics = train(arch, data, config, out, resume=args.resume, progress=not args.no_progress and sys.stderr.isatty())
    if args.export:
        model = arch.build()
        import torch

        model.load_state_dict(torch.load(out / "model.pt", map_location="cpu", weights_only=True))
        metrics["export"] = export_onnx(model, arch.skeleton.input_shape, Path(out) / "model.onnx")
        write_json(out / METRICS, metrics)
    print(f"top-1 {metrics['top1']:.4f}  params {metrics['params']:,}  MAdds {metrics['madds']:,} "
          f"(measured {metrics['measured_madds']:,})  -> {out}")
    return 0
