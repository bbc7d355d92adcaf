"""Tables and the figure of the fixed-population protocol (issue 23, §2-3) from `nb201_fitness_protocol.py`'s
per-sample JSON files.

Every fitness *read-out* is formed from one training run's per-round log, exactly as the ``supernet``
evaluator and the engine would form it (the fixed population's sampling does not depend on the fitness,
and with uniform weight sampling neither do the weights):

* ``alpha``: the learned alpha, blended across rounds by Eq. 5 (the paper; the run's own fitness).
* ``val_loss`` / ``val_accuracy``: minus the one-shot validation loss / the accuracy of the round's
  paths after BatchNorm re-estimation, by Eq. 5 (``fitness = "val_loss"`` / ``"val_accuracy"``);
  ``*_z``: each round's scores standardised over the round's paths first (removes the drift of the
  loss as training goes on); ``*_reset``: the last score only (a reset every round instead of Eq. 5).
* ``perturbation``: the rise of the expected loss when the path is left out (``fitness = "perturbation"``).
* ``prior(P, w)+X``: a read-out ``X`` standardised per round, a cell's first score blended with a
  training-free prior ``P`` (the proxy network's parameter count or synflow score, as a standardised rank
  among the cells seen so far) with weight ``w``, then Eq. 5 (``score_scale = "z"``, ``prior``, ``prior_weight``);
  ``+every``: every score blended (``prior_blend = "every"``); ``prior(P) alone``: the blend at weight 1
  (what the prior ranks through the same rounds, without the supernet).
* ``one_shot_all``: all the sample's cells evaluated one-shot on the current weights (SPOS), no momentum.
* ``fitness (the run's own)``: the engine's fitness as the run formed it online (its evaluator's ``fitness``
  setting): for a run with ``fitness = "alpha"`` it is ``alpha``; for another it checks the offline blend.
* static signals on the same cells: ``params`` (NB201's network), ``params_proxy``, ``synflow``,
  ``synflow_proxy`` and the table's ``val12``.

    python benchmarks/nb201_fitness_report.py RUN_DIR [RUN_DIR ...] [--samples 0-4] [--figure F.png] \\
        [--signals "alpha;params;..."] [--markdown F.md] [--json F]

A RUN_DIR holds one run's ``sample<i>.json`` files; the report gives, per directory and read-out, the mean
Kendall tau against test200 over the samples with its 95 % bootstrap interval, the mean Spearman rho and
top-5 precision, and the CPU-seconds of training (and of the per-round read-outs where the read-out
needs them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autospace.evaluators.ranking import bootstrap_mean_ci, kendall_tau, spearman_rho, top_k_precision
from autospace.evaluators.supernet import perturbation_scores

STATIC = ("params", "params_proxy", "synflow", "synflow_proxy", "val12")
PRIORS = ("params_proxy", "synflow_proxy", "params_proxy+synflow_proxy")
PRIOR_WEIGHTS = (0.5, 0.7, 0.9)
READOUT_COST = ("val_loss", "val_loss_z", "val_loss_reset", "val_accuracy", "val_accuracy_z", "perturbation")


def _z(values: Sequence[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    std = v.std()
    return (v - v.mean()) / std if std > 0 else np.zeros_like(v)


def _z_rank(values: Sequence[float]) -> np.ndarray:
    """Standardised ranks (ties averaged): a prior's order on the scale of a z-score, whatever its outliers
    (synflow's floor for a cell without signal, parameter counts spanning orders of magnitude)."""
    from scipy.stats import rankdata

    return _z(rankdata(values))


def eq5(rounds: Sequence[dict[str, Any]], n: int, score: Callable[[dict[str, Any]], Sequence[float]], momentum: float,
        start: Sequence[float] | None = None) -> list[float]:
    """Each cell's fitness after ``rounds``: Eq. 5 over the per-round scores ``score(round)`` of its paths
    (the first score as is, or blended into ``start``); cells never scored get the mean of the others."""
    fitness: list[float | None] = [None] * n if start is None else [float(s) for s in start]
    for record in rounds:
        for k, s in zip(record["paths"], score(record)):
            old = fitness[k]
            fitness[k] = float(s) if old is None else momentum * old + (1.0 - momentum) * float(s)
    known = [f for f in fitness if f is not None]
    fill = float(np.mean(known)) if known else 0.0
    return [fill if f is None else f for f in fitness]


def with_prior(score: Callable[[dict[str, Any]], Sequence[float]], prior: Sequence[Sequence[float]], weight: float,
               every: bool = False) -> Callable[[dict[str, Any]], list[float]]:
    """``score`` blended with the prior as the evaluator does (``prior``, ``prior_weight``, ``prior_blend``):
    ``weight * prior + (1 - weight) * score`` for a cell's first score (or for every score), the prior (one or
    more components) as a standardised rank among every cell seen so far (`CellPrior.standing`)."""
    seen: set[int] = set()

    def blended(record: dict[str, Any]) -> list[float]:
        values = list(score(record))
        known = sorted(seen | set(record["paths"]))
        total = np.sum([_z_rank([component[k] for k in known]) for component in prior], axis=0)
        standing = dict(zip(known, _z_rank(total) if len(prior) > 1 else total))
        ranks = [standing[k] for k in record["paths"]]
        for i, k in enumerate(record["paths"]):
            if every or k not in seen:
                values[i] = weight * ranks[i] + (1.0 - weight) * values[i]
                seen.add(k)
        return values

    return blended


def readouts(sample: dict[str, Any], upto: int) -> dict[str, list[float]]:
    """Every read-out of the sample's cells after its first ``upto`` rounds."""
    rounds, n, m = sample["rounds_log"][:upto], len(sample["cells"]), sample["momentum"]
    signals = sample["signals"]
    out: dict[str, list[float]] = {}
    neg_loss = lambda r: [-v for v in r["val_loss"]]  # noqa: E731
    z_loss = lambda r: _z(neg_loss(r))  # noqa: E731
    z_acc = lambda r: _z(r["val_accuracy"])  # noqa: E731
    if rounds and rounds[0].get("alpha") is not None:
        out["alpha"] = eq5(rounds, n, lambda r: r["alpha"], m)
        out["alpha_reset"] = eq5(rounds, n, lambda r: r["alpha"], 0.0)
        out["perturbation"] = eq5(rounds, n, lambda r: perturbation_scores(r["alpha"], r["val_loss"]), m)
    out["val_loss"] = eq5(rounds, n, neg_loss, m)
    out["val_loss_z"] = eq5(rounds, n, z_loss, m)
    out["val_loss_z_reset"] = eq5(rounds, n, z_loss, 0.0)
    out["val_loss_reset"] = eq5(rounds, n, neg_loss, 0.0)
    out["val_accuracy"] = eq5(rounds, n, lambda r: r["val_accuracy"], m)
    out["val_accuracy_z"] = eq5(rounds, n, z_acc, m)
    for prior in PRIORS:
        components = [signals[name] for name in prior.split("+")]
        for weight in PRIOR_WEIGHTS:
            tag = f"prior({prior}, {weight:g})"
            out[f"{tag}+val_loss_z"] = eq5(rounds, n, with_prior(z_loss, components, weight), m)
            out[f"{tag}+every+val_loss_z"] = eq5(rounds, n, with_prior(z_loss, components, weight, True), m)
            if "alpha" in out:
                out[f"{tag}+alpha_z"] = eq5(rounds, n, with_prior(lambda r: _z(r["alpha"]), components, weight), m)
                out[f"{tag}+every+alpha_z"] = eq5(rounds, n, with_prior(lambda r: _z(r["alpha"]), components,
                                                                        weight, True), m)
        out[f"prior({prior}) alone"] = eq5(rounds, n, with_prior(z_loss, components, 1.0, True), m)
        out[f"prior({prior}, 0.9)+every+val_loss_z_reset"] = eq5(rounds, n, with_prior(z_loss, components, 0.9, True),
                                                                  0.0)
    for name in STATIC:
        out[name] = list(signals[name])
    return out


def checkpoint_scores(sample: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, list[float]]]]:
    """At every checkpoint of the run: the checkpoint and every read-out then."""
    out = []
    for point in sample["checkpoints"]:
        scores = readouts(sample, point["round"])
        scores["one_shot_all"] = [-v for v in point["all_val_loss"]]
        if all(f is not None for f in point["fitness"]):
            scores["fitness (the run's own)"] = list(point["fitness"])
        out.append((point, scores))
    return out


