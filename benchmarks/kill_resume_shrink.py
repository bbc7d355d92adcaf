"""SIGKILL `autospace shrink` at random moments, resume it, and compare with an uninterrupted run.

Each trial starts a LISSNAS run (analytic evaluator with a per-query delay, so the run lasts a
few seconds), kills it with SIGKILL at ``--kills`` random moments (each resume may be killed
again), then resumes it to the end; the trial passes when its ``shrunk_space.json`` and
``history.jsonl`` equal the uninterrupted run's byte for byte.

    python benchmarks/kill_resume_shrink.py --trials 3 --kills 3 [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """
[shrink]
n = 25
k = 4
r = 1
max_iters = 8
seed = 3
[evaluator]
name = "analytic"
seed = 5
delay = 0.01
"""
FILES = ("shrunk_space.json", "history.jsonl")


def command(config: Path, out: Path, resume: bool) -> list[str]:
    argv = [sys.executable, "-m", "autospace.cli", "shrink", "--config", str(config), "--out", str(out), "--quiet"]
    return argv + (["--resume"] if resume else [])


def run_to_end(config: Path, out: Path, resume: bool) -> float:
    start = time.perf_counter()
    subprocess.run(command(config, out, resume), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def killed(config: Path, out: Path, after: float) -> bool:
    """Start (or resume) the run and SIGKILL it after ``after`` seconds; False if it finished first."""
    proc = subprocess.Popen(command(config, out, resume=True), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--kills", type=int, default=3, help="SIGKILLs per trial (at random moments)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = root / "shrink.toml"
        config.write_text(CONFIG)
        whole = root / "whole"
        wall = run_to_end(config, whole, resume=False)
        expected = {name: (whole / name).read_bytes() for name in FILES}
        passed, kills, midway = 0, 0, 0
        iterations = len(expected["history.jsonl"].splitlines())
        for trial in range(args.trials):
            out = root / f"trial{trial}"
            for _ in range(args.kills):
                if killed(config, out, rng.uniform(0.2, 0.95) * wall):
                    kills += 1
                    done = len((out / "history.jsonl").read_bytes().splitlines()) if (out / "history.jsonl").exists() else 0
                    midway += 0 < done < iterations
            run_to_end(config, out, resume=True)
            same = all((out / name).read_bytes() == expected[name] for name in FILES)
            passed += same
            print(f"trial {trial}: {'identical' if same else 'DIFFERENT'}")
    print(f"{passed}/{args.trials} resumed runs identical to the uninterrupted one "
          f"({kills} SIGKILLs landed, {midway} of them after a checkpoint and before the end; "
          f"uninterrupted run {wall:.1f} s, {iterations} iterations)")
    sys.exit(0 if passed == args.trials else 1)


if __name__ == "__main__":
    main()
