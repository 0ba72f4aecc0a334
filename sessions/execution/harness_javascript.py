"""The JavaScript harness, as source text run by node inside the sandbox (see :mod:`.harness`).

It loads the candidate's ``solution.js`` (exports, or top-level declarations the harness
appends an export for), then calls the entry function with each test's input, or runs the
``test(...)`` cases of a ``node:test`` file through a stand-in for ``node:test``, and writes
one JSON line per test to the results descriptor named on its command line.
"""

SOURCE = r"""
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");

const RESULTS = Number(process.argv[2]);
const SRC = process.argv[3];
const LIMIT = 2000;

function emit(record) {
  fs.writeSync(RESULTS, JSON.stringify(record) + "\n");
}

function shown(value) {
  let text;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (err) {
    return String(value).slice(0, LIMIT);
  }
  if (text === undefined) return String(value).slice(0, LIMIT);
  return text.length > LIMIT ? text.slice(0, LIMIT) + "..." : JSON.parse(text);
}

function same(actual, expected) {
  if (typeof actual === "number" && typeof expected === "number") {
    const scale = Math.max(1, Math.abs(expected));
    return actual === expected || Math.abs(actual - expected) <= 1e-9 * scale;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((item, i) => same(actual[i], item));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const keys = Object.keys(expected);
    if (keys.length !== Object.keys(actual).length) return false;
    return keys.every((k) => same(actual[k], expected[k]));
  }
  return actual === expected;
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

function literal(value) {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const items = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${literal(v)}`);
    return `{${items.join(", ")}}`;
  }
  return JSON.stringify(value);
}

function callName(entry, args) {
  const name = `${entry}(${args.map(literal).join(", ")})`;
  return name.length <= 120 ? name : name.slice(0, 117) + "...";
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
  for (const testCase of job.tests) {
    const record = { name: callName(job.entry, testCase.input), passed: false,
      expected: testCase.expected, actual: null, error: null };
    if (fn === null) {
      record.error = problem;
      emit({ test: record });
      continue;
    }
    try {
      const actual = await fn(...structuredClone(testCase.input));
      record.actual = shown(actual);
      const plain = JSON.parse(JSON.stringify(actual === undefined ? null : actual));
      record.passed = same(plain, testCase.expected);
    } catch (err) {
      if (isMemory(err)) emit({ memory: true });
      record.error = failure(err);
    }
    emit({ test: record });
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
