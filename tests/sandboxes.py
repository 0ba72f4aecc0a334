"""The isolation levels the execution tests run against, each skipped visibly where missing.

Every containment test is parametrized over the three levels: bubblewrap (skipped, or failed
where ``.ci/run`` requires ``bwrap``, when it is missing), namespaces and rlimits (skipped
with the reason when the machine forbids them, or failed where ``INTERVIEW_TEST_REQUIRE``
names the level). So ``make test`` on a machine without bubblewrap runs the same tests
against the weaker containment, and the test ids say which. Every skip goes through
:mod:`tests.needs`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sessions.execution import probe
from sessions.execution.spec import SPECS, Isolation
from tests.needs import need, need_program

LEVELS = ("bubblewrap", "namespaces", "rlimits")


def capabilities_for(level: str) -> probe.Capabilities:
    """The capabilities of ``level`` on this machine, or skip; fail where the run requires
    it (``bwrap`` for bubblewrap, the level's own name for the others)."""
    tool = "bwrap" if level == Isolation.BUBBLEWRAP else level
    if level == Isolation.BUBBLEWRAP:
        need_program("bwrap")
    try:
        return probe.detect(level)
    except probe.ExecutionUnavailable as exc:
        need(tool, False, f"isolation level {level} does not work here: {exc}")
        raise  # not reached: need() has skipped or failed the test


def need_process_limit(capabilities: probe.Capabilities) -> None:
    """Skip a fork bomb where only the launcher's watchdog would stand against it (tool
    ``pids-cgroup``).

    Root ignores RLIMIT_NPROC; without a writable pids cgroup nothing in the kernel caps a
    run's processes, and an exponential bomb can outrun a 2 ms watchdog and exhaust the
    machine's process table (README: Running code says so).
    """
    need(
        "pids-cgroup",
        os.geteuid() != 0 or capabilities.sandbox.cgroup is not None,
        "no process limit the kernel enforces here (root, no writable pids cgroup): "
        "a fork bomb is not run against the watchdog alone",
    )


def runtime_or_skip(capabilities: probe.Capabilities, language: str) -> None:
    """Skip (or fail, where its interpreter is required) unless ``language`` runs here."""
    program = SPECS[language].program
    if language not in capabilities.runtimes:
        need_program(program)
        need(program, False, f"{language} does not run inside {capabilities.isolation} here")


def processes_with(marker: str) -> list[int]:
    """Live (not zombie) processes on this machine whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found
