"""The tail at ≈2k msg/s: which of the server's garbage collections its slowest messages met.

``python -m bench tail [--rounds 4] [--seconds 10] [--variants ours,floor] [--before DIR]``
starts each variant (the names of ``python -m bench bisect``) under ``bench gclog-server``
on CPU 0, which logs every collection the server makes with its start and end on the
system-wide monotonic clock, joins 200 sessions x 3 users on each, and runs rounds of one
window each at the moderate rate (5 edits/s per session, ≈2k delivered msg/s), rotated.

For each window it prints p99 and max latency, the middle (generation 1) and full
(generation 2) collections that ran in it (how many, the longest), and what the slowest
message was in flight with: a collection of 1 ms or more (its generation and pause), or
nothing the server logged (then the pause was the machine's: the kernel, the load
generator, or a long turn of the server's own).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen
from bench.common import (
    HOST,
    Plan,
    ServerProcess,
    add_plan_options,
    free_port,
    plan_of,
    prepare_loadgen,
    python,
)
from bench.loadgen import Probe
from bench.step import StepResult, run_step
from bench.variants import rotated_order, variants


@dataclass(frozen=True)
class Collection:
    generation: int
    start_ns: int
    end_ns: int
    collected: int

    @property
    def pause_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def read_collections(path: Path) -> list[Collection]:
    """The collections ``bench gclog-server`` logged (a line cut short by a stop is left out)."""
    out = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 4:
            generation, start, end, collected = map(int, fields)
            out.append(Collection(generation, start, end, collected))
    return out


def met_by(
    collections: list[Collection], sent_ns: int, received_ns: int, at_least_ms: float = 0.0
) -> list[Collection]:
    """The collections of ``at_least_ms`` or longer that ran while a message was in flight."""
    return [
        c
        for c in collections
        if c.start_ns < received_ns and c.end_ns > sent_ns and c.pause_ms >= at_least_ms
    ]


@dataclass
class Window:
    step: StepResult
    slowest_ms: float
    met: list[Collection]
    in_window: list[Collection]

    def cells(self) -> list[str]:
        """p99, max, middle and full collections (count, longest), what the slowest met."""
        cells = [f"{self.step.latencies_ms['p99']:.2f}", f"{self.slowest_ms:.1f}"]
        for generation in (1, 2):
            pauses = [c.pause_ms for c in self.in_window if c.generation == generation]
            cells.append(f"{len(pauses)} ({max(pauses):.1f})" if pauses else "0")
        met = ", ".join(f"gen {c.generation} ({c.pause_ms:.1f} ms)" for c in self.met)
        return [*cells, met or "no collection"]


@dataclass
class Side:
    name: str
    argv: list[str]
    log: Path
    server: ServerProcess | None = None
    rooms: list[loadgen.Room] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)


async def start(side: Side, plan: Plan, logs: Path) -> None:
    port = free_port()
    _, *command = side.argv  # the interpreter: gclog-server runs the rest in its own
    argv = [python(), "-m", "bench", "gclog-server", str(side.log), *command, "--port", str(port)]
    name = side.name.replace(" ", "").replace("-", "_")
    side.server = ServerProcess(argv, logs / f"tail-{name}.log")
    side.server.start()
    await side.server.healthy(f"http://{HOST}:{port}/health")
    probe = Probe(sent_at=[])
    side.rooms = await loadgen.build_rooms(
        port, plan.rooms, plan.readers, plan.doc_size, "text", probe, False
    )


async def window(side: Side, plan: Plan, seconds: float) -> Window:
    assert side.server is not None
    step = await run_step(
        side.rooms, plan.moderate_rate, seconds, side.server.cpu, side.server.rss, plan.warmup
    )
    probe = side.rooms[0].probe
    assert probe.sent_at, "no message arrived in the window"
    slowest = max(range(len(probe.latencies)), key=probe.latencies.__getitem__)
    sent, latency = probe.sent_at[slowest], probe.latencies[slowest]
    collections = read_collections(side.log)
    first = min(probe.sent_at)
    last = max(s + lat for s, lat in zip(probe.sent_at, probe.latencies, strict=True))
    return Window(
        step=step,
        slowest_ms=latency / 1e6,
        met=met_by(collections, sent, sent + latency, at_least_ms=1.0),
        in_window=met_by(collections, first, last),
    )


def report(sides: list[Side], plan: Plan, seconds: float) -> str:
    rate = plan.rooms * plan.readers * plan.moderate_rate
    lines = [
        f"{plan.rooms} sessions x {plan.readers + 1} users at {rate:,.0f} msg/s, {seconds:g} s "
        "windows, rotated; the collections each server made in each window.",
        "",
        "| variant | window | p99 ms | max ms | middle collections (longest ms) | full "
        "collections (longest ms) | the slowest message met |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for side in sides:
        for n, w in enumerate(side.windows, 1):
            lines.append("| " + " | ".join([side.name, str(n), *w.cells()]) + " |")
    return "\n".join(lines)


async def run(
    plan: Plan, rounds: int, seconds: float, only: list[str], logs: Path, before: Path | None
) -> str:
    with tempfile.TemporaryDirectory(prefix="tail-") as tmp:
        found = variants(Path(tmp), before)
        unknown = set(only) - {name for name, _ in found}
        if unknown:
            raise SystemExit(f"unknown variants: {', '.join(sorted(unknown))}")
        sides = [
            Side(n, a, Path(tmp) / f"gc-{i}.log") for i, (n, a) in enumerate(found) if n in only
        ]
        try:
            for side in sides:
                await start(side, plan, logs)
            for r in range(rounds):
                for side in rotated_order(sides, r):
                    w = await window(side, plan, seconds)
                    side.windows.append(w)
                    print(f"  round {r + 1} {side.name}: " + " | ".join(w.cells()), flush=True)
            return report(sides, plan, seconds)
        finally:
            for side in sides:
                loadgen.close_rooms(side.rooms)
                if side.server is not None:
                    side.server.stop()


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_plan_options(parser)
    parser.add_argument("--rounds", type=int, default=None, help="rounds (4; quick 1)")
    parser.add_argument("--seconds", type=float, default=None, help="per window (10; quick 1)")
    parser.add_argument("--variants", default="ours,floor", help="comma-separated names")
    parser.add_argument(
        "--before", type=Path, default=None, help="another checkout, as `before` (bench bisect)"
    )
    args = parser.parse_args(argv)
    plan = plan_of(args, parser)
    rounds = args.rounds or (1 if args.quick else 4)
    seconds = args.seconds or (1.0 if args.quick else plan.moderate_seconds)
    only = [v.strip() for v in args.variants.split(",") if v.strip()]
    args.results.mkdir(parents=True, exist_ok=True)
    prepare_loadgen(10 * 8 * plan.rooms * (plan.readers + 1) + 1024)
    print(asyncio.run(run(plan, rounds, seconds, only, args.results, args.before)))
    return 0
