"""What the native harnesses (C, C++, Go, Rust) share: the job's files and the fork runner.

A native harness is a generated ``main`` compiled together with the candidate's file (and,
for a design problem, the test file). Function-style: the code is generated from the
problem's ``signature``; ``tests.txt`` holds each test's input (a JSON array) on a line of
its own; the harness converts each argument to the declared type, calls the candidate's
function and reports ``{"call": {"index", "actual", "error"}}`` (the server compares
``actual`` with ``expected``, :mod:`.judge`). Design problems: the server finds the test
functions in the test file's text (:data:`TEST_NAMES`, one pattern per language), the
generated ``main`` calls each and reports ``{"test": {"name", "passed", "error"}}``.
Every record is one JSON line on the results descriptor named on the command line.

C and C++ run each test in a forked child (:data:`FORK_RUNNER`): a failed ``check`` ends
that test (the child reports and exits), and so does a crash (the parent reports the
signal), an ``exit()`` or an uncaught C++ exception; the next test starts from a fresh copy
of the process. The child does not keep the results descriptor: it reports to the parent on
a pipe of that test's own, and the parent writes the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sessions.execution.harness import (
    Job,
    call_plan,
    function_job,
    test_file,
    test_names,
    tests_job,
)
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Signature

TESTS_FILE = "tests.txt"

TEST_NAMES: dict[str, re.Pattern[str]] = {
    "c": re.compile(r"^\s*void\s+(test\w*)\s*\(\s*(?:void)?\s*\)\s*\{?", re.M),
    "cpp": re.compile(r"^\s*void\s+(test\w*)\s*\(\s*\)\s*\{?", re.M),
    "go": re.compile(r"^func\s+(test\w*)\s*\(\s*\)\s*\{", re.M),
    "rust": re.compile(r"^\s*fn\s+(test\w*)\s*\(\s*\)\s*\{", re.M),
}
"""The test functions of a test file, per compiled language (docs/languages.md)."""


def tests_file(inputs: list[list[Any]]) -> str:
    """``tests.txt``: each test's input (a JSON array) on a line of its own."""
    return "".join(json.dumps(args, separators=(",", ":")) + "\n" for args in inputs)


