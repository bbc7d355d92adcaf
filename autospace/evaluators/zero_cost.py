"""The ``zero_cost`` evaluator: each candidate's standalone network at initialisation scored by a
zero-cost proxy registered by name (`autospace.evaluators.proxies`, which documents each proxy's
conventions; ``lcmnas``, `autospace.evaluators.lcmnas_score`; or one of `register_proxy`) on
batches of the training split drawn once from the seed.

By default every proxy uses its published batch: 64 augmented images (crop + flip), or for
``naswot`` 128 without augmentation; ``batch_size`` and ``augment`` override it. Scores are
deterministic given the seed (network init and batches), so the evaluator is exact. On NAS-Bench-201
(``skeleton="nb201"``, ``data="cifar10"``, ``split="nb201"``, ``build_rule="all"``) a score equals the
one `benchmarks/nb201_fidelity.py` reports for the cell at the same seed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from autospace.data import DataSplit, ImageTensors
from autospace.data.batches import Batch, epoch_batches
from autospace.errors import ConfigError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.evaluators.proxies import FLOOR, get_proxy
from autospace.evaluators.registry import register_evaluator
from autospace.evaluators.standalone import StandaloneBuilder
from autospace.genome import CellSpace, Genome
from autospace.macro.space import MacroSpace
from autospace.nn import Skeleton
from autospace.train.device import seeded


def proxy_batches(train: Dataset, batch_size: int, augment: bool, count: int, seed: int) -> list[Batch]:
    """``count`` seeded training batches; ``augment=False`` drops an image set's crop + flip
    (other datasets have no augmentation to drop)."""
    if not augment and isinstance(train, ImageTensors):
        train = train.with_transform(padding=0, flip=False)
    stream = epoch_batches(train, batch_size, torch.Generator().manual_seed(seed))
    return [next(stream) for _ in range(count)]


class ZeroCostEvaluator(Evaluator):
    """Scores each candidate's standalone network at init with ``proxy``, averaged over ``batches``."""

    def __init__(self, proxy: str = "naswot", skeleton: str | Skeleton = "tiny", data: str | DataSplit = "digits",
                 data_root: str | None = None, *, batch_size: int | None = None, augment: bool | None = None,
                 batches: int = 1, context: Genome | None = None, split: str | None = None,
                 image_size: int | None = None, build_rule: str = "live", seed: int = 0) -> None:
        super().__init__()
        convention = get_proxy(proxy)
        if batches < 1:
            raise ConfigError(f"evaluator.batches={batches!r} must be >= 1")
        self.proxy, self.batches = proxy, batches
        self.batch_size = convention.batch_size if batch_size is None else batch_size
        self.augment = convention.augment if augment is None else augment
        self.builder = StandaloneBuilder.create(skeleton, data, data_root, context, seed, split=split,
                                                image_size=image_size, build_rule=build_rule)
        self._batches = proxy_batches(self.builder.data.train, self.batch_size, self.augment, batches, seed)

    def score_one(self, candidate: Candidate) -> float:
        scores = []
        for x, y in self._batches:
            net = self.builder.network(candidate)
            net.train()
            with seeded(self.builder.seed):  # dropout masks (macro genomes have Dropout) from the seed
                scores.append(get_proxy(self.proxy).score(net, x, y))
        score = float(np.mean(scores))
        return score if math.isfinite(score) else FLOOR

    def describe(self) -> dict[str, Any]:
        return {"name": "zero_cost", "proxy": self.proxy, "batch_size": self.batch_size, "augment": self.augment,
                "batches": self.batches, **self.builder.describe()}


@dataclass(frozen=True)
class ZeroCostSettings:
    """``[evaluator]`` keys of ``zero_cost`` (the arguments of `ZeroCostEvaluator`; ``batch_size`` and
    ``augment`` unset: the proxy's published batch; ``split`` of the dataset, e.g. ``"nb201"``;
    ``image_size``: images average-pooled to this side (None: as they are); ``build_rule`` ``"live"``
    or NAS-Bench-201's ``"all"``)."""

    proxy: str = "naswot"
    skeleton: str = "tiny"
    data: str = "digits"
    data_root: str | None = None
    split: str | None = None
    image_size: int | None = None
    build_rule: str = "live"
    batch_size: int | None = None
    augment: bool | None = None
    batches: int = 1
    seed: int = 0


def _factory(settings: ZeroCostSettings, *, space: CellSpace | MacroSpace, layers: int) -> ZeroCostEvaluator:
    ev = ZeroCostEvaluator(**asdict(settings))
    ev.builder.check_run(layers, space)
    return ev


register_evaluator("zero_cost", _factory, settings=ZeroCostSettings, path_keys=("data_root",))