def metrics(score: Sequence[float], truth: Sequence[float]) -> dict[str, float]:
    return {"tau": kendall_tau(score, truth), "rho": spearman_rho(score, truth), "top5": top_k_precision(score, truth, 5)}


def summarise(run_dir: Path, samples: Sequence[int] | None) -> dict[str, Any]:
    """Per read-out and checkpoint: mean tau with its interval over the samples, mean rho, top-5, CPU-s."""
    files = sorted(run_dir.glob("sample*.json"), key=lambda p: int(p.stem[6:]))
    data = [json.loads(f.read_text()) for f in files]
    data = [d for d in data if d.get("done") and (samples is None or d["sample"] in samples)]
    if not data:
        raise SystemExit(f"{run_dir}: no finished sample{'' if samples is None else ' among ' + str(list(samples))}")
    per_point: dict[int, dict[str, list[dict[str, float]]]] = {}
    cost: dict[int, list[tuple[float, float]]] = {}
    for sample in data:
        for point, scores in checkpoint_scores(sample):
            entry = per_point.setdefault(point["round"], {})
            for name, score in scores.items():
                entry.setdefault(name, []).append(metrics(score, sample["test200"]))
            cost.setdefault(point["round"], []).append((point["train_cpu_s"], point["readout_cpu_s"]))
    table = []
    for rnd in sorted(per_point):
        train_s = float(np.mean([c[0] for c in cost[rnd]]))
        readout_s = float(np.mean([c[1] for c in cost[rnd]]))
        for name, rows in per_point[rnd].items():
            if len(rows) != len(data):
                continue
            mean, low, high = bootstrap_mean_ci([r["tau"] for r in rows])
            static = name in STATIC
            cpu = 0.0 if static else train_s + (readout_s if name in READOUT_COST or "val_" in name else 0.0)
            table.append({"round": rnd, "signal": name, "tau": mean, "tau_low": low, "tau_high": high,
                          "tau_per_sample": [r["tau"] for r in rows], "rho": float(np.mean([r["rho"] for r in rows])),
                          "top5": float(np.mean([r["top5"] for r in rows])), "cpu_s": cpu})
    first = data[0]
    return {"run": str(run_dir), "kind": first["kind"], "samples": [d["sample"] for d in data],
            "paths": first["paths"], "rounds": first["rounds"], "evaluator": first["evaluator"], "table": table}


