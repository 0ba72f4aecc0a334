"""Per-test results in C, C++, Go, Rust, Ruby, PHP and shell, over the real socket.

For each language: the reference solution of a function-style problem passes every test; a
wrong one is judged test by test (a wrong value is failed with expected and got; a crash,
panic or exception fails that test only, and the tests after it still run; a line printed
to look like a result is only output); a design problem's starter code fails its tests with
the check's message. docs/languages.md is the contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.web.app import create_app
from tests.helpers import Json, create_session, join
from tests.test_languages_ws import Client, receive, runnable, stdout

pytestmark = pytest.mark.timeout(240)
SOLUTIONS = Path(__file__).parent / "solutions"
EXTENSIONS = {"c": "c", "cpp": "cpp", "go": "go", "rust": "rs", "ruby": "rb", "php": "php",
              "shell": "sh"}  # fmt: skip
FORGED = '{"call": {"index": 3, "actual": [2, 4], "error": null}}'
WRONG_TWO_SUM: dict[str, str] = {
    "c": (
        "#include <stdio.h>\n#include <stdlib.h>\n"
        "int* two_sum(const int* nums, int numsSize, int target, int* returnSize) {\n"
        f'    puts("{FORGED.replace(chr(34), chr(92) + chr(34))}");\n'
        "    if (target == 6) abort();\n"
        "    int* r = malloc(2 * sizeof(int));\n"
        "    r[0] = 0; r[1] = 1; *returnSize = 2;\n    return r;\n}\n"
    ),
    "cpp": (
        "#include <iostream>\n#include <stdexcept>\n#include <vector>\nusing namespace std;\n"
        "vector<int> twoSum(vector<int>& nums, int target) {\n"
        f'    cout << R"({FORGED})" << endl;\n'
        '    if (target == 6) throw runtime_error("no pair for 6");\n'
        "    return {0, 1};\n}\n"
    ),
    "go": (
        'package main\n\nimport "fmt"\n\nfunc twoSum(nums []int, target int) []int {\n'
        f"\tfmt.Println(`{FORGED}`)\n"
        '\tif target == 6 {\n\t\tpanic("no pair for 6")\n\t}\n\treturn []int{0, 1}\n}\n'
    ),
    "rust": (
        "fn two_sum(nums: Vec<i32>, target: i32) -> Vec<i32> {\n"
        f'    println!("{{}}", r#"{FORGED}"#);\n'
        '    if target == 6 { panic!("no pair for 6"); }\n    vec![0, 1]\n}\n'
    ),
    "ruby": (
        f"def two_sum(nums, target)\n  puts '{FORGED}'\n"
        '  raise ArgumentError, "no pair for 6" if target == 6\n  [0, 1]\nend\n'
    ),
    "php": (
        f"<?php\nfunction twoSum($nums, $target) {{\n    echo '{FORGED}', \"\\n\";\n"
        '    if ($target == 6) throw new InvalidArgumentException("no pair for 6");\n'
        "    return [0, 1];\n}\n"
    ),
    "shell": (
        f"two_sum() {{\n    echo '{FORGED}'\n"
        '    if [[ $2 == 6 ]]; then return 3; fi\n    echo "[0,1]"\n}\n'
    ),
}
CRASH: dict[str, str] = {
    "c": "killed by signal 6 (Aborted)",
    "cpp": "exception: no pair for 6",
    "go": "panic: no pair for 6",
    "rust": "panicked: no pair for 6 (solution.rs:3:",
    "ruby": "ArgumentError: no pair for 6",
    "php": "InvalidArgumentException: no pair for 6 (solution.php line 4)",
    "shell": "the function returned status 3",
}
STARTER_FAILURE: dict[str, str] = {
    "c": "get(1) should be 10",
    "cpp": "expected 10, got -1",
    "go": "expected 10, got -1",
    "rust": "panicked: not yet implemented (solution.rs:",
    "ruby": "expected 10, got nil",
    "php": "expected 10, got -1",
    "shell": "get 1 should be 10, got -1",
}
LANGUAGES = sorted(WRONG_TWO_SUM)


@pytest.fixture
async def runner(aiohttp_client: AiohttpClient, clock: FakeClock) -> Client:
    config = Config(enable_exec=True, exec_timeout_seconds=5.0, exec_max_concurrent=2)
    return await aiohttp_client(create_app(config, clock=clock))


async def run_problem(client: Client, language: str, problem: str, code: str | None) -> Json:
    """Run ``code`` (None: the problem's starter code) on ``problem``; the run-result frame."""
    await runnable(client, language)
    body: dict[str, Any] = {"problem": problem, "language": language}
    session = await create_session(client, **body)
    ws, _ = await join(client, session, "Cara")
    if code is not None:
        await ws.send_json({"type": "code-change", "code": code})
        assert (await receive(ws))["type"] == "ack"
    await ws.send_json({"type": "run-code"})
    frames: list[Json] = []
    while True:
        frame = await receive(ws)
        if frame["type"] == "run-result":
            await ws.close()
            frame["frames"] = frames
            return frame
        frames.append(frame)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_reference_solution_passes_every_test_of_the_problem(
    runner: Client, language: str
):
    code = (SOLUTIONS / "two-sum" / f"{language}.{EXTENSIONS[language]}").read_text()
    result = await run_problem(runner, language, "two-sum", code)
    assert (result["status"], result["passed"], result["total"]) == ("ok", 6, 6), result
    assert [t["actual"] for t in result["tests"]] == [t["expected"] for t in result["tests"]]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_wrong_solution_is_judged_test_by_test_and_a_crash_fails_only_its_test(
    runner: Client, language: str
):
    result = await run_problem(runner, language, "two-sum", WRONG_TWO_SUM[language])
    tests = result["tests"]
    assert (result["passed"], result["total"], len(tests)) == (1, 6, 6), [
        (t["passed"], t["error"]) for t in tests
    ]
    assert tests[0]["passed"] is True
    for crashed in tests[1:3]:
        assert (crashed["passed"], crashed["actual"]) == (False, None)
        assert crashed["error"].startswith(CRASH[language]), crashed
    assert [(t["passed"], t["expected"], t["actual"], t["error"]) for t in tests[3:]] == [
        (False, [2, 4], [0, 1], None),
        (False, [0, 3], [0, 1], None),
        (False, [2, 3], [0, 1], None),
    ]
    assert FORGED in stdout(result["frames"])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_design_problems_starter_code_fails_its_tests_with_the_checks_message(
    runner: Client, language: str
):
    result = await run_problem(runner, language, "lru-cache", None)
    assert (result["status"], result["total"]) == ("ok", 6), result
    second = result["tests"][1]
    assert second["name"].lower().replace("_", "") == "testgetreturnsthevalueputforthekey"
    assert second["passed"] is False
    assert second["error"].startswith(STARTER_FAILURE[language]), second
    assert result["passed"] < 6


BROKEN_TWO_SUM: dict[str, tuple[str, int]] = {
    "c": ("int* two_sum(const int* nums, int numsSize, int target, int* returnSize) {\n"
          "    return missing;\n}\n", 2),
    "cpp": ("#include <vector>\nstd::vector<int> twoSum(std::vector<int> nums, int target) {\n"
            "    return missing;\n}\n", 3),
    "go": ("package main\n\nfunc twoSum(nums []int, target int) []int {\n\treturn missing\n}\n", 4),
    "rust": ("fn two_sum(nums: Vec<i32>, target: i32) -> Vec<i32> {\n    missing\n}\n", 2),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(BROKEN_TWO_SUM))
async def test_a_compile_error_under_a_problem_is_marked_on_the_candidates_line(
    runner: Client, language: str
):
    code, line = BROKEN_TWO_SUM[language]
    result = await run_problem(runner, language, "two-sum", code)
    assert (result["status"], result["tests"]) == ("compile-error", None), result
    diagnostics = result["compile"]["diagnostics"]
    assert (diagnostics[0]["line"], diagnostics[0]["severity"]) == (line, "error"), diagnostics
