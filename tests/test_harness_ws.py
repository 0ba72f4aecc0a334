"""A problem's tests in each harnessed language, over the real socket: the tests that should
pass pass, a failing one is reported failed with what was expected and what came back.

One run per language (the JVM compilers are slow): a binary search with an off-by-one bug
that never looks at the last element fails exactly the two tests whose answer is there.
SQL: the reference query passes, a wrong one fails with both tables, and the result table is
shown in the run's output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.interview.signature import function_name
from sessions.web.app import create_app
from tests.helpers import Json, create_session, join
from tests.test_languages_ws import Client, receive, runnable, stdout

pytestmark = pytest.mark.timeout(300)
SOLUTIONS = Path(__file__).parent / "solutions"
MISSES_THE_LAST: dict[str, str] = {
    "typescript": (
        "export function search(nums: number[], target: number): number {\n"
        "  for (let i = 0; i < nums.length - 1; i++) if (nums[i] === target) return i;\n"
        "  return -1;\n}\n"
    ),
    "java": (
        "class Solution {\n    public int search(int[] nums, int target) {\n"
        "        for (int i = 0; i < nums.length - 1; i++) if (nums[i] == target) return i;\n"
        "        return -1;\n    }\n}\n"
    ),
    "csharp": (
        "public class Solution\n{\n    public int Search(int[] nums, int target)\n    {\n"
        "        for (int i = 0; i < nums.Length - 1; i++) if (nums[i] == target) return i;\n"
        "        return -1;\n    }\n}\n"
    ),
    "kotlin": (
        "fun search(nums: IntArray, target: Int): Int {\n"
        "    for (i in 0 until nums.size - 1) if (nums[i] == target) return i\n"
        "    return -1\n}\n"
    ),
    "scala": (
        "object Solution {\n  def search(nums: Array[Int], target: Int): Int =\n"
        "    (0 until nums.length - 1).find(nums(_) == target).getOrElse(-1)\n}\n"
    ),
}
FAILED = [("([5], 5)", 0), ("([1, 3, 5, 7, 9, 11], 11)", 5)]


@pytest.fixture
async def runner(aiohttp_client: AiohttpClient, clock: FakeClock) -> Client:
    # Kotlin's and Scala's compilers take tens of seconds on a loaded machine: room for them.
    config = Config(
        enable_exec=True,
        exec_timeout_seconds=30.0,
        exec_cpu_seconds=30,
        exec_compile_timeout_seconds=240.0,
        exec_compile_cpu_seconds=240,
        exec_max_concurrent=2,
    )
    return await aiohttp_client(create_app(config, clock=clock))


async def run_problem(
    client: Client, language: str, slug: str, code: str
) -> tuple[Json, list[Json]]:
    await runnable(client, language)
    session = await create_session(client, language=language, problem=slug)
    ws, _ = await join(client, session, "Cara")
    await ws.send_json({"type": "code-change", "code": code})  # over the starter code
    await ws.send_json({"type": "run-code"})
    seen: list[Json] = []
    while True:
        frame = await receive(ws)
        if frame["type"] == "run-result":
            await ws.close()
            return frame, seen
        seen.append(frame)


def failed(result: Json) -> list[dict[str, Any]]:
    return [test for test in result["tests"] if not test["passed"]]


@pytest.mark.parametrize("language", sorted(MISSES_THE_LAST))
async def test_the_passing_tests_pass_and_a_failing_one_says_expected_and_got(
    runner: Client, language: str
):
    result, frames = await run_problem(runner, language, "binary-search", MISSES_THE_LAST[language])
    assert result["status"] == "ok", frames
    assert (result["passed"], result["total"]) == (5, 7)
    name = function_name("search", language)  # the test's name is the call in the language
    assert failed(result) == [
        {"name": name + args, "passed": False, "expected": want, "actual": -1, "error": None}
        for args, want in FAILED
    ]


async def test_a_correct_sql_query_passes_and_its_table_is_shown(runner: Client):
    code = (SOLUTIONS / "department-payroll" / "sql.sql").read_text(encoding="utf-8")
    result, frames = await run_problem(runner, "sql", "department-payroll", code)
    assert result["status"] == "ok", frames
    assert (result["passed"], result["total"]) == (1, 1)
    assert stdout(frames) == (
        "department  | headcount | payroll\n"
        "------------+-----------+--------\n"
        "Engineering | 2         | 330000\n"
        "Sales       | 3         | 270000\n"
        "Marketing   | 1         | 70000\n"
        "Support     | 1         | 70000\n"
        "Research    | 0         | 0\n"
        "(5 rows)\n\n"
    )


async def test_an_sql_result_in_another_order_passes_only_when_order_does_not_matter(
    runner: Client,
):
    reversed_order = (
        "SELECT e.name, m.name FROM employees e JOIN employees m ON e.manager_id = m.id\n"
        "WHERE e.salary > m.salary ORDER BY e.name DESC;\n"
    )
    unordered, _ = await run_problem(runner, "sql", "employees-above-manager", reversed_order)
    assert (unordered["passed"], unordered["total"]) == (1, 1)
    payroll = "SELECT d.name, 0, 0 FROM departments d ORDER BY d.name;"
    ordered, _ = await run_problem(runner, "sql", "department-payroll", payroll)
    assert failed(ordered) == [
        {
            "name": "the rows of the last statement",
            "passed": False,
            "expected": [
                ["Engineering", 2, 330000],
                ["Sales", 3, 270000],
                ["Marketing", 1, 70000],
                ["Support", 1, 70000],
                ["Research", 0, 0],
            ],
            "actual": [
                ["Engineering", 0, 0],
                ["Marketing", 0, 0],
                ["Research", 0, 0],
                ["Sales", 0, 0],
                ["Support", 0, 0],
            ],
            "error": None,
        }
    ]


async def test_an_sql_error_fails_the_test_with_sqlites_message(runner: Client):
    result, _ = await run_problem(runner, "sql", "employees-above-manager", "SELECT * FROM nope;")
    assert result["status"] == "ok"
    assert failed(result)[0]["error"] == "OperationalError: no such table: nope"


NEVER_EVICTS: dict[str, str] = {
    "java": (
        "import java.util.HashMap;\n\nclass LRUCache {\n"
        "    private final HashMap<Integer, Integer> items = new HashMap<>();\n"
        "    public LRUCache(int capacity) {}\n"
        "    public int get(int key) { return items.getOrDefault(key, -1); }\n"
        "    public void put(int key, int value) { items.put(key, value); }\n}\n"
    ),
    "csharp": (
        "using System.Collections.Generic;\n\npublic class LRUCache\n{\n"
        "    private readonly Dictionary<int, int> items = new Dictionary<int, int>();\n"
        "    public LRUCache(int capacity) {}\n"
        "    public int Get(int key) { int v; return items.TryGetValue(key, out v) ? v : -1; }\n"
        "    public void Put(int key, int value) { items[key] = value; }\n}\n"
    ),
    "kotlin": (
        "class LRUCache(capacity: Int) {\n    private val items = HashMap<Int, Int>()\n"
        "    fun get(key: Int): Int = items[key] ?: -1\n"
        "    fun put(key: Int, value: Int) { items[key] = value }\n}\n"
    ),
    "scala": (
        "class LRUCache(capacity: Int) {\n"
        "  private val items = scala.collection.mutable.HashMap[Int, Int]()\n"
        "  def get(key: Int): Int = items.getOrElse(key, -1)\n"
        "  def put(key: Int, value: Int): Unit = items(key) = value\n}\n"
    ),
    "typescript": (
        "export class LRUCache {\n  private items = new Map<number, number>();\n"
        "  constructor(capacity: number) {}\n"
        "  get(key: number): number { return this.items.get(key) ?? -1; }\n"
        "  put(key: number, value: number): void { this.items.set(key, value); }\n}\n"
    ),
}


@pytest.mark.parametrize("language", sorted(NEVER_EVICTS))
async def test_a_design_problems_failing_checks_are_reported_with_their_message(
    runner: Client, language: str
):
    result, frames = await run_problem(runner, language, "lru-cache", NEVER_EVICTS[language])
    assert result["status"] == "ok", frames
    assert (result["passed"], result["total"]) == (2, 6)
    passed = [t["name"].lower().replace(" ", "") for t in result["tests"] if t["passed"]]
    assert len(passed) == 2 and all("getreturns" in name for name in passed)
    for test in failed(result):
        if language == "typescript":  # node:assert's own words
            assert test["error"].startswith("AssertionError: Expected values to be strictly")
        else:
            assert test["error"].startswith("expected -1 but got "), test