def print_summary(summary: dict[str, Any]) -> None:
    last = max(row["round"] for row in summary["table"])
    print(f"\n{summary['run']}  ({summary['kind']}, samples {summary['samples']}, {summary['paths']} paths/round)")
    print(f"{'signal':36s} {'tau [95% CI]':>22s} {'rho':>6s} {'top5':>5s} {'CPU-s':>7s}")
    rows = sorted((r for r in summary["table"] if r["round"] == last), key=lambda r: -r["tau"])
    for r in rows:
        print(f"{r['signal']:36s} {r['tau']:+.3f} [{r['tau_low']:+.3f}, {r['tau_high']:+.3f}] {r['rho']:+.3f} "
              f"{r['top5']:5.2f} {r['cpu_s']:7.0f}")


def markdown(summary: dict[str, Any], signals: Sequence[str], pairs: Sequence[tuple[str, str]] = ()) -> str:
    """The last checkpoint's row of each of ``signals`` (in that order) as a Markdown table, then for each
    pair ``(a, b)`` the mean per-sample difference tau(a) - tau(b) with its bootstrap interval (paired:
    both signals read on the same cells and weights)."""
    last = max(row["round"] for row in summary["table"])
    rows = {r["signal"]: r for r in summary["table"] if r["round"] == last}
    lines = [f"{summary['kind']} samples {summary['samples']} ({Path(summary['run']).name}, round {last})", "",
             "| signal | Kendall τ [95 % CI] | Spearman ρ | top-5 | CPU-s |", "| --- | --- | --- | --- | --- |"]
    for name in signals:
        if name in rows:
            r = rows[name]
            lines.append(f"| `{name}` | {r['tau']:+.3f} [{r['tau_low']:+.3f}, {r['tau_high']:+.3f}] | {r['rho']:+.3f} "
                         f"| {r['top5']:.2f} | {r['cpu_s']:.0f} |")
    for a, b in pairs:
        if a in rows and b in rows:
            diff = np.subtract(rows[a]["tau_per_sample"], rows[b]["tau_per_sample"])
            mean, low, high = bootstrap_mean_ci(diff.tolist())
            lines.append(f"\npaired: τ(`{a}`) − τ(`{b}`) = {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
    return "\n".join(lines) + "\n"


def figure(summaries: list[dict[str, Any]], signals: Sequence[str], path: Path) -> None:
    """tau against CPU-seconds, one curve per signal with its interval, one panel per kind of sample."""
    from matplotlib.figure import Figure

    kinds = sorted({s["kind"] for s in summaries}, reverse=True)
    fig = Figure(figsize=(6 * len(kinds), 4.4), layout="constrained")
    axes = fig.subplots(1, len(kinds), squeeze=False)[0]
    for ax, kind in zip(axes, kinds):
        for summary in (s for s in summaries if s["kind"] == kind):
            label_run = Path(summary["run"]).name
            for signal in signals:
                rows = sorted((r for r in summary["table"] if r["signal"] == signal), key=lambda r: r["round"])
                if not rows:
                    continue
                if signal in STATIC:
                    ax.axhline(rows[-1]["tau"], ls=":", lw=1, color="gray")
                    ax.text(0.01, rows[-1]["tau"], signal, fontsize=7, color="gray", va="bottom",
                            transform=ax.get_yaxis_transform())
                    continue
                x = [r["cpu_s"] for r in rows]
                line, = ax.plot(x, [r["tau"] for r in rows], marker="o", ms=3, label=f"{signal} ({label_run})")
                ax.fill_between(x, [r["tau_low"] for r in rows], [r["tau_high"] for r in rows], alpha=0.15,
                                color=line.get_color())
        ax.set(title=f"{kind} samples", xlabel="CPU-seconds per sample (one core)",
               ylabel="Kendall tau vs test200 (mean, 95% CI)")
        ax.axhline(0, color="black", lw=0.5)
        ax.legend(fontsize=6, loc="lower right")
    fig.savefig(path, dpi=130)


def parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+", help="run directories of nb201_fitness_protocol.py")
    ap.add_argument("--samples", type=parse_range, help="only these samples, e.g. 0-4 or 5-9")
    ap.add_argument("--figure", type=Path, help="tau against CPU-seconds")
    ap.add_argument("--signals", default="alpha;val_loss_z;one_shot_all;prior(params_proxy, 0.9)+val_loss_z;params;synflow;val12",
                    help="signals drawn in the figure and listed by --markdown, separated by ';'")
    ap.add_argument("--markdown", type=Path, help="write the --signals rows of each run as Markdown tables here")
    ap.add_argument("--paired", action="append", default=[], metavar="A|B",
                    help="with --markdown: the paired difference tau(A) - tau(B) over the samples (repeatable)")
    ap.add_argument("--json", type=Path, help="write the summaries here")
    args = ap.parse_args(argv)
    summaries = [summarise(run, args.samples) for run in args.runs]
    for summary in summaries:
        print_summary(summary)
    if args.figure:
        figure(summaries, args.signals.split(";"), args.figure)
    if args.markdown:
        pairs = [tuple(pair.split("|", 1)) for pair in args.paired]
        args.markdown.write_text("\n".join(markdown(summary, args.signals.split(";"), pairs) for summary in summaries))
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
