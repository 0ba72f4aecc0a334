"""Time as the domain sees it: an injectable clock and one wire format for timestamps."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
"""Returns seconds since the epoch. Tests inject a fake; production uses :func:`time.time`."""

system_clock: Clock = time.time


def iso(timestamp: float) -> str:
    """Format epoch seconds as ISO 8601 UTC with milliseconds: ``2026-11-24T08:47:09.123Z``.

    The same text as ``datetime.fromtimestamp(timestamp, UTC).isoformat(timespec=
    "milliseconds")`` with ``Z`` (a property test checks), which rounds to microseconds half
    to even and then truncates to milliseconds. The date and time of day are formatted once
    per second: every response and event carries timestamps, and datetime took a tenth of a
    session's creation (docs/benchmarks.md).
    """
    fraction, whole = math.modf(timestamp)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        micros -= 1_000_000
        whole += 1
    elif micros < 0:
        micros += 1_000_000
        whole -= 1
    return f"{_second(int(whole))}.{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=64)  # a pure function's memo (one second, one text), not state
def _second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).isoformat(timespec="seconds")[:19]


class FakeClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
