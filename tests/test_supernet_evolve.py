"""The supernet evaluator inside the evolution engine: a run, and a resume from its checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from autospace.data import load_digits
from autospace.evaluators import Candidate, SupernetEvaluator
from autospace.evolve import evolve_space
from autospace.evolve.checkpoint import load_checkpoint
from autospace.genome import get_space
from autospace.supernet import SupernetConfig

SPACE = get_space("autospace")
DIGITS = load_digits()
KW = {"population": 8, "sample_size": 3, "layers": 4, "seed": 1, "top_k": 2, "rounds": 4}


class Interrupted(SupernetEvaluator):
    """Stops the run (as Ctrl-C would) when asked to score round ``stop``."""

    def __init__(self, stop: int) -> None:
        super().__init__("tiny", DIGITS, device="cpu", config=SupernetConfig(steps=3))
        self.stop = stop

    def evaluate(self, batch: Sequence[Candidate]) -> list[float]:
        if self.round == self.stop:
            raise KeyboardInterrupt
        return super().evaluate(batch)


def _evaluator() -> SupernetEvaluator:
    return SupernetEvaluator("tiny", DIGITS, device="cpu", config=SupernetConfig(steps=3))


@pytest.mark.slow
def test_resumed_supernet_run_matches_an_uninterrupted_one(tmp_path: Path) -> None:
    full = evolve_space(SPACE, _evaluator(), "autospace", **KW)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evolve_space(SPACE, Interrupted(2), "autospace", out=out, **KW)
    assert load_checkpoint(out).evaluator["round"] == 2
    resumed = evolve_space(SPACE, _evaluator(), "autospace", out=out, resume=True, **KW)
    assert resumed.evaluator.round == full.evaluator.round == 4
    assert resumed.history.without_wall_clock() == full.history.without_wall_clock()
    assert resumed.learned_space.to_dict() == full.learned_space.to_dict()


def test_digits_example_config_builds_the_supernet() -> None:
    from autospace.evolve.runconfig import load_run_config

    config = load_run_config(Path(__file__).resolve().parents[1] / "examples" / "digits.toml")
    ev = config.build_evaluator()
    assert isinstance(ev, SupernetEvaluator) and ev.skeleton.name == "tiny" and ev.data.name == "digits"
    assert config.evolve.layers == ev.skeleton.num_layers and config.reference is not None
    assert ev.config.total_steps == config.evolve.rounds * ev.config.steps
