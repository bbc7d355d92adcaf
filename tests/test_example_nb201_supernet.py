"""`examples/nb201_supernet.toml`: AutoSpace over NAS-Bench-201 with the supernet fitness on a reduced NB201
proxy; the config is what it says, and it runs end to end (on a tiny generated CIFAR-like archive)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.evolve.runconfig import load_run_config

EXAMPLE = Path(__file__).parent.parent / "examples" / "nb201_supernet.toml"


def test_the_example_is_the_nb201_space_on_a_reduced_proxy_of_real_cifar10() -> None:
    config = load_run_config(EXAMPLE)
    table = config.evaluator.to_table()
    assert config.space.name == "nb201" and config.reference is not None
    assert (table["name"], table["skeleton"], table["image_size"], table["split"]) == ("supernet", "nb201-c8n3", 16,
                                                                                         "nb201")
    assert table["total_steps"] == config.evolve.rounds * table["steps"]  # one cosine over the run
    root = Path(table["data_root"])
    assert root.name == "cifar10-jpeg.tar.gz" and root.parent.parent.parent.name == "shared"


def test_the_example_runs_and_records_every_scored_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_data_images import _archive, _jpeg

    monkeypatch.setenv("AUTOSPACE_CACHE", str(tmp_path / "cache"))
    files = {f"{part}/class{c}/{i:02d}.jpg": _jpeg(100 * c + i + (5000 if part == "test" else 0), (32, 32))
             for part, n in (("train", 40), ("test", 2)) for c in range(10) for i in range(n)}
    archive = _archive(tmp_path / "tiny.tar", files)
    out = tmp_path / "run"
    sets = ["evolve.rounds=2", "evolve.population=6", "evolve.sample_size=3", "evaluator.steps=2",
            "evaluator.total_steps=4", "evaluator.batch_size=16", "evaluator.eval_batches=1", "evaluator.bn_batches=1",
            f'evaluator.data_root="{archive}"']
    assert main(["evolve", "--config", str(EXAMPLE), "--out", str(out), "--quiet",
                 *(a for s in sets for a in ("--set", s))]) == 0
    scored = json.loads((out / "scored_cells.json").read_text())["cells"]
    learned = json.loads((out / "learned_space.json").read_text())["layers"][0]
    assert len(scored) >= 6 and len(learned) == 5
    assert {json.dumps(c["genome"], sort_keys=True) for c in learned} <= {json.dumps(c["genome"], sort_keys=True)
                                                                         for c in scored}
