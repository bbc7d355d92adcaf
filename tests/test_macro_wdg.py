"""WDG extraction (hooks on leaf modules, meta device), frequency counts, JSON, and the weighted
random walks: always valid, deterministic by seed, following the counts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

from autospace.errors import GenomeError, UnknownNameError
from autospace.macro import LayerSpec, MacroGenome
from autospace.macro.build import build_macro
from autospace.macro.extract import extract_wdg, extract_zoo
from autospace.macro.space import ZOO
from autospace.macro.walk import WalkSettings, random_walk
from autospace.macro.wdg import WDG

L = LayerSpec.of


class Small(nn.Module):
    """Conv-BN-ReLU twice (one ReLU module used twice), a pool, a flatten and a classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 6, 5, padding=2), nn.BatchNorm2d(6)
        self.relu, self.pool = nn.ReLU(), nn.MaxPool2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(6 * 4 * 4, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.b1(self.c1(x)))
        return self.head(self.pool(self.relu(self.b2(self.c2(x)))))


def test_extracts_the_known_sequence_on_meta_and_cpu() -> None:
    wdg = extract_wdg(Small(), (3, 8, 8), "small")
    assert wdg.transitions == {
        "START": {"Conv2d": 1}, "Conv2d": {"BatchNorm2d": 2}, "BatchNorm2d": {"ReLU": 2},
        "ReLU": {"Conv2d": 1, "MaxPool2d": 1}, "MaxPool2d": {"Dropout": 1}, "Dropout": {"Linear": 1},
        "Linear": {"END": 1},
    }
    assert wdg.params["Conv2d"] == {"out_channels": {8: 1, 6: 1}, "kernel_size": {3: 1, 5: 1}}
    assert wdg.params["Dropout"] == {"p": {0.25: 1}} and wdg.skipped == {"Flatten": 1}
    assert extract_wdg(Small(), (3, 8, 8), "small", device="cpu") == wdg


def test_frequency_counts_of_resnet18() -> None:
    (wdg,) = extract_zoo(["resnet18"])
    # one 7x7 stem conv, 16 3x3 convs in the 8 basic blocks, 3 1x1 downsample convs
    assert wdg.params["Conv2d"]["kernel_size"] == {7: 1, 3: 16, 1: 3}
    assert sum(wdg.params["Conv2d"]["out_channels"].values()) == 20
    assert wdg.successors("Linear") == {"END": 1} and wdg.params["Linear"]["out_features"] == {1000: 1}


def test_zoo_names_exist() -> None:
    from torchvision import models

    assert set(ZOO) <= set(models.list_models(module=models))
    with pytest.raises(UnknownNameError, match="not a zoo model"):
        extract_zoo(["resnet9"])


def test_genome_wdg_equals_hooked_extraction() -> None:
    genome = MacroGenome([L("Conv2d", out_channels=4, kernel_size=3), L("Bottleneck", planes=3, stride=2),
                          L("ReLU"), L("AdaptiveAvgPool2d", output_size=2), L("Linear", out_features=5)], (1, 8, 8), 5)
    hooked = extract_wdg(build_macro(genome), genome.input_shape)
    mine = WDG.from_genome(genome)
    assert (hooked.transitions, hooked.params) == (mine.transitions, mine.params)
    assert mine.params["Bottleneck"] == {"planes": {3: 1}, "stride": {2: 1}}


def test_json_round_trip_and_bad_documents(tmp_path) -> None:
    (wdg,) = extract_zoo(["alexnet"])
    wdg.save(tmp_path / "a.json")
    assert WDG.load(tmp_path / "a.json") == wdg
    data = wdg.to_dict()
    with pytest.raises(GenomeError, match="node 'Conv3d'"):
        WDG.from_dict({**data, "transitions": {"Conv3d": {"END": 1}}})
    with pytest.raises(GenomeError, match="count 0"):
        WDG.from_dict({**data, "transitions": {"START": {"ReLU": 0}}})
    with pytest.raises(GenomeError, match="Linear.out_features must be a list"):
        WDG.from_dict({**data, "params": {"Linear": {"out_features": {"10": 1}}}})


@pytest.fixture(scope="module")
def zoo() -> list[WDG]:
    return extract_zoo(["resnet18", "vgg11_bn", "mobilenet_v2", "squeezenet1_0", "alexnet", "shufflenet_v2_x0_5"])


