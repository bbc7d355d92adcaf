"""DDP on CPU: two gloo processes, each inside `process_group()`, train the supernet; weights and
alpha stay identical across ranks."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from autospace.data import load_digits
from autospace.errors import EvaluatorError
from autospace.evaluators import Candidate, SupernetEvaluator
from autospace.genome import get_space
from autospace.supernet import SupernetConfig
from autospace.supernet.distributed import process_group


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str, mismatch: bool = False) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world))
    torch.set_num_threads(1)
    with process_group():
        assert dist.is_initialized() and dist.get_world_size() == world
        _train(rank, out, mismatch)
    assert not dist.is_initialized()


def _train(rank: int, out: str, mismatch: bool) -> None:
    space = get_space("autospace")
    rng = np.random.default_rng(0)
    cells = [[space.sample(rng) for _ in range(3)] for _ in range(4)]
    batch = [Candidate(layer, cells[layer][k], float(k)) for layer in range(4) for k in range(3)]
    ev = SupernetEvaluator("tiny", load_digits(), device="cpu", config=SupernetConfig(steps=6, batch_size=32))
    if mismatch:  # rank 1 got another seed: other fitness values
        batch = [Candidate(c.layer, c.genome, c.fitness + rank) for c in batch]
        try:
            ev.score(batch)
        except EvaluatorError as err:
            Path(out, f"rank{rank}.err").write_text(str(err))
        return
    scores = [ev.score(batch), ev.score(batch)]
    torch.save({"scores": torch.tensor(scores), "bank": ev.bank.state_dict(), "world": ev.describe()["world_size"]}, Path(out) / f"rank{rank}.pt")


@pytest.mark.slow
def test_two_gloo_ranks_stay_identical(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert r0["world"] == r1["world"] == 2
    assert torch.equal(r0["scores"], r1["scores"])
    assert not torch.equal(r0["scores"][0], torch.tensor([float(k) for _ in range(4) for k in range(3)]))
    assert r0["bank"]["tensors"].keys() == r1["bank"]["tensors"].keys()
    for key, tensor in r0["bank"]["tensors"].items():
        assert torch.equal(tensor, r1["bank"]["tensors"][key]), key


@pytest.mark.slow
def test_ranks_with_different_candidates_fail_alike(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), True), nprocs=2, join=True)
    for rank in (0, 1):
        assert "ranks disagree" in (tmp_path / f"rank{rank}.err").read_text()
