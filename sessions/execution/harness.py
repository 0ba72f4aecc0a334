"""The files of a job: the candidate's source, the harness and what the harness must do.

Without a problem the source runs as a plain program. With a problem, the language's
harness builder (registered in :mod:`.harnesses`, one module per language or family) makes
the job from the helpers here:

- a function-style problem (``tests`` a list of input/expected pairs): :func:`call_plan`
  gives the function's name in the language (from the ``signature``, derived in one place:
  :mod:`sessions.interview.signature`), the tests' inputs, and the calls the server judges
  the harness's reports by; :func:`function_job` writes ``job.json``
  (``{"mode": "calls", "entry": "Solution.twoSum", "function": "twoSum", "signature":
  ..., "inputs": [[args...], ...]}``);
- a design problem (per-language test files): :func:`test_names` finds the test functions
  in the file's text, :func:`tests_job` writes ``job.json`` (``{"mode": "tests", "names":
  [...], "module": ...}``).

The harness runs as ``<run command> <results fd> <src folder>``. Each test's result is one
JSON line on that descriptor, never on stdout, so nothing the candidate prints can pass for
a result: ``{"call": {"index": i, "actual": value, "error": null}}`` for a call (the server
compares, :mod:`.judge`), ``{"test": {"name", "passed", "error", ...}}`` for a test
function, ``{"total": n}`` when the harness counts the tests itself, ``{"memory": true}``
when an allocation failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sessions.execution.judge import Call, calls_of
from sessions.execution.spec import JAVASCRIPT, PYTHON, LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Signature

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
    calls: tuple[Call, ...] = ()
    """A function-style job's tests, as the server judges the harness's reports."""


Builder = Callable[[LanguageSpec, str, Problem], "Job | None"]
"""A language's harness: the job for the candidate's code and a problem, or None when the
problem has nothing for that language (the code then runs as a plain program)."""


def entry_point(problem: Problem, language: str) -> str | None:
    """The problem's entry function for ``language``: the one name, or that language's."""
    entry = problem.entry_point
    if isinstance(entry, Mapping):
        return entry.get(language)
    return entry


@dataclass(frozen=True, slots=True)
class CallPlan:
    """A function-style problem as one language's harness needs it."""

    function: str
    """The function's name in the language (derived from the signature when there is one)."""
    entry: str
    """The problem's ``entryPoint`` for the language (``Solution.twoSum``), or ``function``."""
    signature: Signature | None
    inputs: list[list[Any]]
    calls: tuple[Call, ...]


def call_plan(problem: Problem, language: str) -> CallPlan | None:
    """The calls of ``problem`` in ``language``; None when its tests are not input/expected
    pairs or it names no function for the language."""
    tests: Any = problem.tests
    if not isinstance(tests, list):
        return None
    entry = entry_point(problem, language)
    if problem.signature is not None:
        function = problem.signature.name_for(language)
        entry = entry or function
    elif entry is not None:
        function = entry
    else:
        return None
    inputs = [case["input"] for case in tests]
    return CallPlan(function, entry, problem.signature, inputs, calls_of(function, tests))


def test_file(problem: Problem, language: str) -> str | None:
    """The text of ``problem``'s test file for ``language``, or None."""
    tests: Any = problem.tests
    if isinstance(tests, Mapping) and isinstance(tests.get(language), str):
        return str(tests[language])
    return None


def test_names(text: str, pattern: re.Pattern[str]) -> list[str]:
    """The test functions' names in ``text`` (``pattern``'s first group), once each, in order."""
    names: list[str] = []
    for match in pattern.finditer(text):
        if match[1] not in names:
            names.append(match[1])
    return names


def function_job(
    files: dict[str, str],
    plan: CallPlan,
    *,
    script: str,
    main: str = "",
    sources: tuple[str, ...] = (),
    candidate: str = "",
) -> Job:
    """A harnessed job that calls ``plan``'s function with each input (``files`` holds the
    candidate's file and the harness; ``job.json`` is added)."""
    job: dict[str, Any] = {
        "mode": "calls",
        "entry": plan.entry,
        "function": plan.function,
        "inputs": plan.inputs,
    }
    if plan.signature is not None:
        job["signature"] = plan.signature.to_json()
    files = {**files, JOB_FILE: json.dumps(job)}
    return Job(
        files,
        script,
        harnessed=True,
        total=len(plan.inputs),
        main=main,
        sources=sources,
        candidate=candidate,
        calls=plan.calls,
    )


def tests_job(
    files: dict[str, str],
    names: list[str] | None,
    *,
    script: str,
    main: str = "",
    sources: tuple[str, ...] = (),
    candidate: str = "",
    module: str = TEST_MODULE,
) -> Job:
    """A harnessed job that runs test functions: ``names`` (None: the harness finds them and
    reports ``{"total": n}`` itself)."""
    job: dict[str, Any] = {"mode": "tests", "module": module, "names": names}
    return Job(
        {**files, JOB_FILE: json.dumps(job)},
        script,
        harnessed=True,
        total=len(names) if names is not None else None,
        main=main,
        sources=sources,
        candidate=candidate,
    )


def plain_job(spec: LanguageSpec, code: str) -> Job:
    """``code`` as a whole program."""
    if spec in (PYTHON, JAVASCRIPT):
        return Job({spec.source_name: code}, spec.source_name, harnessed=False, total=None)
    if spec.id == "sql":
        from sessions.execution import harness_sql

        return harness_sql.plain(spec, code)
    from sessions.execution.jobs import plain_job as compiled_plain

    return compiled_plain(spec, code)


def build_job(spec: LanguageSpec, code: str, problem: Problem | None) -> Job:
    """The job for ``code`` in ``spec``'s language, with ``problem``'s tests when its harness
    has some for that language (otherwise the code runs as a plain program)."""
    if problem is None:
        return plain_job(spec, code)
    from sessions.execution.harnesses import BUILDERS

    builder = BUILDERS.get(spec.id)
    job = builder(spec, code, problem) if builder is not None else None
    return job if job is not None else plain_job(spec, code)


def harness_args(job: Job, results_fd: int, src: str) -> list[str]:
    """What follows the script on the interpreter's command line."""
    return [str(results_fd), src] if job.harnessed else []
