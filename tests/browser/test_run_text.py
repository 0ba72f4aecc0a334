"""The words of a run's result (``run_text.js``, no DOM), run in Chromium: honest verdicts,
named limits, and values in the run's language's notation (issue 19, defect 4)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.browser.conftest import base_url

SUMMARY = """async (result) => (await import("/static/js/run_text.js")).summary(result)"""
NOTATION = """async ([value, language]) =>
  (await import("/static/js/run_text.js")).notation(value, language)"""


def ran(passed: int, count: int) -> list[dict[str, Any]]:
    return [{"name": f"t{i}", "passed": i < passed} for i in range(count)]


@pytest.fixture
async def page(browser: Any, server: TestServer) -> Any:
    page = await browser.new_page()
    await page.goto(f"{base_url(server)}/")
    return page


RESULTS = (
    (
        {
            "status": "ok",
            "exitCode": 0,
            "wallSeconds": 0.5,
            "passed": 0,
            "total": 6,
            "tests": ran(0, 6),
        },
        "failed",
        "Failed in 0.50 s; 0 of 6 tests passed",
    ),
    (
        {
            "status": "ok",
            "exitCode": 0,
            "wallSeconds": 0.5,
            "passed": 6,
            "total": 6,
            "tests": ran(6, 6),
        },
        "passed",
        "Passed: all 6 tests passed in 0.50 s",
    ),
    (
        {
            "status": "timeout",
            "exitCode": -9,
            "wallSeconds": 10.2,
            "passed": 0,
            "total": 6,
            "tests": [],
            "limitSeconds": 10,
        },
        "stopped",
        "Stopped after the 10 s limit; no test ran",
    ),
    (
        {
            "status": "timeout",
            "exitCode": None,
            "wallSeconds": 10.2,
            "passed": 2,
            "total": 6,
            "tests": ran(2, 3),
            "limitSeconds": 10,
        },
        "stopped",
        "Stopped after the 10 s limit; 2 of 6 tests passed (3 ran before it)",
    ),
    (
        {
            "status": "error",
            "exitCode": 1,
            "wallSeconds": 0.1,
            "passed": 0,
            "total": 6,
            "tests": [],
        },
        "failed",
        "Failed: error, exit code 1 in 0.10 s; no test ran",
    ),
    (
        {
            "status": "ok",
            "exitCode": 0,
            "wallSeconds": 0.1,
            "passed": None,
            "total": None,
            "tests": None,
        },
        "passed",
        "Finished: exit code 0 in 0.10 s",
    ),
)
VALUES = (
    (None, "python", "None"),
    ([True, False, None], "python", "[True, False, None]"),
    ({"a": "it's"}, "python", "{'a': \"it's\"}"),
    ("a\nb", "python", "'a\\nb'"),
    (None, "javascript", "null"),
    ({"a": [1, 2.5]}, "javascript", '{"a":[1,2.5]}'),
)


async def test_run_results_read_as_what_happened_and_values_in_the_runs_language(page: Any):
    # One page for every case: a browser per case would cost seconds each.
    for result, verdict, text in RESULTS:
        assert await page.evaluate(SUMMARY, result) == {"verdict": verdict, "text": text}
    for value, language, shown in VALUES:
        assert await page.evaluate(NOTATION, [value, language]) == shown
