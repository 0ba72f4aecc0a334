"""The harnesses of C, C++, Go, Rust, Ruby, PHP and shell, without running them: which job a
problem gives, the test functions found in a test file, the shell's quoting of arguments."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from sessions.execution.harness import build_job
from sessions.execution.harness import test_names as find_tests
from sessions.execution.harness_native import TEST_NAMES, TESTS_FILE
from sessions.execution.harness_scripting import CALLS_FILE, shell_calls
from sessions.execution.toolchains import DECLARED
from sessions.interview.problems import Problem, load_bank, parse_problem
from sessions.interview.signature import Signature

NATIVE = ("c", "cpp", "go", "rust")


@pytest.mark.parametrize("language", NATIVE)
def test_a_function_style_job_compiles_the_generated_main_with_one_input_per_line(language: str):
    spec = DECLARED[language]
    problem = load_bank().get("two-sum")
    job = build_job(spec, "// the candidate's code\n", problem)
    assert job.harnessed and job.total == 6 and len(job.calls) == 6
    assert job.files[spec.source_name] == "// the candidate's code\n"
    assert (job.script, job.candidate) == (spec.harness_name, spec.source_name)
    lines = job.files[TESTS_FILE].splitlines()
    assert [json.loads(line) for line in lines] == [t["input"] for t in problem.tests]
    expected_sources = ("main.go", "solution.go") if language == "go" else (spec.harness_name,)
    assert sorted(job.sources) == sorted(expected_sources)
    name = problem.signature.name_for(language) if problem.signature else ""
    assert f"{name}(" in job.files[spec.harness_name]


@pytest.mark.parametrize("language", (*NATIVE, "ruby", "php", "shell"))
def test_a_design_problem_runs_the_test_functions_found_in_its_test_file(language: str):
    problem = load_bank().get("lru-cache")
    job = build_job(DECLARED[language], "", problem)
    assert job.harnessed and job.total == 6
    assert json.loads(job.files["job.json"])["names"][0].lower().replace("_", "") == (
        "testgetreturnsminusoneforamissingkey"
    )


def test_test_functions_are_found_by_name_once_each_in_order():
    c_file = "void helper(void) {}\nvoid test_b(void) {\n}\nvoid test_a() {}\nvoid test_b(void);\n"
    assert find_tests(c_file, TEST_NAMES["c"]) == ["test_b", "test_a"]
    go_file = "package main\n\nfunc testX() {\n}\nfunc (c *C) testY() {}\nfunc helper() {}\n"
    assert find_tests(go_file, TEST_NAMES["go"]) == ["testX"]
    rust_file = "fn test_one() {\n}\n    fn test_two() { }\nfn test_args(x: i32) {}\n"
    assert find_tests(rust_file, TEST_NAMES["rust"]) == ["test_one", "test_two"]


def _problem(signature: Any, tests: Any) -> Problem:
    starter = {"python": "", "javascript": ""}
    data = {"slug": "counts", "title": "Counts", "difficulty": "easy", "tags": ["maps"],
            "description": "d", "starterCode": starter, "tests": tests,
            "signature": signature}  # fmt: skip
    return parse_problem(data, "counts.json")


def test_a_problem_with_a_map_has_no_c_version_and_runs_the_code_as_a_program():
    signature = {"function": "counts", "params": [{"name": "words", "type": "map<string,int>"}],
                 "returns": "string[]"}  # fmt: skip
    tests = [{"input": [{"a": n}], "expected": ["a"] * n} for n in (1, 2, 3)]
    problem = _problem(signature, tests)
    assert isinstance(problem.signature, Signature)
    c_job = build_job(DECLARED["c"], "int main(void) { return 0; }\n", problem)
    assert (c_job.harnessed, c_job.files.get(TESTS_FILE)) == (False, None)
    cpp_job = build_job(DECLARED["cpp"], "", problem)
    assert "std::map<std::string, int> p0{}" in cpp_job.files["main.cpp"]


def test_shell_arguments_reach_the_function_as_their_exact_json_text(tmp_path):
    inputs: list[list[Any]] = [['it\'s "quoted" $HOME `x` \\n', [1, 2]], [{"k": "v w"}, -3]]
    (tmp_path / "calls.sh").write_text(
        'hx_call() { printf "%s|" "$@"; echo; }\n' + shell_calls("f", inputs)
    )
    done = subprocess.run(
        ["/usr/bin/bash", str(tmp_path / CALLS_FILE)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == [
        '0|"it\'s \\"quoted\\" $HOME `x` \\\\n"|[1,2]|',
        '1|{"k":"v w"}|-3|',
    ]
