"""Persistence: loop stall while saving, loss after ``kill -9``, the cost of ``always``.

``python -m bench persistence [--sessions 100] [--events 10000] [--seconds 12] [--out F]``
(docs/benchmarks.md, "Persistence"); ``--quick`` is 10 sessions of 500 events, 2 s windows
and one ``kill -9`` per mode. Recovery time is measured in ``stall`` and ``replay``.

* **stall**: a base snapshot of ``--sessions`` sessions with ``--events`` timeline events each
  is generated, and ``server.py --snapshot`` restores it (the **recovery** time is start to
  healthy). One typist per session edits at ``--rate`` edits/s, so every base snapshot
  (``--snapshot-interval 2``) re-serialises every session; a separate process sends a
  ``ping`` frame every 5 ms and records each round trip. The same load runs against the
  same sessions with persistence off (``python -m bench preloaded-server``).
* **always**: 20 typists, each sending its next edit when the last is acknowledged, for
  ``--seconds``, on a fresh server without persistence, with ``interval`` and with
  ``always``: acknowledged edits per second and ack latency.
* **loss**: 10 such typists; ``kill -9`` after 1-3 s (quick: 0.3-1 s); restart; how many
  acknowledged edits are missing, per durability mode.
* **replay**: the stall run's server is killed with ``kill -9``; starting again replays its
  journal on the base: start to healthy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import HOST, REPO, ServerProcess, free_port, ours, python, rss_bytes
from sessions.clock import iso, system_clock
from sessions.collab.document import Document
from sessions.config import Config
from sessions.persistence.base import stream, write_base
from sessions.persistence.image import capture
from sessions.persistence.image import steps as image_steps
from sessions.persistence.journal import FileSystem
from sessions.persistence.restore import restore
from sessions.persistence.service import STEP_BUDGET
from sessions.room.store import SessionStore


def make_base(path: Path, sessions: int, events: int) -> list[str]:
    """A base snapshot of sessions whose timelines hold ``events`` valid edits each."""
    config = Config(timeline_size=events)
    store = SessionStore(config, system_clock)
    parts = []
    now = system_clock()
    for i in range(sessions):
        session = store.create(f"bench {i}", "python", "")
        for n in range(events):
            session.timeline.append_edit(now, None, None, n + 1, [n, "x"] if n else ["x"])
        session.document = Document("x" * events, events, max_bytes=config.max_code_bytes)
        parts.append((capture(session), 0))
    envelope = {"version": 1, "savedAt": iso(now), "clean": False}
    trailer = {"version": 1, "generation": 0, "durability": "interval", "records": {}}
    write_base(path, envelope, {**trailer, "skip": []}, parts, FileSystem())
    return [session.id for session in store]


def start(argv: list[str], folder: Path, name: str) -> tuple[ServerProcess, str]:
    port = free_port()
    server = ServerProcess([*argv, "--port", str(port)], folder / f"{name}.log")
    server.start()
    return server, f"http://{HOST}:{port}"


async def wait_ready(url: str, server: ServerProcess) -> float:
    """Seconds until ``/health`` answers (a restore of a big base takes minutes)."""
    started = time.monotonic()
    await server.healthy(f"{url}/health", within=600.0)
    return time.monotonic() - started


class Typist:
    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.acks: list[tuple[float, int]] = []
        self.latencies: list[float] = []

    async def run(self, http: aiohttp.ClientSession, url: str, until: float, rate: float) -> None:
        try:
            async with http.ws_connect(f"{url}/ws") as ws:
                join = {"type": "join-session", "sessionId": self.session_id, "name": "T"}
                await ws.send_json(join)
                state = await ws.receive_json()
                revision, length = state["session"]["revision"], len(state["session"]["code"])
                while time.monotonic() < until:
                    sent = time.monotonic()
                    ops = [length, "y"] if length else ["y"]
                    await ws.send_json({"type": "code-change", "revision": revision, "ops": ops})
                    ack = await ws.receive_json(timeout=30)
                    now = time.monotonic()
                    revision, length = ack["revision"], length + 1
                    self.acks.append((now, revision))
                    self.latencies.append(now - sent)
                    if rate:
                        await asyncio.sleep(max(0.0, sent + 1 / rate - time.monotonic()))
        except (aiohttp.ClientError, ConnectionError, TypeError, TimeoutError):
            return  # killed


async def type_for(url: str, sessions: list[str], seconds: float, rate: float) -> list[Typist]:
    typists = [Typist(session_id) for session_id in sessions]
    until = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(t.run(http, url, until, rate) for t in typists))
    return typists


async def create_sessions(url: str, count: int) -> list[str]:
    async with aiohttp.ClientSession() as http:
        ids = []
        for i in range(count):
            async with http.post(f"{url}/api/sessions", json={"name": f"t{i}"}) as response:
                ids.append((await response.json())["id"])
        return ids


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# --- the ping process ----------------------------------------------------------------------


async def ping(url: str, seconds: float, every: float) -> dict[str, float]:
    rtts: list[float] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{url}/ws") as ws:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            sent = time.monotonic()
            await ws.send_json({"type": "ping"})
            await ws.receive_json(timeout=60)
            rtts.append(time.monotonic() - sent)
            await asyncio.sleep(max(0.0, sent + every - time.monotonic()))
    return {
        "pings": len(rtts),
        "max_ms": max(rtts) * 1000,
        "p99_ms": percentile(rtts, 0.99) * 1000,
        "p50_ms": statistics.median(rtts) * 1000,
    }


def modified(path: Path | None) -> int:
    return path.stat().st_mtime_ns if path is not None else 0


def journal_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("s.json.journal.*"))


async def stall(url: str, server: ServerProcess, ids: list[str], args: Any, snap: Path | None):
    """Typing on every session while a separate process pings; RSS and saves sampled."""
    pinger = await asyncio.create_subprocess_exec(
        python(), "-m", "bench", "persistence", "--ping", url, str(args.seconds),
        cwd=REPO, stdout=subprocess.PIPE,
    )  # fmt: skip
    typing = asyncio.ensure_future(type_for(url, ids, args.seconds, args.rate))
    rss, saves, seen = [], 0, modified(snap)
    while not typing.done():
        rss.append(rss_bytes(server.pid))
        if modified(snap) != seen:
            saves, seen = saves + 1, modified(snap)
        await asyncio.sleep(0.1)
    typists = await typing
    out, _ = await pinger.communicate()
    latencies = [x for t in typists for x in t.latencies]
    return {
        **json.loads(out),
        "edits": sum(len(t.acks) for t in typists),
        "ack_p99_ms": percentile(latencies, 0.99) * 1000,
        "saves": saves,
        "rss_min_mb": min(rss) / 2**20,
        "rss_max_mb": max(rss) / 2**20,
    }


async def bench_stall(args: Any, folder: Path) -> dict[str, Any]:
    base = folder / "base.json"
    made = time.monotonic()
    ids = make_base(base, args.sessions, args.events)
    results: dict[str, Any] = {"generated_s": time.monotonic() - made, "base_mb": 0.0}
    results["base_mb"] = base.stat().st_size / 2**20
    snap = folder / "s.json"
    shutil.copy(base, snap)
    flags = ["--snapshot-interval", "2"]
    server, url = start(ours("--snapshot", str(snap), *flags), folder, "stall")
    try:
        results["recovery_s"] = await wait_ready(url, server)
        results["with_persistence"] = await stall(url, server, ids, args, snap)
        server.kill()
        journal = journal_bytes(folder)
        again, url = start(ours("--snapshot", str(snap), *flags), folder, "replay")
        results["replay"] = {
            "journal_mb": journal / 2**20,
            "recovery_s": await wait_ready(url, again),
        }
        again.stop()
    finally:
        server.stop()
    preloaded = ("-m", "bench", "preloaded-server", "--preload", str(base))
    plain, url = start(ours(*flags, entry=preloaded), folder, "off")
    try:
        results["preload_s"] = await wait_ready(url, plain)
        results["without_persistence"] = await stall(url, plain, ids, args, None)
    finally:
        plain.stop()
    return results


async def bench_lag(args: Any, folder: Path) -> dict[str, Any]:
    """In one process, no sockets: the longest the loop waits while a whole base snapshot is
    encoded the way the server does it (bench_stall's pings also carry the machine's noise)."""
    base = folder / "lag.json"
    make_base(base, args.sessions, args.events)
    sessions = restore(base, Config(), None).sessions
    lags: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0)
            lags.append(time.perf_counter() - started)

    ticking = asyncio.ensure_future(tick())
    started, written = time.perf_counter(), 0
    steps = 0
    for group in image_steps(sessions, STEP_BUDGET):
        parts = [(capture(session), 0) for session in group]
        steps += 1
        await asyncio.sleep(0)
        for item in stream({"version": 1}, {}, parts):
            written += len(item) if isinstance(item, bytes) else 0
            await asyncio.sleep(0)
    seconds = time.perf_counter() - started
    done.set()
    await ticking
    return {
        "encoded_mb": written / 2**20,
        "seconds": seconds,
        "capture_steps": steps,
        "max_wait_ms": max(lags) * 1000,
        "p99_wait_ms": percentile(lags, 0.99) * 1000,
    }


async def bench_always(args: Any, folder: Path) -> dict[str, Any]:
    results = {}
    for mode in ("off", "interval", "always"):
        snap = folder / f"always-{mode}.json"
        flags = [] if mode == "off" else ["--snapshot", str(snap), "--durability", mode]
        server, url = start(ours(*flags), folder, mode)
        try:
            await wait_ready(url, server)
            ids = await create_sessions(url, 20)
            typists = await type_for(url, ids, args.seconds, 0)
        finally:
            server.stop()
        latencies = [x for t in typists for x in t.latencies]
        results[mode] = {
            "edits_per_s": sum(len(t.acks) for t in typists) / args.seconds,
            "ack_p50_ms": statistics.median(latencies) * 1000,
            "ack_p99_ms": percentile(latencies, 0.99) * 1000,
        }
    return results


async def bench_loss(args: Any, folder: Path) -> dict[str, Any]:
    rng = random.Random(7)
    results: dict[str, Any] = {}
    for mode in ("interval", "always"):
        runs = []
        for attempt in range(args.kills):
            snap = folder / f"loss-{mode}-{attempt}.json"
            flags = ours("--snapshot", str(snap), "--durability", mode)
            server, url = start(flags, folder, f"loss-{mode}")
            await wait_ready(url, server)
            ids = await create_sessions(url, 10)
            typing = asyncio.ensure_future(type_for(url, ids, 60, 0))
            await asyncio.sleep(rng.uniform(*args.kill_after))
            killed = time.monotonic()
            server.kill()
            typists = await typing
            again, url = start(flags, folder, f"loss-{mode}")
            await wait_ready(url, again)
            lost, oldest = 0, 0.0
            async with aiohttp.ClientSession() as http:
                for typist in typists:
                    async with http.get(f"{url}/api/sessions/{typist.session_id}") as response:
                        restored = (await response.json())["revision"]
                    missing = [(at, rev) for at, rev in typist.acks if rev > restored]
                    lost += len(missing)
                    if missing:
                        oldest = max(oldest, killed - missing[0][0])
            again.stop()
            acked = sum(len(t.acks) for t in typists)
            runs.append({"acked": acked, "lost": lost, "oldest_lost_ms": oldest * 1000})
        results[mode] = runs
    return results


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--sessions", type=int, default=None, help="in the base (100)")
    parser.add_argument("--events", type=int, default=None, help="per session (10,000)")
    parser.add_argument("--seconds", type=float, default=None, help="per window (12)")
    parser.add_argument("--rate", type=float, default=5.0, help="edits/s per typist (stall)")
    parser.add_argument("--kills", type=int, default=None, help="per durability mode (3)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("lag", "stall", "always", "loss"), action="append")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--ping", nargs=2, metavar=("URL", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ping:  # the separate pinging process of ``stall``
        print(json.dumps(asyncio.run(ping(args.ping[0], float(args.ping[1]), 0.005))))
        return 0
    for name, full, quick in (
        ("sessions", 100, 10),
        ("events", 10_000, 500),
        ("seconds", 12.0, 2.0),
        ("kills", 3, 1),
    ):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.kill_after = (0.3, 1.0) if args.quick else (1.0, 3.0)  # seconds of typing
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-persist-") as tmp:
        folder = Path(tmp)
        for name, run in (
            ("lag", bench_lag),
            ("stall", bench_stall),
            ("always", bench_always),
            ("loss", bench_loss),
        ):
            if args.only is None or name in args.only:
                results[name] = asyncio.run(run(args, folder))
                print(name, json.dumps(results[name], indent=1), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0
