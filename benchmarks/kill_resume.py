"""Kill-and-resume benchmark: SIGKILL `autospace evolve` at seeded random moments, `--resume` it to
the end, and compare the result with the uninterrupted run of the same seed.

    python benchmarks/kill_resume.py [--nb201-kills 20] [--digits-kills 5] [--digits-rounds 40]
        [--lcmnas-kills 3] [--seed 0] [--json]

Cases: the NB201 example (``examples/nb201.toml``, tabular evaluator, well under a second per run)
and the digits supernet main job (``examples/digits.toml``; ``--digits-rounds`` runs a copy of it
with fewer rounds, everything else unchanged), and the LCMNAS macro search smoke test
(``examples/lcmnas_digits.toml``: the ``lcmnas`` strategy, mixed fitness with a short training).
`benchmarks/kill_resume_shrink.py` does the same for ``autospace shrink``. Each trial starts the run as a subprocess
(``python -m autospace.cli evolve``) and kills it with SIGKILL at one of three kinds of moment,
drawn in turn from a seeded generator:

- ``time``: a uniform delay within the uninterrupted run's wall-clock time (digits: its first
  ``--digits-window`` seconds), startup and imports included;
- ``round``: as soon as ``history.jsonl`` holds k rounds (k uniform);
- ``checkpoint``: after k rounds, as soon as the next ``checkpoint.tmp/`` appears (inside a
  checkpoint write; the report counts the kills that left it behind).

Odd trials kill the resumed run once more before resuming it to the end. A run killed before it
wrote its ``config.toml`` is not a run directory yet (``--out`` is left as it was); it is started
again with the same command (``--config``, ``--out``). A trial passes when ``history.jsonl``
(parsed, without the wall-clock keys ``seconds`` and ``eval_seconds``) and ``learned_space.json``
(parsed) equal the uninterrupted run's. Prints N/N, or one JSON object with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autospace.config import write_toml

ROOT = Path(__file__).resolve().parent.parent
WALL_CLOCK = ("seconds", "eval_seconds")
KINDS = ("time", "round", "checkpoint")


@dataclass(frozen=True)
class Case:
    """One example run: its config file and number of rounds."""

    name: str
    config: Path
    rounds: int


def evolve_command(case: Case, out: Path, resume: bool) -> list[str]:
    command = [sys.executable, "-m", "autospace.cli", "evolve", "--quiet"]
    return command + (["--resume", str(out)] if resume else ["--config", str(case.config), "--out", str(out)])


def run_env() -> dict[str, str]:
    """The environment of the runs: this checkout's package first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def history_rounds(out: Path) -> int:
    """Complete lines of ``out/history.jsonl`` (0 when it does not exist yet)."""
    try:
        return (out / "history.jsonl").read_bytes().count(b"\n")
    except OSError:
        return 0


def wait_and_kill(proc: subprocess.Popen, out: Path, kind: str, delay: float, rounds: int) -> bool:
    """SIGKILL ``proc`` at the moment of ``kind``; False when it finished first."""
    start = time.monotonic()
    while proc.poll() is None:
        if kind == "time":
            hit = time.monotonic() - start >= delay
        elif kind == "round":
            hit = history_rounds(out) >= rounds
        else:
            hit = history_rounds(out) >= rounds and (out / "checkpoint.tmp").exists()
        if hit:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        if kind == "time":
            time.sleep(0.001)
    return False