FORK_RUNNER = r"""
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int hx_results = -1;
static int hx_pipe = -1;

typedef struct { const char* name; void (*fn)(void); } hx_test;

static void hx_write(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= (size_t)n;
  }
}

static void hx_end(char tag, const char* text) {
  fflush(stdout);
  fflush(stderr);
  hx_write(hx_pipe, &tag, 1);
  if (text) hx_write(hx_pipe, text, strlen(text));
  _exit(0);
}

/* In a test's child: the test passed (``actual``: the call's result as JSON, or NULL). */
static void hx_pass(const char* actual) { hx_end('P', actual); }
/* In a test's child: the test failed with ``message``. */
static void hx_fail(const char* message) { hx_end('F', message); }
/* In a test's child: it ran out of memory (said before hx_fail). */
static void hx_memory(void) { char tag = 'M'; hx_write(hx_pipe, &tag, 1); }

typedef struct { char* data; size_t size, cap; } hx_text;

static void hx_add(hx_text* t, const char* data, size_t n) {
  if (t->size + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->size + n + 1) cap *= 2;
    char* grown = (char*)realloc(t->data, cap);
    if (!grown) return;
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->size, data, n);
  t->size += n;
  t->data[t->size] = 0;
}

static void hx_add_string(hx_text* t, const char* s) {
  char buf[8];
  hx_add(t, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { buf[0] = '\\'; buf[1] = (char)c; hx_add(t, buf, 2); }
    else if (c < 0x20) { snprintf(buf, sizeof buf, "\\u%04x", c); hx_add(t, buf, 6); }
    else hx_add(t, s, 1);
  }
  hx_add(t, "\"", 1);
}

/* Runs ``run(arg)`` in a child and writes its record: a call's (``name`` NULL: ``index``,
   the result as ``actual``) or a test function's (``name``: passed or not). */
static void hx_fork(const char* name, int index, void (*run)(const void*), const void* arg) {
  int fds[2];
  hx_text got = {0, 0, 0};
  hx_text record = {0, 0, 0};
  int status = 0;
  char why[200];
  if (pipe(fds) != 0) { perror("pipe"); _exit(1); }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); _exit(1); }
  if (pid == 0) {
    close(fds[0]);
    close(hx_results);
    hx_pipe = fds[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    run(arg);
    hx_fail("the test ended without a result");
  }
  close(fds[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (got.size < (16u << 20)) hx_add(&got, buf, (size_t)n);
  }
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  const char* said = got.data ? got.data : "";
  if (*said == 'M') {
    hx_write(hx_results, "{\"memory\": true}\n", 17);
    said++;
  }
  const char* error = NULL;
  if (*said == 'F') error = said + 1;
  else if (*said != 'P') {
    error = why;
    if (WIFSIGNALED(status))
      snprintf(why, sizeof why, "killed by signal %d (%s)", WTERMSIG(status),
               strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
      snprintf(why, sizeof why, "the program exited with status %d during the test",
               WEXITSTATUS(status));
    else snprintf(why, sizeof why, "the test ended without a result");
  }
  if (name == NULL) {
    snprintf(buf, sizeof buf, "{\"call\": {\"index\": %d, \"actual\": ", index);
    hx_add(&record, buf, strlen(buf));
    if (error == NULL && said[1]) hx_add(&record, said + 1, strlen(said + 1));
    else hx_add(&record, "null", 4);
  } else {
    hx_add(&record, "{\"test\": {\"name\": ", 18);
    hx_add_string(&record, name);
    if (error == NULL) hx_add(&record, ", \"passed\": true", 16);
    else hx_add(&record, ", \"passed\": false", 17);
  }
  hx_add(&record, ", \"error\": ", 11);
  if (error == NULL) hx_add(&record, "null", 4);
  else hx_add_string(&record, error);
  hx_add(&record, "}}\n", 3);
  hx_write(hx_results, record.data, record.size);
  free(got.data);
  free(record.data);
}

static void hx_call_one(const void* input);
static void (*hx_caller)(const char*);
static void hx_call_one(const void* input) { hx_caller((const char*)input); }

/* Function-style: each input line of tests.txt through ``call``. */
static int hx_main_calls(int argc, char** argv, void (*call)(const char*)) {
  if (argc < 3) { fprintf(stderr, "harness: results descriptor and folder expected\n"); return 2; }
  hx_results = atoi(argv[1]);
  hx_caller = call;
  char path[4096];
  snprintf(path, sizeof path, "%s/tests.txt", argv[2]);
  FILE* f = fopen(path, "r");
  if (!f) { perror(path); return 2; }
  hx_text all = {0, 0, 0};
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) hx_add(&all, buf, n);
  fclose(f);
  char* cursor = all.data;
  for (int index = 0; cursor && *cursor; index++) {
    char* end = strchr(cursor, '\n');
    if (end) *end = 0;
    hx_fork(NULL, index, hx_call_one, cursor);
    cursor = end ? end + 1 : NULL;
  }
  return 0;
}

static void (*hx_runner)(void (*)(void));
static void hx_run_one(const void* fn) { hx_runner((void (*)(void))fn); }

/* Design problems: each test function of the table (ending with a NULL name). */
static int hx_main_tests(int argc, char** argv, const hx_test* tests, void (*run)(void (*)(void))) {
  if (argc < 2) { fprintf(stderr, "harness: results descriptor expected\n"); return 2; }
  hx_results = atoi(argv[1]);
  hx_runner = run;
  int total = 0;
  while (tests[total].name) total++;
  char head[64];
  int size = snprintf(head, sizeof head, "{\"total\": %d}\n", total);
  hx_write(hx_results, head, (size_t)size);
  for (int i = 0; i < total; i++) hx_fork(tests[i].name, i, hx_run_one, (const void*)tests[i].fn);
  return 0;
}
"""
"""The C code of the fork-per-test runner, valid C17 and C++17 (included by both)."""


TEST_FILES = {"c": "test_solution.c", "cpp": "test_solution.cpp", "go": "test_solution.go",
              "rust": "test_solution.rs"}  # fmt: skip


def build_native(
    spec: LanguageSpec,
    code: str,
    problem: Problem,
    calls: Callable[[Signature, str], str],
    tests: Callable[[list[str]], str],
) -> Job | None:
    """The job of ``problem`` in a native language, or None when it has no tests for it (a
    function-style problem needs a signature: the harness converts to its types)."""
    files = {spec.source_name: code}
    where: dict[str, Any] = {"script": spec.harness_name, "candidate": spec.source_name}
    plan = call_plan(problem, spec.id)
    if plan is not None:
        if plan.signature is None:
            return None
        files[spec.harness_name] = calls(plan.signature, plan.function)
        files[TESTS_FILE] = tests_file(plan.inputs)
        return function_job(files, plan, sources=_sources(spec, files), **where)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    names = test_names(text, TEST_NAMES[spec.id])
    files[spec.harness_name] = tests(names)
    files[TEST_FILES[spec.id]] = text
    return tests_job(files, names, sources=_sources(spec, files), **where)


def _sources(spec: LanguageSpec, files: dict[str, str]) -> tuple[str, ...]:
    """What the compiler is given: the generated main (it includes the other files), or
    for Go every file of the package."""
    if spec.id == "go":
        return tuple(name for name in files if name.endswith(".go"))
    return (spec.harness_name,)
