"""The bad-input corpus: every malformed file of ``tests/bad_inputs/`` (and a few built here: archives,
checkpoints, run directories) handed to the CLI. Each must exit 2 with one line on stderr naming the
field or file, no traceback, and leave the working directory (``--out`` included) byte for byte as it was."""

from __future__ import annotations

import gzip
import json
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from bad_input_case import Case, assert_rejected

from autospace.cli import main
from autospace.data.config import DataConfig
from autospace.data.idx import write_idx
from autospace.nn import Architecture
from autospace.train.cli import TrainPlacement, config_tables
from autospace.train.recipe import TrainRecipe

BAD = Path(__file__).parent / "bad_inputs"


def evolve(config: str, names: str | None = None, setup: Callable[[Path], None] | None = None) -> Case:
    stem = config.removesuffix(".toml")
    return Case(stem, ("evolve", "--config", f"{{bad}}/{config}", "--out", "{out}", "--quiet"), names or config, setup)


def search(case_id: str, names: str, *extra: str, space: str = "irb", budget: str = "100k") -> Case:
    argv = ("search", "--space", space, "--algo", "proxyless-g", "--madds-budget", budget, "--out", "{out}",
            "--quiet", *extra)
    return Case(case_id, argv, names)


def train(case_id: str, names: str, *extra: str, arch: str = "arch_ok.json",
          setup: Callable[[Path], None] | None = None) -> Case:
    argv = ("train", "--arch", f"{{bad}}/{arch}", "--out", "{out}", "--no-progress", "--epochs", "1", *extra)
    return Case(case_id, argv, names, setup)


# ----------------------------------------------------------------------------- built inputs
def mnist(tmp: Path, damage: Callable[[bytes], bytes] | None = None) -> None:
    """``{tmp}/mnist``: a 20-image t10k set; ``damage`` rewrites the images file's bytes."""
    root = tmp / "mnist"
    root.mkdir()
    write_idx(root / "t10k-images-idx3-ubyte.gz", np.zeros((20, 28, 28), np.uint8))
    write_idx(root / "t10k-labels-idx1-ubyte.gz", np.arange(20, dtype=np.uint8) % 10)
    if damage is not None:
        path = root / "t10k-images-idx3-ubyte.gz"
        path.write_bytes(damage(path.read_bytes()))


def corrupt_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 16]) + data[middle + 16:]


def gz_of(payload: bytes) -> Callable[[bytes], bytes]:
    return lambda _: gzip.compress(payload)


def evolve_run(tmp: Path, damage: Callable[[Path], None]) -> None:
    """``{tmp}/out``: a finished 2-round analytic run, then ``damage(out)``."""
    assert main(["evolve", "--config", str(BAD / "evolve_ok.toml"), "--out", str(tmp / "out"), "--quiet"]) == 0
    damage(tmp / "out")