@pytest.mark.parametrize("mode", ["weighted", "uniform"])
def test_walks_valid_and_deterministic(zoo: list[WDG], mode: str) -> None:
    settings = WalkSettings(mode=mode, max_length=60)
    fitness = list(np.linspace(0, 1, len(zoo)))
    walk = lambda seed: [random_walk(zoo, fitness, (3, 16, 16), 7, rng, settings)
                         for rng in [np.random.default_rng(seed)] for _ in range(15)]
    first = walk(3)
    assert first == walk(3) and first != walk(4)
    for genome in first[:4]:
        with torch.device("meta"):
            out = build_macro(genome).eval()(torch.zeros(1, 3, 16, 16))
        assert tuple(out.shape) == (1, 7)
    for genome in first:  # MacroGenome validated every shape; the walk's own rules on top
        assert genome.layers[-1] == L("Linear", out_features=7)
        flat = next(i for i, layer in enumerate(genome.layers) if layer.type == "Linear")
        before = genome.shapes[flat - 1] if flat else genome.input_shape
        assert int(np.prod(before)) <= 6000
        assert sum(3 if layer.type == "Bottleneck" else 1 for layer in genome.layers) <= 60 + 3 + 2


def _one_node(kernels: dict[int, int]) -> WDG:
    layers = [L("Conv2d", out_channels=4, kernel_size=k) for k, n in kernels.items() for _ in range(n)]
    wdg = WDG.from_layers("k", [*layers, L("Linear", out_features=3)])
    return WDG("k", {"START": {"Conv2d": 1}, "Conv2d": {"Linear": 1}, "Linear": {"END": 1}}, wdg.params)


@pytest.mark.parametrize(("counts", "low", "high"), [("frequency", 0.85, 1.0), ("uniform", 0.35, 0.65)])
def test_values_follow_counts_or_uniform(counts: str, low: float, high: float) -> None:
    wdg = _one_node({3: 19, 5: 1})
    rng = np.random.default_rng(0)
    settings = WalkSettings(param_counts=counts, residual=0.0)
    kernels = Counter(random_walk([wdg], [0.0], (1, 8, 8), 3, rng, settings).layers[0]["kernel_size"]
                      for _ in range(200))
    assert low <= kernels[3] / 200 <= high


def test_residual_substitution_and_downsample() -> None:
    wdg = _one_node({3: 1})
    rng = np.random.default_rng(0)
    always = random_walk([wdg], [0.0], (6, 8, 8), 3, rng, WalkSettings(residual=1.0, downsample=0.0))
    assert always.layers[0] == L("Bottleneck", planes=3, stride=1) and always.shapes[0] == (6, 8, 8)
    down = random_walk([wdg], [0.0], (6, 8, 8), 3, rng, WalkSettings(residual=1.0, downsample=1.0))
    assert down.layers[0] == L("Bottleneck", planes=4, stride=2) and down.shapes[0] == (8, 4, 4)
    tiny = random_walk([wdg], [0.0], (6, 2, 2), 3, rng, WalkSettings(residual=1.0, downsample=1.0))
    assert tiny.layers[0]["stride"] == 1  # no downsampling below a 3x3 map


def test_rank_roulette_prefers_fitter_parent() -> None:
    a, b = _one_node({3: 1}), _one_node({5: 1})
    rng = np.random.default_rng(0)
    picks = Counter(random_walk([a, b], [0.1, 0.9], (1, 8, 8), 3, rng, WalkSettings(residual=0.0)).layers[0]
                    ["kernel_size"] for _ in range(300))
    assert 0.55 < picks[5] / 300 < 0.8  # ranks 1 and 2: weight 2/3 for the fitter one


def test_invalid_draws_are_bounded() -> None:
    wdg = WDG("p", {"START": {"MaxPool2d": 1}, "MaxPool2d": {"END": 1}}, {"MaxPool2d": {"kernel_size": {9: 1}}})
    with pytest.raises(GenomeError, match=r"no valid layer after 'START' on a \(1, 8, 8\) input in max_redraws=5"):
        random_walk([wdg], [0.0], (1, 8, 8), 3, np.random.default_rng(0), WalkSettings(max_redraws=5))
