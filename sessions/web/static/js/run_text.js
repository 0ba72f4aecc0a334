// What a run's result says, in words, for the room's output panel and the replay (no DOM).
//
// Honest first: a run whose tests all failed has failed, whatever the exit code; a timeout
// names the limit and says how many tests finished before it, never "0 of 6 passed" when no
// test ran; values read in the notation of the run's language (Python's None, True, 'text').

const STOPPED = {
  "memory-limit": "Stopped: out of memory (the memory limit)",
  "output-limit": "Stopped: too much output (the output limit)",
  killed: "Stopped before the end",
};

function seconds(value) {
  return Number.isInteger(value) ? `${value}` : `${Number(value).toFixed(1)}`;
}

function testsLine(result, before) {
  const ran = (result.tests || []).length;
  if (!result.total) return "";
  if (ran === 0) return "; no test ran";
  const tail = before ? " before it" : "";
  if (ran < result.total) return `; ${result.passed} of ${result.total} tests passed (${ran} ran${tail})`;
  return `; ${result.passed} of ${result.total} tests passed${tail}`;
}

/** `{ verdict, text }` for a `run-result` (or a timeline `run-result` event): `verdict` is
 * `passed` (exit 0, and every test passed if there were tests), `failed` (tests failed, or
 * the program exited with an error) or `stopped` (a limit or a cancel). */
export function summary(result) {
  const exit = result.exitCode === null || result.exitCode === undefined ? "" : `exit code ${result.exitCode}`;
  const time = typeof result.wallSeconds === "number" ? ` in ${result.wallSeconds.toFixed(2)} s` : "";
  if (result.status === "timeout") {
    const limit = typeof result.limitSeconds === "number" ? `the ${seconds(result.limitSeconds)} s limit` : "the time limit";
    return { verdict: "stopped", text: `Stopped after ${limit}${testsLine(result, true)}` };
  }
  if (result.status === "compile-error") {
    const count = (result.compile?.diagnostics || []).length;
    const where = count ? ` (${count} message${count === 1 ? "" : "s"} from the compiler)` : "";
    return { verdict: "failed", text: `Compile error: the code did not compile${where}; nothing ran` };
  }
  if (STOPPED[result.status]) {
    return { verdict: "stopped", text: `${STOPPED[result.status]}${time}${testsLine(result, false)}` };
  }
  const tested = Boolean(result.total);
  const allPassed = tested && result.passed === result.total && (result.tests || []).length === result.total;
  if (result.status === "ok" && (!tested || allPassed)) {
    const text = tested ? `Passed: all ${result.total} tests passed${time}` : `Finished: ${exit}${time}`;
    return { verdict: "passed", text };
  }
  if (result.status === "ok") {
    return { verdict: "failed", text: `Failed${time}${testsLine(result, false)}` };
  }
  return { verdict: "failed", text: `Failed: error${exit ? `, ${exit}` : ""}${time}${testsLine(result, false)}` };
}

function pythonString(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of text) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

function python(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return pythonString(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(python).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${pythonString(k)}: ${python(v)}`).join(", ")}}`;
}

/** The line under a failed test: what was expected and what came back (or was raised). */
export function failureText(test, language) {
  const expected = `expected ${notation(test.expected, language)}`;
  if (test.error) return `${expected}; ${test.error}`;
  return `${expected}, got ${notation(test.actual, language)}`;
}

/** A test's expected or returned value as the run's `language` writes it (JSON otherwise). */
export function notation(value, language) {
  if (language === "python") return python(value);
  return value === undefined ? "undefined" : JSON.stringify(value);
}
