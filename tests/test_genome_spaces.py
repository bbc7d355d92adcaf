"""Named spaces, enumeration, sampling, mutation, neighbours and encoding."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest

from autospace.errors import ConfigError, GenomeError, UnknownNameError
from autospace.genome import CellSpace, Genome, get_space, hamming, list_spaces, register_space


@pytest.mark.parametrize(("name", "size"), [("autospace", 93750), ("nb201", 15625), ("irb", 7)])
def test_named_space_sizes_match_enumeration(name: str, size: int) -> None:
    space = get_space(name)
    assert space.size == size
    genomes = list(space.enumerate())
    assert len(genomes) == size
    assert len(set(genomes)) == size


def test_irb_candidates_are_six_blocks_plus_zero() -> None:
    irb = get_space("irb")
    genomes = list(irb.enumerate())
    blocks = {(g.ops[0], g.ratio) for g in genomes if not g.is_zero}
    assert blocks == {(f"dwconv{k}x{k}", e) for k in (3, 5, 7) for e in (3, 6)}
    assert sum(g.is_zero for g in genomes) == 1
    # the zero cell is stored with the first ratio, whatever ratio it was given
    assert Genome(irb, ["zero"], 6) == Genome(irb, ["zero"], 3)


def test_unknown_space_names_the_value() -> None:
    with pytest.raises(UnknownNameError, match="'nope'.*autospace"):
        get_space("nope")
    assert {"autospace", "nb201", "irb"} <= set(list_spaces())


@pytest.mark.parametrize("name", ["autospace", "nb201", "irb"])
def test_sample_is_deterministic_and_in_space(name: str) -> None:
    space = get_space(name)
    a = [space.sample(np.random.default_rng(3)) for _ in range(5)]
    b = [space.sample(np.random.default_rng(3)) for _ in range(5)]
    assert a == b
    rng = np.random.default_rng(0)
    for _ in range(50):
        g = space.sample(rng)
        assert Genome(space, g.ops, g.ratio) == g


def test_irb_sampling_is_uniform_over_seven_candidates() -> None:
    irb = get_space("irb")
    rng = np.random.default_rng(0)
    counts = Counter(irb.sample(rng) for _ in range(7000))
    assert len(counts) == 7
    assert all(850 < c < 1150 for c in counts.values()), counts


@pytest.mark.parametrize("name", ["autospace", "nb201"])
def test_neighbors_are_exactly_the_distance_one_genomes(name: str) -> None:
    space = get_space(name)
    g = space.sample(np.random.default_rng(1))
    neighbours = space.neighbors(g)
    expected = space.num_edges * (len(space.ops) - 1) + max(0, len(space.ratios) - 1)
    assert len(neighbours) == len(set(neighbours)) == expected
    assert all(hamming(g, n) == 1 for n in neighbours)


def test_neighbors_match_brute_force_on_nb201() -> None:
    space = get_space("nb201")
    g = Genome.from_nb201("|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|")
    brute = {h for h in space.enumerate() if hamming(g, h) == 1}
    assert set(space.neighbors(g)) == brute


@pytest.mark.parametrize("name", ["autospace", "nb201", "irb"])
def test_mutate_makes_one_edit(name: str) -> None:
    space = get_space(name)
    rng = np.random.default_rng(7)
    g = space.sample(rng)
    for _ in range(30):
        child = space.mutate(g, rng)
        assert child != g
        assert child in set(space.neighbors(g))
        g = child


def test_encode_decode_round_trip() -> None:
    space = get_space("autospace")
    rng = np.random.default_rng(0)
    genomes = [space.sample(rng) for _ in range(20)]
    enc = space.encode(genomes)
    assert enc.shape == (20, 7)
    assert enc.dtype == np.int8
    assert space.decode(enc) == genomes
    assert space.encode([]).shape == (0, 7)


def test_encode_rejects_foreign_genome() -> None:
    g = get_space("nb201").sample(0)
    with pytest.raises(GenomeError, match="'nb201'"):
        get_space("autospace").encode([g])


def test_user_defined_space() -> None:
    space = CellSpace(
        name="tiny-user",
        num_nodes=5,
        edges=((1, 2), (1, 3), (2, 3)),
        ops=("conv3x3", "identity", "zero"),
        ratios=(2, 4),
        source=1,
        sink=3,
        io_nodes=True,
        zero_op="zero",
        identity_op="identity",
    )
    assert space.size == 3**3 * 2
    assert len(list(space.enumerate())) == space.size
    g = space.genome({(1, 2): "conv3x3", (2, 3): "identity"}, ratio=4)
    assert g.ops == ("conv3x3", "zero", "identity")
    assert g.key == "e4:conv3x3(x)"
    register_space(space)
    assert get_space("tiny-user") is space
    assert Genome.from_json(g.to_json()) == g


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"edges": ((0, 1), (1, 1))}, "edge (1, 1)"),
        ({"edges": ((2, 1),)}, "edge (2, 1)"),
        ({"ops": ("a", "a")}, "ops"),
        ({"zero_op": "zilch"}, "zero_op='zilch'"),
        ({"ratios": (0,)}, "ratios"),
        ({"aggregation": "concat"}, "aggregation='concat'"),
        ({"num_nodes": 1}, "num_nodes"),
    ],
)
def test_bad_space_definitions_name_the_field(kwargs: dict, field: str) -> None:
    base = {"name": "bad", "num_nodes": 3, "edges": ((0, 1), (1, 2)), "ops": ("a", "b"), "sink": 2}
    with pytest.raises(GenomeError, match=field.replace("(", r"\(").replace(")", r"\)")):
        CellSpace(**(base | kwargs))


def test_register_space_refuses_silent_overwrite() -> None:
    other = CellSpace(name="autospace", num_nodes=3, edges=((0, 1), (1, 2)), ops=("a",), sink=2)
    with pytest.raises(ConfigError, match="already registered"):
        register_space(other)


def test_nb201_round_trip_for_the_whole_table(nb201_csv) -> None:
    with open(nb201_csv, newline="") as f:
        archs = [row["arch"] for row in csv.DictReader(f)]
    assert len(archs) == 15625
    genomes = [Genome.from_nb201(a) for a in archs]
    assert [g.to_nb201() for g in genomes] == archs
    assert set(genomes) == set(get_space("nb201").enumerate())
