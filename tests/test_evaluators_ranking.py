"""Ranking statistics (`autospace.evaluators.ranking`): tau, rho, top-k precision, bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from autospace.errors import EvaluatorError
from autospace.evaluators.ranking import bootstrap_mean_ci, kendall_tau, spearman_rho, top_k_precision


def test_correlations_match_scipy_and_constant_scores_rank_nothing() -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(size=30)
    score = truth + rng.normal(size=30)
    assert kendall_tau(score, truth) == pytest.approx(stats.kendalltau(score, truth).statistic)
    assert spearman_rho(score, truth) == pytest.approx(stats.spearmanr(score, truth).statistic)
    assert kendall_tau(truth, truth) == pytest.approx(1.0) and kendall_tau(-truth, truth) == pytest.approx(-1.0)
    assert kendall_tau(np.ones(30), truth) == 0.0 and spearman_rho(np.ones(30), truth) == 0.0


def test_top_k_precision_counts_the_true_top_cells_found() -> None:
    truth = [10, 9, 8, 7, 6, 5, 4]
    assert top_k_precision(truth, truth, 3) == 1.0
    assert top_k_precision([0, 9, 8, 7, 6, 5, 10], truth, 3) == pytest.approx(2 / 3)
    assert top_k_precision(list(reversed(truth)), truth, 3) == 0.0
    with pytest.raises(EvaluatorError, match="k=8"):
        top_k_precision(truth, truth, 8)


def test_bootstrap_interval_is_deterministic_and_covers_the_mean() -> None:
    values = [0.1, 0.4, 0.3, 0.5, 0.2]
    mean, low, high = bootstrap_mean_ci(values)
    assert mean == pytest.approx(0.3) and low < mean < high and (low, high) == bootstrap_mean_ci(values)[1:]
    assert bootstrap_mean_ci([0.7]) == (0.7, 0.7, 0.7)
    assert bootstrap_mean_ci(values, level=0.5)[2] - bootstrap_mean_ci(values, level=0.5)[1] < high - low


def test_bad_inputs_are_errors_naming_the_problem() -> None:
    with pytest.raises(EvaluatorError, match="equally long"):
        kendall_tau([1, 2, 3], [1, 2])
    with pytest.raises(EvaluatorError, match="finite"):
        spearman_rho([1, float("nan")], [1, 2])
    with pytest.raises(EvaluatorError, match="finite values"):
        bootstrap_mean_ci([])
    with pytest.raises(EvaluatorError, match="level=1.5"):
        bootstrap_mean_ci([1.0, 2.0], level=1.5)
