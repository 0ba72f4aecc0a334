"""SQL problems: a schema, seed rows and the expected result table (docs/languages.md).

Checked when the bank loads: the fields' shapes, and that the schema and the seed build a
database (in memory, here, once), so a broken problem is a start-up error naming its field,
not a candidate's failed run.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

Scalar = int | float | str | None


class SqlProblemError(ValueError):
    """A bad field of an sql problem (``field`` names it)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


@dataclass(frozen=True, slots=True)
class SqlProblem:
    schema: str
    seed: dict[str, list[list[Scalar]]]
    columns: tuple[str, ...]
    rows: list[list[Scalar]]
    ordered: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "seed": {table: [list(row) for row in rows] for table, rows in self.seed.items()},
            "expected": {"columns": list(self.columns), "rows": [list(r) for r in self.rows]},
            "ordered": self.ordered,
        }


def _scalar(value: object) -> bool:
    return value is None or (isinstance(value, int | float | str) and not isinstance(value, bool))


def _rows(value: object, where: str, width: int | None = None) -> list[list[Scalar]]:
    if not isinstance(value, list):
        raise SqlProblemError(where, "must be an array of rows")
    for i, row in enumerate(value):
        if not isinstance(row, list) or not all(_scalar(cell) for cell in row):
            detail = "must be an array of numbers, strings or nulls"
            raise SqlProblemError(f"{where}[{i}]", detail)
        if width is not None and len(row) != width:
            raise SqlProblemError(f"{where}[{i}]", f"must have {width} values (the columns)")
    return [list(row) for row in value]


def parse_sql(data: dict[str, Any]) -> SqlProblem:
    """The SQL parts of a problem object; :class:`SqlProblemError` naming the bad field."""
    for key in ("schema", "seed", "expected", "ordered"):
        if key not in data:
            raise SqlProblemError(key, "is required")
    schema = data["schema"]
    if not isinstance(schema, str) or not schema.strip():
        raise SqlProblemError("schema", "must be a non-empty string of CREATE statements")
    seed_value = data["seed"]
    if not isinstance(seed_value, dict):
        raise SqlProblemError("seed", "must be an object of table -> rows")
    seed = {table: _rows(rows, f"seed.{table}") for table, rows in seed_value.items()}
    expected = data["expected"]
    if not isinstance(expected, dict) or set(expected) != {"columns", "rows"}:
        raise SqlProblemError("expected", "must be an object with columns and rows")
    columns = expected["columns"]
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        raise SqlProblemError("expected.columns", "must be a non-empty array of names")
    rows = _rows(expected["rows"], "expected.rows", len(columns))
    if not isinstance(data["ordered"], bool):
        raise SqlProblemError("ordered", "must be true or false")
    problem = SqlProblem(schema, seed, tuple(columns), rows, data["ordered"])
    build(sqlite3.connect(":memory:"), problem)
    return problem


def build(db: sqlite3.Connection, problem: SqlProblem) -> None:
    """Create the schema and insert the seed rows into ``db``; SqlProblemError if they fail."""
    try:
        db.executescript(problem.schema)
    except sqlite3.Error as exc:
        raise SqlProblemError("schema", f"does not run in SQLite: {exc}") from None
    for table, rows in problem.seed.items():
        for i, row in enumerate(rows):
            marks = ", ".join("?" * len(row))
            try:
                db.execute(f'INSERT INTO "{table}" VALUES ({marks})', row)
            except sqlite3.Error as exc:
                raise SqlProblemError(f"seed.{table}[{i}]", f"cannot be inserted: {exc}") from None
    db.commit()
