"""Signatures (types, names per language), the server's comparison, SQL problem loading."""

from __future__ import annotations

from typing import Any

import pytest

from sessions.execution.judge import Call, call_name, same
from sessions.execution.outcome import parse_records
from sessions.interview.problems import ProblemBankError, parse_problem
from sessions.interview.signature import function_name, parse_type
from tests.test_problems import problem_json

SIGNATURE = {
    "function": "total",
    "params": [{"name": "nums", "type": "int[]"}],
    "returns": "int",
}


@pytest.mark.parametrize(
    "text", ["int", "long", "double", "bool", "string", "int[][]", "list<string>",
             "map<string,int[]>", "map<string, list<double>>"],
)  # fmt: skip
def test_every_supported_type_parses_and_prints_back(text: str):
    assert str(parse_type(text)) == text.replace(", ", ",")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("char", "is not a supported type (got 'char'"),
        ("map<int,int>", "map keys must be string (got 'map<int,int>')"),
        ("list<float>", "is not a supported type (got 'float'"),
    ],
)
def test_an_unsupported_type_is_refused_saying_why(text: str, why: str):
    with pytest.raises(ValueError) as refused:
        parse_type(text)
    assert str(refused.value).startswith(why)


@pytest.mark.parametrize(
    ("language", "name"),
    [("python", "two_sum"), ("rust", "two_sum"), ("c", "two_sum"), ("shell", "two_sum"),
     ("ruby", "two_sum"), ("csharp", "TwoSum"), ("java", "twoSum"), ("go", "twoSum"),
     ("kotlin", "twoSum"), ("scala", "twoSum"), ("typescript", "twoSum"), ("php", "twoSum"),
     ("cpp", "twoSum"), ("javascript", "twoSum")],
)  # fmt: skip
def test_the_function_name_derives_from_the_signature_per_language(language: str, name: str):
    assert function_name("two_sum", language) == name


def load(**fields: Any):
    starter = {"python": "def total(nums): pass\n", "javascript": "", "java": ""}
    return parse_problem(problem_json(starterCode=starter, **fields), "custom.json")


def test_a_problem_with_a_signature_keeps_it_and_round_trips():
    problem = load(signature=SIGNATURE, entryPoint={"python": "total", "java": "Solution.total"})
    assert problem.signature is not None
    assert problem.signature.name_for("csharp") == "Total"
    assert problem.to_json()["signature"] == SIGNATURE


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"signature": {**SIGNATURE, "returns": "tuple<int>"}}, "signature.returns",
         "is not a supported type (got 'tuple<int>'"),
        ({"signature": {**SIGNATURE, "params": [{"name": "nums", "type": "set<int>"}]}},
         "signature.params[0].type", "is not a supported type (got 'set<int>'"),
        ({"signature": {**SIGNATURE, "function": "Total"}}, "signature.function",
         "must be a snake_case name"),
        ({"signature": {**SIGNATURE, "returns": "string"}}, "tests[0].expected",
         "is not a string"),
        ({"signature": {**SIGNATURE, "params": []}}, "tests[0].input", "must have 0 arguments"),
        ({"signature": SIGNATURE, "entryPoint": {"python": "total", "java": "sum"}},
         "entryPoint.java", "must name 'total' (from signature.function; got 'sum')"),
    ],
)  # fmt: skip
def test_a_bad_signature_is_refused_naming_the_file_and_the_field(fields, field, detail):
    with pytest.raises(ProblemBankError) as refused:
        load(**fields)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"custom.json: field {field!r} {detail}")


def test_an_int_out_of_32_bits_does_not_fit_an_int_parameter():
    tests = [{"input": [[2**31]], "expected": 1}] * 3
    with pytest.raises(ProblemBankError, match=r"'tests\[0\]\.input\[0\]' is not a int\[\]"):
        load(signature=SIGNATURE, tests=tests)


@pytest.mark.parametrize(
    ("actual", "expected", "equal"),
    [
        (0.1 + 0.2, 0.3, True), (1, 1.0, True), (1.0000001, 1.0, False), (True, 1, False),
        (1, True, False), ([1, [2.0]], [1, [2]], True), ([1, 2], [2, 1], False),
        ([1], [1, 1], False), ({"a": [1]}, {"a": [1]}, True), ({"a": 1}, {"a": 1, "b": 2}, False),
        ("1", 1, False), (None, None, True), (None, [], False), (1e12 + 1e-4, 1e12, True),
    ],
)  # fmt: skip
def test_the_server_compares_a_reported_value_with_the_expected_one(actual, expected, equal):
    assert same(actual, expected) is equal


def test_call_records_are_judged_by_the_server_once_per_test():
    calls = (Call("f(1)", 2), Call("f(2)", [1.5]))
    data = b"\n".join(
        [
            b'{"call": {"index": 1, "actual": [1.5000000000001], "error": null}}',
            b'{"call": {"index": 1, "actual": [9], "error": null}}',  # a second report: ignored
            b'{"call": {"index": 0, "actual": 3, "error": null}}',
            b'{"call": {"index": 7, "actual": 3, "error": null}}',  # no such test: ignored
        ]
    )
    records = parse_records(data, calls)
    assert [t.to_json() for t in records.tests] == [
        {"name": "f(2)", "passed": True, "expected": [1.5], "actual": [1.5000000000001],
         "error": None},
        {"name": "f(1)", "passed": False, "expected": 2, "actual": 3, "error": None},
    ]  # fmt: skip


def test_a_call_that_raised_fails_with_its_message():
    records = parse_records(
        b'{"call": {"index": 0, "actual": 2, "error": "boom"}}', (Call("f", 2),)
    )
    assert records.tests[0].to_json() == {
        "name": "f", "passed": False, "expected": 2, "actual": None, "error": "boom",
    }  # fmt: skip


def test_a_test_name_shows_the_call_and_is_cut_when_long():
    assert call_name("twoSum", [[2, 7], 9]) == "twoSum([2, 7], 9)"
    assert len(call_name("f", [list(range(100))])) == 120
