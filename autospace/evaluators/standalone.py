"""Standalone networks for per-candidate evaluators (zero-cost, low-fidelity).

A candidate ``(layer, genome)`` becomes a network of the skeleton with ``genome`` at its layer and
the ``context`` cell at every other layer; without a context cell, ``genome`` is repeated at
every layer (the usual cell-based evaluation, and the only choice that needs no extra cell). Cells are
built under ``build_rule`` (`autospace.nn.plan`): ``"live"`` (ours: dead edges not built) or ``"all"``
(NAS-Bench-201's: every edge built).

With ``skeleton = "macro"`` (`MACRO`) the candidates are whole networks (`MacroGenome`, LCMNAS's
macro search), built as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from autospace.data import DataSplit, get_dataset
from autospace.errors import ConfigError, EvaluatorError
from autospace.evaluators.base import Candidate
from autospace.genome import Genome
from autospace.macro import MacroGenome
from autospace.macro.space import MacroSpace
from autospace.nn import BUILD_RULES, Skeleton, build_network, skeleton_for
from autospace.train.device import seeded

MACRO = "macro"
"""The ``skeleton`` of evaluators whose candidates are whole networks."""


@dataclass
class StandaloneBuilder:
    """Builds the seeded standalone network of a candidate on ``skeleton`` for ``data`` (``skeleton``
    None: the candidate is a `MacroGenome`, the whole network)."""

    skeleton: Skeleton | None
    data: DataSplit
    context: Genome | None = None
    seed: int = 0
    build_rule: str = "live"

    def __post_init__(self) -> None:
        if self.build_rule not in BUILD_RULES:
            raise ConfigError(f"evaluator.build_rule={self.build_rule!r} is not one of {list(BUILD_RULES)}")

    @classmethod
    def create(cls, skeleton: str | Skeleton, data: str | DataSplit, data_root: str | None, context: Genome | None,
               seed: int, *, split: str | None = None, image_size: int | None = None,
               build_rule: str = "live") -> StandaloneBuilder:
        """The builder over ``data`` (a `DataSplit`, or a dataset name read from ``data_root`` with
        ``split``, e.g. ``"nb201"``, drawn from ``seed``, its images pooled to ``image_size``)."""
        if isinstance(data, DataSplit):
            for key, value in (("split", split), ("image_size", image_size)):
                if value is not None:
                    raise ConfigError(f"evaluator.{key}={value!r} applies to a dataset name, not a given DataSplit")
            data_split = data
        else:
            data_split = get_dataset(data, data_root, split=split, seed=seed, image_size=image_size)
        built = None if skeleton == MACRO else skeleton_for(skeleton, data_split.input_shape)
        return cls(built, data_split, context, seed, build_rule)

    def genomes(self, candidate: Candidate) -> list[Genome]:
        if not 0 <= candidate.layer < self.skeleton.num_layers:
            raise EvaluatorError(f"candidate layer={candidate.layer} is out of range; skeleton "
                                 f"{self.skeleton.name!r} has {self.skeleton.num_layers} layers")
        fill = self.context or candidate.genome
        return [candidate.genome if i == candidate.layer else fill for i in range(self.skeleton.num_layers)]

    def network(self, candidate: Candidate) -> nn.Module:
        """The candidate's network, initialised from ``seed`` (the same init for every call)."""
        if self.skeleton is None:
            return self._macro(candidate.genome)
        with seeded(self.seed):
            return build_network(self.skeleton, self.genomes(candidate), self.data.num_classes, self.build_rule)

    def _macro(self, genome: Genome | MacroGenome) -> nn.Module:
        from autospace.macro.build import build_macro

        if not isinstance(genome, MacroGenome):
            raise EvaluatorError(f"evaluator.skeleton={MACRO!r} scores whole networks (macro genomes), got {genome!r}")
        data = self.data
        if genome.input_shape != tuple(data.input_shape) or genome.num_classes != data.num_classes:
            raise EvaluatorError(f"macro genome takes {list(genome.input_shape)} inputs and {genome.num_classes} "
                                 f"classes; the data has {list(data.input_shape)} and {data.num_classes}")
        with seeded(self.seed):
            return build_macro(genome)

    def check_run(self, layers: int, space: object) -> None:
        """The run fits: a skeleton's searchable layers equal ``evolve.layers``; skeleton ``macro``
        goes with a `MacroSpace` (and only it) whose input shape and classes are the data's."""
        if isinstance(space, MacroSpace) != (self.skeleton is None):
            raise ConfigError(f"evaluator.skeleton={MACRO!r} goes with evolve.space={MACRO!r}, and only with it")
        if self.skeleton is not None:
            check_layers(self.skeleton, layers)
            return
        settings, data = space.settings, self.data  # type: ignore[attr-defined]
        if settings.input_shape != tuple(data.input_shape) or settings.num_classes != data.num_classes:
            raise ConfigError(f"lcmnas.input_shape={list(settings.input_shape)} and num_classes={settings.num_classes}"
                              f" do not fit the data: {list(data.input_shape)}, {data.num_classes} classes")

    def describe(self) -> dict[str, object]:
        return {"skeleton": MACRO if self.skeleton is None else self.skeleton.name, "data": self.data.describe(),
                "context": self.context.to_dict() if self.context else "repeat", "seed": self.seed,
                "build_rule": self.build_rule}


def check_layers(skeleton: Skeleton, layers: int) -> None:
    """The run's ``evolve.layers`` must equal the skeleton's searchable layers."""
    if skeleton.num_layers != layers:
        raise ConfigError(f"evaluator.skeleton={skeleton.name!r} has {skeleton.num_layers} searchable layers "
                          f"but evolve.layers={layers}")
