"""The zero-cost evaluator, the low-fidelity scorer and the LCMNAS mixed scorer on digits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autospace.data import DataSplit, ImageTensors, ImageTransform, load_digits
from autospace.data.loading import random_split
from autospace.errors import ConfigError, DataError, EvaluatorError, UnknownNameError
from autospace.evaluators import (
    Candidate,
    LowFidelityEvaluator,
    MixedEvaluator,
    ZeroCostEvaluator,
    create_evaluator,
)
from autospace.evaluators.mixed import rank_normalise
from autospace.evaluators.proxies import _PROXIES, FLOOR, STANDARD_PROXIES, register_proxy
from autospace.evaluators.zero_cost import proxy_batches
from autospace.genome import Genome, get_space
from autospace.train import ScoringRecipe

SPACE = get_space("autospace")
DIGITS = load_digits()
ZERO = Genome(SPACE, ["zero"] * 6, 1)
CONV = Genome(SPACE, ["conv3x3", "zero", "zero", "zero", "conv3x3", "zero"], 2)


def _cands(n: int, layer: int = 1) -> list[Candidate]:
    rng = np.random.default_rng(0)
    return [Candidate(layer, SPACE.sample(rng)) for _ in range(n)]


@pytest.mark.parametrize("proxy", sorted(STANDARD_PROXIES))
def test_proxies_are_finite_deterministic_and_discriminate(proxy: str) -> None:
    ev = ZeroCostEvaluator(proxy, "tiny", DIGITS, seed=0)
    cands = _cands(4)
    scores = ev.score(cands)
    assert all(math.isfinite(s) for s in scores)
    assert ZeroCostEvaluator(proxy, "tiny", DIGITS, seed=0).score(cands) == scores
    assert len(set(np.round(scores, 6))) > 1
    assert ev.exact and ev.independent and ev.describe()["proxy"] == proxy


def test_degenerate_network_gets_the_floor_not_nan() -> None:
    ev = ZeroCostEvaluator("jacob_cov", "tiny", DIGITS)
    assert ev.score([Candidate(1, ZERO)]) == [FLOOR]  # layer 1 changes width: a zero cell kills the signal
    with pytest.raises(UnknownNameError, match="proxy='magic'"):
        ZeroCostEvaluator("magic", "tiny", DIGITS)


def test_a_registered_proxy_is_usable_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_PROXIES, "_items", dict(_PROXIES._items))  # the registration ends with the test

    def weight_count(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
        return float(sum(p.numel() for p in net.parameters()))

    register_proxy("weight_count", weight_count, batch_size=8, augment=False)
    ev = create_evaluator("zero_cost", space=SPACE, layers=4, proxy="weight_count")
    assert (ev.describe()["proxy"], ev.batch_size, ev.augment) == ("weight_count", 8, False)
    cands = [Candidate(1, ZERO), Candidate(1, CONV)]
    assert ev.score(cands) == [float(sum(p.numel() for p in ev.builder.network(c).parameters())) for c in cands]


def test_published_batch_unless_overridden() -> None:
    naswot = ZeroCostEvaluator("naswot", "tiny", DIGITS).describe()
    assert (naswot["batch_size"], naswot["augment"]) == (128, False)
    snip = ZeroCostEvaluator("snip", "tiny", DIGITS, batch_size=32, augment=False).describe()
    assert (snip["batch_size"], snip["augment"]) == (32, False)
    ev = create_evaluator("zero_cost", space=SPACE, layers=4, proxy="grasp")
    assert (ev.batch_size, ev.augment) == (64, True)


def test_proxy_batches_drop_augmentation_on_request() -> None:
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (40, 3, 8, 8), dtype=torch.uint8, generator=gen)
    train = ImageTensors(images, torch.arange(40) % 10, ImageTransform((0.5,) * 3, (0.25,) * 3, padding=2, flip=True))
    plain = proxy_batches(train, 16, False, 2, seed=3)
    augmented = proxy_batches(train, 16, True, 2, seed=3)
    assert len(plain) == 2 and plain[0][0].shape == (16, 3, 8, 8)
    perm = torch.randperm(40, generator=torch.Generator().manual_seed(3))[:16]
    assert torch.equal(plain[0][0], train.transform.normalise(images[perm]))
    assert torch.equal(plain[0][1], augmented[0][1]) and not torch.equal(plain[0][0], augmented[0][0])
    assert all(torch.equal(a[0], b[0]) for a, b in zip(augmented, proxy_batches(train, 16, True, 2, seed=3)))


def test_context_cell_fills_other_layers() -> None:
    ev = ZeroCostEvaluator("naswot", "tiny", DIGITS, context=CONV)
    assert ev.builder.genomes(Candidate(2, ZERO)) == [CONV, CONV, ZERO, CONV]
    with pytest.raises(EvaluatorError, match="layer=7"):
        ev.score([Candidate(7, ZERO)])


def test_low_fidelity_prefers_a_trainable_cell() -> None:
    ev = LowFidelityEvaluator("tiny", DIGITS, recipe=ScoringRecipe(epochs=2), val_size=200)
    good, dead = ev.score([Candidate(0, CONV), Candidate(1, ZERO)])
    assert 0.5 < good <= 1.0 and dead < 0.2


def test_rank_normalise_and_mixed_scores_per_layer() -> None:
    assert rank_normalise([3.0, 1.0, 2.0]).tolist() == [1.0, 0.0, 0.5]
    assert rank_normalise([7.0]).tolist() == [0.5]
    zc = ZeroCostEvaluator("grad_norm", "tiny", DIGITS)
    lf = LowFidelityEvaluator("tiny", DIGITS, recipe=ScoringRecipe(epochs=1), train_size=128, val_size=128)
    mixed = MixedEvaluator(zc, lf, lam=0.75)
    batch = _cands(3, layer=0) + _cands(3, layer=2)
    scores = mixed.score(batch)
    raw_zc, raw_lf = zc.score(batch), lf.score(batch)
    for layer_slice in (slice(0, 3), slice(3, 6)):
        expected = 0.75 * rank_normalise(raw_zc[layer_slice]) + 0.25 * rank_normalise(raw_lf[layer_slice])
        assert scores[layer_slice] == pytest.approx(expected.tolist())
    assert not mixed.independent
    with pytest.raises(ConfigError, match="lam"):
        MixedEvaluator(zc, lf, lam=1.5)


def test_registered_for_config_files() -> None:
    for name in ("zero_cost", "low_fidelity", "mixed"):
        ev = create_evaluator(name, space=SPACE, layers=4)
        assert ev.describe()["name"] == name
    with pytest.raises(ConfigError, match="evolve.layers=2"):
        create_evaluator("zero_cost", space=SPACE, layers=2)


def test_low_fidelity_subset_of_augmented_images_stays_augmented() -> None:
    import torch

    from autospace.data.augment import ImageTensors, ImageTransform
    from autospace.evaluators.low_fidelity import _subset

    images = torch.randint(0, 255, (10, 3, 8, 8), dtype=torch.uint8)
    data = ImageTensors(images, torch.arange(10), ImageTransform((0.5,) * 3, (0.25,) * 3, padding=4, flip=True))
    sub = _subset(data, 4, seed=0)
    assert isinstance(sub, ImageTensors) and len(sub) == 4 and sub.transform is data.transform
    assert set(sub.labels.tolist()) <= set(range(10))


DEAD_CONV = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
"""Node 1's convolution feeds no later node: built only under NAS-Bench-201's rule."""
ALL_LIVE = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def images32() -> DataSplit:
    return random_split((3, 32, 32), 128, 10, seed=0)


def test_nb201_build_rule_builds_dead_edges_for_the_proxy(images32: DataSplit) -> None:
    def score(proxy: str, arch: str, rule: str) -> float:
        ev = ZeroCostEvaluator(proxy, "nb201", images32, batch_size=16, build_rule=rule)
        return ev.score([Candidate(0, Genome.from_nb201(arch))])[0]

    # naswot codes every ReLU input, the dead edge's too; a cell without dead edges builds the same modules
    assert score("naswot", DEAD_CONV, "all") != score("naswot", DEAD_CONV, "live")
    for proxy in ("naswot", "synflow"):
        assert score(proxy, ALL_LIVE, "all") == score(proxy, ALL_LIVE, "live")
    described = ZeroCostEvaluator("naswot", "nb201", images32, build_rule="all").describe()
    assert described["build_rule"] == "all" and described["skeleton"] == "nb201"


def test_split_and_build_rule_settings_are_checked(images32: DataSplit) -> None:
    with pytest.raises(ConfigError, match="build_rule='every'"):
        ZeroCostEvaluator("naswot", "nb201", images32, build_rule="every")
    with pytest.raises(ConfigError, match="split='nb201'"):
        ZeroCostEvaluator("naswot", "nb201", images32, split="nb201")
    with pytest.raises(DataError, match="split='nb201'"):
        create_evaluator("zero_cost", space=SPACE, layers=4, split="nb201")
