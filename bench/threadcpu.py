"""Where ours' CPU goes by thread (the event loop, the journal's writer): µs per delivered msg.

``python -m bench threadcpu [--rate 20] [--seconds 15]`` starts ``server.py`` three times
(plain, ``--snapshot``, ``--snapshot --snapshot-interval 3600``), joins 200 sessions x 3
users (one full-text typist each, 2 KB), and reads each thread's user and system time from
``/proc/PID/task`` around one window at ``--rate`` edits/s per session (20: ≈8k delivered
msg/s): what each thread costs per delivered message. One server at a time, so the figures
of one run compare; the machine's noise between runs is the same as ``bisect``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from bench import loadgen
from bench.common import HOST, ServerProcess, free_port, ours, prepare_loadgen
from bench.loadgen import Probe
from bench.step import run_step

Times = dict[tuple[str, str], tuple[float, float]]
"""(thread id, name) -> (user, system) seconds."""


def thread_times(pid: int) -> Times:
    tick = os.sysconf("SC_CLK_TCK")
    out: Times = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except FileNotFoundError:  # the thread ended
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[(tid, name)] = (int(fields[11]) / tick, int(fields[12]) / tick)
    return out


async def one(flags: list[str], rate: float, seconds: float, folder: Path) -> list[str]:
    port = free_port()
    server = ServerProcess(ours("--port", str(port), *flags), folder / f"threadcpu-{port}.log")
    server.start()
    try:
        await server.healthy(f"http://{HOST}:{port}/health")
        rooms = await loadgen.build_rooms(port, 200, 2, 2048, "text", Probe())
        try:
            await run_step(rooms, rate, 3.0, server.cpu, server.rss, warmup=0.5)
            before = thread_times(server.pid)
            step = await run_step(rooms, rate, seconds, server.cpu, server.rss, warmup=0.2)
            after = thread_times(server.pid)
        finally:
            loadgen.close_rooms(rooms)
    finally:
        server.stop()
    messages = step.delivered_per_s * seconds
    name = " ".join(flag for flag in flags if not flag.startswith("/")) or "ours"
    rows = [f"| {name} | all | {step.us_per_msg:.1f} | | |"]
    for key in sorted(after, key=lambda k: int(k[0])):
        if key not in before:
            continue
        user = (after[key][0] - before[key][0]) * 1e6 / messages
        system = (after[key][1] - before[key][1]) * 1e6 / messages
        if user + system >= 0.05:
            rows.append(f"| | thread {key[0]} | {user + system:.1f} | {user:.1f} | {system:.1f} |")
    return rows


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--rate", type=float, default=20.0, help="edits/s per session")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    prepare_loadgen(8192)
    rows = []
    with tempfile.TemporaryDirectory(prefix="threadcpu-") as tmp:
        snapshot = str(Path(tmp) / "s.json")
        for flags in (
            [],
            ["--snapshot", snapshot],
            ["--snapshot", snapshot + "2", "--snapshot-interval", "3600"],
        ):
            rows += asyncio.run(one(flags, args.rate, args.seconds, Path(tmp)))
    print(
        f"200 sessions x 3 users at {args.rate:g} edits/s per session, {args.seconds:g} s; "
        "µs per delivered msg (the first thread is the event loop's)\n\n"
        "| server | thread | µs/msg | user | system |\n|---|---|---:|---:|---:|"
    )
    print("\n".join(rows))
    return 0
