"""CPU per delivered message, ours against the floor, in interleaved pairs of short windows.

``python -m bench paired [--pairs 6] [--seconds 4] [--set fixed_rate=20]`` starts both
servers at once on CPU 0 (``ours`` and ``floor-orjson``), joins 200 sessions x 3 users on
each, and then holds the fixed rate (20 edits/s per session: about 8,000 delivered msg/s) on
one server at a time, alternating A B B A A B ... so that a drift of the shared machine's
speed lands on both alike. Each pair gives a ratio; the median ratio is the figure to quote.
``make bench`` measures each server once, minutes apart, and the ratio it reports moves with
the machine (see docs/benchmarks.md); this is the steadier reading of the same target.

The idle server's sockets stay open while the other is measured (heartbeats only: a few
dozen frames a second).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass
from pathlib import Path

from bench import loadgen
from bench.common import (
    FLOOR_ORJSON,
    HOST,
    OURS,
    Plan,
    ServerProcess,
    Variant,
    add_plan_options,
    free_port,
    plan_of,
    prepare_loadgen,
)
from bench.loadgen import Probe
from bench.step import StepResult, run_step


@dataclass
class Side:
    variant: Variant
    server: ServerProcess
    rooms: list[loadgen.Room]

    async def step(self, rate: float, seconds: float, warmup: float) -> StepResult:
        return await run_step(self.rooms, rate, seconds, self.server.cpu, self.server.rss, warmup)


async def start(variant: Variant, plan: Plan, results: Path) -> Side:
    port = free_port()
    server = ServerProcess(variant.argv(port), results / f"paired-{variant.key}.log")
    server.start()
    await server.healthy(f"http://{HOST}:{port}/health")
    rooms = await loadgen.build_rooms(
        port, plan.rooms, plan.readers, plan.doc_size, "text", Probe(), False
    )
    return Side(variant, server, rooms)


def order(pairs: int) -> list[tuple[int, int]]:
    """(first, second) side indexes per pair: 0 1, 1 0, 0 1, ... (ABBA), so that neither
    side always runs first."""
    return [(0, 1) if i % 2 == 0 else (1, 0) for i in range(pairs)]


def check(step: StepResult, key: str) -> None:
    if step.loss or step.errors or step.closed_sockets or step.bad_acks:
        raise RuntimeError(f"{key}: the window was not clean: {step.to_json()}")


async def run(plan: Plan, pairs: int, seconds: float, results: Path) -> list[tuple[float, float]]:
    sides: list[Side] = []
    try:
        for variant in (OURS, FLOOR_ORJSON):
            sides.append(await start(variant, plan, results))
        for side in sides:  # warm both up once at the rate
            await side.step(plan.fixed_rate, 1.0, plan.warmup)
        measured: list[tuple[float, float]] = []
        for first, second in order(pairs):
            per_msg = [0.0, 0.0]
            for index in (first, second):
                step = await sides[index].step(plan.fixed_rate, seconds, plan.warmup)
                check(step, sides[index].variant.key)
                per_msg[index] = step.us_per_msg
            measured.append((per_msg[0], per_msg[1]))
            ratio = per_msg[0] / per_msg[1]
            print(f"  pair: ours {per_msg[0]:.1f}, floor {per_msg[1]:.1f} µs/msg: {ratio:.2f}")
        return measured
    finally:
        for side in sides:
            loadgen.close_rooms(side.rooms)
            side.server.stop()


def report(measured: list[tuple[float, float]], plan: Plan, seconds: float) -> str:
    ratios = sorted(ours / floor for ours, floor in measured)
    rate = plan.fixed_rate
    lines = [
        f"Paired CPU per delivered msg at {rate:g} edits/s per session "
        f"({plan.rooms * plan.readers * rate:,.0f} msg/s), {len(measured)} pairs of "
        f"{seconds:g} s:",
        "",
        "| pair | ours µs/msg | floor-orjson µs/msg | ours ÷ floor |",
        "|---:|---:|---:|---:|",
    ]
    for number, (ours, floor) in enumerate(measured, 1):
        lines.append(f"| {number} | {ours:.1f} | {floor:.1f} | {ours / floor:.2f} |")
    lines += [
        "",
        f"Median ratio **{statistics.median(ratios):.2f}** "
        f"(range {ratios[0]:.2f} to {ratios[-1]:.2f}); target <= 1.25.",
    ]
    return "\n".join(lines)


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_plan_options(parser)
    parser.add_argument("--pairs", type=int, default=None, help="pairs of windows (6; quick 2)")
    parser.add_argument("--seconds", type=float, default=None, help="per window (4; quick 1)")
    args = parser.parse_args(argv)
    plan = plan_of(args, parser)
    pairs = args.pairs or (2 if args.quick else 6)
    seconds = args.seconds or (1.0 if args.quick else 4.0)
    args.results.mkdir(parents=True, exist_ok=True)
    prepare_loadgen(8 * plan.rooms * (plan.readers + 1) + 1024)
    measured = asyncio.run(run(plan, pairs, seconds, args.results))
    print(report(measured, plan, seconds))
    return 0
