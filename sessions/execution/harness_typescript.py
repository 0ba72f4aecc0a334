"""The TypeScript job: the files are transpiled to CommonJS (``tsc.js``, :mod:`.jobs`), then
the JavaScript harness (:mod:`.harness_javascript`) runs on the output, next to them."""

from __future__ import annotations

from sessions.execution import harness_javascript
from sessions.execution.harness import (
    TEST_MODULE,
    Job,
    call_plan,
    function_job,
    test_file,
    tests_job,
)
from sessions.execution.jobs import TSC_SCRIPT, TSC_SOURCE
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem

HARNESS = "harness.js"


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """Calls of the entry function, or a ``node:test`` file's cases, after transpiling."""
    files = {HARNESS: harness_javascript.SOURCE, TSC_SCRIPT: TSC_SOURCE}
    plan = call_plan(problem, spec.id)
    if plan is not None:
        files[spec.source_name] = code + harness_javascript.export_footer(plan.entry)
        return function_job(files, plan, script=HARNESS, main=HARNESS, candidate=spec.source_name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    files[spec.source_name] = code
    files[TEST_MODULE + ".ts"] = text
    return tests_job(files, None, script=HARNESS, main=HARNESS, candidate=spec.source_name)
