"""`examples/cifar10.toml` (the CIFAR-10 main job) and `autospace evolve --set`, its GPU override."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from autospace.cli import main
from autospace.config import read_toml
from autospace.evolve.cli import apply_overrides
from autospace.evolve.runconfig import load_run_config, parse_run_config

EXAMPLES = Path(__file__).parent.parent / "examples"
CIFAR = EXAMPLES / "cifar10.toml"


def _gpu_overrides() -> list[str]:
    """The ``--set`` arguments of the GPU command written in the example's header."""
    line = next(line for line in CIFAR.read_text().splitlines() if "--set" in line)
    words = shlex.split(line.lstrip("# "))
    return [words[i + 1] for i, word in enumerate(words) if word == "--set"]


def test_the_cifar10_example_is_phase_1_on_the_shared_archive() -> None:
    config = load_run_config(CIFAR)
    assert (config.space.name, config.skeleton, config.evolve.layers) == ("autospace", "cifar", 11)
    table = config.evaluator.to_table()
    assert table["name"] == "supernet" and table["data"] == "cifar10" and table["skeleton"] == "cifar"
    root = Path(table["data_root"])
    assert root.is_absolute() and root.name == "cifar10-jpeg.tar.gz"
    assert root.parent.parent.parent.name == "shared"  # ../shared/data/cifar10 next to the repository root
    assert 0 < config.evolve.constraint_fraction < 1 and config.reference is not None


def test_the_reference_cell_is_within_the_madds_cap_of_every_layer() -> None:
    nn = pytest.importorskip("autospace.nn")
    config = load_run_config(CIFAR)
    for layer in nn.get_skeleton("cifar").layers:
        madds, _ = nn.cell_cost(config.reference, layer.c_in, layer.c_out, layer.hw, layer.stride)
        assert madds <= config.evolve.cap(0)


def test_the_gpu_override_changes_only_the_steps_per_round() -> None:
    overrides = _gpu_overrides()
    assert overrides == ["evaluator.steps=400"]
    data = read_toml(CIFAR)
    gpu = parse_run_config(apply_overrides(data, overrides), CIFAR.parent)
    cpu = load_run_config(CIFAR)
    gpu_tables, cpu_tables = gpu.to_tables(), cpu.to_tables()
    assert gpu_tables["evaluator"].pop("steps") == 400
    assert cpu_tables["evaluator"].pop("steps") == 36
    assert gpu_tables == cpu_tables
    assert data["evaluator"]["steps"] == 36  # the parsed file is not changed


def test_set_values_are_toml_or_strings() -> None:
    data = {"evolve": {"rounds": 3}, "evaluator": {"name": "analytic"}}
    out = apply_overrides(data, ["evolve.rounds=7", "evaluator.device=cuda", "evolve.madds_cap=[1, 2]",
                                 'reference.nb201="|none~0|"'])
    assert out == {"evolve": {"rounds": 7, "madds_cap": [1, 2]}, "evaluator": {"name": "analytic", "device": "cuda"},
                   "reference": {"nb201": "|none~0|"}}
    assert data == {"evolve": {"rounds": 3}, "evaluator": {"name": "analytic"}}


def test_set_reaches_the_run_and_its_config(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(EXAMPLES / "analytic.toml"), "--out", str(out), "--quiet",
                 "--set", "evolve.rounds=2", "--set", "evolve.population=12"]) == 0
    saved = read_toml(out / "config.toml")
    assert (saved["evolve"]["rounds"], saved["evolve"]["population"]) == (2, 12)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("evolve.rounds", "must have the form TABLE.KEY=VALUE"),
        ("rounds=3", "must have the form TABLE.KEY=VALUE"),
        ("search.steps=3", "TABLE must be one of"),
        ("evolve.rounds=-1", "rounds"),
        ("evaluator.no_such_key=1", "no_such_key"),
    ],
)
def test_a_bad_set_is_one_line_and_writes_nothing(tmp_path: Path, capsys, item: str, message: str) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--config", str(EXAMPLES / "analytic.toml"), "--out", str(out), "--set", item]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autospace evolve: error:") and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_set_is_refused_on_resume(tmp_path: Path, capsys) -> None:
    assert main(["evolve", "--resume", str(tmp_path), "--set", "evolve.rounds=3"]) == 2
    assert "--set applies to a new run" in capsys.readouterr().err
