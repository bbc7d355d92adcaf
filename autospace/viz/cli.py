"""`autospace plot`: figures and ``report.html`` for run directories, and Fig. 3 for several."""

from __future__ import annotations

import argparse
import sys

from autospace.errors import VizError
from autospace.files import check_target, path_arg
from autospace.viz.io import EvolveRunDir, load_run
from autospace.viz.report import (
    COMPARISON,
    build_report,
    check_formats,
    check_writable,
    compare_runs,
    save_figure,
    write_report,
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``autospace plot`` to its parser ``p``."""
    p.description = (
        "Write every applicable figure and report.html of each RUN_DIR (into RUN_DIR/figures, or OUT/<run name> "
        "with --out and several runs). With two or more evolution runs, also the convergence comparison (Fig. 3) "
        f"{COMPARISON}.<format> into --out, by default the first evolution run's figures directory; search and "
        "shrink runs are left out of it.")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", type=path_arg,
                   help="run directory written by `autospace evolve`, `search` or `shrink`")
    p.add_argument("--format", default="png", help="comma-separated figure formats: png, svg, pdf (default: png)")
    p.add_argument("--out", type=path_arg, help="output directory (see above)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    formats = check_formats(f.strip() for f in args.format.split(","))
    runs = [load_run(path) for path in args.runs]
    if args.out is None:
        outs = [r.path / "figures" for r in runs]
    elif len(runs) == 1:
        outs = [args.out]
    else:
        names = [r.name for r in runs]
        if len(set(names)) < len(names):
            raise VizError(f"--out with several runs writes OUT/<run name>, but run names repeat: {names}")
        outs = [args.out / name for name in names]
    # make every figure before writing any file, so bad data leaves nothing half-written
    reports = [build_report(r) for r in runs]
    evolution = [(r, out) for r, out in zip(runs, outs) if isinstance(r, EvolveRunDir)]
    comparison = compare_runs([r for r, _ in evolution]) if len(evolution) > 1 else None
    if len(runs) > 1 and comparison is None:
        print(f"autospace plot: note: {COMPARISON}: skipped, it needs two or more evolution runs", file=sys.stderr)
    for report, out in zip(reports, outs):  # nothing in the way of any file, before the first is written
        check_writable(report, out, formats)
    if comparison is not None:
        for fmt in formats:
            check_target((args.out or evolution[0][1]) / f"{COMPARISON}.{fmt}", "figure file", VizError)
    for report, out in zip(reports, outs):
        for note in report.notes:
            print(f"autospace plot: note: {report.run.path}: {note}", file=sys.stderr)
        print(write_report(report, out, formats))
    if comparison is not None:
        for path in save_figure(comparison, (args.out or evolution[0][1]) / COMPARISON, formats):
            print(path)
    return 0
