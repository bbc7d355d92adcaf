"""`autospace train`: metrics, cost check, resume, ONNX export (skipped without onnx), errors."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path

import pytest
import torch

from autospace.cli import main
from autospace.genome import get_space
from autospace.nn import Architecture, get_skeleton

ARGS = ["--no-progress", "--batch-size", "64", "--max-steps-per-epoch", "4", "--warmup-epochs", "1"]


@pytest.fixture()
def arch_file(tmp_path: Path) -> Path:
    irb = get_space("irb")
    genomes = [irb.genome(["dwconv3x3"], 3), irb.genome(["dwconv5x5"], 3), irb.genome(["zero"], 3),
               irb.genome(["dwconv3x3"], 6)]
    path = tmp_path / "arch.json"
    Architecture(get_skeleton("tiny"), tuple(genomes), 10, {"algo": "manual"}).save(path)
    return path


def test_train_writes_model_and_metrics(tmp_path: Path, arch_file: Path, capsys) -> None:
    out = tmp_path / "t"
    assert main(["train", "--arch", str(arch_file), "--out", str(out), "--epochs", "2", *ARGS]) == 0
    logged = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in logged] == ["1/2", "2/2"]  # one line per epoch without a progress bar
    metrics = json.loads((out / "metrics.json").read_text())
    arch = Architecture.load(arch_file)
    assert metrics["madds"] == arch.madds == metrics["measured_madds"] and metrics["cost_model_exact"]
    assert metrics["params"] == arch.params and 0.0 <= metrics["top1"] <= 1.0
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    state = torch.load(out / "model.pt", weights_only=True)
    model = arch.build()
    model.load_state_dict(state)


def test_resume_mid_run_matches_an_uninterrupted_run(tmp_path: Path, arch_file: Path, monkeypatch) -> None:
    from autospace.train import final as train_mod

    straight, killed = tmp_path / "straight", tmp_path / "killed"
    assert main(["train", "--arch", str(arch_file), "--out", str(straight), "--epochs", "2", *ARGS]) == 0
    real_save = train_mod.save_tensors
    calls = []

    def save_then_die(path, obj):
        real_save(path, obj)
        calls.append(path)
        if path.name == "checkpoint.pt":
            raise KeyboardInterrupt

    monkeypatch.setattr(train_mod, "save_tensors", save_then_die)
    assert main(["train", "--arch", str(arch_file), "--out", str(killed), "--epochs", "2", *ARGS]) == 130
    assert not (killed / "model.pt").exists() and len(torch.load(killed / "checkpoint.pt", weights_only=True)["history"]) == 1
    monkeypatch.setattr(train_mod, "save_tensors", real_save)
    assert main(["train", "--arch", str(arch_file), "--out", str(killed), "--epochs", "2", *ARGS, "--resume"]) == 0
    a = torch.load(straight / "model.pt", weights_only=True)
    b = torch.load(killed / "model.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert json.loads((killed / "metrics.json").read_text())["history"] == json.loads(
        (straight / "metrics.json").read_text())["history"]


def test_train_errors_are_one_line_exit_2(tmp_path: Path, arch_file: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["train", "--arch", str(bad), "--out", str(tmp_path / "o1"), *ARGS]) == 2
    assert "architecture " + repr(str(bad)) + " is not valid JSON" in capsys.readouterr().err
    assert main(["train", "--arch", str(arch_file), "--out", str(tmp_path / "o2"), "--resume", *ARGS]) == 2
    assert "not a run directory (no config.toml)" in capsys.readouterr().err
    big = tmp_path / "arch28.json"
    arch = Architecture.load(arch_file)
    Architecture(get_skeleton("tiny", input_size=28), arch.genomes, 10).save(big)
    assert main(["train", "--arch", str(big), "--out", str(tmp_path / "o3"), "--data", "digits", *ARGS]) == 2
    assert "expects (1, 28, 28)" in capsys.readouterr().err
    assert main(["train", "--arch", str(arch_file), "--out", str(tmp_path / "o4"), "--epochs", "0", *ARGS]) == 2
    assert "train.epochs=0" in capsys.readouterr().err
    assert main(["train", "--arch", str(arch_file), "--out", str(tmp_path / "o5"), "--threads", "0", *ARGS]) == 2
    assert "--threads must be >= 1, got 0" in capsys.readouterr().err
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 6))


@pytest.mark.skipif(importlib.util.find_spec("onnx") is not None, reason="onnx is installed")
def test_export_without_onnx_fails_before_training(tmp_path: Path, arch_file: Path, capsys) -> None:
    assert main(["train", "--arch", str(arch_file), "--out", str(tmp_path / "o"), "--export", "onnx", *ARGS]) == 2
    assert "needs the 'onnx' package" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_export_onnx_runs_in_onnxruntime(tmp_path: Path, arch_file: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    out = tmp_path / "o"
    assert main(["train", "--arch", str(arch_file), "--out", str(out), "--epochs", "1", "--export", "onnx", *ARGS]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert (out / "model.onnx").is_file() and metrics["export"]["onnxruntime_max_abs_diff"] < 1e-4



def test_config_toml_is_written_and_resume_reads_it(tmp_path: Path, arch_file: Path, capsys) -> None:
    cfg = tmp_path / "train.toml"
    cfg.write_text("[train]\nepochs = 1\nbatch_size = 64\nmax_steps_per_epoch = 2\n[data]\nname = 'digits'\n")
    out = tmp_path / "t"
    assert main(["train", "--arch", str(arch_file), "--out", str(out), "--config", str(cfg), "--no-progress"]) == 0
    saved = tomllib.loads((out / "config.toml").read_text())
    assert saved["train"]["epochs"] == 1 and saved["train"]["max_steps_per_epoch"] == 2
    assert saved["data"] == {"name": "digits", "seed": 0, "size": 64, "num_classes": 10}
    assert main(["train", "--arch", str(arch_file), "--out", str(out), "--resume", "--no-progress"]) == 0
    assert main(["train", "--arch", str(arch_file), "--out", str(out), "--resume", "--epochs", "3"]) == 2
    assert "train.epochs=3 differs from the run's 1" in capsys.readouterr().err
    cfg.write_text("[train]\nepoch = 1\n")
    assert main(["train", "--arch", str(arch_file), "--out", str(tmp_path / "t2"), "--config", str(cfg)]) == 2
    assert "train.epoch is not a key of [train]" in capsys.readouterr().err and not (tmp_path / "t2").exists()
