"""The files of a job: the candidate's source, the harness and what the harness must do.

Without a problem the source runs as a plain program. With a problem whose tests are
input/expected pairs, the harness calls the entry function (``entryPoint``: one name, or one
per language) with each test's input; with per-language test files (pytest-style functions,
``node:test`` cases), it runs each test in the file. Either way each test's result is one
JSON line on a descriptor of its own, never on stdout, so nothing the candidate prints can
pass for a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions.execution import harness_javascript, harness_python
from sessions.execution.spec import JAVASCRIPT, PYTHON, LanguageSpec
from sessions.interview.problems import Problem

HARNESS_SOURCES: dict[str, str] = {
    PYTHON.id: harness_python.SOURCE,
    JAVASCRIPT.id: harness_javascript.SOURCE,
}
TEST_MODULE = "test_solution"
JOB_FILE = "job.json"


@dataclass(frozen=True, slots=True)
class Job:
    """What to write into the job's source folder, and which file the interpreter runs.

    ``total``: the number of tests known before the run (None without a problem, or when
    the harness counts the tests of a test file itself).
    """

    files: dict[str, str]
    script: str
    harnessed: bool
    total: int | None
    main: str = ""
    """The class or file the run phase starts (``{main}`` in a command template)."""
    sources: tuple[str, ...] = ()
    """The files the compile phase compiles (``{sources}``); empty: every file written."""
    candidate: str = ""
    """The file holding the candidate's code as typed (compiler messages are mapped to it)."""


def entry_point(problem: Problem, language: str) -> str | None:
    """The problem's entry function for ``language``: the one name, or that language's."""
    entry = problem.entry_point
    if isinstance(entry, Mapping):
        return entry.get(language)
    return entry


def _export_footer(entry: str) -> str:
    # Appended on a line of its own (line numbers are unchanged): a solution that declares
    # the function but forgot ``module.exports`` still gets called.
    name = entry.split(".")[0]
    return (
        f'\n;try {{ if (typeof module.exports.{name} === "undefined" && '
        f'typeof {name} !== "undefined") module.exports.{name} = {name}; }} catch (e) {{}}\n'
    )


def build_job(spec: LanguageSpec, code: str, problem: Problem | None) -> Job:
    """The job for ``code`` in ``spec``'s language, with ``problem``'s tests when it has some
    for that language (a problem without them runs the code as a plain program)."""
    plain = Job({spec.source_name: code}, spec.source_name, harnessed=False, total=None)
    if spec.id not in HARNESS_SOURCES:
        from sessions.execution.jobs import plain_job

        return plain_job(spec, code)
    if problem is None:
        return plain
    tests: Any = problem.tests
    job: dict[str, Any]
    files: dict[str, str] = {}
    total: int | None
    if isinstance(tests, list):
        entry = entry_point(problem, spec.id)
        if entry is None:
            return plain
        job = {"mode": "calls", "entry": entry, "tests": tests}
        total = len(tests)
        if spec is JAVASCRIPT:
            code += _export_footer(entry)
    elif isinstance(tests, Mapping) and isinstance(tests.get(spec.id), str):
        job = {"mode": "tests", "module": TEST_MODULE}
        files[TEST_MODULE + _suffix(spec)] = tests[spec.id]
        total = None
    else:
        return plain
    files[spec.source_name] = code
    files[spec.harness_name] = HARNESS_SOURCES[spec.id]
    files[JOB_FILE] = json.dumps(job)
    return Job(files, spec.harness_name, harnessed=True, total=total)


def _suffix(spec: LanguageSpec) -> str:
    return "." + spec.source_name.rsplit(".", 1)[1]


def harness_args(job: Job, results_fd: int, src: str) -> list[str]:
    """What follows the script on the interpreter's command line."""
    return [str(results_fd), src] if job.harnessed else []
