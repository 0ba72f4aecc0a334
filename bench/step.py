"""One measured step: a rate held in every room for a window, and what it delivered.

The typists send open loop on a fixed schedule (``bench/loadgen.py``); the window's server
CPU is read from /proc by the caller's ``server_cpu``, the load generator's own with
``time.process_time``. Latency percentiles are over every delivery in the window.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.loadgen import Room

TICK = 0.001
"""The event loop's timer resolution: edits due within one tick go out together."""


@dataclass
class StepResult:
    """One rate held for one window."""

    rooms: int
    readers: int
    rate_per_room: float
    seconds: float
    edits: int
    expected: int
    received: int
    received_in_window: int
    latencies_ms: dict[str, float]
    server_cpu_s: float
    loadgen_cpu_s: float
    server_rss: int
    errors: int
    error_samples: list[str]
    bad_acks: int
    closed_sockets: int

    @property
    def target_msgs(self) -> float:
        return self.rooms * self.readers * self.rate_per_room

    @property
    def delivered_per_s(self) -> float:
        return self.received_in_window / self.seconds

    @property
    def loss(self) -> int:
        return self.expected - self.received

    @property
    def server_cpu_pct(self) -> float:
        return 100 * self.server_cpu_s / self.seconds

    @property
    def loadgen_cpu_pct(self) -> float:
        return 100 * self.loadgen_cpu_s / self.seconds

    @property
    def us_per_msg(self) -> float:
        if not self.received_in_window:
            return float("nan")
        return 1e6 * self.server_cpu_s / self.received_in_window

    @property
    def p99(self) -> float:
        return self.latencies_ms.get("p99", float("inf"))

    def sustained(self, p99_limit_ms: float = 100.0) -> bool:
        """No loss, no error, p99 under the limit, and at least 90 % of the offered rate."""
        return (
            self.loss == 0
            and self.errors == 0
            and self.bad_acks == 0
            and self.closed_sockets == 0
            and self.p99 <= p99_limit_ms
            and self.delivered_per_s >= 0.9 * self.target_msgs
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rooms": self.rooms,
            "readers": self.readers,
            "rate_per_room": self.rate_per_room,
            "target_msgs_per_s": self.target_msgs,
            "delivered_per_s": self.delivered_per_s,
            "edits": self.edits,
            "expected": self.expected,
            "received": self.received,
            "loss": self.loss,
            "latency_ms": self.latencies_ms,
            "server_cpu_pct": self.server_cpu_pct,
            "loadgen_cpu_pct": self.loadgen_cpu_pct,
            "us_per_msg": self.us_per_msg,
            "server_rss": self.server_rss,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "bad_acks": self.bad_acks,
            "closed_sockets": self.closed_sockets,
            "sustained": self.sustained(),
        }


def percentiles(latencies_ns: list[int]) -> dict[str, float]:
    if not latencies_ns:
        return {}
    values = sorted(latencies_ns)
    n = len(values)

    def at(q: float) -> float:
        return values[min(n - 1, int(q * n))] / 1e6

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": values[-1] / 1e6}


async def run_step(
    rooms: list[Room],
    rate_per_room: float,
    seconds: float,
    server_cpu: Callable[[], float],
    server_rss: Callable[[], int],
    warmup: float = 1.0,
    drain_timeout: float = 3.0,
) -> StepResult:
    """Hold ``rate_per_room`` edits/s in every room for ``warmup + seconds``; measure the last
    ``seconds``, then wait (bounded) for the window's deliveries to arrive."""
    # The load generator's own collector must not pause it mid-window (a pause would show up
    # as server latency); nothing it allocates during a step forms cycles.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        return await _run_step(
            rooms, rate_per_room, seconds, server_cpu, server_rss, warmup, drain_timeout
        )
    finally:
        if gc_enabled:
            gc.enable()


async def _run_step(
    rooms: list[Room],
    rate_per_room: float,
    seconds: float,
    server_cpu: Callable[[], float],
    server_rss: Callable[[], int],
    warmup: float,
    drain_timeout: float,
) -> StepResult:
    probe = rooms[0].probe
    probe.latencies = []
    if probe.sent_at is not None:
        probe.sent_at = []
    probe.received_in_window = 0
    probe.errors = probe.bad_acks = probe.unexpected = 0
    probe.error_samples = []
    for room in rooms:
        room.reset_step()
    n = len(rooms)
    interval = 1.0 / (n * rate_per_room)
    loop_start = time.perf_counter()
    window_at = loop_start + warmup
    end_at = window_at + seconds
    window_open = False
    cpu0 = lg0 = t0 = 0.0
    i = 0
    while True:
        now = time.perf_counter()
        if not window_open and now >= window_at:
            for room in rooms:
                room.open_window()
            probe.window = window_open = True
            cpu0, lg0, t0 = server_cpu(), time.process_time(), now
        if now >= end_at:
            break
        due = min(int((now - loop_start) / interval) + 1, int((end_at - loop_start) / interval))
        while i < due:
            rooms[i % n].edit()
            i += 1
        # Event-loop timers have ~1 ms resolution: shorter sleeps would spin, so edits that
        # fall due within one tick go out together.
        await asyncio.sleep(max(TICK, loop_start + i * interval - time.perf_counter()))
    probe.window = False
    for room in rooms:
        room.close_window()
    cpu1, lg1, t1 = server_cpu(), time.process_time(), time.perf_counter()
    rss = server_rss()
    deadline = time.perf_counter() + drain_timeout
    while time.perf_counter() < deadline:
        if all(room.window_received >= room.expected() for room in rooms):
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)  # the last acks
    readers = len(rooms[0].readers)
    return StepResult(
        rooms=n,
        readers=readers,
        rate_per_room=rate_per_room,
        seconds=t1 - t0,
        edits=sum(room.window_end - room.window_start for room in rooms),
        expected=sum(room.expected() for room in rooms),
        received=sum(room.window_received for room in rooms),
        received_in_window=probe.received_in_window,
        latencies_ms=percentiles(probe.latencies),
        server_cpu_s=cpu1 - cpu0,
        loadgen_cpu_s=lg1 - lg0,
        server_rss=rss,
        errors=probe.errors,
        error_samples=list(probe.error_samples),
        bad_acks=probe.bad_acks,
        closed_sockets=sum(
            1 for room in rooms for c in room.sockets() if c.closed.done() or c.close_code
        ),
    )
