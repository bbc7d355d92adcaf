"""autospace: learn neural-architecture search spaces (AutoSpace) instead of hand-writing them.

The everyday path, from a space to a trained network; each stage's subpackage holds the rest::

    import autospace

    space = autospace.get_space("autospace")                   # 93,750 cells per layer
    ev = autospace.create_evaluator("supernet", space=space, layers=4, steps=40)
    run = autospace.evolve_space(space, ev, "autospace", skeleton="tiny", out="runs/demo")
    arch, _ = autospace.search_architecture("runs/demo/learned_space.json", "proxyless-g", 150e3)
    autospace.train_architecture(arch, autospace.get_dataset("digits"), autospace.TrainRecipe(), out)
    autospace.save_report("runs/demo")                          # every figure + report.html

Names are imported on first use, so ``import autospace`` does not import torch.
"""

from __future__ import annotations

from autospace.lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "Genome": "autospace.genome",
    "get_space": "autospace.genome",
    "get_skeleton": "autospace.nn",
    "build_network": "autospace.nn",
    "Architecture": "autospace.nn",
    "get_dataset": "autospace.data",
    "create_evaluator": "autospace.evaluators",
    "list_evaluators": "autospace.evaluators",
    "evolve_space": "autospace.evolve",
    "LearnedSpace": "autospace.evolve",
    "search_architecture": "autospace.search",
    "TrainRecipe": "autospace.train",
    "train_architecture": "autospace.train",
    "save_report": "autospace.viz",
}
__all__ = [
    "Architecture",
    "Genome",
    "LearnedSpace",
    "TrainRecipe",
    "build_network",
    "create_evaluator",
    "evolve_space",
    "get_dataset",
    "get_skeleton",
    "get_space",
    "list_evaluators",
    "save_report",
    "search_architecture",
    "train_architecture",
]


__getattr__ = lazy_exports("autospace", _EXPORTS)


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
