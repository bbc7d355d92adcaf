"""`Architecture`: one cell per searchable layer of a skeleton, with its analytic cost, as JSON
(``architecture.json``, docs/formats.md). What phase 2 (`autospace search`) finds and `autospace
train` trains; only `Architecture.build` needs torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from autospace.atomic import write_json
from autospace.errors import ConfigError
from autospace.genome import SCHEMA_VERSION, Genome
from autospace.genome.genome import check_document, load_document
from autospace.nn.cost import network_cost
from autospace.nn.skeleton import Skeleton, get_skeleton

if TYPE_CHECKING:
    from autospace.nn.network import Network

KIND = "architecture"


def skeleton_from_dict(data: Any) -> Skeleton:
    """A registered skeleton with its input overrides, from ``{"name", "input_size", "in_channels"}``."""
    if not isinstance(data, dict) or "name" not in data or not set(data) <= {"name", "input_size", "in_channels"}:
        raise ConfigError(f"architecture field 'skeleton' must be an object with a 'name' (and optional "
                          f"'input_size', 'in_channels'), got {data!r}")
    overrides = {k: data[k] for k in ("input_size", "in_channels") if k in data}
    return get_skeleton(data["name"], **overrides)


def skeleton_to_dict(skeleton: Skeleton) -> dict[str, Any]:
    return {"name": skeleton.name, "input_size": skeleton.input_size, "in_channels": skeleton.in_channels}


@dataclass(frozen=True)
class Architecture:
    """A searched network: ``genomes[l]`` is the cell of ``skeleton.layers[l]``.

    What phase 2 writes (``architecture.json``) and `autospace.train.final.train_architecture` trains.

    Attributes:
        skeleton: the `Skeleton` object (`get_skeleton` gives it from a name).
        genomes: one cell per searchable layer.
        num_classes: the classifier's outputs.
        search: what the search recorded (algorithm, budget, summary); free-form JSON data.
    """

    skeleton: Skeleton
    genomes: tuple[Genome, ...]
    num_classes: int
    search: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "genomes", tuple(self.genomes))
        self.cost  # noqa: B018  (validates layer count and classes, once)

    @cached_property
    def cost(self) -> tuple[int, int]:
        """Analytic ``(madds, params)`` (computed once: the fields are frozen)."""
        return network_cost(self.skeleton, self.genomes, self.num_classes)

    @property
    def madds(self) -> int:
        return self.cost[0]

    @property
    def params(self) -> int:
        return self.cost[1]

    def build(self) -> Network:
        """The PyTorch network (imports torch)."""
        from autospace.nn.network import build_network

        return build_network(self.skeleton, self.genomes, self.num_classes)

    def to_dict(self) -> dict[str, Any]:
        """The architecture as JSON-ready data, with its analytic ``madds`` and ``params``."""
        madds, params = self.cost
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "skeleton": skeleton_to_dict(self.skeleton),
            "num_classes": self.num_classes,
            "genomes": [g.to_dict() for g in self.genomes],
            "madds": madds,
            "params": params,
            "search": self.search,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Architecture:
        """Architecture from `to_dict` output.

        Args:
            data: the mapping `to_dict` writes.

        Returns:
            The architecture.

        Raises:
            ConfigError: a malformed document, or ``madds`` that disagree with the cost model.
        """
        check_document(data, "architecture", ("skeleton", "num_classes", "genomes"), ConfigError,
                       optional=("kind", "madds", "params", "search"))
        if data.get("kind") != KIND:
            raise ConfigError(f"architecture kind={data.get('kind')!r}, expected {KIND!r}")
        if not isinstance(data["genomes"], list):
            raise ConfigError(f"architecture field 'genomes' must be a list, got {data['genomes']!r}")
        search = data.get("search") or {}
        if not isinstance(search, dict):
            raise ConfigError(f"architecture field 'search' must be an object, got search={search!r}")
        arch = cls(
            skeleton_from_dict(data["skeleton"]),
            tuple(Genome.from_dict(g) for g in data["genomes"]),
            data["num_classes"],
            dict(search),
        )
        if "madds" in data and data["madds"] != arch.madds:
            raise ConfigError(f"architecture madds={data['madds']!r} disagrees with the cost model ({arch.madds})")
        return arch

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture as JSON, atomically.

        Args:
            path: the file to write (``architecture.json``).
        """
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Architecture:
        """Read an ``architecture.json``.

        Args:
            path: the file.

        Returns:
            The architecture.

        Raises:
            ConfigError: a missing or malformed file; the message names it.
        """
        return load_document(path, "architecture", cls.from_dict, ConfigError)
