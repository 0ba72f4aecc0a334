"""The one comparison of a returned value with a test's ``expected``, done by the server.

Harnesses only convert and report: for each call they write ``{"call": {"index": i,
"actual": <the JSON of what the function returned>, "error": null | "..."}}`` on the results
channel, and the server judges it here against the test it knows (docs/languages.md): numbers
within 1e-9 (relative or absolute) when either is a double, arrays element by element, maps
by keys, booleans never equal to numbers, everything else exactly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

TOLERANCE = 1e-9
SHOWN_LIMIT = 2000
NAME_LIMIT = 120


@dataclass(frozen=True, slots=True)
class Call:
    """One function-style test as the server knows it: its display name and expectation."""

    name: str
    expected: Any
    unordered: bool = False
    """The value is a list compared as a multiset (an SQL result without ``ordered``)."""


def matches(actual: Any, call: Call) -> bool:
    """True when ``actual`` is what ``call`` expects."""
    if not call.unordered:
        return same(actual, call.expected)
    if not isinstance(actual, list) or len(actual) != len(call.expected):
        return False
    left = list(actual)
    for item in call.expected:
        found = next((i for i, candidate in enumerate(left) if same(candidate, item)), None)
        if found is None:
            return False
        del left[found]
    return True


def same(actual: Any, expected: Any) -> bool:
    """True when ``actual`` (decoded JSON) equals ``expected`` by the rules above."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        if isinstance(actual, float) or isinstance(expected, float):
            return math.isclose(actual, expected, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
        return actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(map(same, actual, expected))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(same(actual[key], value) for key, value in expected.items())
        )
    return type(actual) is type(expected) and actual == expected


def shown(value: Any) -> Any:
    """``value`` as the result shows it: itself, or its JSON text cut when it is long."""
    text = json.dumps(value)
    return value if len(text) <= SHOWN_LIMIT else text[:SHOWN_LIMIT] + "..."


def literal(value: Any) -> str:
    """A test argument as the test's name shows it (JSON, with ``, `` and ``: ``)."""
    return json.dumps(value, ensure_ascii=False)


def call_name(function: str, args: Sequence[Any]) -> str:
    """``twoSum([2, 7], 9)``: the name of a test that calls ``function`` with ``args``."""
    name = f"{function}({', '.join(literal(arg) for arg in args)})"
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 3] + "..."


def calls_of(function: str, tests: Sequence[dict[str, Any]]) -> tuple[Call, ...]:
    """The calls of a problem's input/expected tests, in order."""
    return tuple(Call(call_name(function, t["input"]), t["expected"]) for t in tests)
