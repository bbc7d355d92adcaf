"""Every phase-2 algorithm on digits (tiny skeleton): an architecture of the space, in the budget
window, deterministic under a seed; and the 224x224 mobile setting on random tensors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from autospace.errors import ConfigError
from autospace.search import list_algorithms, register_algorithm, search_architecture
from autospace.search.base import SearchContext, SearchOutcome
from autospace.search.space import resolve_space

FAST = {
    "search": {"threads": 1, "batch_size": 32},
    "proxyless-g": {"warmup_steps": 5, "steps": 10, "adapt_every": 5},
    "rl": {"warmup_steps": 5, "steps": 10, "samples": 2, "log_every": 5},
    "spos": {"steps": 10, "population": 6, "generations": 2, "parents": 3, "bn_batches": 1, "eval_batches": 1},
    "ea": {"population": 4, "rounds": 3, "sample_size": 2, "train_steps": 3, "eval_batches": 1},
}
BUDGET = 100_000


@pytest.mark.parametrize("algo", ["proxyless-g", "rl", "spos"])
def test_algorithm_returns_an_architecture_of_the_space_within_budget(algo: str) -> None:
    import torch

    rng = torch.get_rng_state()
    arch, outcome = search_architecture("irb", algo, BUDGET, FAST)
    assert torch.equal(torch.get_rng_state(), rng)  # seeded inside, the caller's stream untouched
    space = resolve_space("irb", arch.skeleton)
    for layer, genome in enumerate(arch.genomes):
        assert genome in space.candidates[layer]
    assert abs(arch.madds - BUDGET) <= 0.1 * BUDGET
    assert outcome.history
    assert arch.search["algo"] == algo and arch.search["madds_budget"] == BUDGET


@pytest.mark.parametrize("algo", ["proxyless-g", "rl", "spos"])
def test_same_seed_same_search(algo: str) -> None:
    a, out_a = search_architecture("irb", algo, BUDGET, FAST)
    b, out_b = search_architecture("irb", algo, BUDGET, FAST)
    assert a.genomes == b.genomes and out_a.summary == out_b.summary
    assert out_a.history == out_b.history


def test_other_seed_other_search() -> None:
    _, out_a = search_architecture("irb", "proxyless-g", BUDGET, FAST)
    _, out_c = search_architecture("irb", "proxyless-g", BUDGET, {**FAST, "search": {**FAST["search"], "seed": 1}})
    assert out_c.summary["alphas"] != out_a.summary["alphas"]


def test_spos_random_selection_and_open_space_sample() -> None:
    config = {**FAST, "spos": {**FAST["spos"], "selection": "random"}, "search": {**FAST["search"], "open_k": 4}}
    arch, outcome = search_architecture("open", "spos", 200_000, config)
    assert 1 <= outcome.summary["scored"] <= 18  # distinct candidates of 6 x 3 draws
    space = resolve_space("open", arch.skeleton, open_k=4, seed=0)
    assert all(g in space.candidates[i] for i, g in enumerate(arch.genomes))
    assert abs(arch.madds - 200_000) <= 20_000


def test_direct_ea_searches_the_open_space_through_the_engine() -> None:
    arch, outcome = search_architecture("open", "ea", 200_000, FAST)
    assert all(g.space.name == "autospace" for g in arch.genomes)
    assert abs(arch.madds - 200_000) <= 20_000
    assert [r["round"] for r in outcome.history] == [1, 2, 3]
    with pytest.raises(ConfigError, match="space='open'"):
        search_architecture("irb", "ea", 200_000, FAST)


@pytest.mark.parametrize("budget", [330e6, 400e6])
def test_mobile_setting_lands_within_ten_percent(budget: float) -> None:
    config = {
        "search": {"skeleton": "proxyless", "batch_size": 2, "threads": 1},
        "data": {"name": "random", "size": 2, "num_classes": 1000},
        "proxyless-g": {"warmup_steps": 1, "steps": 2, "adapt_every": 1},
    }
    arch, _ = search_architecture("irb", "proxyless-g", budget, config)
    assert arch.skeleton.name == "proxyless" and arch.skeleton.input_size == 224
    assert len(arch.genomes) == 21
    assert abs(arch.madds - budget) <= 0.1 * budget


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(ConfigError, match="rl.steps"):
        search_architecture("irb", "rl", BUDGET, {"rl": {"steps": 0}})
    with pytest.raises(ConfigError, match="spos.nope"):
        search_architecture("irb", "spos", BUDGET, {"spos": {"nope": 1}})
    with pytest.raises(ConfigError, match="algorithm='darts' is not a known algorithm"):
        search_architecture("irb", "darts", BUDGET)
    with pytest.raises(ConfigError, match="search.batch_size='x'"):
        search_architecture("irb", "rl", BUDGET, {"search": {"batch_size": "x"}})


@dataclass(frozen=True)
class _PickConfig:
    """``[pick]``: the candidate index every layer takes."""

    index: int = 0


def _pick(ctx: SearchContext, config: _PickConfig) -> SearchOutcome:
    genomes = [cands[min(config.index, len(cands) - 1)] for cands in ctx.space.candidates]
    return SearchOutcome(genomes, [{"step": 0, "index": config.index}], {"picked": config.index})


def test_an_algorithm_from_a_user_module_runs_a_search() -> None:
    register_algorithm("pick-test", _pick, _PickConfig)
    with pytest.raises(ConfigError, match="already registered"):
        register_algorithm("pick-test", _pick, _PickConfig)
    assert "pick-test" in list_algorithms()
    arch, outcome = search_architecture("irb", "pick-test", BUDGET, {"search": FAST["search"], "pick-test": {"index": 1}})
    space = resolve_space("irb", arch.skeleton)
    assert list(arch.genomes) == [cands[min(1, len(cands) - 1)] for cands in space.candidates]
    assert arch.search["algo"] == "pick-test" and outcome.summary == {"picked": 1}
    with pytest.raises(ConfigError, match="pick-test.index='x'"):
        search_architecture("irb", "pick-test", BUDGET, {"pick-test": {"index": "x"}})
