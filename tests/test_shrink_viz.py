"""Shrink metrics and figures: pockets, diversity, locality, tau; `autospace plot` on a shrink run (no torch)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autospace.cli import main
from autospace.evaluators import AnalyticEvaluator
from autospace.genome import get_space, hamming
from autospace.shrink.metrics import diversity, kendall_tau, locality, pocket_labels, pockets, retained, search_in
from autospace.viz.io import load_run
from autospace.viz.report import build_report

NB201 = get_space("nb201")


def test_pockets_are_components_of_the_radius_one_graph() -> None:
    a = NB201.sample(0)
    near = NB201.neighbors(a)[0]
    far = next(g for g in NB201.enumerate() if hamming(g, a) == 6)
    assert pockets([a, near]) == 1 and pockets([a, far]) == 2 and pockets([a, near, far]) == 2
    assert pocket_labels([far, a, near]) == [1, 0, 0]  # largest pocket first
    assert diversity(NB201, [a, far]) == 6.0 and diversity(NB201, [a, near]) == 1.0
    assert retained([a, near], {a, far}) == 0.5


def test_locality_and_tau_on_a_score_that_is_local_by_construction() -> None:
    evaluator = AnalyticEvaluator(NB201, seed=1)
    cells = list(NB201.enumerate())
    truth = dict(zip(cells, evaluator.score([(0, g) for g in cells])))
    prem = locality(NB201, truth, 3000, seed=0)
    assert prem.rho > 0.05 and prem.mean_gap[1] < prem.mean_gap[3] < prem.mean_gap[6]
    assert kendall_tau(cells[:500], truth, truth) == pytest.approx(1.0)
    reversed_truth = {g: -v for g, v in truth.items()}
    assert kendall_tau(cells[:500], reversed_truth, truth) == pytest.approx(-1.0)
    assert kendall_tau(cells[:2], truth, truth) is None


def test_search_in_counts_only_new_queries() -> None:
    evaluator = AnalyticEvaluator(NB201, seed=1)
    rng = np.random.default_rng(0)
    cells = list(dict.fromkeys(NB201.sample(rng) for _ in range(80)))
    known = dict(zip(cells[:30], evaluator.score([(0, g) for g in cells[:30]])))
    fresh = AnalyticEvaluator(NB201, seed=1)
    found = search_in(NB201, cells, fresh, "regularized", 25, seed=0, known=known)
    assert len(found) == 25 and not set(found) & set(known) and set(found) <= set(cells)
    assert fresh.cost.queries >= 25


def test_plot_a_shrink_run_draws_pockets_op_shift_and_mean_score(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("[shrink]\nn = 12\nk = 2\nmax_iters = 3\n[evaluator]\nname = 'analytic'\n")
    run = tmp_path / "run"
    assert main(["shrink", "--config", str(config), "--out", str(run), "--quiet"]) == 0
    report = build_report(load_run(run))
    assert [name for name, _, _ in report.figures] == ["pockets", "op_shift", "mean_score"]
    assert main(["plot", str(run)]) == 0
    assert {p.name for p in (run / "figures").iterdir()} == {"pockets.png", "op_shift.png", "mean_score.png",
                                                             "report.html"}
    assert "shrink (autospace shrink)" in (run / "figures" / "report.html").read_text()


def test_shrink_figures_import_no_torch() -> None:
    code = "import sys, autospace.viz.shrink, autospace.shrink; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
