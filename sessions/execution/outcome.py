"""What came back from a run, turned into its result.

The runner collects the facts (the launcher's report, the harness's records, whether the
output was capped, whether the server stopped the run and why); :func:`build_result` decides
the status, in this order: ``killed`` (cancelled), ``timeout`` (the wall clock or the CPU
limit), ``memory-limit`` (the program ran out of its address space or heap),
``output-limit`` (more output than the cap; the rest was dropped), then ``ok`` for exit
status 0 and ``error`` for anything else.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from sessions.execution.judge import Call, matches, shown

Status = Literal[
    "ok", "error", "timeout", "memory-limit", "output-limit", "killed", "compile-error"
]
STATUSES: tuple[Status, ...] = (
    "ok",
    "error",
    "timeout",
    "memory-limit",
    "output-limit",
    "killed",
    "compile-error",
)
MAX_TESTS = 1000
WATCHDOG = ("processes", "memory")
MAX_TEXT = 2000
MEMORY_MARKERS = (
    "MemoryError",
    "JavaScript heap out of memory",
    "Fatal process out of memory",
    "Array buffer allocation failed",
    "std::bad_alloc",
    "java.lang.OutOfMemoryError",
    "out of memory",
    "memory allocation of",
    "Cannot allocate memory",
)
"""What Python, node and the C library say on stderr when an allocation fails."""


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test: its name, whether it passed, and what was expected, returned or raised."""

    __test__: ClassVar[bool] = False  # not a pytest test class, whatever its name says

    name: str
    passed: bool
    expected: Any = None
    actual: Any = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "expected": self.expected,
            "actual": self.actual,
            "error": self.error,
        }


@dataclass(slots=True)
class Records:
    """What the harness reported on its own channel."""

    tests: list[TestResult] = field(default_factory=list)
    memory: bool = False
    total: int | None = None


def _test(value: object) -> TestResult | None:
    if not isinstance(value, dict):
        return None
    name, passed, error = value.get("name"), value.get("passed"), value.get("error")
    if not isinstance(name, str) or not isinstance(passed, bool):
        return None
    if error is not None and not isinstance(error, str):
        return None
    return TestResult(
        name=name[:MAX_TEXT],
        passed=passed,
        expected=value.get("expected"),
        actual=value.get("actual"),
        error=error[:MAX_TEXT] if error is not None else None,
    )


def _json_objects(data: bytes) -> Iterator[dict[str, Any]]:
    """The JSON objects of a channel written one per line; anything else is skipped."""
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record


def _judged(value: object, calls: Sequence[Call], seen: set[int]) -> TestResult | None:
    """A ``call`` record judged against the test it names (each test once)."""
    if not isinstance(value, dict):
        return None
    index, error = value.get("index"), value.get("error")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(calls):
        return None
    if index in seen or (error is not None and not isinstance(error, str)):
        return None
    seen.add(index)
    call = calls[index]
    actual = value.get("actual")
    return TestResult(
        name=call.name,
        passed=error is None and matches(actual, call),
        expected=call.expected,
        actual=shown(actual) if error is None else None,
        error=error[:MAX_TEXT] if error is not None else None,
    )


def parse_records(data: bytes, calls: Sequence[Call] = ()) -> Records:
    """The harness's JSON lines; anything malformed is ignored, tests beyond 1000 too.

    ``calls``: the tests of a function-style job, which ``call`` records are judged against
    (:mod:`.judge`)."""
    records = Records()
    seen: set[int] = set()
    for record in _json_objects(data):
        if "call" in record and calls and len(records.tests) < MAX_TESTS:
            judged = _judged(record["call"], calls, seen)
            if judged is not None:
                records.tests.append(judged)
            continue
        if record.get("memory") is True:
            records.memory = True
        total = record.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and 0 <= total <= MAX_TESTS:
            records.total = total
        test = _test(record.get("test"))
        if test is not None and len(records.tests) < MAX_TESTS:
            records.tests.append(test)
    return records


@dataclass(frozen=True, slots=True)
class LauncherReport:
    """The launcher's last word: how the program ended and the CPU it used."""

    exit_code: int | None = None
    signal: int | None = None
    cpu_seconds: float | None = None
    timed_out: bool = False
    stopped: str | None = None
    """Why the launcher's watchdog stopped the run: ``processes`` or ``memory``, or None."""


