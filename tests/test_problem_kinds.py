"""Signatures and SQL problems in the bank: checked at load time, names derived in one place,
and every SQL problem's reference query gives its expected result."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sessions.interview.problem_kinds import function_name, type_problem
from sessions.interview.problems import ProblemBankError, load_bank, parse_problem

DEFAULT = load_bank()
SOLUTIONS = Path(__file__).parent / "solutions"


def function_problem(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "add-up",
        "title": "Add Up",
        "difficulty": "easy",
        "tags": ["arrays"],
        "description": "Sum.",
        "signature": {
            "function": "add_up",
            "params": [{"name": "nums", "type": "int[]"}],
            "returns": "long",
        },
        "starterCode": {"python": "def add_up(nums):\n    pass\n", "javascript": "", "java": ""},
        "entryPoint": {"python": "add_up", "javascript": "addUp", "java": "Solution.addUp"},
        "tests": [{"input": [[1]], "expected": 1}, {"input": [[]], "expected": 0}] * 2,
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def sql_problem(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "names",
        "kind": "sql",
        "title": "Names",
        "difficulty": "easy",
        "tags": ["sql"],
        "description": "All names.",
        "schema": "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);",
        "seed": {"people": [[1, "Ada"], [2, None]]},
        "expected": {"columns": ["name"], "rows": [["Ada"], [None]]},
        "ordered": False,
        "starterCode": {"sql": "SELECT name FROM people;"},
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(ProblemBankError) as caught:
        parse_problem(data, "bank/x.json")
    return str(caught.value)


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("python", "two_sum"),
        ("ruby", "two_sum"),
        ("rust", "two_sum"),
        ("c", "two_sum"),
        ("shell", "two_sum"),
        ("csharp", "TwoSum"),
        ("javascript", "twoSum"),
        ("java", "twoSum"),
        ("go", "twoSum"),
        ("cpp", "twoSum"),
        ("kotlin", "twoSum"),
        ("scala", "twoSum"),
        ("php", "twoSum"),
    ],
)
def test_the_function_name_derives_per_language(language: str, name: str) -> None:
    assert function_name("two_sum", language) == name


@pytest.mark.parametrize(
    "text",
    ["int", "long", "double", "bool", "string", "int[][]", "list<string>", "map<string,int[]>"],
)
def test_supported_types_nest(text: str) -> None:
    assert type_problem(text) is None


@pytest.mark.parametrize("text", ["float", "pair<int,int>", "map<int,int>", "list<>", "[]"])
def test_other_types_are_not_supported(text: str) -> None:
    assert type_problem(text) is not None


def test_a_signature_loads_and_round_trips() -> None:
    problem = parse_problem(function_problem(), "bank/x.json")
    assert problem.kind == "function"
    assert problem.signature is not None
    assert problem.signature.name_in("csharp") == "AddUp"
    assert parse_problem(problem.to_json(), "bank/x.json") == problem
    assert problem.to_json()["signature"] == function_problem()["signature"]


def test_an_unsupported_type_is_refused_naming_the_file_and_field() -> None:
    signature = function_problem()["signature"] | {
        "params": [{"name": "nums", "type": "tuple<int>"}]
    }
    message = refusal(function_problem(signature=signature))
    assert message.startswith("bank/x.json: field 'signature.params[0].type' is not a supported")


def test_a_return_type_outside_the_set_is_refused() -> None:
    signature = function_problem()["signature"] | {"returns": "set<int>"}
    assert "field 'signature.returns' is not a supported type" in refusal(
        function_problem(signature=signature)
    )


def test_an_entry_point_that_disagrees_with_the_signature_is_refused() -> None:
    entry = {"python": "add_up", "javascript": "add_up", "java": "Solution.addUp"}
    message = refusal(function_problem(entryPoint=entry))
    assert message == (
        "bank/x.json: field 'entryPoint.javascript' must name 'addUp', derived from signature"
    )


def test_tests_must_pass_one_argument_per_parameter() -> None:
    tests = [{"input": [[1], 2], "expected": 1}] * 3
    message = refusal(function_problem(tests=tests))
    assert message.startswith("bank/x.json: field 'tests[0].input' must hold 1 arguments")


def test_a_design_problem_cannot_have_a_signature() -> None:
    message = refusal(function_problem(tests={"python": "def test_x(): pass\n"}, entryPoint=None))
    assert "field 'signature' is for function-style problems" in message


def test_an_sql_problem_loads_without_tests_and_round_trips() -> None:
    problem = parse_problem(sql_problem(), "bank/names.json")
    assert problem.kind == "sql"
    assert problem.tests is None
    assert problem.sql is not None and problem.sql.rows == (("Ada",), (None,))
    assert problem.to_json() == sql_problem()
    assert parse_problem(problem.to_json(), "bank/names.json") == problem


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"schema": None}, "schema", "is required for an SQL problem"),
        ({"ordered": "yes"}, "ordered", "must be true"),
        ({"expected": {"columns": ["name"]}}, "expected", "must be an object with exactly"),
        ({"expected": {"columns": ["a"], "rows": [["x", 1]]}}, "expected.rows[0]", "must have 1"),
        ({"seed": {"people": [[True]]}}, "seed.people[0]", "must be a non-empty array"),
        ({"tests": [{"input": [], "expected": 1}] * 3}, "tests", "is not a field of an SQL"),
        ({"starterCode": {"python": "x"}}, "starterCode", "must have 'sql'"),
        ({"kind": "graph"}, "kind", "must be 'sql' when given"),
    ],
)
def test_a_bad_sql_problem_is_refused_naming_the_field(
    fields: dict[str, Any], field: str, detail: str
) -> None:
    message = refusal(sql_problem(**fields))
    assert message.startswith(f"bank/x.json: field '{field}' {detail}")


SQL_PROBLEMS = [problem.slug for problem in DEFAULT if problem.kind == "sql"]


def test_the_bank_has_at_least_two_sql_problems() -> None:
    assert len(SQL_PROBLEMS) >= 2
    assert {DEFAULT.get(slug).sql.ordered for slug in SQL_PROBLEMS} == {True, False}  # type: ignore[union-attr]


def _result(slug: str, query: str) -> list[list[Any]]:
    question = DEFAULT.get(slug).sql
    assert question is not None
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(question.schema)
        for table, rows in question.seed.items():
            for row in rows:
                db.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
        return [list(row) for row in db.execute(query)]
    finally:
        db.close()


def _matches(slug: str, rows: list[list[Any]]) -> bool:
    question = DEFAULT.get(slug).sql
    assert question is not None
    expected = [list(row) for row in question.rows]
    if question.ordered:
        return rows == expected
    return sorted(map(json.dumps, rows)) == sorted(map(json.dumps, expected))


@pytest.mark.parametrize("slug", SQL_PROBLEMS)
def test_the_reference_query_gives_the_expected_result(slug: str) -> None:
    query = (SOLUTIONS / slug / "sql.sql").read_text(encoding="utf-8")
    assert _matches(slug, _result(slug, query))


@pytest.mark.parametrize("slug", SQL_PROBLEMS)
def test_the_starter_query_does_not(slug: str) -> None:
    assert not _matches(slug, _result(slug, DEFAULT.get(slug).starter_code["sql"]))