def start(case: Case, out: Path) -> subprocess.Popen:
    """The run in ``out``: resumed when it has a ``config.toml``, else started with its config."""
    resume = (out / "config.toml").is_file()
    return subprocess.Popen(evolve_command(case, out, resume), env=run_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def finish(case: Case, out: Path) -> None:
    """Run ``out`` to the end (resuming it); raises with the run's stderr when it fails."""
    proc = start(case, out)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{case.name}: {' '.join(proc.args)} exited {proc.returncode}: {err.decode()[-500:]}")


def comparable(out: Path) -> tuple[list[dict[str, Any]], Any]:
    """The run's history records without wall-clock keys, and its learned space, parsed."""
    lines = (out / "history.jsonl").read_text().splitlines()
    history = [{k: v for k, v in json.loads(line).items() if k not in WALL_CLOCK} for line in lines]
    return history, json.loads((out / "learned_space.json").read_text())


def trial(case: Case, out: Path, moments: list[tuple[str, float, int]]) -> dict[str, Any]:
    """Kill the run at each of ``moments`` in turn, then resume it to the end."""
    kills = []
    for kind, delay, rounds in moments:
        rounds = max(rounds, history_rounds(out) + 1)  # a resumed run: k rounds further than its history
        proc = start(case, out)
        killed = wait_and_kill(proc, out, kind, delay, rounds)
        kills.append({
            "kind": kind, "killed": killed, "delay_s": round(delay, 3) if kind == "time" else None,
            "after_rounds": history_rounds(out), "inside_checkpoint_write": (out / "checkpoint.tmp").exists(),
            "before_config": not (out / "config.toml").is_file(),
        })
        if not killed:
            proc.wait()
    finish(case, out)
    return {"kills": kills}


def draw_moments(rng: np.random.Generator, index: int, case: Case, window: float) -> list[tuple[str, float, int]]:
    """One or two (odd trials) kill moments: kind, delay for ``time``, rounds for the others."""
    moments = []
    for _ in range(1 + index % 2):
        kind = KINDS[(index + len(moments)) % len(KINDS)]
        moments.append((kind, float(rng.uniform(0.0, window)), int(rng.integers(1, case.rounds))))
    return moments


def run_case(case: Case, kills: int, window: float | None, rng: np.random.Generator, tmp: Path) -> dict[str, Any]:
    """The uninterrupted run, then ``kills`` trials compared with it."""
    reference = tmp / f"{case.name}_full"
    began = time.monotonic()
    finish(case, reference)
    full_s = time.monotonic() - began
    expected = comparable(reference)
    trials = []
    for index in range(kills):
        out = tmp / f"{case.name}_{index}"
        result = trial(case, out, draw_moments(rng, index, case, min(window or full_s, full_s)))
        result["match"] = comparable(out) == expected
        trials.append(result)
    every = [k for t in trials for k in t["kills"]]
    return {
        "case": case.name, "config": str(case.config), "rounds": case.rounds, "full_run_s": round(full_s, 2),
        "trials": len(trials), "matched": sum(t["match"] for t in trials), "kills": sum(k["killed"] for k in every),
        "inside_checkpoint_write": sum(k["inside_checkpoint_write"] for k in every),
        "before_config": sum(k["before_config"] for k in every), "detail": trials,
    }


def example_case(name: str, config: Path) -> Case:
    return Case(name, config, tomllib.loads(config.read_text())["evolve"]["rounds"])


def digits_case(rounds: int, tmp: Path) -> Case:
    """``examples/digits.toml``, or a copy of it with ``rounds`` rounds (it names no files)."""
    case = example_case("digits", ROOT / "examples" / "digits.toml")
    if rounds == case.rounds:
        return case
    tables = tomllib.loads(case.config.read_text())
    tables["evolve"]["rounds"] = rounds
    config = tmp / f"digits_{rounds}_rounds.toml"
    write_toml(config, tables)
    return Case("digits", config, rounds)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nb201-kills", type=int, default=20, help="trials of the NB201 example")
    p.add_argument("--digits-kills", type=int, default=5, help="trials of the digits main job")
    p.add_argument("--digits-rounds", type=int, default=40, help="rounds of the digits run (the example: 40)")
    p.add_argument("--digits-window", type=float, default=40.0, help="seconds within which digits time-kills fall")
    p.add_argument("--lcmnas-kills", type=int, default=3, help="trials of the LCMNAS smoke test")
    p.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="kill_resume_") as tmp_name:
        tmp = Path(tmp_name)
        nb201 = example_case("nb201", ROOT / "examples" / "nb201.toml")
        cases = [(nb201, args.nb201_kills, None), (digits_case(args.digits_rounds, tmp), args.digits_kills,
                                                    args.digits_window),
                 (example_case("lcmnas", ROOT / "examples" / "lcmnas_digits.toml"), args.lcmnas_kills, None)]
        results = [run_case(case, kills, window, rng, tmp) for case, kills, window in cases if kills > 0]
    matched, trials = sum(r["matched"] for r in results), sum(r["trials"] for r in results)
    if args.json:
        print(json.dumps({"matched": matched, "trials": trials, "cases": results}, indent=1))
    else:
        for r in results:
            print(f"{r['case']:>6}: {r['matched']}/{r['trials']} resumed runs identical to the uninterrupted one "
                  f"({r['kills']} kills, {r['inside_checkpoint_write']} inside a checkpoint write, "
                  f"{r['before_config']} before config.toml; full run {r['full_run_s']} s, {r['rounds']} rounds)")
        print(f"{matched}/{trials}")
    return 0 if matched == trials else 1


if __name__ == "__main__":
    sys.exit(main())