def edit_engine(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        path = out / "checkpoint" / "engine.json"
        payload = json.loads(path.read_text())
        edit(payload)
        path.write_text(json.dumps(payload))
        shutil.rmtree(out / "checkpoint.prev")
    return damage


def checkpoint_file(out: Path) -> None:
    shutil.rmtree(out / "checkpoint")
    shutil.rmtree(out / "checkpoint.prev")
    (out / "checkpoint").write_text("not a directory")


def evaluator_file(name: str, content: bytes) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        edit_engine(lambda p: p.update(evaluator=None, evaluator_file=name))(out)
        (out / "checkpoint" / name).write_bytes(content)
    return damage


def without_evaluator_state(out: Path) -> None:
    """A checkpoint written up to its engine.json: the evaluator state it names is not there."""
    edit_engine(lambda p: p.update(evaluator=None, evaluator_file="evaluator.pt"))(out)


def empty_checkpoint(out: Path) -> None:
    """checkpoint/ created, nothing written in it yet."""
    shutil.rmtree(out / "checkpoint")
    shutil.rmtree(out / "checkpoint.prev")
    (out / "checkpoint").mkdir()


def image_archive(tmp: Path) -> None:
    """``{tmp}/images.tar.gz``: an ImageFolder archive whose last JPEG is cut in half."""
    import io
    import tarfile

    from PIL import Image

    files = {}
    for i in range(6):
        pixels = np.random.default_rng(i).integers(0, 256, (8, 8, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG")
        files[f"train/class{i % 2}/{i}.jpg"] = buffer.getvalue()
    files["train/class1/5.jpg"] = files["train/class1/5.jpg"][:200]
    with tarfile.open(tmp / "images.tar.gz", "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def other_config(out: Path) -> None:
    """The checkpoint of a run whose evaluator had another seed, in this run's directory."""
    text = (out / "config.toml").read_text()
    (out / "config.toml").write_text(text.replace("delay = 0.0", "delay = 0.5"))
    shutil.rmtree(out / "checkpoint.prev")


class Payload:
    """Pickled code in place of tensors."""

    def __reduce__(self) -> tuple:
        return (print, ("pickled code ran",))


def train_run(checkpoint: Callable[[Path], None]) -> Callable[[Path], None]:
    """``{tmp}/out``: a training run directory (config.toml) whose checkpoint.pt ``checkpoint`` writes."""
    def setup(tmp: Path) -> None:
        out = tmp / "out"
        out.mkdir()
        recipe = TrainRecipe(epochs=1)
        tables = config_tables(recipe, TrainPlacement(), DataConfig())
        from autospace.config import write_toml

        write_toml(out / "config.toml", tables)
        checkpoint(out / "checkpoint.pt")
    return setup


def state_without_optimizer(path: Path) -> None:
    arch = Architecture.load(BAD / "arch_ok.json")
    torch.save({"trainer": {"model": {}}, "torch_rng": torch.get_rng_state(), "history": [],
                "arch": arch.to_dict()["genomes"], "recipe": TrainRecipe(epochs=1).to_dict()}, path)


def regular_file(tmp: Path) -> None:
    (tmp / "file").write_text("a regular file")


CASES = [
    # evolve configs
    evolve("evolve_unknown_key.toml", "evolve.populaton"),
    evolve("evolve_wrong_type.toml", "evolve.population"),
    evolve("evolve_zero_population.toml", "evolve.population"),
    evolve("evolve_negative_rounds.toml", "evolve.rounds"),
    evolve("evolve_nan_momentum.toml", "evolve.fitness_momentum"),
    evolve("evolve_inf_fraction.toml", "evolve.constraint_fraction"),
    evolve("evolve_huge_population.toml", "evolve.population"),
    evolve("evolve_huge_sample_size.toml", "evolve.sample_size"),
    evolve("evolve_huge_tournament.toml", "evolve.tournament_size"),
    evolve("evolve_huge_rounds.toml", "evolve.rounds"),
    evolve("evolve_bool_seed.toml", "evolve.seed"),
    evolve("evolve_nan_madds_cap.toml", "evolve.madds_cap"),
    evolve("evolve_tiny_madds_cap.toml", "madds_cap"),
    evolve("evolve_unknown_space.toml", "evolve.space='nosuchspace' is not a registered space; choose one of"),
    evolve("evolve_unknown_skeleton.toml", "nosuchskeleton"),
    evolve("evolve_unknown_evaluator.toml", "nosuchevaluator"),
    evolve("evolve_unknown_strategy.toml", "nosuchstrategy"),
    evolve("evolve_unknown_section.toml", "[evaluatr]"),
    evolve("evolve_nan_delay.toml", "evaluator.delay"),
    evolve("evolve_reference_unknown_op.toml", "warp"),
    evolve("evolve_reference_unhashable.toml", "reference.genome"),
    evolve("evolve_supernet_huge_lr.toml", "evaluator.weight_lr"),
    evolve("evolve_supernet_negative_total_steps.toml", "evaluator.total_steps"),
    evolve("empty.toml", "evolve"),
    evolve("binary.toml"),
    evolve("latin1.toml"),
    evolve("truncated.toml"),
    Case("evolve_missing_config", ("evolve", "--config", "{tmp}/nothing.toml", "--out", "{out}"), "nothing.toml"),
    # NB201-format tables
    *(evolve(f"evolve_csv_{name}.toml", f"csv_{name}.csv") for name in (
        "duplicate_identical", "duplicate_conflicting", "nan_row", "nan_column", "inf_value", "ragged_row",
        "missing_cells", "empty", "binary", "latin1", "missing")),
    # genome files (the [reference] file)
    *(Case(f"reference_{name}", ("evolve", "--config", "{tmp}/ref.toml", "--out", "{out}", "--quiet"),
           f"genome_{name}.json",
           lambda tmp, name=name: (tmp / "ref.toml").write_text(
               (BAD / "evolve_ok.toml").read_text() + f'\n[reference]\nfile = "{BAD}/genome_{name}.json"\n'))
      for name in ("wrong_schema", "unknown_op", "wrong_node_count", "unhashable_edge", "extra_field",
                   "ratio_str", "cycle", "truncated", "latin1")),
    # dataset files
    Case("evolve_supernet_mnist_corrupt", ("evolve", "--config", "{tmp}/mnist.toml", "--out", "{out}", "--quiet"),
         "t10k-images", lambda tmp: (tmp / "mnist.toml").write_text(
             (BAD / "evolve_supernet_mnist.toml").read_text() + f'data_root = "{tmp}/mnist"\n')),
    # evolve checkpoints
    Case("resume_truncated_engine", ("evolve", "--resume", "{out}", "--quiet"), "engine.json",
         lambda tmp: evolve_run(tmp, lambda out: (out / "checkpoint" / "engine.json").write_text('{"schema_ver'))),
    Case("resume_no_populations", ("evolve", "--resume", "{out}", "--quiet"), "engine.json",
         lambda tmp: evolve_run(tmp, edit_engine(lambda p: p["engine"].pop("populations")))),
    Case("resume_bad_rng", ("evolve", "--resume", "{out}", "--quiet"), "engine.json",
         lambda tmp: evolve_run(tmp, edit_engine(lambda p: p["engine"].update(rng={"bit_generator": "XYZ"})))),
    Case("resume_round_99", ("evolve", "--resume", "{out}", "--quiet"), "round",
         lambda tmp: evolve_run(tmp, edit_engine(lambda p: p["engine"].update(round=99)))),
    Case("resume_empty_evaluator_file", ("evolve", "--resume", "{out}", "--quiet"), "evaluator.pt",
         lambda tmp: evolve_run(tmp, evaluator_file("evaluator.pt", b""))),
    Case("resume_evaluator_file_outside", ("evolve", "--resume", "{out}", "--quiet"), "evaluator_file",
         lambda tmp: evolve_run(tmp, edit_engine(lambda p: p.update(evaluator=None, evaluator_file="../../x.pt")))),
    Case("resume_pickle_evaluator_file", ("evolve", "--resume", "{out}", "--quiet"), "evaluator.pt",
         lambda tmp: evolve_run(tmp, evaluator_file("evaluator.pt", pickle.dumps(Payload())))),
    Case("resume_checkpoint_is_file", ("evolve", "--resume", "{out}", "--quiet"), "checkpoint",
         lambda tmp: evolve_run(tmp, checkpoint_file)),
    Case("resume_other_config", ("evolve", "--resume", "{out}", "--quiet"), "delay",
         lambda tmp: evolve_run(tmp, other_config)),
    Case("resume_no_evaluator_state", ("evolve", "--resume", "{out}", "--quiet"), "evaluator.pt",
         lambda tmp: evolve_run(tmp, without_evaluator_state)),
    Case("resume_empty_checkpoint_dir", ("evolve", "--resume", "{out}", "--quiet"), "engine.json",
         lambda tmp: evolve_run(tmp, empty_checkpoint)),
    # evolve flags: where candidates are scored
    Case("evolve_unknown_backend", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "{out}", "--backend",
                                    "quantum"), "--backend: invalid choice: 'quantum'"),
    Case("evolve_zero_workers", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "{out}", "--workers", "0"),
         "evolve.workers=0"),
    Case("evolve_ray_address_without_ray_backend", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "{out}",
                                                    "--ray-address", "127.0.0.1:1"), "evolve.ray_address"),
    Case("evolve_ray_unreachable_address", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "{out}",
                                            "--backend", "ray", "--ray-address", "127.0.0.1:1"),
         "ray_address='127.0.0.1:1'"),
    Case("evolve_out_under_file", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "{tmp}/file/run"),
         "file", regular_file),
    Case("evolve_out_is_file", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "{tmp}/file"),
         "file", regular_file),
    Case("evolve_out_under_proc", ("evolve", "--config", "{bad}/evolve_ok.toml", "--out", "/proc/autospace"),
         "/proc/autospace"),
    # search: learned spaces, flags, configs
    *(search(f"search_learned_{name}", f"learned_{name}.json", space=f"{{bad}}/learned_{name}.json")
      for name in ("wrong_schema", "unknown_op", "wrong_node_count", "fitness_str", "fitness_nan", "top_k_str",
                   "meta_int", "empty_layer", "extra_field", "unhashable_edge", "truncated", "latin1")),
    search("search_learned_binary", "binary.json", space="{bad}/binary.json"),
    search("search_negative_budget", "--madds-budget: expected one argument (write a value", budget="-5k"),
    search("search_word_budget", "--madds-budget", budget="lots"),
    Case("search_negative_budget_value", ("search", "--space", "irb", "--algo", "proxyless-g", "--madds-budget=-5k",
                                          "--out", "{out}"), "--madds-budget='-5k' is not a number > 0"),
    search("search_unknown_skeleton", "nosuchskeleton", "--skeleton", "nosuchskeleton"),
    search("search_binary_config", "binary.toml", "--config", "{bad}/binary.toml"),
    search("search_latin1_config", "latin1.toml", "--config", "{bad}/latin1.toml"),
    search("search_evolve_config", "[evolve]", "--config", "{bad}/evolve_ok.toml"),
    search("search_corrupt_mnist", "t10k-images", "--data", "mnist", "--data-root", "{tmp}/mnist"),
    Case("search_unknown_algorithm", ("search", "--space", "irb", "--algo", "nosuchalgo", "--madds-budget", "1",
                                      "--out", "{out}"), "nosuchalgo"),
    Case("search_out_under_file", ("search", "--space", "irb", "--algo", "proxyless-g", "--madds-budget", "100k",
                                   "--out", "{tmp}/file/run"), "file", regular_file),
    Case("search_out_under_proc", ("search", "--space", "irb", "--algo", "proxyless-g", "--madds-budget", "100k",
                                   "--out", "/proc/autospace"), "/proc/autospace"),
    # train: architectures, flags, checkpoints
    *(train(f"train_arch_{name}", f"arch_{name}.json", arch=f"arch_{name}.json")
      for name in ("wrong_schema", "unknown_op", "wrong_node_count", "unhashable_edge", "search_int", "search_str",
                   "extra_field", "skeleton_extra_field", "num_classes_str", "unknown_skeleton", "truncated",
                   "latin1")),
    train("train_arch_binary", "binary.json", arch="binary.json"),
    train("train_arch_missing", "nothing.json", arch="nothing.json"),
    train("train_lr_inf", "train.lr", "--lr", "inf"),
    train("train_momentum_nan", "train.momentum", "--momentum", "nan"),
    train("train_negative_data_seed", "data.seed", "--data-seed", "-1"),
    train("train_zero_epochs", "train.epochs", "--epochs", "0"),
    train("train_negative_batch", "train.batch_size", "--batch-size", "-3"),
    train("train_unknown_data", "data.name='imagenet'", "--data", "imagenet"),
    train("train_empty_mnist", "t10k-images", "--data", "mnist", "--data-root", "{tmp}/mnist"),
    train("train_wrong_magic_mnist", "t10k-images", "--data", "mnist", "--data-root", "{tmp}/mnist"),
    train("train_missing_mnist", "{tmp}/nowhere", "--data", "mnist", "--data-root", "{tmp}/nowhere"),
    train("train_binary_config", "binary.toml", "--config", "{bad}/binary.toml"),
    train("train_truncated_jpeg_archive", "member 'train/class1/5.jpg' is not a readable image", "--data",
          "imagefolder", "--data-root", "{tmp}/images.tar.gz", setup=image_archive),
    Case("train_out_under_file", ("train", "--arch", "{bad}/arch_ok.json", "--out", "{tmp}/file/run"), "file",
         regular_file),
    Case("train_out_under_proc", ("train", "--arch", "{bad}/arch_ok.json", "--out", "/proc/autospace"),
         "/proc/autospace"),
    train("train_resume_pickle", "checkpoint.pt", "--resume",
          setup=train_run(lambda path: path.write_bytes(pickle.dumps(Payload())))),
    train("train_resume_text", "checkpoint.pt", "--resume",
          setup=train_run(lambda path: path.write_text("not a checkpoint\n"))),
    train("train_resume_empty", "checkpoint.pt", "--resume", setup=train_run(lambda path: path.write_bytes(b""))),
    train("train_resume_truncated", "checkpoint.pt", "--resume",
          setup=train_run(lambda path: (state_without_optimizer(path), path.write_bytes(path.read_bytes()[:100])))),
    train("train_resume_no_optimizer", "checkpoint.pt", "--resume", setup=train_run(state_without_optimizer)),
    train("train_resume_list", "checkpoint.pt", "--resume", setup=train_run(lambda path: torch.save([1, 2], path))),
]

