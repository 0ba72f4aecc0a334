"""Instructions per delivered message in the running server, counted by callgrind.

``python -m bench instructions [--variants NAME,...] [--rooms 20] [--rates 1,3]``
runs each variant of ``python -m bench bisect`` (the product, the product less one more
piece per step, on uvloop, with batched writes, with ``--snapshot``, the floor) under
``valgrind --tool=callgrind --instr-atstart=no``, one after the other, joins ``--rooms``
sessions x 3 users (one full-text typist, 2 KB document), warms up with instrumentation off,
then switches it on (``callgrind_control -i on``) and holds two windows of the same length
at two gentle rates (each frame in a turn of the loop of its own, as in a server that is not
saturated), dumping the counters after each (``callgrind_control -d``). The difference of
the two counts over the difference of the delivered messages is the cost of a message: what
the server does whatever the load cancels out.

Callgrind counts the instructions the process executes in user space, the same on a loaded
machine as on an idle one: the time in the kernel (the socket syscalls) is not in the count,
so this bisects our code and the libraries', not the kernel's share. The wall-clock bisection
(``python -m bench bisect``) measures everything, with the shared machine's noise.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import tempfile
from pathlib import Path

from bench import loadgen
from bench.common import (
    ALL_CPUS,
    HOST,
    RESULTS,
    ServerProcess,
    free_port,
    prepare_loadgen,
)
from bench.loadgen import Probe
from bench.step import run_step
from bench.variants import variants as bisect_variants

SEPARATE_THREADS = False
"""``--separate-threads``: callgrind counts each thread in a file of its own (and this says
each file's count), to tell the loop's share from the journal writer's."""
_SUMMARY = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True, timeout=60)


def _count(out: Path, number: int) -> int:
    """The instructions in callgrind's ``number``-th dump for ``out`` (each ``-d`` writes
    what was counted since the one before), all threads."""
    dumps = [out.with_name(f"{out.name}.{number}")]
    if not dumps[0].exists():  # --separate-threads: one file per thread, NAME.N-TT
        dumps = sorted(out.parent.glob(f"{out.name}.{number}-*"))
    total = 0
    for dump in dumps:
        found = _SUMMARY.search(dump.read_text(errors="replace"))
        if not found:
            raise RuntimeError(f"no instruction count in {dump}")
        total += int(found[1])
        if len(dumps) > 1:
            print(f"    {dump.name}: {int(found[1]):,} instructions", flush=True)
    return total


async def measure(
    name: str, argv: list[str], rooms: int, seconds: float, rates: tuple[float, float], tmp: Path
) -> tuple[float, int]:
    """(instructions per delivered message, messages in the larger window): the difference
    between two windows of ``seconds`` at the two rates over the difference in messages, so
    that what the server does whatever the load (timers, the collector, idle turns of the
    loop) cancels out."""
    port = free_port()
    out = tmp / (re.sub(r"\W+", "_", name) + ".out")
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    if SEPARATE_THREADS:
        valgrind.insert(2, "--separate-threads=yes")
    # On both cores: a count does not depend on where it runs, and a loaded machine's one
    # core may not give a server under valgrind enough time to keep up even at this rate.
    server = ServerProcess(
        [*valgrind, *argv, "--port", str(port)], RESULTS / f"ir-{out.stem}.log", ALL_CPUS
    )
    server.start()
    counts: list[tuple[int, int]] = []
    try:
        await server.healthy(f"http://{HOST}:{port}/health", within=300.0)
        room_list = await loadgen.build_rooms(port, rooms, 2, 2048, "text", Probe(), False)
        try:
            await run_step(room_list, rates[1], 2.0, server.cpu, server.rss, 0.5, drain_timeout=30)
            await asyncio.to_thread(_control, "-i", "on", str(server.pid))
            for number, rate in enumerate(rates, 1):
                step = await run_step(
                    room_list, rate, seconds, server.cpu, server.rss, 0.0, drain_timeout=60
                )
                await asyncio.to_thread(_control, "-d", str(server.pid))
                if step.loss or step.errors or step.bad_acks:
                    raise RuntimeError(f"{name}: the window was not clean: {step.to_json()}")
                counts.append((_count(out, number), step.received_in_window))
        finally:
            loadgen.close_rooms(room_list)
    finally:
        server.stop(timeout=60)
    (ir_low, msgs_low), (ir_high, msgs_high) = counts
    return (ir_high - ir_low) / (msgs_high - msgs_low), msgs_high


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--variants", default="", help="comma-separated subset of the names")
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="per window")
    parser.add_argument(
        "--rates", default="0.25,0.75", help="edits/s per session in the two windows (low,high)"
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (git worktree add DIR main): adds its server.py as `before` "
        "and `before --snapshot`",
    )
    parser.add_argument("--separate-threads", action="store_true", help="count per thread")
    args = parser.parse_args(argv)
    global SEPARATE_THREADS
    SEPARATE_THREADS = args.separate_threads
    only = [v.strip() for v in args.variants.split(",") if v.strip()]
    low, high = (float(r) for r in args.rates.split(","))
    prepare_loadgen(4096)
    rows: list[tuple[str, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="ir-") as tmp:
        table = dict(bisect_variants(Path(tmp), args.before))
        for name in only or list(table):
            command = table[name]
            per, delivered = asyncio.run(
                measure(name, command, args.rooms, args.seconds, (low, high), Path(tmp))
            )
            rows.append((name, per, delivered))
            print(f"  {name}: {per / 1000:.1f}k instructions/msg", flush=True)
    floor = next((per for n, per, _ in rows if n == "floor"), None)
    print(
        f"\n{args.rooms} sessions x 3 users, one full-text typist each, 2 KB document; "
        f"windows of {args.seconds:g} s at {low:g} and {high:g} edits/s per session; "
        "instructions per delivered msg = the difference of the two windows' counts over the "
        "difference of their messages (callgrind, user space only)\n\n"
        "| variant | instructions per delivered msg | ÷ floor | Δ vs the row above |\n"
        "|---|---:|---:|---:|"
    )
    above: float | None = None
    base = next((per for n, per, _ in rows if n == "ours"), None)
    for name, per, _ in rows:
        if name.startswith(("ours ", "before")) and base is not None:  # a mode, a version
            delta = f"{(per - base) / 1000:+.1f}k (vs ours)"
        else:
            delta = "" if above is None or name == "floor" else f"{(per - above) / 1000:+.1f}k"
        ratio = f"{per / floor:.2f}" if floor else "-"
        print(f"| {name} | {per / 1000:.1f}k | {ratio} | {delta} |")
        if name == "ours" or name.startswith("- "):
            above = per
    return 0
