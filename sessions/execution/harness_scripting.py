"""The Ruby, PHP and shell harnesses, as source text run inside the sandbox.

Ruby and PHP load the candidate's file, then either call the function (its name derived from
the signature) with each test's input as the language has JSON (arrays, hashes / associative
arrays, numbers, strings) and report ``{"call": {"index", "actual", "error"}}`` (the server
compares, :mod:`.judge`), or define ``check``/``check_equal``, load the test file and run each
``test*`` function the server found in its text, reporting ``{"test": {...}}``. An exception
fails that test only.

Shell: the function gets each argument as its JSON text (``$1``, ``$2``) and prints its
result as JSON; the last line of what it prints is the result, the lines before it are shown
as output. ``calls.sh`` (written by the server, every argument quoted) calls ``hx_call`` once
per test. A test function fails when it returns non-zero or a ``check STATUS "message"``
gets a non-zero status (``check`` ends the test). Every call and test runs in a subshell of
its own, with the shell options the candidate's file set, and without the results
descriptor (``{fd}>&-``), so nothing it does can write a record; only its last line is
spliced into the call's record (a line that is not JSON fails the test: the harness writes
a second record for the same test with the line as text, which the server takes only when
the first did not parse).
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from sessions.execution.harness import (
    TEST_MODULE,
    Job,
    call_plan,
    function_job,
    test_file,
    test_names,
    tests_job,
)
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem

RUBY = r"""
require "json"

RESULTS = IO.new(ARGV[0].to_i, "w")
RESULTS.sync = true
SRC = ARGV[1]
LIMIT = 2000

class CheckFailed < StandardError; end

def hx_emit(record)
  RESULTS.write(JSON.generate(record) + "\n")
end

def hx_failure(error)
  return error.message[0, LIMIT] if error.is_a?(CheckFailed)
  where = (error.backtrace || []).find { |line| !line.include?("harness.rb") }
  text = "#{error.class}: #{error.message}"
  text += " (#{File.basename(where)})" if where
  text[0, LIMIT]
end

def check(cond, message = "check failed")
  raise CheckFailed, message unless cond
end

def check_equal(actual, expected)
  raise CheckFailed, "expected #{expected.inspect}, got #{actual.inspect}" unless actual == expected
end

def hx_calls(job)
  function = job["function"]
  job["inputs"].each_with_index do |args, index|
    record = { "index" => index, "actual" => nil, "error" => nil }
    begin
      raise NoMethodError, "no method '#{function}' in the code" unless respond_to?(function, true)
      actual = send(function, *args)
      record["actual"] = JSON.parse(JSON.generate([actual]))[0]
    rescue NoMemoryError, StandardError, ScriptError, SystemExit => e
      hx_emit({ "memory" => true }) if e.is_a?(NoMemoryError)
      record["error"] = hx_failure(e)
    end
    hx_emit({ "call" => record })
  end
end

def hx_tests(job)
  load File.join(SRC, "#{job["module"]}.rb")
  job["names"].each do |name|
    record = { "name" => name, "passed" => false, "error" => nil }
    begin
      send(name)
      record["passed"] = true
    rescue NoMemoryError, StandardError, ScriptError, SystemExit => e
      hx_emit({ "memory" => true }) if e.is_a?(NoMemoryError)
      record["error"] = hx_failure(e)
    end
    hx_emit({ "test" => record })
  end
end

begin
  job = JSON.parse(File.read(File.join(SRC, "job.json")))
  load File.join(SRC, "solution.rb")
  job["mode"] == "calls" ? hx_calls(job) : hx_tests(job)
  $stdout.flush
rescue NoMemoryError
  hx_emit({ "memory" => true })
  raise
end
"""

PHP = r"""<?php
$HX_RESULTS = fopen("php://fd/" . $argv[1], "w");
$HX_SRC = $argv[2];

class CheckFailed extends Exception {}

function hx_emit(array $record): void
{
    global $HX_RESULTS;
    $flags = JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE;
    $text = json_encode($record, $flags);
    if ($text === false) {
        $text = json_encode(["call" => ["index" => $record["call"]["index"] ?? -1,
            "actual" => null, "error" => "the result is not JSON: " . json_last_error_msg()]]);
    }
    fwrite($HX_RESULTS, $text . "\n");
    fflush($HX_RESULTS);
}

function hx_failure(Throwable $e): string
{
    if ($e instanceof CheckFailed) {
        return substr($e->getMessage(), 0, 2000);
    }
    $where = basename($e->getFile()) . " line " . $e->getLine();
    return substr(get_class($e) . ": " . $e->getMessage() . " ($where)", 0, 2000);
}

/** ``$value`` shaped as the declared ``$type`` says: a map is an object even when empty or
 *  when its keys look like indexes (PHP arrays cannot tell). */
function hx_shape($value, string $type)
{
    if (!is_array($value)) {
        return $value;
    }
    if (str_starts_with($type, "map<")) {
        $item = trim(substr($type, strpos($type, ",") + 1, -1));
        $out = new stdClass();
        foreach ($value as $key => $v) {
            $out->{(string) $key} = hx_shape($v, $item);
        }
        return $out;
    }
    $item = str_ends_with($type, "[]") ? substr($type, 0, -2) : substr($type, 5, -1);
    return array_map(fn ($v) => hx_shape($v, $item), array_values($value));
}

function check($cond, string $message = "check failed"): void
{
    if (!$cond) {
        throw new CheckFailed($message);
    }
}

function check_equal($actual, $expected): void
{
    $numbers = (is_int($actual) || is_float($actual)) && (is_int($expected) || is_float($expected));
    if (!($actual === $expected || ($numbers && $actual == $expected))) {
        $flags = JSON_PRESERVE_ZERO_FRACTION | JSON_PARTIAL_OUTPUT_ON_ERROR;
        $got = json_encode($actual, $flags);
        throw new CheckFailed("expected " . json_encode($expected, $flags) . ", got " . $got);
    }
}

