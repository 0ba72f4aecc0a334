"""Skip a test that needs a tool this machine lacks, visibly, unless the run requires the tool.

``.ci/run`` sets ``INTERVIEW_TEST_REQUIRE`` to the tools CI installs (``node,chromium,bwrap,
nginx``): there a missing tool fails the test instead of skipping it, so CI never passes by
skipping what it is meant to prove. ``make test`` on a machine without one skips with the reason.

A "tool" is whatever a test needs from the machine, named as ``INTERVIEW_TEST_REQUIRE`` would
name it: a program (``node``, ``openssl``, ``prlimit``), an isolation level that must work
(``namespaces``, ``rlimits``), a kernel feature (``pids-cgroup``). Every skip for something
missing goes through here; a test that does not apply by design says so in its own skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ENV = "INTERVIEW_TEST_REQUIRE"


def required_tools() -> frozenset[str]:
    """The tools this run must have (``INTERVIEW_TEST_REQUIRE``, comma-separated)."""
    raw = os.environ.get(REQUIRE_ENV, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def need(tool: str, available: bool, why: str) -> None:
    """Skip (or fail, when ``tool`` is required) unless ``available``; ``why``: what is missing."""
    if available:
        return
    if tool in required_tools():
        pytest.fail(f"{tool} is required in this run ({REQUIRE_ENV}) but missing: {why}")
    pytest.skip(f"{tool} is not available here: {why}")


def need_program(tool: str, program: str | None = None) -> str:
    """The path of ``program`` (default: ``tool``) on the PATH, or skip/fail as :func:`need`."""
    path = shutil.which(program or tool)
    need(tool, path is not None, f"'{program or tool}' is not on the PATH")
    assert path is not None
    return path
