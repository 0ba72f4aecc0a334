"""The JavaScript harness, as source text run by node inside the sandbox (see :mod:`.harness`).

It loads the candidate's ``solution.js`` (exports, or top-level declarations the harness
appends an export for), then calls the entry function with each test's input and reports
what it returned (the server compares, :mod:`.judge`), or runs the ``test(...)`` cases of a
``node:test`` file through a stand-in for ``node:test``, and writes one JSON line per test
to the results descriptor named on its command line. TypeScript runs the same harness on
the transpiled files.
"""

from sessions.execution.harness import (
    TEST_MODULE,
    Job,
    call_plan,
    function_job,
    test_file,
    tests_job,
)
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem

SOURCE = r"""
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");

const RESULTS = Number(process.argv[2]);
const SRC = __dirname; // the folder holding solution.js and job.json (out/ for TypeScript)
const LIMIT = 2000;

function emit(record) {
  fs.writeSync(RESULTS, JSON.stringify(record) + "\n");
}

function failure(err) {
  if (err instanceof Error) {
    const text = `${err.name}: ${err.message}`;
    return text.slice(0, LIMIT);
  }
  return `thrown: ${String(err)}`.slice(0, LIMIT);
}

function isMemory(err) {
  const memory = /allocation failed|Invalid array length|Invalid typed array length/;
  return err instanceof RangeError && memory.test(err.message);
}

function resolve(mod, entry) {
  let target = mod;
  const parts = entry.split(".");
  parts.forEach((part, i) => {
    target = target[part];
    const isClass = typeof target === "function" &&
      /^class\b/.test(Function.prototype.toString.call(target));
    if (isClass && i < parts.length - 1) {
      target = new target();
    }
  });
  if (typeof target !== "function") throw new TypeError(`no function '${entry}' in the code`);
  return target;
}

async function runCalls(job) {
  let fn = null;
  let problem = null;
  try {
    fn = resolve(require(path.join(SRC, "solution.js")), job.entry);
  } catch (err) {
    if (err instanceof TypeError && /^no function/.test(err.message)) problem = err.message;
    else throw err;
  }
  for (const [index, input] of job.inputs.entries()) {
    const record = { index, actual: null, error: null };
    if (fn === null) {
      record.error = problem;
      emit({ call: record });
      continue;
    }
    try {
      const actual = await fn(...structuredClone(input));
      record.actual = JSON.parse(JSON.stringify(actual === undefined ? null : actual) ?? "null");
    } catch (err) {
      if (isMemory(err)) emit({ memory: true });
      record.error = failure(err);
    }
    emit({ call: record });
  }
}

async function runTests(job) {
  const cases = [];
  const test = (name, options, fn) => {
    cases.push([String(name), typeof options === "function" ? options : fn]);
  };
  test.test = test;
  test.it = test;
  test.describe = (name, fn) => fn();
  test.default = test;
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "node:test" || request === "test") return test;
    return load.call(this, request, ...rest);
  };
  require(path.join(SRC, job.module + ".js"));
  emit({ total: cases.length });
  for (const [name, fn] of cases) {
    const record = { name, passed: false, expected: null, actual: null, error: null };
    try {
      await fn({ name });
      record.passed = true;
    } catch (err) {
      if (isMemory(err)) emit({ memory: true });
      record.error = failure(err);
    }
    emit({ test: record });
  }
}

const job = JSON.parse(fs.readFileSync(path.join(SRC, "job.json"), "utf8"));
(job.mode === "calls" ? runCalls(job) : runTests(job)).then(
  () => process.exit(0),
  (err) => {
    if (isMemory(err)) emit({ memory: true });
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);
"""


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The JavaScript job: calls of the entry function, or a ``node:test`` file's cases."""
    plan = call_plan(problem, spec.id)
    files = {spec.harness_name: SOURCE}
    if plan is not None:
        files[spec.source_name] = code + export_footer(plan.entry)
        return function_job(files, plan, script=spec.harness_name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    files[spec.source_name] = code
    files[TEST_MODULE + ".js"] = text
    return tests_job(files, None, script=spec.harness_name)


def export_footer(entry: str) -> str:
    # Appended on a line of its own (line numbers are unchanged): a solution that declares
    # the function but forgot ``module.exports`` still gets called.
    name = entry.split(".")[0]
    return (
        f'\n;try {{ if (typeof module.exports.{name} === "undefined" && '
        f'typeof {name} !== "undefined") module.exports.{name} = {name}; }} catch (e) {{}}\n'
    )