$HX_JOB = json_decode(file_get_contents("$HX_SRC/job.json"), true);
require "$HX_SRC/solution.php";
if ($HX_JOB["mode"] === "calls") {
    $hx_function = $HX_JOB["function"];
    foreach ($HX_JOB["inputs"] as $hx_index => $hx_args) {
        $hx_record = ["index" => $hx_index, "actual" => null, "error" => null];
        try {
            if (!function_exists($hx_function)) {
                throw new Error("no function '$hx_function' in the code");
            }
            $hx_actual = $hx_function(...$hx_args);
            $hx_returns = $HX_JOB["signature"]["returns"] ?? null;
            $hx_record["actual"] = $hx_returns ? hx_shape($hx_actual, $hx_returns) : $hx_actual;
        } catch (Throwable $e) {
            $hx_record["error"] = hx_failure($e);
        }
        hx_emit(["call" => $hx_record]);
    }
} else {
    require "$HX_SRC/" . $HX_JOB["module"] . ".php";
    foreach ($HX_JOB["names"] as $hx_name) {
        $hx_record = ["name" => $hx_name, "passed" => false, "error" => null];
        try {
            $hx_name();
            $hx_record["passed"] = true;
        } catch (Throwable $e) {
            $hx_record["error"] = hx_failure($e);
        }
        hx_emit(["test" => $hx_record]);
    }
}
"""

SHELL = r"""
HX_FD=$1
HX_SRC=$2
exec 4>&1

hx_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    s=${s//[$'\001'-$'\037']/?}
    printf '"%s"' "${s:0:2000}"
}

hx_emit() {
    printf '%s\n' "$1" >&"$HX_FD"
}

hx_failed() {
    hx_emit "{\"call\": {\"index\": $1, \"actual\": null, \"error\": $(hx_string "$2")}}"
}

check() {
    if [[ $1 != 0 ]]; then
        printf '%s\n' "${2:-check failed}" >&3
        exit 1
    fi
}

hx_call() {
    local index=$1 out status last
    shift
    if ! declare -F "$HX_FUNCTION" >/dev/null; then
        hx_failed "$index" "no function '$HX_FUNCTION' in the code"
        return
    fi
    out=$( (eval "$HX_OPTS"; "$HX_FUNCTION" "$@") {HX_FD}>&- )
    status=$?
    last=${out##*$'\n'}
    if [[ $out == *$'\n'* ]]; then
        printf '%s\n' "${out%$'\n'*}"
    fi
    if [[ $status != 0 ]]; then
        hx_failed "$index" "the function returned status $status"
    elif [[ -n $last ]]; then
        hx_emit "{\"call\": {\"index\": $index, \"error\": null, \"actual\": $last}}"
        hx_failed "$index" "the last line printed is not JSON: $last"
    else
        hx_failed "$index" "the function printed nothing (its result is the last line it prints)"
    fi
}

hx_test() {
    local name=$1 message status
    message=$( (eval "$HX_OPTS"; "$name") 3>&1 1>&4 {HX_FD}>&- )
    status=$?
    local head="{\"test\": {\"name\": $(hx_string "$name")"
    if [[ $status == 0 && -z $message ]]; then
        hx_emit "$head, \"passed\": true, \"error\": null}}"
    else
        [[ -n $message ]] || message="the test returned status $status"
        hx_emit "$head, \"passed\": false, \"error\": $(hx_string "$message")}}"
    fi
}

source "$HX_SRC/solution.sh"
if [[ -f $HX_SRC/test_solution.sh ]]; then
    source "$HX_SRC/test_solution.sh"
fi
HX_OPTS=$(set +o)
set +euo pipefail
source "$HX_SRC/calls.sh"
"""
_TEST_NAMES = {
    "ruby": re.compile(r"^\s*def\s+(test\w*)", re.M),
    "php": re.compile(r"^\s*function\s+(test\w*)\s*\(", re.M),
    "shell": re.compile(r"^\s*(?:function\s+)?(test\w*)\s*\(\s*\)", re.M),
}
_SOURCES = {"ruby": RUBY, "php": PHP, "shell": SHELL}
_EXTENSIONS = {"ruby": ".rb", "php": ".php", "shell": ".sh"}
CALLS_FILE = "calls.sh"


def shell_calls(function: str, inputs: list[list[Any]]) -> str:
    """``calls.sh``: the function's name, then one ``hx_call`` per test, every argument as its
    JSON text, quoted for bash."""
    lines = [f"HX_FUNCTION={shlex.quote(function)}"]
    for index, args in enumerate(inputs):
        quoted = " ".join(shlex.quote(json.dumps(arg, separators=(",", ":"))) for arg in args)
        lines.append(f"hx_call {index} {quoted}")
    return "\n".join(lines) + "\n"


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The Ruby, PHP or shell job of ``problem`` (None: it has no tests in the language)."""
    files = {spec.source_name: code, spec.harness_name: _SOURCES[spec.id]}
    plan = call_plan(problem, spec.id)
    if plan is not None:
        if spec.id == "shell":
            files[CALLS_FILE] = shell_calls(plan.function, plan.inputs)
        return function_job(files, plan, script=spec.harness_name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    names = test_names(text, _TEST_NAMES[spec.id])
    files[TEST_MODULE + _EXTENSIONS[spec.id]] = text
    if spec.id == "shell":
        files[CALLS_FILE] = "".join(f"hx_test {name}\n" for name in names)
    return tests_job(files, names, script=spec.harness_name)
