"""TabularEvaluator on the real NAS-Bench-201 table and on small broken tables."""

from __future__ import annotations

import pytest

from autospace.errors import DataError, EvaluatorError
from autospace.evaluators import Candidate, TabularEvaluator
from autospace.genome import Genome, get_space

BEST_VAL12 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
HEADER = "index,arch,val12,test200\n"
ARCH_A = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
ARCH_B = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


@pytest.fixture(scope="module")
def table(nb201_csv):
    return TabularEvaluator.from_csv(nb201_csv)


def test_real_table_has_every_cell_and_the_known_optimum(table):
    assert len(table.table) == 15_625
    best = max(table.table, key=lambda g: table.table[g][0])
    assert best.to_nb201() == BEST_VAL12
    assert table.report(best) == pytest.approx(94.37, abs=0.01)
    assert max(v[1] for v in table.table.values()) == pytest.approx(94.37, abs=0.01)


def test_score_counts_queries_and_uses_the_search_metric(table):
    g = Genome.from_nb201(BEST_VAL12)
    before = table.cost.queries
    scores = table.score([Candidate(0, g), Candidate(0, Genome.from_nb201(ARCH_A))])
    assert scores[0] == table.table[g][0] and scores[0] > scores[1]
    assert table.cost.queries == before + 2
    assert table.describe()["rows"] == 15_625


def test_metrics_are_selectable(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + f"0,{ARCH_A},50.0,90.0\n1,{ARCH_B},10.0,10.0\n")
    ev = TabularEvaluator.from_csv(path, search_metric="test200", report_metric="val12")
    assert ev.score([Candidate(0, Genome.from_nb201(ARCH_A))]) == [90.0]
    assert ev.report(Genome.from_nb201(ARCH_A)) == 50.0


def test_absent_arch_is_an_error_naming_it(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + f"0,{ARCH_A},50.0,90.0\n")
    ev = TabularEvaluator.from_csv(path)
    with pytest.raises(EvaluatorError, match="is not in the table") as info:
        ev.score([Candidate(0, Genome.from_nb201(ARCH_B))])
    assert ARCH_B in str(info.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("index,arch,val12\n0,x,1\n", "no column 'test200'"),
        ("index,val12,test200\n0,1,2\n", "no column 'arch'"),
        (HEADER + "0,|bogus~0|,1,2\n", "line 2 is malformed"),
        (HEADER + f"0,{ARCH_A},abc,2\n", "line 2 is malformed"),
        (HEADER, "has no rows"),
    ],
)
def test_malformed_files_name_the_problem(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        TabularEvaluator.from_csv(path)


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        TabularEvaluator.from_csv(tmp_path / "nope.csv")
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError):
        TabularEvaluator.from_csv(path)


def test_genome_of_another_space_is_rejected(table):
    with pytest.raises(EvaluatorError, match="space 'autospace'"):
        table.score([Candidate(0, get_space("autospace").sample(0))])
