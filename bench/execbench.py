"""Running code: time to the first output and to the result, and pings during a long run.

``python -m bench exec [--runs 20] [--levels ...] [--long 10]`` (``--quick``: 3 runs, a 3 s
long run). For each isolation level it starts ``server.py --enable-exec --exec-isolation
LEVEL`` on a free port and, over one socket, runs ``print(1)`` ``--runs`` times, timing from
sending ``run-code`` to ``run-started``, to the first ``run-output`` and to ``run-result``.
Then it starts a ``--long``-second CPU-bound run and pings the server from a second socket
every 100 ms while it runs, against the same pings with nothing running. Prints a Markdown
table (docs/benchmarks.md, "Running code").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import ALL_CPUS, HOST, ServerProcess, free_port, python

BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


async def joined(http: aiohttp.ClientSession, base: str, code: str) -> Any:
    async with http.post(f"{base}/api/sessions", json={"code": code}) as response:
        session = await response.json()
    ws = await http.ws_connect(f"{base.replace('http', 'ws')}/ws")
    await ws.send_json({"type": "join-session", "sessionId": session["id"], "name": "bench"})
    state = await ws.receive_json()
    assert state["type"] == "session-state", state
    return ws


async def one_run(ws: Any) -> tuple[float, float, float]:
    """Seconds from run-code to run-started, to the first output, to run-result."""
    began = time.perf_counter()
    await ws.send_json({"type": "run-code"})
    started = first = 0.0
    for _ in range(1000):
        frame = await ws.receive_json(timeout=30)
        now = time.perf_counter() - began
        if frame["type"] == "run-started":
            started = now
        elif frame["type"] == "run-output" and not first:
            first = now
        elif frame["type"] == "run-result":
            assert frame["status"] == "ok", frame
            return started, first, now
    raise RuntimeError("no run-result")


async def pings(ws: Any, seconds: float) -> list[float]:
    rtts = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        await ws.send_json({"type": "ping"})
        frame = await ws.receive_json(timeout=10)
        assert frame["type"] == "pong", frame
        rtts.append(time.perf_counter() - began)
        await asyncio.sleep(0.1)
    return rtts


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p95 * 1000:.1f} / {ordered[-1] * 1000:.1f}"


async def measure(level: str, runs: int, long: float) -> dict[str, str]:
    port = free_port()
    argv = [python(), "server.py", "--port", str(port), "--enable-exec"]
    argv += ["--exec-isolation", level, "--exec-timeout-seconds", str(long + 5)]
    argv += ["--exec-cpu-seconds", str(int(long) + 5), "--log-level", "WARNING"]
    with tempfile.TemporaryDirectory(prefix="bench-exec-") as folder:
        server = ServerProcess(argv, Path(folder) / "server.log", ALL_CPUS)  # runs use a core
        server.start()
        try:
            health = await server.healthy(f"http://{HOST}:{port}/health")
            assert health["execution"]["isolation"] == level, health
            timings, idle, during = await _drive(f"http://{HOST}:{port}", runs, long)
        finally:
            server.stop()
    return {
        "level": level,
        "started": ms([t[0] for t in timings]),
        "first": ms([t[1] for t in timings]),
        "result": ms([t[2] for t in timings]),
        "idle": ms(idle),
        "during": ms(during),
    }


async def _drive(
    base: str, runs: int, long: float
) -> tuple[list[tuple[float, float, float]], list[float], list[float]]:
    async with aiohttp.ClientSession() as http:
        ws = await joined(http, base, "print(1)")
        await one_run(ws)  # warm-up
        timings = [await one_run(ws) for _ in range(runs)]
        pinger = await joined(http, base, "")
        idle = await pings(pinger, 2.0)
        busy = await joined(http, base, BUSY.format(seconds=long))
        await busy.send_json({"type": "run-code"})
        during = await pings(pinger, long - 1.0)
        for socket_ in (ws, pinger, busy):
            await socket_.close()
    return timings, idle, during


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--runs", type=int, default=None, help="of print(1) (20; quick 3)")
    parser.add_argument("--levels", default="bubblewrap,namespaces,rlimits")
    parser.add_argument("--long", type=float, default=None, help="CPU-bound seconds (10; quick 3)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    args.runs = args.runs or (3 if args.quick else 20)
    args.long = args.long or (3.0 if args.quick else 10.0)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs of print(1)")
    print()
    print(
        "| isolation | run-code → run-started | → first output | → run-result "
        f"| ping, idle | ping during a {args.long:.0f} s CPU-bound run |"
    )
    print("|---|---|---|---|---|---|")
    for level in args.levels.split(","):
        row = asyncio.run(measure(level, args.runs, args.long))
        print(
            f"| {row['level']} | {row['started']} | {row['first']} | {row['result']} "
            f"| {row['idle']} | {row['during']} |"
        )
    print()
    print("(milliseconds: median / p95 / max)")
    return 0
