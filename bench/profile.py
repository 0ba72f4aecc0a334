"""Where our server's CPU goes: py-spy samples under load, summarised by code and function.

``python -m bench profile [--seconds 10] [--quick]`` samples ``server.py`` (py-spy, 250 Hz)
under three loads, each on a fresh server:

1. ``make bench``'s socket shape at the fixed rate (200 x 3, full-text clients, 2 KB,
   ~8k msg/s);
2. op clients on a 100 KB document (20 x 3) at 50 edits/s, enough samples to see the
   per-edit cost that grows with the document;
3. ``POST /api/sessions`` under wrk (when wrk is on the PATH).

py-spy pauses the server for each sample (non-blocking sampling tears stacks apart), which
costs it a few per cent, so these runs' rates are not figures to quote. ``py-spy record
--format raw`` writes collapsed stacks (``frame;frame;frame count``); over the samples where
the server was busy (py-spy leaves idle waits out), each function's *self* share (it was the
innermost frame) and *inclusive* share (it was on the stack) is "% of server CPU", since the
server is one thread on its own core.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench import loadgen, rest
from bench.common import HOST, REPO, RESULTS, ServerProcess, free_port, ours, prepare_loadgen, stamp
from bench.loadgen import Probe
from bench.step import run_step

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
Case = tuple[int, int, str, float]
"""Sessions (each 1 typist and 2 readers), document bytes, client mode, edits/s."""
CASES: tuple[Case, ...] = ((200, 2048, "text", 20.0), (20, 100 * 1024, "ops", 50.0))


def py_spy() -> str | None:
    """The py-spy binary next to this interpreter, or on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_recording(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed (make bench-quick installs it)")
    argv = [binary, "record", "--pid", str(pid), "--duration", str(round(seconds))]
    argv += ["--rate", "250", "--format", "raw", "--function", "--output", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass
class Profile:
    samples: int
    self_share: list[tuple[str, float]]
    inclusive_share: list[tuple[str, float]]

    def top(self, n: int = 20) -> str:
        lines = ["| self % | function |", "|---:|---|"]
        lines += [f"| {pct:.1f} | `{name}` |" for name, pct in self.self_share[:n]]
        lines += ["", "| inclusive % | function |", "|---:|---|"]
        # The frames every sample passes through (run_forever, main, ...) say nothing.
        telling = [(name, pct) for name, pct in self.inclusive_share if pct < 95.0]
        lines += [f"| {pct:.1f} | `{name}` |" for name, pct in telling[:n]]
        return "\n".join(lines)

    def by_category(self) -> str:
        totals: dict[str, float] = {}
        for name, pct in self.self_share:
            totals[_category(name)] = totals.get(_category(name), 0.0) + pct
        ranked = sorted(totals.items(), key=lambda item: -item[1])[:10]
        rows = [f"| {pct:.1f} | {cat} |" for cat, pct in ranked]
        return "\n".join(["| % of server CPU | code |", "|---:|---|", *rows])


def _category(name: str) -> str:
    path = name.rsplit("(", 1)[-1]
    for prefix, category in (
        ("sessions/", "project (sessions/)"),
        ("server.py", "project (sessions/)"),
        ("aiohttp/", "aiohttp"),
        ("asyncio/", "asyncio event loop"),
        ("selectors.py", "asyncio event loop"),
        ("json/", "json (stdlib)"),
        ("logging/", "logging"),
    ):
        if path.startswith(prefix):
            return category
    return "other: " + path.split("/")[0].rstrip(")")


def _short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "/lib/python3.11/", f"{REPO}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m['func']} ({path})"


def summarize(collapsed: Path) -> Profile:
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        count = int(count_text)
        total += count
        self_counts[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, 100 * c / total) for name, c in counter.most_common()]

    return Profile(total, shares(self_counts), shares(inclusive)) if total else Profile(0, [], [])


def section(title: str, rate: str, profile: Profile) -> str:
    head = f"{rate} (with py-spy attached), {profile.samples} busy samples."
    where = "Self time by where the code lives:"
    return "\n\n".join([f"### {title}", head, where, profile.by_category(), profile.top()])


Record = Callable[[], "subprocess.Popen[bytes]"]
Load = Callable[[ServerProcess, int, Record], Awaitable[str]]
"""Puts load on a server, starts py-spy with ``Record`` and says what the rate was."""


async def sample(title: str, folder: Path, seconds: float, load: Load) -> str:
    """Start a server, put ``load`` on it, record ``seconds`` of it; the Markdown section."""
    port = free_port()
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    server = ServerProcess(ours("--port", str(port)), folder / f"profile-{slug}.log")
    server.start()
    out = folder / f"profile-{slug}.txt"
    try:
        await server.healthy(f"http://{HOST}:{port}/health")
        rate = await load(server, port, lambda: start_recording(server.pid, seconds, out))
    finally:
        server.stop()
    return section(title, rate, summarize(out))


async def recorded(recorder: subprocess.Popen[bytes]) -> None:
    _, err = await asyncio.to_thread(recorder.communicate)
    if recorder.returncode != 0:
        raise RuntimeError(f"py-spy failed ({recorder.returncode}): {err.decode()[-500:]}")


async def sockets(
    case: Case, seconds: float, server: ServerProcess, port: int, record: Record
) -> str:
    sessions, size, mode, edits = case
    rooms = await loadgen.build_rooms(port, sessions, 2, size, mode, Probe())
    try:
        await run_step(rooms, edits, 2.0, server.cpu, server.rss, warmup=0.5)
        recorder = record()
        step = await run_step(rooms, edits, seconds + 1, server.cpu, server.rss, warmup=0.2)
        await recorded(recorder)
    finally:
        loadgen.close_rooms(rooms)
    return f"{step.delivered_per_s:,.0f} delivered msg/s, server CPU {step.server_cpu_pct:.0f} %"


async def posts(seconds: float, server: ServerProcess, port: int, record: Record) -> str:
    recorder = record()
    route, path = "POST /api/sessions", "/api/sessions"
    result = await rest.measure(server, port, route, path, round(seconds), 32)
    await recorded(recorder)
    return f"{result.req_per_s:,.0f} req/s, server CPU {result.server_cpu_pct:.0f} %"


async def profile(folder: Path, seconds: float, scale: int) -> str:
    """Every case (``1/scale`` of its sessions), then POST under wrk if it is installed."""
    parts = []
    for sessions, size, mode, edits in CASES:
        case = (max(1, sessions // scale), size, mode, edits)
        clients = "full-text clients" if mode == "text" else "op clients"
        title = f"{clients}, {case[0]} x 3, {size // 1024} KB, {edits:g} edits/s"
        parts.append(await sample(title, folder, seconds, partial(sockets, case, seconds)))
    if rest.have_wrk():
        title = "POST /api/sessions under wrk"
        parts.append(await sample(title, folder, seconds, partial(posts, seconds)))
    return "\n\n".join(parts)


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--seconds", type=float, default=None, help="sampled per load (10)")
    parser.add_argument("--quick", action="store_true", help="2 s per load, 1/10 the sessions")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    if py_spy() is None:
        parser.error("py-spy is not installed (make bench-quick installs it into .venv)")
    folder = args.results / f"profile-{stamp()}"
    folder.mkdir(parents=True, exist_ok=True)
    prepare_loadgen(8192)
    text = (
        "## Profile of ours (py-spy)\n\n"
        + asyncio.run(profile(folder, seconds, 10 if args.quick else 1))
        + "\n"
    )
    (folder / "profile.md").write_text(text)
    print(text)
    print(f"written to {folder / 'profile.md'}", file=sys.stderr)
    return 0
