"""`autospace macro`: LCMNAS's WDGs and macro genomes on the command line, one sub-parser per action.

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
import stat

from autospace import rundir
from autospace.errors import ConfigError
from autospace.files import path_arg, stat_path
from autospace.genome.genome import load_document
from autospace.macro.cost import layer_cost
from autospace.macro.genome import MacroGenome
from autospace.macro.space import ZOO, MacroSettings


ACTIONS = ("extract", "show", "retrain")


def reorder_args(argv: list[str]) -> list[str]:
    """``argv`` with the action moved right after ``macro`` when options came first
    (``macro --zoo alexnet extract --out w``: ``--zoo`` would otherwise take ``extract`` as a model)."""
    start = argv.index("macro") + 1 if "macro" in argv else 0
    if start >= len(argv) or argv[start] in ACTIONS:
        return argv
    action = next((i for i in range(start, len(argv)) if argv[i] in ACTIONS), None)
    if action is None:
        return argv
    return [*argv[:start], argv[action], *argv[start:action], *argv[action + 1:]]


def register(p: argparse.ArgumentParser) -> None:
    """Add the actions of ``autospace macro`` and their arguments to its parser ``p``: each action
    has its own flags, so a flag of another action is refused rather than ignored."""
    p.description = ("LCMNAS on the command line: extract the WDGs of the zoo's models, show a macro genome as its "
                     "layer chain, retrain the best networks of a finished macro run.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(p))
    summary = "the WDG of each zoo model as OUT/NAME.json (extracted on the meta device; no download)"
    extract = actions.add_parser("extract", help=summary, description=summary[0].upper() + summary[1:] + ".")
    extract.add_argument("--out", type=path_arg, required=True, help="folder for the WDG JSON files (new or empty)")
    extract.add_argument("--zoo", nargs="+", default=list(ZOO), metavar="NAME",
                         help=f"zoo models, each once (default: all {len(ZOO)})")
    summary = "a macro genome JSON as its layer chain: output shape, MAdds and parameters of every layer"
    show = actions.add_parser("show", help=summary, description=summary[0].upper() + summary[1:] + ".")
    show.add_argument("file", type=path_arg, metavar="FILE", help="macro genome JSON (a learned space's genome entry)")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    summary = (f"LCMNAS's last step: the top networks of a finished macro run retrained on the run's own split, the "
               f"best tested; written to RUN_DIR/{rundir.RETRAIN}")
    retrain = actions.add_parser("retrain", help=summary, description=summary[0].upper() + summary[1:] + ".")
    retrain.add_argument("run_dir", type=path_arg, metavar="RUN_DIR", help="a finished macro run (strategy lcmnas)")
    retrain.add_argument("--top", type=int, default=10, help="networks retrained (default 10)")
    retrain.add_argument("--epochs", type=int, default=10, help="epochs on the run's split (default 10)")
    retrain.add_argument("--final-epochs", type=int, default=0,
                         help="epochs of the best on the whole training set (default 0: test it as retrained)")
    retrain.add_argument("--final-lr", type=float, default=0.025, help="the final training's lr (default 0.025)")
    retrain.add_argument("--quiet", action="store_true", help="no progress bar")
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
    """``autospace macro ACTION``."""
    if args.action == "retrain":
        return _retrain(args)
    if args.action == "show":
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
    MacroSettings(zoo=tuple(args.zoo))  # unknown or repeated names fail before anything is written
    rundir.check_new(args.out)
    from autospace.macro.extract import extract_zoo

    wdgs = extract_zoo(args.zoo)
    with rundir.staged(args.out) as stage:
        for wdg in wdgs:
            wdg.save(stage / f"{wdg.name}.json")
    print(f"done: {len(wdgs)} WDGs in {args.out}")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    status = stat_path(args.run_dir, "RUN_DIR", ConfigError)
    if status is None or not stat.S_ISDIR(status.st_mode):
        raise ConfigError(f"autospace macro retrain needs a macro run directory, got {str(args.run_dir)!r}")
    rundir.check_outputs(args.run_dir, (rundir.RETRAIN,))
    from autospace.macro.retrain import RetrainSettings, retrain_run

    settings = RetrainSettings(args.top, args.epochs, args.final_epochs, args.final_lr)  # checked before any data loads
    result = retrain_run(args.run_dir, settings, progress=not args.quiet)
    for row in result["retrained"]:
        print(f"#{row['rank']:<3} search fitness {row['search_fitness']:9.4f}  val accuracy {row['val_accuracy']:.4f}  "
              f"{row['madds']:>12,} MAdds {row['params']:>10,} params")
    print(f"done: best #{result['best_rank']}: {result['test_set']} accuracy {result['test_accuracy']:.4f} "
          f"({args.run_dir / rundir.RETRAIN})")
    return 0
