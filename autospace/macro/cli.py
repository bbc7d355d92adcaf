"""`autospace macro`: LCMNAS's WDGs and macro genomes on the command line.

* ``autospace macro extract --out DIR [--zoo NAME ...]``: the WDG of each zoo model (default: the
  whole zoo) as ``DIR/NAME.json`` (extracted on the meta device; DIR must be new or empty).
* ``autospace macro show FILE [--json]``: a macro genome JSON as its layer chain with the output
  shape, MAdds and parameters of every layer.
* ``autospace macro retrain RUN_DIR [--top 10] [--epochs 10] [--final-epochs 0] [--final-lr 0.025]``:
  LCMNAS's last step on a finished macro run (`autospace.macro.retrain`), written to
  ``RUN_DIR/retrain.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from autospace import rundir
from autospace.errors import ConfigError
from autospace.genome.genome import load_document
from autospace.macro.cost import layer_cost
from autospace.macro.genome import MacroGenome
from autospace.macro.space import ZOO, MacroSettings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("macro", help="LCMNAS: extract WDGs from the zoo, show a macro genome, retrain a run's best")
    p.add_argument("action", choices=["extract", "show", "retrain"],
                   help="extract: zoo WDGs to --out; show: a genome FILE; retrain: the top networks of run FILE")
    p.add_argument("file", nargs="?", type=Path, help="macro genome JSON (show) or macro run directory (retrain)")
    p.add_argument("--top", type=int, default=10, help="retrain: networks retrained (default 10)")
    p.add_argument("--epochs", type=int, default=10, help="retrain: epochs on the run's split (default 10)")
    p.add_argument("--final-epochs", type=int, default=0,
                   help="retrain: epochs of the best on the whole training set (default 0: test it as retrained)")
    p.add_argument("--final-lr", type=float, default=0.025, help="retrain: the final training's lr (default 0.025)")
    p.add_argument("--out", type=Path, help="folder for the WDG JSON files (extract)")
    p.add_argument("--zoo", nargs="+", default=list(ZOO), metavar="NAME", help="zoo models (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output (show)")
    p.set_defaults(func=run)


def chain_rows(genome: MacroGenome) -> list[dict[str, object]]:
    """One row per layer: index, type, hyper-parameters, output shape, MAdds, parameters."""
    rows, shape = [], genome.input_shape
    for i, (layer, out) in enumerate(zip(genome.layers, genome.shapes)):
        madds, params = layer_cost(layer, shape, out)
        rows.append({"layer": i, "type": layer.type, **layer.fields, "shape": list(out), "madds": madds,
                     "params": params})
        shape = out
    return rows


def run(args: argparse.Namespace) -> int:
    if args.action == "retrain":
        return _retrain(args)
    if args.action == "show":
        if args.file is None:
            raise ConfigError("autospace macro show needs a macro genome FILE")
        genome = load_document(args.file, "macro genome", MacroGenome.from_dict)
        rows = chain_rows(genome)
        if args.json:
            print(json.dumps(rows))
            return 0
        for row in rows:
            extra = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("layer", "type", "shape", "madds", "params"))
            print(f"{row['layer']:>4} {row['type']:<18} {extra:<34} {row['shape']!s:<16} "
                  f"{row['madds']:>12,} MAdds {row['params']:>10,} params")
        return 0
    if args.out is None:
        raise ConfigError("autospace macro extract needs --out (a new or empty folder)")
    MacroSettings(zoo=tuple(args.zoo))  # unknown names fail before anything is written
    rundir.check_new(args.out)
    from autospace.macro.extract import extract_zoo

    wdgs = extract_zoo(args.zoo)
    with rundir.staged(args.out) as stage:
        for wdg in wdgs:
            wdg.save(stage / f"{wdg.name}.json")
    print(f"{len(wdgs)} WDGs in {args.out}")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    if args.file is None or not args.file.is_dir():
        raise ConfigError(f"autospace macro retrain needs a macro run directory, got {str(args.file)!r}")
    from autospace.macro.retrain import RetrainSettings, retrain_run

    settings = RetrainSettings(args.top, args.epochs, args.final_epochs, args.final_lr)  # checked before any data loads
    result = retrain_run(args.file, settings)
    for row in result["retrained"]:
        print(f"#{row['rank']:<3} search fitness {row['search_fitness']:9.4f}  val accuracy {row['val_accuracy']:.4f}  "
              f"{row['madds']:>12,} MAdds {row['params']:>10,} params")
    print(f"best #{result['best_rank']}: {result['test_set']} accuracy {result['test_accuracy']:.4f} "
          f"({args.file / 'retrain.json'})")
    return 0
