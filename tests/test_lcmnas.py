"""The LCMNAS strategy on the engine (deterministic, elitist, resumable), macro genomes in the
per-candidate evaluators, the LCMNAS score, the mixed fitness on fixed scores, stratified splits."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import torch
from torch import nn

from autospace.cli import main
from autospace.errors import ConfigError, EvaluatorError, GenomeError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.lcmnas_score import eigen_score, lcmnas_score
from autospace.evaluators.low_fidelity import stratified_split
from autospace.evaluators.mixed import MixedEvaluator
from autospace.evaluators.proxies import FLOOR
from autospace.evaluators.zero_cost import ZeroCostEvaluator
from autospace.evolve import Engine, EvolveConfig, LearnedSpace, evolve_space
from autospace.evolve.checkpoint import load_checkpoint
from autospace.genome import NB201
from autospace.macro import LayerSpec, MacroGenome, macro_cost
from autospace.macro.extract import extract_wdg
from autospace.macro.retrain import RetrainSettings, retrain_run
from autospace.macro.space import MacroSettings, MacroSpace
from autospace.macro.walk import WalkSettings
from autospace.nn import get_skeleton
from autospace.search.space import learned_space

L = LayerSpec.of


def space(tmp_path=None) -> MacroSpace:
    files: tuple[str, ...] = ()
    if tmp_path is not None:  # a user's own module as a further parent
        wdg = extract_wdg(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 64, 10)),
                          (1, 8, 8), "mine")
        wdg.save(tmp_path / "mine.json")
        files = ("mine.json",)
    return MacroSpace(MacroSettings(zoo=("resnet18", "vgg11_bn"), wdg_files=files, input_shape=(1, 8, 8)),
                      WalkSettings(max_length=20, width=0.125), tmp_path or ".")


class Cheap(Evaluator):
    """Exact and independent: fewer parameters and more layers score higher."""

    def score_one(self, candidate: Candidate) -> float:
        return len(candidate.genome) - math.log(macro_cost(candidate.genome)[1])

    def describe(self) -> dict[str, Any]:
        return {"name": "cheap"}


class Interrupted(Cheap):
    def __init__(self, die_at: int) -> None:
        super().__init__()
        self.rounds, self.die_at = 0, die_at

    def score(self, batch, map_fn=map):  # type: ignore[no-untyped-def]
        if self.rounds == self.die_at:
            raise KeyboardInterrupt
        self.rounds += 1
        return super().score(batch, map_fn)


KW = {"population": 6, "rounds": 4, "seed": 2, "top_k": 3}


def test_generations_are_elitist_deterministic_and_new() -> None:
    sp = space()
    run = evolve_space(sp, Cheap(), "lcmnas", **KW)
    again = evolve_space(sp, Cheap(), "lcmnas", **KW)
    assert run.history.without_wall_clock() == again.history.without_wall_clock()
    other = evolve_space(sp, Cheap(), "lcmnas", **{**KW, "seed": 3})
    assert other.history.without_wall_clock() != run.history.without_wall_clock()
    best = [r["best"][0] for r in run.history.records]
    assert best == sorted(best)  # the elite survives
    assert run.engine.distinct_queries == 6 + 3 * (6 - 1)  # elitism 15 % of 6: one network kept
    population = run.engine.populations[0]
    assert len(population) == 6 and len({ind.genome.key for ind in population}) == 6
    assert all(isinstance(ind.genome, MacroGenome) for ind in population)
    assert run.best[0].fitness == max(Cheap().score_one(Candidate(0, g)) for _, g in run.engine._queried)


def test_resume_matches_an_uninterrupted_run(tmp_path) -> None:
    sp = space(tmp_path)
    full = evolve_space(sp, Cheap(), "lcmnas", **KW)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        evolve_space(sp, Interrupted(2), "lcmnas", out=out, **KW)
    assert load_checkpoint(out).engine["round"] == 2
    resumed = evolve_space(sp, Cheap(), "lcmnas", out=out, resume=True, **KW)
    assert resumed.history.without_wall_clock() == full.history.without_wall_clock()
    assert resumed.learned_space.to_dict() == full.learned_space.to_dict()
    saved = json.loads((out / "learned_space.json").read_text())
    assert saved["space"] == "macro"
    assert MacroGenome.from_dict(saved["layers"][0][0]["genome"]) == full.best[0].genome


def test_a_macro_learned_space_loads_with_its_settings(tmp_path) -> None:
    run = evolve_space(space(tmp_path), Cheap(), "lcmnas", out=tmp_path / "run", **KW)
    path = tmp_path / "run" / "learned_space.json"
    loaded = LearnedSpace.load(path)
    assert isinstance(loaded.space, MacroSpace)
    assert loaded.space.settings.input_shape == (1, 8, 8) and loaded.space.settings.zoo == ("resnet18", "vgg11_bn")
    assert loaded.space.walk_settings == WalkSettings(max_length=20, width=0.125)
    assert loaded.space.settings.wdg_files == ()  # recorded in the file, not re-read
    assert [r.genome for r in loaded.layers[0]] == [r.genome for r in run.learned_space.layers[0]]
    assert loaded.to_dict()["layers"] == run.learned_space.to_dict()["layers"]
    with pytest.raises(ConfigError, match="macro learned space"):
        learned_space(path, get_skeleton("tiny"))
    data = json.loads(path.read_text())
    for change, message in (({"space_settings": {"width": -1}}, "width"),
                            ({"reference": data["layers"][0][0]["genome"]}, "'reference' must be null"),
                            ({"space": "nb201"}, "'space_settings' is only for space='macro'")):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**data, **change}))
        with pytest.raises(GenomeError, match=message):
            LearnedSpace.load(bad)


def test_strategy_needs_the_macro_space() -> None:
    engine = Engine(NB201, EvolveConfig(strategy="lcmnas", population=4))
    with pytest.raises(ConfigError, match="needs evolve.space='macro'"):
        engine.ask()
    with pytest.raises(ConfigError, match="evolve.layers must be 1"):
        Engine(space(), EvolveConfig(strategy="lcmnas", population=4, layers=2)).ask()


def test_max_madds_bounds_every_walk() -> None:
    sp = MacroSpace(MacroSettings(zoo=("resnet18",), input_shape=(1, 8, 8), max_madds=30_000),
                    WalkSettings(max_length=20, width=0.125))
    run = evolve_space(sp, Cheap(), "lcmnas", population=5, rounds=2, seed=0, max_tries=500)
    assert all(macro_cost(g)[0] <= 30_000 for _, g in run.engine._queried)


# ----------------------------------------------------------------------------- evaluators
GENOME = MacroGenome([L("Conv2d", out_channels=4, kernel_size=3), L("ReLU"), L("MaxPool2d", kernel_size=2),
                      L("Linear", out_features=10)], (1, 8, 8), 10)


def test_zero_cost_scores_macro_genomes_with_the_lcmnas_score() -> None:
    ev = ZeroCostEvaluator("lcmnas", "macro", "digits", batch_size=32)
    score = ev.score([Candidate(0, GENOME)])[0]
    assert 0 < score < math.inf and ev.score([Candidate(0, GENOME)])[0] == score  # seeded: reproducible
    with pytest.raises(EvaluatorError, match="takes \\[3, 8, 8\\] inputs"):
        ev.score([Candidate(0, MacroGenome([L("Linear", out_features=10)], (3, 8, 8), 10))])
    with pytest.raises(EvaluatorError, match="scores whole networks"):
        ev.score([Candidate(0, NB201.sample(0))])


def test_eigen_score_formula() -> None:
    v = torch.tensor([0.5, 1.5, 0.0])
    expected = 1e4 / sum(math.log(x + 1e-5) + 1 / (x + 1e-5) for x in (0.5, 1.5, 0.0))
    assert eigen_score(v) == pytest.approx(expected, rel=1e-12)
    constant = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    nn.init.zeros_(constant[1].weight)
    assert lcmnas_score(constant, torch.randn(6, 1, 2, 2), torch.zeros(6)) == FLOOR


class Fixed(Evaluator):
    def __init__(self, scores: dict[MacroGenome, float]) -> None:
        super().__init__()
        self.scores = scores

    def score_one(self, candidate: Candidate) -> float:
        return self.scores[candidate.genome]

    def describe(self) -> dict[str, Any]:
        return {"name": "fixed"}


def test_mixed_fitness_on_fixed_scores() -> None:
    a, b, c = (MacroGenome([L("Dropout", p=p), L("Linear", out_features=2)], (1, 2, 2), 2) for p in (0.1, 0.2, 0.3))
    zc, lf = Fixed({a: 1.0, b: 3.0, c: 2.0}), Fixed({a: 0.9, b: 0.1, c: 0.5})
    batch = [Candidate(0, g) for g in (a, b, c)]
    raw = MixedEvaluator(zc, lf, 0.75, "raw")
    assert raw.exact and raw.score(batch) == pytest.approx([0.75 * 1 + 25 * 0.9, 0.75 * 3 + 2.5, 0.75 * 2 + 12.5])
    ranked = MixedEvaluator(zc, lf, 0.75)
    assert not ranked.exact and ranked.score(batch) == pytest.approx([0.25, 0.75, 0.5 * 0.75 + 0.25 * 0.5])
    with pytest.raises(ConfigError, match="evaluator.combine='sum'"):
        MixedEvaluator(zc, lf, 0.75, "sum")
    # the raw sum depends on the candidate alone: scored one by one (as a backend's map does) it is the same
    assert raw.independent and not ranked.independent
    assert [raw.score_one(c) for c in batch] == raw.score(batch) == raw.score(batch, map)
    with pytest.raises(TypeError, match="jointly"):
        ranked.score_one(batch[0])


def test_stratified_split_is_disjoint_and_per_class() -> None:
    labels = torch.tensor([0] * 100 + [1] * 50 + [2] * 10)
    train, val = stratified_split(labels, (0.08, 0.02), seed=0)
    assert not set(train.tolist()) & set(val.tolist())
    assert [int((labels[train] == k).sum()) for k in range(3)] == [8, 4, 1]
    assert [int((labels[val] == k).sum()) for k in range(3)] == [2, 1, 1]
    assert torch.equal(stratified_split(labels, (0.08, 0.02), seed=0)[0], train)


# ----------------------------------------------------------------------------- CLI
def test_cli_runs_and_resumes_a_small_lcmnas_config(tmp_path, capsys) -> None:
    config = tmp_path / "lcmnas.toml"
    config.write_text("""
