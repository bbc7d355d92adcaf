"""Exceptions raised by autospace. Every message names the offending field and value."""

from __future__ import annotations


class AutospaceError(Exception):
    """Base class of all autospace errors."""


class GenomeError(AutospaceError, ValueError):
    """An invalid genome, space definition or genome file."""


class ConfigError(AutospaceError, ValueError):
    """An invalid configuration key or value."""


class UnknownNameError(ConfigError):
    """A name (space, skeleton, evaluator, strategy, algorithm...) that no registry knows."""


class EvaluatorError(AutospaceError):
    """An evaluator could not score what it was given."""


class DataError(AutospaceError, ValueError):
    """A dataset path or file is missing or malformed."""


class CheckpointError(AutospaceError):
    """A checkpoint or run directory is missing or corrupt."""


class EvolveError(AutospaceError):
    """The evolution engine cannot go on (e.g. a constraint no cell satisfies) or was misused."""


class VizError(AutospaceError, ValueError):
    """Data given to a figure is missing a field or holds a bad value."""


class TrainingDiverged(AutospaceError):
    """A training loss became non-finite (usually: lower the learning rate)."""