def parse_launcher(data: bytes) -> tuple[int | None, LauncherReport | None]:
    """The child's process group id and the final report (either may be missing)."""
    pgid: int | None = None
    report: LauncherReport | None = None
    for record in _json_objects(data):
        if isinstance(record.get("pgid"), int):
            pgid = record["pgid"]
        elif "cpu" in record:
            cpu = record.get("cpu")
            report = LauncherReport(
                exit_code=record.get("exit") if isinstance(record.get("exit"), int) else None,
                signal=record.get("signal") if isinstance(record.get("signal"), int) else None,
                cpu_seconds=round(float(cpu), 3) if isinstance(cpu, int | float) else None,
                timed_out=record.get("timedOut") is True,
                stopped=record["stopped"] if record.get("stopped") in WATCHDOG else None,
            )
    return pgid, report


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the runner observed about one run."""

    report: LauncherReport | None
    records: Records
    wall_seconds: float
    cpu_limit: int
    harnessed: bool
    total: int | None
    cancelled: bool = False
    wall_expired: bool = False
    output_capped: bool = False
    stderr_tail: str = ""
    wall_limit: float | None = None
    """The wall-clock limit the run had (named in a timeout's result)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of a run as the ``run-result`` event carries it (without ``runId``).

    ``exitCode`` is the program's exit status, minus the signal number when a signal ended
    it (``-9``), or null when the server stopped it (a cancel, the outer timeout) or got no
    report. ``cpuSeconds`` is null without a report. ``tests`` is null
    without a problem's harness; ``passed``/``total`` are null then too.
    """

    status: Status
    exit_code: int | None
    wall_seconds: float
    cpu_seconds: float | None
    tests: tuple[TestResult, ...] | None
    passed: int | None
    total: int | None
    compile: dict[str, Any] | None = None
    """A compiled language's compile phase: ``status``, ``cached``, ``wallSeconds``,
    ``diagnostics`` (``line``, ``column``, ``severity``, ``message`` in the candidate's
    file), ``exitCode`` when it failed; None for an interpreted language."""
    limit_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "exitCode": self.exit_code,
            "wallSeconds": self.wall_seconds,
            "cpuSeconds": self.cpu_seconds,
            "tests": [test.to_json() for test in self.tests] if self.tests is not None else None,
            "passed": self.passed,
            "total": self.total,
        }
        if self.compile is not None:
            body["compile"] = self.compile
        if self.status == "timeout" and self.limit_seconds is not None:
            body["limitSeconds"] = self.limit_seconds
        return body


def status_of(facts: Facts) -> Status:
    """The status, by the precedence in this module's docstring."""
    report = facts.report
    if facts.cancelled:
        return "killed"
    if facts.wall_expired or (report is not None and report.timed_out):
        return "timeout"
    if report is not None and report.signal in (signal.SIGXCPU, signal.SIGKILL):
        cpu = report.cpu_seconds or 0.0
        if report.signal == signal.SIGXCPU or cpu >= facts.cpu_limit:
            return "timeout"
    if report is not None and report.stopped == "memory":
        return "memory-limit"
    if facts.records.memory or any(mark in facts.stderr_tail for mark in MEMORY_MARKERS):
        return "memory-limit"
    if facts.output_capped:
        return "output-limit"
    if report is not None and report.exit_code == 0:
        return "ok"
    return "error"


def build_result(facts: Facts) -> RunResult:
    """The :class:`RunResult` of what the runner observed."""
    report = facts.report
    exit_code: int | None = None
    if report is not None and not (facts.cancelled or facts.wall_expired):
        exit_code = report.exit_code if report.signal is None else -report.signal
    tests: tuple[TestResult, ...] | None = None
    passed: int | None = None
    total: int | None = None
    if facts.harnessed:
        tests = tuple(facts.records.tests)
        passed = sum(1 for test in tests if test.passed)
        counted = facts.total if facts.total is not None else facts.records.total
        total = max(counted if counted is not None else 0, len(tests))
    status = status_of(facts)
    return RunResult(
        status=status,
        exit_code=exit_code,
        wall_seconds=round(facts.wall_seconds, 3),
        cpu_seconds=report.cpu_seconds if report is not None else None,
        tests=tests,
        passed=passed,
        total=total,
        limit_seconds=_limit(facts) if status == "timeout" else None,
    )


def _limit(facts: Facts) -> float:
    """The limit a timed-out run reached: the wall clock's, unless only the CPU's was hit."""
    report = facts.report
    by_wall = facts.wall_expired or (report is not None and report.timed_out)
    if by_wall and facts.wall_limit is not None:
        return facts.wall_limit
    return float(facts.cpu_limit)
