"""The shared config layer (autospace.config) and plug-in registry (autospace.registry)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import pytest

from autospace.config import dumps_toml, non_negative, parse_section, positive, read_toml, to_table, write_toml
from autospace.errors import ConfigError, UnknownNameError
from autospace.registry import Registry


@dataclass(frozen=True)
class _Demo:
    steps: int = 10
    lr: float = 0.1
    betas: tuple[float, float] = (0.0, 0.9)
    budget: float | None = None
    mode: str = "two"

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ConfigError(f"demo.steps={self.steps!r} must be >= 1")


def test_parse_fills_defaults_and_converts_arrays() -> None:
    cfg = parse_section(_Demo, "demo", {"lr": 1, "betas": [0.5, 0.99], "budget": 3})
    assert cfg == _Demo(lr=1.0, betas=(0.5, 0.99), budget=3.0)
    assert isinstance(cfg.lr, float) and isinstance(cfg.betas, tuple)
    assert parse_section(_Demo, "demo", None) == _Demo()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"stepz": 1}, "demo.stepz is not a key"),
        ({"steps": True}, "demo.steps=True"),
        ({"steps": 1.5}, "demo.steps=1.5"),
        ({"lr": "0.1"}, "demo.lr='0.1'"),
        ({"budget": "big"}, "demo.budget='big'"),
        ({"betas": [1, 2, 3]}, "demo.betas=[1, 2, 3]"),
        ({"steps": 0}, "demo.steps=0 must be >= 1"),
    ],
)
def test_parse_rejects_with_field_and_value(data: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_section(_Demo, "demo", data)
    assert needle in str(info.value)


@dataclass(frozen=True)
class _Bounds:
    count: int = 1
    rate: float = 0.5


@pytest.mark.parametrize(
    ("check", "values", "needle"),
    [
        (positive, {"count": 0}, "demo.count=0 must be an integer > 0"),
        (positive, {"rate": -0.5}, "demo.rate=-0.5 must be a number > 0"),
        (non_negative, {"count": -1}, "demo.count=-1 must be an integer >= 0"),
        (non_negative, {"count": "3"}, "demo.count='3' must be an integer >= 0"),
        (non_negative, {"count": True}, "demo.count=True must be an integer >= 0"),
        (non_negative, {"rate": float("nan")}, "demo.rate=nan must be a number >= 0"),
        (non_negative, {"rate": float("inf")}, "demo.rate=inf must be a finite number"),
    ],
)
def test_bound_checks_name_field_and_value_for_objects_built_in_python(check, values: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        check("demo", _Bounds(**values), *values)
    assert needle in str(info.value)


def test_bound_checks_accept_the_edge() -> None:
    non_negative("demo", _Bounds(count=0, rate=0.0), "count", "rate")
    positive("demo", _Bounds(count=1, rate=1e-9), "count", "rate")


def test_python_built_search_settings_get_a_config_error_not_a_type_error() -> None:
    from autospace.search.config import SearchSettings

    with pytest.raises(ConfigError, match="search.seed='0' must be an integer >= 0"):
        SearchSettings(seed="0")


def test_toml_round_trip(tmp_path) -> None:
    tables = {"demo": to_table(_Demo(budget=None, betas=(0.1, 0.2)))}
    assert "budget" not in dumps_toml(tables)
    write_toml(tmp_path / "c.toml", tables)
    back = read_toml(tmp_path / "c.toml")
    assert parse_section(_Demo, "demo", back["demo"]) == _Demo(betas=(0.1, 0.2))
    (tmp_path / "bad.toml").write_text("[demo\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        read_toml(tmp_path / "missing.toml")
    assert tomllib.loads(dumps_toml(tables))["demo"]["mode"] == "two"


def test_registry_convention() -> None:
    reg: Registry[int] = Registry("widget", lazy={"lazy_one": "autospace.errors"})
    reg.register("a", 1)
    assert reg.get("a") == 1 and "a" in reg and reg.names() == ["a", "lazy_one"]
    with pytest.raises(UnknownNameError, match=r"widget='b' is not a known widget; choose one of \['a', 'lazy_one'\]"):
        reg.get("b")
    with pytest.raises(UnknownNameError, match="already registered"):
        reg.register("a", 2)
    reg.register("a", 2, overwrite=True)
    assert reg.get("a") == 2
    assert reg.register("a", 2, same_ok=True) == 2  # an equal object again: a no-op
    with pytest.raises(UnknownNameError, match="already registered"):
        reg.register("a", 3, same_ok=True)
    with pytest.raises(UnknownNameError):  # a lazy module that does not register the name
        reg.get("lazy_one")


def test_torch_threads_restores_the_setting() -> None:
    torch = pytest.importorskip("torch")
    from autospace.train.device import torch_threads

    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ConfigError, match="threads=-1"), torch_threads(-1):
        pass


def test_seeded_restores_the_global_generator() -> None:
    torch = pytest.importorskip("torch")
    from autospace.train.device import seeded

    before = torch.get_rng_state()
    with seeded(3):
        first = torch.rand(2)
    with seeded(3):
        assert torch.equal(torch.rand(2), first)
    assert torch.equal(torch.get_rng_state(), before)
