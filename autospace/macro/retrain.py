"""LCMNAS's last step, after a macro run: the top networks of its learned space retrained longer on
the run's own low-fidelity split, the best of them (by that validation accuracy) trained on the
whole training set and tested once, written to ``RUN_DIR/retrain.json``.

The split, augmentation, recipe (except its epochs), seed and device are those of the run's
``[evaluator]`` (``low_fidelity``, or the low-fidelity part of ``mixed``), so the retraining sees
exactly the images the search scored on. The final training uses the recipe with ``final_epochs``
and ``final_lr`` (LCMNAS trains its final network from lr 0.025); with ``final_epochs = 0`` the
retrained network is tested as it is. The test set is the data's held-out test set (CIFAR,
ImageFolder archives), else its validation set (named in the result).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from autospace.atomic import write_json
from autospace.config import non_negative, positive
from autospace.errors import ConfigError
from autospace.evaluators.base import Candidate
from autospace.evaluators.low_fidelity import LowFidelityEvaluator
from autospace.evaluators.mixed import MixedEvaluator
from autospace.evolve.learned import LearnedSpace
from autospace.evolve.runconfig import load_run_config
from autospace.macro.cost import macro_cost
from autospace.macro.space import MacroSpace
from autospace.progress import progress_bar
from autospace.rundir import RETRAIN
from autospace.train.device import seeded
from autospace.train.loop import StandaloneTrainer, accuracy



@dataclass(frozen=True)
class RetrainSettings:
    """``top`` networks retrained for ``epochs``; the best trained ``final_epochs`` from ``final_lr``."""

    top: int = 10
    epochs: int = 10
    final_epochs: int = 0
    final_lr: float = 0.025

    def __post_init__(self) -> None:
        positive("retrain", self, "top", "epochs", "final_lr")
        non_negative("retrain", self, "final_epochs")


def _low_fidelity(run_dir: Path) -> LowFidelityEvaluator:
    """The low-fidelity evaluator the run's config describes."""
    evaluator = load_run_config(run_dir / "config.toml").build_evaluator()
    low = evaluator.low_fidelity if isinstance(evaluator, MixedEvaluator) else evaluator
    if not isinstance(low, LowFidelityEvaluator):
        raise ConfigError(f"run {str(run_dir)!r}: retraining needs an [evaluator] of name 'low_fidelity' or "
                          f"'mixed' (its training split), got {evaluator.describe().get('name')!r}")
    return low


def retrain_run(run_dir: str | os.PathLike[str], settings: RetrainSettings | None = None, *,
                progress: bool = False) -> dict[str, Any]:
    """Retrain the top networks of the macro run in ``run_dir`` (module docstring), with a progress
    bar of the networks when ``progress``; the result, also written atomically to ``run_dir/retrain.json``."""
    settings, run_dir = settings or RetrainSettings(), Path(run_dir)
    learned = LearnedSpace.load(run_dir / "learned_space.json")
    if not isinstance(learned.space, MacroSpace):
        raise ConfigError(f"run {str(run_dir)!r} is a cell run (space {learned.space.name!r}); "
                          "retraining is for macro runs (strategy 'lcmnas')")
    low = _low_fidelity(run_dir)
    recipe = replace(low.recipe, epochs=settings.epochs)
    rows, best, best_net, start = [], None, None, time.perf_counter()
    top = learned.layers[0][: settings.top]
    with progress_bar(len(top), "network", enabled=progress, desc="retrain") as bar:
        for rank, entry in enumerate(top):
            net = low.builder.network(Candidate(0, entry.genome))
            with seeded(low.builder.seed):  # dropout masks from the run's seed, as the search scored them
                StandaloneTrainer(net, low.train, recipe, low.device).fit()
            madds, params = macro_cost(entry.genome)
            rows.append({"rank": rank, "search_fitness": entry.fitness, "layers": len(entry.genome),
                         "val_accuracy": accuracy(net, low.val, low.device), "madds": madds, "params": params})
            if best is None or rows[-1]["val_accuracy"] > best["val_accuracy"]:  # ties: the better-ranked one
                best, best_net = rows[-1], net
            bar.update(1)
    retrain_seconds = time.perf_counter() - start
    data = low.builder.data
    test_name, test_set = ("test", data.test) if data.test is not None else ("val", data.val)
    start = time.perf_counter()
    if settings.final_epochs:
        best_net = low.builder.network(Candidate(0, learned.layers[0][best["rank"]].genome))
        final = replace(recipe, epochs=settings.final_epochs, lr=settings.final_lr)
        with seeded(low.builder.seed):
            StandaloneTrainer(best_net, data.train, final, low.device).fit()
    result = {"settings": {"top": settings.top, "epochs": settings.epochs, "final_epochs": settings.final_epochs,
                           "final_lr": settings.final_lr},
              "retrained": rows, "retrain_seconds": retrain_seconds, "best": learned.layers[0][best["rank"]].genome.to_dict(),
              "best_rank": best["rank"], "madds": best["madds"], "params": best["params"],
              "test_set": test_name, "test_accuracy": accuracy(best_net, test_set, low.device),
              "final_train_seconds": time.perf_counter() - start}
    write_json(run_dir / RETRAIN, result)
    return result
