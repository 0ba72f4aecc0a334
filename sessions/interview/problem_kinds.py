"""The language-neutral parts of a problem: a function's signature and an SQL question.

A function-style problem declares its function once (docs/languages.md)::

    "signature": {"function": "two_sum",
                  "params": [{"name": "nums", "type": "int[]"}, {"name": "target", "type": "int"}],
                  "returns": "int[]"}

and every language's name for it derives from ``function`` here, in one place. An SQL
problem (``"kind": "sql"``) has a schema, seed rows and the expected result instead of tests.
Both are checked at load time; a failure names the field, through ``fail``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Fail = Callable[[str, str], Exception]

SCALAR_TYPES: tuple[str, ...] = ("int", "long", "double", "bool", "string")
"""The supported types are these, ``T[]``, ``list<T>`` and ``map<string,T>``, nested."""

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_PARAM = re.compile(r"[a-z][A-Za-z0-9]*")
_SNAKE_CASE = frozenset(("python", "ruby", "rust", "c", "shell"))
_PASCAL_CASE = frozenset(("csharp",))
_NO_MAPS = frozenset(("c",))
SIGNATURE_KEYS = frozenset(("function", "params", "returns"))


def function_name(function: str, language: str) -> str:
    """The function's name in ``language``: snake_case as written for python, ruby, rust,
    c and shell; PascalCase for csharp; camelCase for every other language."""
    if language in _SNAKE_CASE:
        return function
    words = function.split("_")
    if language in _PASCAL_CASE:
        return "".join(word.title() for word in words)
    return words[0] + "".join(word.title() for word in words[1:])


def type_problem(text: str) -> str | None:
    """Why ``text`` is not a supported type, or None when it is one."""
    if text in SCALAR_TYPES:
        return None
    if text.endswith("[]"):
        return type_problem(text[:-2])
    if text.startswith("list<") and text.endswith(">"):
        return type_problem(text[5:-1])
    if text.startswith("map<string,") and text.endswith(">"):
        return type_problem(text[11:-1])
    supported = ", ".join((*SCALAR_TYPES, "T[]", "list<T>", "map<string,T>"))
    return f"is not a supported type (got {text!r}; supported: {supported})"


@dataclass(frozen=True, slots=True)
class Signature:
    """A function-style problem's function: snake_case name, typed parameters, return type."""

    function: str
    params: tuple[tuple[str, str], ...]
    returns: str

    def name_in(self, language: str) -> str:
        return function_name(self.function, language)

    def uses_maps(self) -> bool:
        return any("map<" in t for _, t in self.params) or "map<" in self.returns

    def to_json(self) -> dict[str, Any]:
        params = [{"name": name, "type": kind} for name, kind in self.params]
        return {"function": self.function, "params": params, "returns": self.returns}


def parse_signature(
    data: Mapping[str, Any], tests: object, entry: object, fail: Fail
) -> Signature | None:
    """The problem's ``signature`` (None without one), checked against its tests and entry
    point (:func:`check_against`)."""
    if "signature" not in data:
        return None
    signature = _signature(data["signature"], fail)
    check_against(signature, tests, entry, fail)
    return signature


def _signature(value: object, fail: Fail) -> Signature:
    """Check a ``signature`` object: a snake_case function, named parameters and types from
    the supported set (anything else names the field, e.g. ``signature.params[0].type``)."""
    if not isinstance(value, dict):
        raise fail("signature", "must be an object with function, params and returns")
    wrong = sorted(SIGNATURE_KEYS.symmetric_difference(value))
    if wrong:
        problem = "is required" if wrong[0] in SIGNATURE_KEYS else "is not a known field"
        raise fail(f"signature.{wrong[0]}", f"{problem} (known: function, params, returns)")
    function = value["function"]
    if not isinstance(function, str) or not _SNAKE.fullmatch(function):
        raise fail(
            "signature.function", f"must be a snake_case name like 'two_sum' (got {function!r})"
        )
    if not isinstance(value["params"], list):
        raise fail("signature.params", "must be an array of {name, type} objects")
    params: list[tuple[str, str]] = []
    for i, param in enumerate(value["params"]):
        where = f"signature.params[{i}]"
        if not isinstance(param, dict) or set(param) != {"name", "type"}:
            raise fail(where, "must be an object with exactly name and type")
        name, kind = param["name"], param["type"]
        if not isinstance(name, str) or not _PARAM.fullmatch(name):
            raise fail(f"{where}.name", f"must be an identifier like 'nums' (got {name!r})")
        if any(name == seen for seen, _ in params):
            raise fail(f"{where}.name", f"repeats {name!r}")
        why = type_problem(kind) if isinstance(kind, str) else "must be a string"
        if why is not None:
            raise fail(f"{where}.type", why)
        params.append((name, kind))
    returns = value["returns"]
    why = type_problem(returns) if isinstance(returns, str) else "must be a string"
    if why is not None:
        raise fail("signature.returns", why)
    return Signature(function, tuple(params), returns)


