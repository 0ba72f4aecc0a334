"""CPU per delivered message, ours against the floor, in interleaved pairs of short windows.

``python -m bench.paired [--pairs 6] [--seconds 4] [--rate 20]`` starts both servers at once on
CPU 0 (``ours`` and ``floor-orjson``), joins 200 sessions x 3 users on each, and then holds the
fixed rate (20 edits/s per session: about 8,000 delivered msg/s) on one server at a time,
alternating A B B A A B ... so that a drift of the shared machine's speed lands on both alike.
Each pair gives a ratio; the median ratio is the figure to quote. ``make bench`` measures each
server once, minutes apart, and the ratio it reports moves with the machine (see
docs/benchmarks.md); this is the steadier reading of the same target.

The idle server's sockets stay open while the other is measured (heartbeats only: a few
dozen frames a second).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from dataclasses import dataclass

from bench import loadgen
from bench.loadgen import Probe, StepResult
from bench.common import ServerProcess, free_port, pin_self_to_loadgen_cpu
from bench.floor import (
    FLOOR_ORJSON,
    OURS,
    REPO,
    RESULTS,
    Plan,
    Variant,
    raise_fd_limit,
    wait_healthy,
)

PLAN = Plan(quick=False)


@dataclass
class Side:
    variant: Variant
    server: ServerProcess
    rooms: list[loadgen.Room]

    async def step(self, rate: float, seconds: float) -> StepResult:
        server = self.server
        return await loadgen.run_step(
            self.rooms, rate, seconds, server.cpu, server.rss, warmup=PLAN.warmup
        )


async def start(variant: Variant) -> Side:
    port = free_port()
    server = ServerProcess(variant.argv(port), RESULTS / f"paired-{variant.key}.log", REPO)
    server.start()
    await wait_healthy(port, server)
    rooms = await loadgen.build_rooms(
        port, PLAN.rooms, PLAN.readers, PLAN.doc_size, "text", Probe(), False
    )
    return Side(variant, server, rooms)


def order(pairs: int) -> list[tuple[int, int]]:
    """(first, second) side indexes per pair: 0 1, 1 0, 0 1, ... (ABBA), so that neither
    side always runs first."""
    return [(0, 1) if i % 2 == 0 else (1, 0) for i in range(pairs)]


def check(step: StepResult, key: str) -> None:
    if step.loss or step.errors or step.closed_sockets or step.bad_acks:
        raise RuntimeError(f"{key}: the window was not clean: {step.to_json()}")


async def run(pairs: int, seconds: float, rate: float) -> list[tuple[float, float]]:
    sides = [await start(OURS), await start(FLOOR_ORJSON)]
    try:
        for side in sides:  # warm both up once at the rate
            await side.step(rate, 1.0)
        results: list[tuple[float, float]] = []
        for first, second in order(pairs):
            per_msg = [0.0, 0.0]
            for index in (first, second):
                step = await sides[index].step(rate, seconds)
                check(step, sides[index].variant.key)
                per_msg[index] = step.us_per_msg
            results.append((per_msg[0], per_msg[1]))
            ratio = per_msg[0] / per_msg[1]
            print(f"  pair: ours {per_msg[0]:.1f}, floor {per_msg[1]:.1f} µs/msg: {ratio:.2f}")
        return results
    finally:
        for side in sides:
            loadgen.close_rooms(side.rooms)
            side.server.stop()


def report(results: list[tuple[float, float]], rate: float, seconds: float) -> str:
    ratios = sorted(ours / floor for ours, floor in results)
    lines = [
        f"Paired CPU per delivered msg at {rate:g} edits/s per session "
        f"({PLAN.rooms * PLAN.readers * rate:,.0f} msg/s), {len(results)} pairs of {seconds:g} s:",
        "",
        "| pair | ours µs/msg | floor-orjson µs/msg | ours ÷ floor |",
        "|---:|---:|---:|---:|",
    ]
    for number, (ours, floor) in enumerate(results, 1):
        lines.append(f"| {number} | {ours:.1f} | {floor:.1f} | {ours / floor:.2f} |")
    lines += [
        "",
        f"Median ratio **{statistics.median(ratios):.2f}** "
        f"(range {ratios[0]:.2f} to {ratios[-1]:.2f}); target <= 1.25.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.paired", description=__doc__)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rate", type=float, default=PLAN.fixed_rate)
    args = parser.parse_args(argv)
    raise_fd_limit(8 * PLAN.rooms * (PLAN.readers + 1) + 1024)
    pin_self_to_loadgen_cpu()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results = asyncio.run(run(args.pairs, args.seconds, args.rate))
    print(report(results, args.rate, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
