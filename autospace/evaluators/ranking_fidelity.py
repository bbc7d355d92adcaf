"""Ranking fidelity of the differentiable fitness (the paper's Table 6, in miniature).

Three ResNet basic-block networks of decreasing depth and width (Net1 > Net2 > Net3) are trained
standalone for the ground-truth ranking, then learned as the three paths of a one-layer supernet
from several alpha initialisations; a run records alpha after every epoch and the first epoch
from which the ranking of alpha equals the ground truth and stays equal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from autospace import atomic
from autospace.data import DataSplit, load_digits
from autospace.data.batches import batch_stream
from autospace.supernet.mixed_layer import MixedPathLayer
from autospace.supernet.trainer import WEIGHT_SAMPLING, AlphaStepper, SupernetConfig, WeightStepper, train_round
from autospace.train.device import seeded, torch_threads
from autospace.train.loop import StandaloneTrainer, accuracy
from autospace.train.recipe import ScoringRecipe, TrainRecipe

PAPER_INITS: tuple[tuple[float, float, float], ...] = (
    (-0.296, 2.670, -0.141),
    (0.023, -0.577, 0.705),
    (0.426, -0.752, -1.180),
    (-1.950, -0.061, -0.334),
    (0.304, 1.220, 0.774),
)
"""The five alpha initialisations of the paper's Table 6."""

NETWORKS: dict[str, tuple[int, int]] = {"Net1": (3, 16), "Net2": (2, 8), "Net3": (1, 2)}
"""name -> (basic blocks, width): Net1 is the deepest and widest."""


class BasicBlock(nn.Module):
    """ResNet basic block: conv3x3-BN-ReLU-conv3x3-BN plus the identity, then ReLU."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.body(x))


def resnet(blocks: int, width: int, in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """Stem conv, ``blocks`` basic blocks of ``width`` channels, global pooling, linear head."""
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(inplace=True),
        *[BasicBlock(width) for _ in range(blocks)],
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(width, num_classes),
    )


def _networks(data: DataSplit, seed: int) -> list[nn.Module]:
    nets = []
    for i, (blocks, width) in enumerate(NETWORKS.values()):
        with seeded(seed + i):
            nets.append(resnet(blocks, width, data.input_shape[0], data.num_classes))
    return nets


def ground_truth(data: DataSplit, recipe: TrainRecipe, device: torch.device) -> list[float]:
    """Validation accuracy of each network trained standalone with ``recipe``."""
    accs = []
    for net in _networks(data, recipe.seed):
        StandaloneTrainer(net, data.train, recipe, device).fit()
        accs.append(accuracy(net, data.val, device))
    return accs


def _ranking(values: Sequence[float]) -> list[int]:
    return sorted(range(len(values)), key=lambda i: -values[i])


def learn_fitness(data: DataSplit, init: Sequence[float], epochs: int, config: SupernetConfig, device: torch.device,
                  seed: int = 0) -> list[list[float]]:
    """Alpha of the three networks as supernet paths after each of ``epochs`` epochs."""
    layer = MixedPathLayer(_networks(data, seed))
    model = nn.Sequential(layer).to(device)
    alpha = torch.tensor(list(init), dtype=torch.float32, requires_grad=True)  # alphas live on the CPU
    steps = len(data.train) // config.batch_size  # type: ignore[arg-type]
    weights = WeightStepper(model, [layer], config, device, horizon=steps * epochs)
    alphas = AlphaStepper(model, [layer], [alpha], config, device, torch.Generator().manual_seed(seed))
    train = batch_stream(data.train, config.batch_size, torch.Generator().manual_seed(seed + 1))
    val = batch_stream(data.val, config.batch_size, torch.Generator().manual_seed(seed + 2))
    history = []
    for _ in range(epochs):
        train_round(weights, alphas, train, val, steps)
        history.append([round(float(a), 4) for a in alpha.detach().cpu()])
    return history


def epochs_to_correct(history: Sequence[Sequence[float]], truth: Sequence[float]) -> int | None:
    """First epoch (1-based) from which the ranking of alpha equals that of ``truth`` to the end."""
    target = _ranking(truth)
    first = None
    for epoch, alphas in enumerate(history, start=1):
        if _ranking(alphas) == target:
            first = first or epoch
        else:
            first = None
    return first


def measure_ranking_fidelity(data: DataSplit | None = None, inits: Sequence[Sequence[float]] = PAPER_INITS,
                             epochs: int = 6, config: SupernetConfig | None = None, recipe: TrainRecipe | None = None,
                             device: torch.device | str = "cpu", seed: int = 0) -> dict[str, Any]:
    """The Table 6 experiment; returns ``{"networks", "ground_truth", "runs": [{"init", "epochs",
    "epochs_to_correct"}]}`` (digits by default)."""
    device = torch.device(device)
    data = data or load_digits(seed=seed)
    recipe = recipe or ScoringRecipe(epochs=3, seed=seed)
    config = config or SupernetConfig(batch_size=64, alpha_lr=0.05, weight_sampling="uniform")
    truth = ground_truth(data, recipe, device)
    runs = []
    for init in inits:
        history = learn_fitness(data, init, epochs, config, device, seed)
        runs.append({"init": list(init), "epochs": history, "epochs_to_correct": epochs_to_correct(history, truth)})
    return {"networks": list(NETWORKS), "ground_truth": [round(a, 4) for a in truth], "recipe": recipe.to_dict(),
            "supernet": config.to_dict(), "runs": runs}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m autospace.evaluators.ranking_fidelity --out ranking_fidelity.json [--epochs 6] [--threads 1]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="ranking_fidelity.json")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--weight-sampling", choices=WEIGHT_SAMPLING, default="uniform",
                        help="path of a weight step: uniform (default) or from softmax(alpha)")
    args = parser.parse_args(argv)
    config = SupernetConfig(batch_size=64, alpha_lr=0.05, weight_sampling=args.weight_sampling)
    with torch_threads(args.threads):
        result = measure_ranking_fidelity(epochs=args.epochs, config=config, device=args.device, seed=args.seed)
    atomic.write_json(args.out, result)
    print(json.dumps({"ground_truth": result["ground_truth"],
                      "epochs_to_correct": [r["epochs_to_correct"] for r in result["runs"]]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