def check_against(signature: Signature, tests: object, entry: object, fail: Fail) -> None:
    """The tests pass one argument per parameter; an ``entryPoint`` names the derived
    function (``Solution.twoSum`` in languages whose function lives in a class)."""
    if not isinstance(tests, list):
        raise fail("signature", "is for function-style problems, whose tests are an array")
    for i, case in enumerate(tests):
        if len(case["input"]) != len(signature.params):
            count = len(signature.params)
            raise fail(f"tests[{i}].input", f"must hold {count} arguments, one per parameter")
    names = entry if isinstance(entry, Mapping) else {}
    for language, name in names.items():
        if name.rsplit(".", 1)[-1] != signature.name_in(language):
            derived = signature.name_in(language)
            raise fail(f"entryPoint.{language}", f"must name {derived!r}, derived from signature")
    if signature.uses_maps() and isinstance(entry, Mapping):
        for language in _NO_MAPS & set(entry):
            raise fail(f"entryPoint.{language}", "a problem with a map type has no C version")


@dataclass(frozen=True, slots=True)
class SqlQuestion:
    """An SQL problem: ``schema`` (SQL), ``seed`` rows per table, the expected result's
    ``columns`` and ``rows``, and whether the rows' order counts."""

    schema: str
    seed: Mapping[str, tuple[tuple[Any, ...], ...]] = field(hash=False)
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = field(hash=False)
    ordered: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "seed": {table: [list(row) for row in rows] for table, rows in self.seed.items()},
            "expected": {"columns": list(self.columns), "rows": [list(r) for r in self.rows]},
            "ordered": self.ordered,
        }


SQL_KEYS = frozenset(("kind", "schema", "seed", "expected", "ordered"))
_SQL_ONLY = ("schema", "seed", "expected", "ordered")
_SQL_VALUE = (str, int, float, type(None))


def is_sql(data: Mapping[str, Any], fail: Fail) -> bool:
    """Whether ``data`` is an SQL problem (``"kind": "sql"``); either way, no field of the
    other kind."""
    sql = data.get("kind") == "sql"
    if "kind" in data and not sql:
        raise fail("kind", f"must be 'sql' when given (got {data['kind']!r})")
    for key in ("tests", "signature", "entryPoint") if sql else _SQL_ONLY:
        if key in data:
            where = (
                "is not a field of an SQL problem"
                if sql
                else 'is only a field of an SQL problem ("kind": "sql")'
            )
            raise fail(key, where)
    return sql


def _rows(value: object, where: str, fail: Fail) -> tuple[tuple[Any, ...], ...]:
    if not isinstance(value, list):
        raise fail(where, "must be an array of rows")
    rows = []
    for i, row in enumerate(value):
        ok = isinstance(row, list) and row
        if not ok or not all(isinstance(v, _SQL_VALUE) and not isinstance(v, bool) for v in row):
            raise fail(f"{where}[{i}]", "must be a non-empty array of numbers, strings or nulls")
        rows.append(tuple(row))
    return tuple(rows)


def parse_sql(data: Mapping[str, Any], fail: Fail) -> SqlQuestion:
    """Check an SQL problem's schema, seed, expected and ordered fields."""
    for key in _SQL_ONLY:
        if key not in data:
            raise fail(key, "is required for an SQL problem")
    schema = data["schema"]
    if not isinstance(schema, str) or not schema.strip():
        raise fail("schema", "must be the SQL that creates the tables")
    if not isinstance(data["seed"], dict):
        raise fail("seed", "must be an object of table name -> rows")
    seed = {table: _rows(rows, f"seed.{table}", fail) for table, rows in data["seed"].items()}
    expected = data["expected"]
    if not isinstance(expected, dict) or set(expected) != {"columns", "rows"}:
        raise fail("expected", "must be an object with exactly columns and rows")
    columns = expected["columns"]
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        raise fail("expected.columns", "must be a non-empty array of column names")
    rows = _rows(expected["rows"], "expected.rows", fail)
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise fail(f"expected.rows[{i}]", f"must have {len(columns)} values, one per column")
    if not isinstance(data["ordered"], bool):
        raise fail("ordered", "must be true (the rows' order counts) or false (a set)")
    return SqlQuestion(schema, seed, tuple(columns), rows, data["ordered"])
