"""REST load: ``POST /api/sessions`` and ``GET /api/sessions/{id}``, req/s and latency.

With ``wrk`` on the PATH (Debian's ``wrk`` package) it does the load, on the load
generator's CPU (it inherits this process's affinity); otherwise a small HTTP/1.1 keep-alive
client on a raw asyncio protocol does, closed loop over ``connections`` sockets. Both report
req/s, p50/p90/p99 and non-2xx counts.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bench.common import HOST, ServerProcess
from bench.step import percentiles

CREATE_BODY = b'{"name":"bench","language":"python"}'


@dataclass
class RestResult:
    route: str
    tool: str
    seconds: float
    requests: int
    req_per_s: float
    latency_ms: dict[str, float]
    bad_status: int
    server_cpu_pct: float
    loadgen_cpu_pct: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


# --- wrk ------------------------------------------------------------------------------------

_WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Content-Type"] = "application/json"
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return float("nan")
    return float(m[1]) * _UNITS[m[2]]


def run_wrk(
    url: str, seconds: int, connections: int, post: bool
) -> tuple[int, float, dict[str, float], int]:
    """Run wrk; returns (requests, req/s, latency percentiles in ms, non-2xx count)."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
        ]
        if post:
            script = Path(tmp) / "post.lua"
            script.write_text(_WRK_SCRIPT % CREATE_BODY.decode())
            argv += ["-s", str(script)]
        out = subprocess.run(
            [*argv, url], capture_output=True, text=True, timeout=seconds + 30, check=True
        ).stdout
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    latency = {}
    for label, key in (("50%", "p50"), ("90%", "p90"), ("99%", "p99")):
        m = re.search(rf"^\s+{label}\s+(\S+)", out, re.MULTILINE)
        if m:
            latency[key] = _ms(m[1])
    m = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)
    if m:
        latency["max"] = _ms(m[1])
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return requests, rps, latency, int(bad[1]) if bad else 0


# --- the Python fallback --------------------------------------------------------------------


class _HttpClient(asyncio.Protocol):
    """One keep-alive connection sending the same request again as each response completes."""

    def __init__(self, request: bytes, stats: dict[str, Any], stop_at: float) -> None:
        self.request = request
        self.stats = stats
        self.stop_at = stop_at
        self.buf = b""
        self.sent_at = 0
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent_at = time.perf_counter_ns()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end]
            m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            length = int(m[1]) if m else 0
            total = head_end + 4 + length
            if len(self.buf) < total:
                return
            status = int(head[9:12])
            self.buf = self.buf[total:]
            now = time.perf_counter_ns()
            self.stats["latencies"].append(now - self.sent_at)
            if not 200 <= status < 300:
                self.stats["bad"] += 1
            if time.perf_counter() >= self.stop_at:
                assert self.transport is not None
                self.transport.close()
                return
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def run_python(
    port: int, path: str, seconds: float, connections: int, post: bool
) -> tuple[int, float, dict[str, float], int]:
    if post:
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(CREATE_BODY)}\r\n\r\n"
        ).encode() + CREATE_BODY
    else:
        request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    stats: dict[str, Any] = {"latencies": [], "bad": 0}
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    stop_at = started + seconds
    clients = []
    for _ in range(connections):
        _, client = await loop.create_connection(
            lambda: _HttpClient(request, stats, stop_at), HOST, port
        )
        clients.append(client)
    await asyncio.wait_for(asyncio.gather(*(c.done for c in clients)), seconds + 15)
    elapsed = time.perf_counter() - started
    n = len(stats["latencies"])
    return n, n / elapsed, percentiles(stats["latencies"]), stats["bad"]


async def measure(
    server: ServerProcess, port: int, route: str, path: str, seconds: int, connections: int
) -> RestResult:
    """Load ``path`` for ``seconds`` (wrk if installed): req/s, latency, server CPU.
    ``route`` names it in the report (``POST /api/sessions``: a POST with CREATE_BODY)."""
    post = route.startswith("POST ")
    cpu0, lg0, t0 = server.cpu(), time.process_time(), time.perf_counter()
    if have_wrk():
        tool = "wrk"
        url = f"http://{HOST}:{port}{path}"
        requests, rps, latency, bad = await asyncio.to_thread(
            run_wrk, url, seconds, connections, post
        )
    else:
        tool = "python"
        requests, rps, latency, bad = await run_python(port, path, seconds, connections, post)
    elapsed = time.perf_counter() - t0
    result = RestResult(
        route=route,
        tool=tool,
        seconds=elapsed,
        requests=requests,
        req_per_s=rps,
        latency_ms=latency,
        bad_status=bad,
        server_cpu_pct=100 * (server.cpu() - cpu0) / elapsed,
        loadgen_cpu_pct=100 * (time.process_time() - lg0) / elapsed,
    )
    return result
