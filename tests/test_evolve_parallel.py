"""Parallel scoring through toolbox.map on a process pool gives the serial results."""

from __future__ import annotations

import pytest

from autospace.errors import ConfigError
from autospace.evaluators import AnalyticEvaluator, Evaluator
from autospace.evolve import evolve_space
from autospace.evolve.parallel import ProcessMap
from autospace.genome import get_space


class CountingPickles(AnalyticEvaluator):
    pickles = 0

    def __getstate__(self):
        type(self).pickles += 1
        return self.__dict__


def test_workers_give_the_serial_history_and_get_the_evaluator_once():
    space = get_space("nb201")
    kw = {"population": 20, "sample_size": 10, "rounds": 6, "seed": 2, "layers": 2}
    serial = evolve_space(space, AnalyticEvaluator(space, layers=2), "regularized", **kw)
    parallel_ev = CountingPickles(space, layers=2)
    parallel = evolve_space(space, parallel_ev, "regularized", workers=2, **kw)
    assert parallel.history.without_wall_clock() == serial.history.without_wall_clock()
    assert parallel.learned_space.to_dict() == serial.learned_space.to_dict()
    assert parallel_ev.cost.queries == serial.evaluator.cost.queries == 120
    assert 1 <= CountingPickles.pickles <= 2  # once per worker process, not once per round


def test_process_map_keeps_order_and_maps_plain_functions():
    with pytest.raises(ConfigError, match="workers=0"):
        ProcessMap(AnalyticEvaluator("nb201"), 0)
    with ProcessMap(AnalyticEvaluator("nb201"), 2) as pmap:
        assert pmap(abs, range(-20, 0)) == list(range(20, 0, -1))


def test_workers_with_a_joint_evaluator_warn() -> None:
    class Joint(Evaluator):
        exact = False
        independent = False

        def evaluate(self, batch):
            return [float(len(c.genome.key)) for c in batch]

        def describe(self):
            return {"name": "joint"}

    with pytest.warns(UserWarning, match="workers=2 ignored: Joint"):
        evolve_space(get_space("nb201"), Joint(), population=4, sample_size=2, rounds=1, workers=2)