[evolve]
space = "macro"
strategy = "lcmnas"
population = 3
rounds = 2
[lcmnas]
zoo = ["alexnet"]
input_shape = [1, 8, 8]
max_length = 8
width = 0.0625
[evaluator]
name = "mixed"
skeleton = "macro"
data = "digits"
combine = "raw"
proxy = "lcmnas"
proxy_batch_size = 32
train_fraction = 0.1
val_fraction = 0.05
epochs = 1
""")
    out = tmp_path / "out"
    assert main(["evolve", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    learned = json.loads((out / "learned_space.json").read_text())
    assert learned["space"] == "macro" and learned["layers"][0]
    written = (out / "config.toml").read_text()
    assert "[lcmnas]" in written and "alexnet" in written
    assert main(["evolve", "--resume", str(out), "--quiet"]) == 0  # a finished run resumes to its end
    capsys.readouterr()
    assert main(["macro", "retrain", str(out), "--top", "2", "--epochs", "1", "--final-epochs", "1"]) == 0
    result = json.loads((out / "retrain.json").read_text())
    assert [r["rank"] for r in result["retrained"]] == [0, 1] and result["test_set"] == "val"  # digits: no test set
    assert result["best_rank"] == max(result["retrained"], key=lambda r: r["val_accuracy"])["rank"]
    assert 0.0 <= result["test_accuracy"] <= 1.0 and result["settings"]["final_epochs"] == 1
    assert MacroGenome.from_dict(result["best"]) == LearnedSpace.load(out / "learned_space.json").layers[0][
        result["best_rank"]].genome
    assert "best #" in capsys.readouterr().out
    again = json.loads(json.dumps(retrain_run(out, RetrainSettings(top=2, epochs=1, final_epochs=1))))
    assert {k: v for k, v in again.items() if not k.endswith("seconds")} == {
        k: v for k, v in result.items() if not k.endswith("seconds")}  # seeded: the same numbers again
    for flags, message in ((["--top", "0"], "retrain.top=0"), (["--final-epochs", "-1"], "retrain.final_epochs=-1")):
        assert main(["macro", "retrain", str(out), *flags]) == 2
        assert message in capsys.readouterr().err
    assert main(["macro", "retrain", str(tmp_path / "missing")]) == 2


def test_scores_with_dropout_are_reproducible() -> None:
    dropout = MacroGenome([L("Conv2d", out_channels=4, kernel_size=3), L("Dropout", p=0.5), L("ReLU"),
                           L("Linear", out_features=10)], (1, 8, 8), 10)
    ev = ZeroCostEvaluator("lcmnas", "macro", "digits", batch_size=32)
    first = ev.score([Candidate(0, dropout)])[0]
    torch.rand(7)  # the global generator moves on; the score must not
    assert ev.score([Candidate(0, dropout)])[0] == first


def test_cutout_zeroes_one_clipped_square_per_image() -> None:
    from autospace.data.augment import ImageTransform, cut_out

    images = torch.ones(64, 3, 32, 32)
    out = cut_out(images, torch.Generator().manual_seed(0), 16)
    zeros = (out == 0).all(dim=1).flatten(1).sum(1)
    assert (zeros <= 256).all() and (zeros >= 64).all() and (zeros == 256).any()  # 8x8 at the least (a corner)
    assert torch.equal(out, cut_out(images, torch.Generator().manual_seed(0), 16))
    plain = ImageTransform((0.0,) * 3, (1.0,) * 3)
    generator = torch.Generator().manual_seed(1)
    state = generator.get_state()
    plain(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), generator)
    assert torch.equal(generator.get_state(), state)  # no cutout, no draws: cell runs are unchanged

