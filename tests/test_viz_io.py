"""Reading run directories for autospace.viz; also home of `write_run`, the fake-run writer the
other viz tests import (a run directory per docs/formats.md, with real random genomes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autospace.errors import CheckpointError
from autospace.evolve import History
from autospace.evolve.history import read_history
from autospace.genome import get_space, hamming, mean_pairwise_hamming
from autospace.viz import VizError, as_learned_space, load_learned_space, load_run

SPACES = ("autospace", "nb201", "irb")


def history_records(
    space_name: str, layers: int, rounds: int, *, reference: bool, switch_off: int | None, seed: int = 0
) -> list[dict[str, Any]]:
    """Round records of a fake run: random populations mutated each round, made-up fitness."""
    space = get_space(space_name)
    rng = np.random.default_rng(seed)
    ref = space.sample(rng) if reference else None
    pops = [[space.sample(rng) for _ in range(8)] for _ in range(layers)]
    records = []
    for r in range(rounds):
        pops = [[space.mutate(g, rng) if rng.random() < 0.5 else g for g in pop] for pop in pops]
        records.append(
            {
                "round": r,
                "strategy": "autospace" if reference else "regularized",
                "best": [0.5 + 0.04 * r + 0.01 * layer for layer in range(layers)],
                "mean": [0.3 + 0.03 * r + 0.01 * layer for layer in range(layers)],
                "diversity": [mean_pairwise_hamming(space.encode(pop)) for pop in pops],
                "ref_distance": [float(np.mean([hamming(g, ref) for g in pop])) for pop in pops] if ref else None,
                "constraint_active": switch_off is not None and r < switch_off,
                "queries": 9 * layers * (r + 1),
                "distinct_queries": 7 * layers * (r + 1),
                "eval_seconds": 0.5 * (r + 1),
                "seconds": 0.75 * (r + 1),
                "best_genomes": [pop[0].to_dict() for pop in pops],
            }
        )
    return records


def learned_space_dict(
    space_name: str, layers: int, top_k: int, *, skeleton: str | None = None, seed: int = 0
) -> dict[str, Any]:
    """A learned_space.json payload: per layer, top-K distinct cells (by key), best first.
    Cells are drawn from a small pool so that some motifs repeat across layers."""
    space = get_space(space_name)
    rng = np.random.default_rng(seed)
    pool = [space.sample(rng) for _ in range(2 * top_k)]
    out = []
    for _ in range(layers):
        cells, keys = [], set()
        for i in rng.permutation(len(pool)):
            if pool[i].key not in keys:
                keys.add(pool[i].key)
                cells.append(pool[i])
            if len(cells) == top_k:
                break
        out.append([{"genome": g.to_dict(), "fitness": round(1.0 - 0.1 * j, 3)} for j, g in enumerate(cells)])
    return {
        "schema_version": 1,
        "space": space_name,
        "skeleton": skeleton,
        "top_k": top_k,
        "layers": out,
        "reference": space.sample(rng).to_dict(),
        "meta": {"strategy": "autospace", "rounds": 6, "seed": seed},
    }


FIDELITY = {
    "networks": ["Net1", "Net2", "Net3"],
    "ground_truth": [0.91, 0.88, 0.85],
    "runs": [
        {
            "init": [0.0, 0.0, 0.0],
            "epochs": [[0.1, 0.2, 0.0], [0.3, 0.2, 0.1], [0.4, 0.3, 0.1]],
            "epochs_to_correct": 2,
        },
        {"init": [1.0, 0.0, 0.0], "epochs": [[0.9, 0.1, 0.2], [0.8, 0.1, 0.3]], "epochs_to_correct": None},
    ],
}


def write_run(
    path: Path,
    space_name: str,
    *,
    layers: int = 4,
    top_k: int = 3,
    rounds: int = 6,
    reference: bool = True,
    switch_off: int | None = 3,
    skeleton: str | None = None,
    fidelity: bool = False,
    files: tuple[str, ...] = ("config.toml", "history.jsonl", "learned_space.json"),
    seed: int = 0,
) -> Path:
    """Write a run directory of ``space_name`` and return its path."""
    path.mkdir(parents=True, exist_ok=True)
    if "config.toml" in files:
        settings = f'space = "{space_name}"\nrounds = {rounds}\nseed = {seed}\ntau = 2\n'
        (path / "config.toml").write_text(f'[evolve]\n{settings}\n[evaluator]\nname = "analytic"\n')
    if "history.jsonl" in files:
        records = history_records(
            space_name, layers, rounds, reference=reference, switch_off=switch_off if reference else None, seed=seed
        )
        (path / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    if "learned_space.json" in files:
        data = learned_space_dict(space_name, layers, top_k, skeleton=skeleton, seed=seed)
        (path / "learned_space.json").write_text(json.dumps(data))
    if fidelity:
        (path / "ranking_fidelity.json").write_text(json.dumps(FIDELITY))
    return path


@pytest.mark.parametrize("space_name", SPACES)
def test_load_run_reads_every_file(tmp_path: Path, space_name: str) -> None:
    run = load_run(write_run(tmp_path / "run", space_name, fidelity=True))
    assert run.config["evolve"] == {"space": space_name, "rounds": 6, "seed": 0, "tau": 2}
    assert [r["round"] for r in run.history] == list(range(6))
    assert run.learned.space.name == space_name
    assert [len(layer) for layer in run.learned.layers] == [3, 3, 3, 3]
    assert run.ranking_fidelity == FIDELITY
    assert run.name == "run"


def test_partial_run_has_none_for_missing_files(tmp_path: Path) -> None:
    run = load_run(write_run(tmp_path / "run", "nb201", files=("history.jsonl",)))
    assert run.config is None and run.learned is None and run.ranking_fidelity is None
    assert len(run.history) == 6


def test_not_a_run_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match="is not a run directory"):
        load_run(tmp_path)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_run(tmp_path / "missing")


def test_history_skips_an_unterminated_last_line_only(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text('{"round": 0}\n{"round": 1}\n{"round": 2, "be')
    assert read_history(path) == [{"round": 0}, {"round": 1}]
    assert History.load(path).records == [{"round": 0}, {"round": 1}]  # what append_last promises
    path.write_text('{"round": 0}\n{"round": \n{"round": 2}\n')
    for load in (read_history, History.load):
        with pytest.raises(CheckpointError, match="line 2"):
            load(path)
    path.write_text('{"round": 0}\n{"round": 1, "b\n')  # a terminated last line is complete: malformed
    with pytest.raises(CheckpointError, match="line 2"):
        History.load(path)


def test_bad_learned_space_names_file_and_field(tmp_path: Path) -> None:
    data = learned_space_dict("autospace", 2, 2)
    data["layers"][1] = []
    (tmp_path / "learned_space.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="learned_space.json: learned space layer 1 must be a non-empty list"):
        load_run(tmp_path)
    (tmp_path / "learned_space.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="is not valid JSON"):
        load_run(tmp_path)


def test_as_learned_space_accepts_object_dict_and_path(tmp_path: Path) -> None:
    data = learned_space_dict("irb", 3, 2)
    (tmp_path / "learned_space.json").write_text(json.dumps(data))
    from_path = as_learned_space(tmp_path / "learned_space.json")
    assert as_learned_space(data).to_dict() == from_path.to_dict()
    assert as_learned_space(from_path) is from_path
    with pytest.raises(VizError, match="got int"):
        as_learned_space(3)


def test_loaders_accept_plain_strings(tmp_path) -> None:
    run = write_run(tmp_path / "run", "nb201")
    assert read_history(str(run / "history.jsonl")) == read_history(run / "history.jsonl")
    assert load_learned_space(str(run / "learned_space.json")).space.name == "nb201"
