"""Layer-wise spaces for phase 2: the skip rule, the open-space sample, learned spaces, the budget window."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autospace.errors import ConfigError
from autospace.evolve import LearnedSpace, Ranked
from autospace.genome import get_space
from autospace.nn import fixed_cost, get_skeleton
from autospace.search.budget import Budget, check_feasible, project
from autospace.search.space import resolve_space, skip_allowed
from autospace.supernet.builder import path_costs


def test_irb_space_has_skip_only_where_the_layer_allows_it() -> None:
    skeleton = get_skeleton("tiny")
    space = resolve_space("irb", skeleton)
    for spec, cands in zip(skeleton.layers, space.candidates):
        zeros = [g for g in cands if g.is_zero]
        assert len(zeros) == (1 if skip_allowed(spec) else 0)
        assert len(cands) - len(zeros) == 6  # k 3/5/7 x e 3/6
    assert space.sizes() == [7, 6, 7, 6]


def test_open_sample_is_seeded_distinct_and_non_zero() -> None:
    skeleton = get_skeleton("tiny")
    a = resolve_space("open", skeleton, open_k=5, seed=3)
    b = resolve_space("open", skeleton, open_k=5, seed=3)
    c = resolve_space("open", skeleton, open_k=5, seed=4)
    assert a.candidates == b.candidates and a.candidates != c.candidates
    for spec, cands in zip(skeleton.layers, a.candidates):
        real = [g for g in cands if not g.is_zero]
        assert len(real) == 5 and len({g.key for g in real}) == 5
        assert len(cands) == 5 + skip_allowed(spec)


def test_learned_space_file_adds_and_removes_skip(tmp_path) -> None:
    skeleton = get_skeleton("tiny")
    space = get_space("autospace")
    rng = np.random.default_rng(0)
    zero = space.genome([space.zero_op] * space.num_edges, 1)
    layers = [[Ranked(space.sample(rng), 1.0), Ranked(zero, 0.5), Ranked(space.sample(rng), 0.2)] for _ in range(4)]
    path = tmp_path / "learned_space.json"
    LearnedSpace(space, layers, top_k=3, skeleton="tiny").save(path)
    resolved = resolve_space(str(path), skeleton)
    for spec, cands, ranked in zip(skeleton.layers, resolved.candidates, layers):
        assert list(cands[:2]) == [ranked[0].genome, ranked[2].genome]
        assert any(g.is_zero for g in cands) == skip_allowed(spec)
    data = json.loads(path.read_text())
    data["layers"] = data["layers"][:3]
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="3 layers"):
        resolve_space(str(path), skeleton)


def test_unknown_space_names_the_value() -> None:
    with pytest.raises(ConfigError, match="space='nope'"):
        resolve_space("nope", get_skeleton("tiny"))


@pytest.mark.parametrize("seed", range(5))
def test_projection_lands_in_the_window(seed: int) -> None:
    skeleton = get_skeleton("proxyless")
    space = resolve_space("irb", skeleton)
    costs, fixed = path_costs(skeleton, space.candidates), fixed_cost(skeleton, 1000)[0]
    rng = np.random.default_rng(seed)
    for target in (330e6, 400e6, 150e6):
        budget = Budget(target)
        scores = [rng.normal(size=len(c)).tolist() for c in costs]
        start = [int(np.argmax(s)) for s in scores]
        choice = project(start, scores, costs, fixed, budget)
        assert budget.admits(fixed + sum(c[k] for c, k in zip(costs, choice)))


def test_infeasible_budget_names_madds_budget() -> None:
    skeleton = get_skeleton("tiny")
    space = resolve_space("irb", skeleton)
    with pytest.raises(ConfigError, match="madds_budget=1000 is out of reach"):
        check_feasible(Budget(1000), path_costs(skeleton, space.candidates), fixed_cost(skeleton, 10)[0])
    with pytest.raises(ConfigError, match="tolerance"):
        Budget(1e5, tolerance=1.5)