MNIST_DAMAGE = {
    "evolve_supernet_mnist_corrupt": corrupt_middle,
    "search_corrupt_mnist": corrupt_middle,
    "train_empty_mnist": lambda data: b"",
    "train_wrong_magic_mnist": gz_of(b"\x12\x34\x56\x78" + bytes(100)),
}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if case.id in MNIST_DAMAGE:
        mnist(tmp_path, MNIST_DAMAGE[case.id])
    if case.setup is not None:
        case.setup(tmp_path)
    assert_rejected(case, tmp_path, capsys, bad=BAD)
    assert not Path("/proc/autospace").exists()


@pytest.mark.parametrize("argv", [
    ["train", "--arch", "{tmp}/nothing.json", "--out", "{tmp}/out"],
    ["train", "--arch", str(BAD / "arch_ok.json"), "--out", "{tmp}/out", "--config", str(BAD / "latin1.toml")],
    ["train", "--arch", str(BAD / "arch_ok.json"), "--out", "{tmp}/file"],
])
def test_file_and_out_errors_answer_before_torch_loads(argv: list[str], tmp_path: Path) -> None:
    regular_file(tmp_path)
    args = [a.format(tmp=tmp_path) for a in argv]
    code = f"import sys; from autospace.cli import main; assert main({args!r}) == 2; assert 'torch' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1 and "error:" in result.stderr
