"""Time as the domain sees it: an injectable clock and one wire format for timestamps."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
"""Returns seconds since the epoch. Tests inject a fake; production uses :func:`time.time`."""

system_clock: Clock = time.time


def iso(timestamp: float) -> str:
    """Format epoch seconds as ISO 8601 UTC with milliseconds: ``2026-11-24T08:47:09.123Z``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
