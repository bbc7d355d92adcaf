"""`TabularEvaluator`: look genomes up in a table of trained architectures (NAS-Bench-201 CSV)."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import Any

from autospace.errors import DataError, EvaluatorError, GenomeError
from autospace.evaluators.base import Candidate, Evaluator
from autospace.files import read_utf8
from autospace.genome import CellSpace, Genome, get_space


class TabularEvaluator(Evaluator):
    """Exact scores from a table: ``search_metric`` guides the search, ``report_metric`` is reported.

    Build it with `from_csv`.

    Args:
        table: genome -> ``(search, report)`` metric values.
        search_metric: the name of the metric the search sees.
        report_metric: the name of the metric `report` gives.
        space: the table's cell space.
        source: where the table came from, for messages.
    """

    def __init__(self, table: dict[Genome, tuple[float, float]], *, search_metric: str = "val12",
                 report_metric: str = "test200", space: CellSpace | str = "nb201", source: str = "<table>") -> None:
        super().__init__()
        self.table, self.search_metric, self.report_metric, self.source = table, search_metric, report_metric, source
        self.space = space if isinstance(space, CellSpace) else get_space(space)

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], search_metric: str = "val12", report_metric: str = "test200",
                 space: CellSpace | str = "nb201") -> TabularEvaluator:
        """Read a CSV with an ``arch`` column of NB201 arch strings and the two metric columns.

        Args:
            path: the CSV file (e.g. NAS-Bench-201's CIFAR-10 table).
            search_metric: the column the search sees (``val12``).
            report_metric: the column `report` gives (``test200``).
            space: the cell space of the arch strings.

        Returns:
            The evaluator.

        Raises:
            DataError: a missing or malformed file, a missing column, a non-finite value or a repeated arch.
        """
        path = Path(path)
        space_obj = space if isinstance(space, CellSpace) else get_space(space)
        text = read_utf8(path, "tabular evaluator: path", DataError)
        table: dict[Genome, tuple[float, float]] = {}
        lines: dict[Genome, int] = {}
        try:
            with io.StringIO(text, newline="") as fh:
                reader = csv.DictReader(fh)
                columns = reader.fieldnames or []
                for column in ("arch", search_metric, report_metric):
                    if column not in columns:
                        raise DataError(f"tabular evaluator: {str(path)!r} has no column {column!r}; "
                                        f"columns: {columns}")
                for line, row in enumerate(reader, start=2):
                    where = f"tabular evaluator: {str(path)!r} line {line}"
                    if None in row or None in row.values():
                        more = "more" if None in row else "fewer"
                        raise DataError(f"{where} has {more} cells than the {len(columns)} columns of the header")
                    try:
                        genome = Genome.from_nb201(row["arch"], space_obj)
                        values = (float(row[search_metric]), float(row[report_metric]))
                    except (GenomeError, TypeError, ValueError) as exc:
                        raise DataError(f"{where} is malformed: {exc}") from None
                    if not all(math.isfinite(v) for v in values):
                        raise DataError(f"{where}: {search_metric}={values[0]!r}, {report_metric}={values[1]!r} "
                                        "must be finite numbers")
                    if genome in table:
                        raise DataError(f"{where} repeats the arch {row['arch']!r} of line {lines[genome]}")
                    table[genome], lines[genome] = values, line
        except csv.Error as exc:
            raise DataError(f"tabular evaluator: {str(path)!r} is not a valid CSV file: {exc}") from None
        if not table:
            raise DataError(f"tabular evaluator: {str(path)!r} has no rows")
        return cls(table, search_metric=search_metric, report_metric=report_metric, space=space_obj, source=str(path))

    def _row(self, genome: Genome) -> tuple[float, float]:
        if genome.space.name != self.space.name:
            raise EvaluatorError(f"tabular evaluator: genome of space {genome.space.name!r}, "
                                 f"table is {self.space.name!r}")
        try:
            return self.table[genome]
        except KeyError:
            arch = genome.to_nb201()
            raise EvaluatorError(f"tabular evaluator: arch {arch!r} is not in the table {self.source!r}") from None

    def score_one(self, candidate: Candidate) -> float:
        """The search metric of the candidate's genome.

        Args:
            candidate: the layer, genome and current fitness.

        Returns:
            Its ``search_metric``.

        Raises:
            EvaluatorError: a genome of another space or not in the table.
        """
        return self._row(candidate.genome)[0]

    def report(self, genome: Genome) -> float:
        """The report metric of ``genome`` (not counted as a query).

        Args:
            genome: a cell of the table's space.

        Returns:
            Its ``report_metric``.

        Raises:
            EvaluatorError: a genome of another space or not in the table.
        """
        return self._row(genome)[1]

    def describe(self) -> dict[str, Any]:
        return {"name": "tabular", "path": self.source, "search_metric": self.search_metric,
                "report_metric": self.report_metric, "space": self.space.name, "rows": len(self.table)}
