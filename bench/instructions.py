"""Instructions per delivered message in the running server, counted by callgrind.

``python -m bench instructions [--variants NAME,...] [--edits-per-room 20] [--rooms 20]``
runs each variant of ``python -m bench bisect`` (the product, the product less one more
piece per step, on uvloop, with batched writes, with ``--snapshot``, the floor) under
``valgrind --tool=callgrind --instr-atstart=no``, one after the other, joins ``--rooms``
sessions x 3 users (one full-text typist, 2 KB document), warms up with instrumentation off,
then switches it on (``callgrind_control -i on``), sends ``--edits-per-room`` edits in every
room at a gentle rate (each frame in a turn of the loop of its own, as in a server that is
not saturated), waits for every delivery, and dumps the counters (``callgrind_control -d``).

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

from bench import bisect, loadgen
from bench.common import HOST, RESULTS, ServerProcess, free_port, prepare_loadgen
from bench.loadgen import Probe
from bench.step import run_step

_SUMMARY = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True, timeout=60)


def _count(out: Path) -> int:
    """The instructions in the dumps callgrind wrote for ``out`` (one per ``-d``)."""
    total = 0
    for dump in sorted(out.parent.glob(out.name + "*")):
        found = _SUMMARY.search(dump.read_text(errors="replace"))
        if found:
            total += int(found[1])
    return total


async def measure(
    name: str, argv: list[str], rooms: int, edits: int, rate: float, tmp: Path
) -> tuple[int, int]:
    """(instructions, delivered messages) of ``edits`` edits per room."""
    port = free_port()
    out = tmp / (re.sub(r"\W+", "_", name) + ".out")
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    server = ServerProcess([*valgrind, *argv, "--port", str(port)], RESULTS / f"ir-{out.stem}.log")
    server.start()
    try:
        await server.healthy(f"http://{HOST}:{port}/health", within=300.0)
        room_list = await loadgen.build_rooms(port, rooms, 2, 2048, "text", Probe(), False)
        try:
            seconds = edits / rate
            await run_step(room_list, rate, 2.0, server.cpu, server.rss, 0.5, drain_timeout=30)
            await asyncio.to_thread(_control, "-i", "on", str(server.pid))
            step = await run_step(
                room_list, rate, seconds, server.cpu, server.rss, 0.0, drain_timeout=60
            )
            await asyncio.to_thread(_control, "-d", str(server.pid))
        finally:
            loadgen.close_rooms(room_list)
    finally:
        server.stop(timeout=60)
    if step.loss or step.errors or step.bad_acks:
        raise RuntimeError(f"{name}: the window was not clean: {step.to_json()}")
    return _count(out), step.received_in_window


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--variants", default="", help="comma-separated subset of the names")
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--edits-per-room", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2.0, help="edits/s per session")
    args = parser.parse_args(argv)
    only = [v.strip() for v in args.variants.split(",") if v.strip()]
    prepare_loadgen(4096)
    rows: list[tuple[str, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="ir-") as tmp:
        for name, command in bisect.variants(Path(tmp)):
            if only and name not in only:
                continue
            ir, delivered = asyncio.run(
                measure(name, command, args.rooms, args.edits_per_room, args.rate, Path(tmp))
            )
            rows.append((name, ir, delivered))
            print(f"  {name}: {ir / max(delivered, 1) / 1000:.1f}k instructions/msg", flush=True)
    floor = next((ir / d for n, ir, d in rows if n == "floor" and d), None)
    print(
        f"\n{args.rooms} sessions x 3 users, {args.edits_per_room} full-text edits each at "
        f"{args.rate:g}/s, counted by callgrind (user space only)\n\n"
        "| variant | instructions per delivered msg | ÷ floor | Δ vs the row above |\n"
        "|---|---:|---:|---:|"
    )
    above: float | None = None
    base = next((ir / max(d, 1) for n, ir, d in rows if n == "ours"), None)
    for name, ir, delivered in rows:
        per = ir / max(delivered, 1)
        if name.startswith("ours ") and base is not None:  # a mode of the product
            delta = f"{(per - base) / 1000:+.1f}k (vs ours)"
        else:
            delta = "" if above is None or name == "floor" else f"{(per - above) / 1000:+.1f}k"
        ratio = f"{per / floor:.2f}" if floor else "-"
        print(f"| {name} | {per / 1000:.1f}k | {ratio} | {delta} |")
        if name == "ours" or name.startswith("- "):
            above = per
    return 0
