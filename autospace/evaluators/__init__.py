"""Evaluators: score (layer, genome) candidates for the evolution engine."""

from autospace.evaluators.base import Candidate, Evaluator, EvaluatorCost

__all__ = ["Candidate", "Evaluator", "EvaluatorCost"]
