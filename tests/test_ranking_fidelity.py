"""The paper's Table 6 in miniature: the supernet learns the ground-truth ranking of Net1-Net3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autospace.atomic import write_json
from autospace.evaluators.ranking_fidelity import PAPER_INITS, epochs_to_correct, measure_ranking_fidelity

EPOCHS = 6


def test_epochs_to_correct_needs_a_lasting_ranking() -> None:
    truth = [0.9, 0.5, 0.1]
    assert epochs_to_correct([[0, 1, 2], [2, 1, 0], [3, 1, 0]], truth) == 2
    assert epochs_to_correct([[2, 1, 0], [0, 1, 2]], truth) is None
    assert epochs_to_correct([[2, 1, 0]], truth) == 1


@pytest.mark.slow
def test_learned_ranking_matches_ground_truth_from_every_init(tmp_path: Path) -> None:
    result = measure_ranking_fidelity(epochs=EPOCHS, seed=0)
    acc = result["ground_truth"]
    assert result["networks"] == ["Net1", "Net2", "Net3"]
    assert acc[0] > acc[1] > acc[2]
    assert [run["init"] for run in result["runs"]] == [list(i) for i in PAPER_INITS]
    for run in result["runs"]:
        assert len(run["epochs"]) == EPOCHS and all(len(a) == 3 for a in run["epochs"])
        assert run["epochs_to_correct"] is not None and run["epochs_to_correct"] <= EPOCHS, run
        final = run["epochs"][-1]
        assert final[0] > final[1] > final[2]
    path = tmp_path / "ranking_fidelity.json"
    write_json(path, result)
    assert json.loads(path.read_text())["runs"][0]["epochs_to_correct"] == result["runs"][0]["epochs_to_correct"]
