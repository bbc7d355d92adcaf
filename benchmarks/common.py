"""What the benchmarks share: where the shared data is, the NAS-Bench-201 table and seeded samples of
its cells, the machine a result was measured on, CPU time, and incremental JSON results.

The data root is ``$AUTOSPACE_SHARED_DATA`` when set, else ``../shared/data`` beside the repository.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autospace.atomic import write_json
from autospace.genome import Genome
from autospace.nn import list_skeletons, nb201_skeleton, register_skeleton

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AUTOSPACE_SHARED_DATA", REPO.parent / "shared" / "data"))
NB201_TABLE = SHARED / "nb201" / "cifar10.csv"
CIFAR10 = SHARED / "cifar10" / "cifar10-jpeg.tar.gz"
TOP_QUARTILE = 92.19
"""The upper quartile of the NB201 CIFAR-10 table's test200 (92.185; 3,887 of its 15,625 cells, 1,802 of its
4,930 canonical classes, are at or above 92.19)."""


@dataclass(frozen=True)
class Nb201Cell:
    """A row of the NAS-Bench-201 CIFAR-10 table."""

    index: int
    arch: str
    val12: float
    test200: float

    @property
    def genome(self) -> Genome:
        return Genome.from_nb201(self.arch)


def read_nb201(path: Path = NB201_TABLE) -> list[Nb201Cell]:
    """Every row of the table, in NB201 index order."""
    with open(path, newline="") as f:
        return [Nb201Cell(int(r["index"]), r["arch"], float(r["val12"]), float(r["test200"])) for r in csv.DictReader(f)]


def distinct_cells(rows: Sequence[Nb201Cell]) -> list[Nb201Cell]:
    """The first row of every canonical key (cells that compute the same function counted once)."""
    seen: set[str] = set()
    out = []
    for row in rows:
        key = row.genome.key
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def draw_samples(rows: Sequence[Nb201Cell], kind: str, count: int, size: int, seed: int) -> list[list[Nb201Cell]]:
    """``count`` disjoint samples of ``size`` cells with distinct canonical keys (none shared within or
    across samples), drawn by one seeded permutation: ``kind`` ``"uniform"`` over the whole table,
    ``"top"`` over its upper quartile (test200 >= `TOP_QUARTILE`)."""
    if kind not in ("uniform", "top"):
        raise ValueError(f"kind={kind!r} is not 'uniform' or 'top'")
    pool = [r for r in rows if kind == "uniform" or r.test200 >= TOP_QUARTILE]
    order = np.random.default_rng(seed).permutation(len(pool))
    picked = distinct_cells([pool[int(i)] for i in order])
    if len(picked) < count * size:
        raise ValueError(f"{kind}: only {len(picked)} distinct cells for {count} samples of {size}")
    return [picked[i * size:(i + 1) * size] for i in range(count)]


def nb201_proxy(name: str) -> str:
    """``name`` if it is a registered skeleton; an unregistered ``nb201-c<C>n<N>`` is registered first (the
    reduced NAS-Bench-201 network of width C with N cells per stage, `autospace.nn.nb201_skeleton`)."""
    if name not in list_skeletons():
        match = re.fullmatch(r"nb201-c(\d+)n(\d+)", name)
        if match is None:
            raise ValueError(f"skeleton {name!r} is neither registered ({list_skeletons()}) nor nb201-c<C>n<N>")
        register_skeleton(nb201_skeleton(int(match[1]), int(match[2])))
    return name


def machine() -> dict[str, Any]:
    """Where a result was measured: CPU count, torch threads, the load at the start, versions."""
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "torch": torch.__version__,
            "python": platform.python_version(),
            "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "date": time.strftime("%Y-%m-%d")}


def cpu_seconds() -> float:
    """CPU time of this process (all its threads): a cost that another busy core does not inflate."""
    return time.process_time()


class ResultFile:
    """A JSON result written atomically after every unit of work, so a killed benchmark resumes where it
    stopped: ``result.data`` is the document, `save` writes it."""

    def __init__(self, path: Path | None, header: dict[str, Any]) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        if path is not None and path.exists():
            self.data = json.loads(path.read_text())
            old = {k: self.data.get(k) for k in header}
            if old != header:
                changed = sorted(k for k in header if old.get(k) != header[k])
                raise SystemExit(f"{path} was written with other settings: {changed}; use another --out")
        self.data.update(header)

    def save(self) -> None:
        if self.path is not None:
            write_json(self.path, self.data)
