"""The bisection: the product with its pieces taken out one by one, against the floor.

``python -m bench bisect [--rounds 3] [--seconds 3] [--variants NAME,...]`` starts every
variant at once on CPU 0 (``ours``; ``ours`` less one more piece per step, cumulatively,
in the order of ``bench.bisect_server.PIECES``; ``ours --snapshot``; the floor), joins 200
sessions x 3 users on each, and then runs rounds: in each round every variant gets one
window at the fixed rate (20 edits/s per session, ≈8k delivered msg/s) and one at an
overload rate (``--overload``, default 75 edits/s per session, ≈30k msg/s offered: what
is delivered there is what the server can deliver, saturation), in an order rotated
from round to round so a drift of the shared machine lands on all alike. The figures are
the medians over the rounds, with the spread; the ratios are against the floor's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
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
)
from bench.loadgen import Probe
from bench.step import StepResult, run_step
from bench.variants import rotated_order, variants

AGAINST_OURS = ("ours --", "before")
"""Variants that are a mode or a version of ours: their Δ is against ours, not the row above."""


@dataclass
class Side:
    name: str
    argv: list[str]
    socketio: bool = False
    server: ServerProcess | None = None
    rooms: list[loadgen.Room] = field(default_factory=list)
    fixed: list[StepResult] = field(default_factory=list)
    over: list[StepResult] = field(default_factory=list)


async def start(side: Side, plan: Plan, logs: Path) -> None:
    port = free_port()
    argv = [*side.argv, "--port", str(port)]
    name = side.name.replace(" ", "").replace("-", "_")
    side.server = ServerProcess(argv, logs / f"bisect-{name}.log")
    side.server.start()
    await side.server.healthy(f"http://{HOST}:{port}/health")
    side.rooms = await loadgen.build_rooms(
        port, plan.rooms, plan.readers, plan.doc_size, "text", Probe(), False
    )


async def window(side: Side, rate: float, seconds: float, warmup: float) -> StepResult:
    assert side.server is not None
    # An overloaded server drains its backlog before the next window starts (a window's
    # revisions are counted from where the last one ended).
    return await run_step(
        side.rooms, rate, seconds, side.server.cpu, side.server.rss, warmup, drain_timeout=30.0
    )


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f} to {max(values):.1f}" if values else "-"


def paired_ratios(side: Side, first: Side) -> list[float]:
    """Each round's µs per message at the fixed rate over the first variant's in that round."""
    return [
        mine.us_per_msg / theirs.us_per_msg
        for mine, theirs in zip(side.fixed, first.fixed, strict=True)
        if theirs.us_per_msg > 0
    ]


def _spread_of_ratios(values: list[float]) -> str:
    return f"{min(values):.3f} to {max(values):.3f}" if values else "-"


def report(sides: list[Side], plan: Plan, overload: float, rounds: int, seconds: float) -> str:
    # The ratios are against the floor, or against the first variant when the floor was not run.
    floor = next((s for s in sides if s.name == "floor"), sides[0])
    f_us = _median([s.us_per_msg for s in floor.fixed])
    f_sat = _median([s.delivered_per_s for s in floor.over])
    f_sat_us = _median([s.us_per_msg for s in floor.over])
    fixed_rate = plan.rooms * plan.readers * plan.fixed_rate
    lines = [
        f"{rounds} rounds of {seconds:g} s windows per variant, rotated; {plan.rooms} sessions x "
        f"{plan.readers + 1} users (one full-text typist each, {plan.doc_size // 1024} KB "
        f"document). Fixed: {fixed_rate:,.0f} msg/s; "
        f"overload: {plan.rooms * plan.readers * overload:,.0f} msg/s offered.",
        "",
        f"| variant | µs/msg at the fixed rate (spread) | ÷ {floor.name} | Δ µs/msg vs the row "
        f"above | delivered msg/s at overload (spread) | ÷ {floor.name} | µs/msg at overload | "
        f"÷ {floor.name} | "
        f"p99 ms at the fixed rate | µs/msg ÷ {sides[0].name}, paired per round (spread) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    above: float | None = None
    base = _median([s.us_per_msg for s in sides[0].fixed])
    for side in sides:
        us = [s.us_per_msg for s in side.fixed]
        sat = [s.delivered_per_s for s in side.over]
        sat_us = [s.us_per_msg for s in side.over]
        p99 = _median([s.p99 for s in side.fixed])
        paired = paired_ratios(side, sides[0])
        m_us, m_sat, m_sat_us = _median(us), _median(sat), _median(sat_us)
        if side.name.startswith(AGAINST_OURS):
            delta = f"{m_us - base:+.1f} (vs ours)"
        else:
            delta = "" if above is None or side.name == "floor" else f"{m_us - above:+.1f}"
        lines.append(
            f"| {side.name} | {m_us:.1f} ({_spread(us)}) | {m_us / f_us:.2f} | {delta} | "
            f"{m_sat:,.0f} ({min(sat, default=0):,.0f} to {max(sat, default=0):,.0f}) | "
            f"{m_sat / f_sat:.2f} | {m_sat_us:.1f} | {m_sat_us / f_sat_us:.2f} | {p99:.1f} | "
            f"{_median(paired):.3f} ({_spread_of_ratios(paired)}) |"
        )
        if not side.name.startswith(AGAINST_OURS):
            above = m_us
    bad = [
        f"{side.name}: {step.loss} lost, {step.errors} errors, {step.closed_sockets} closed"
        for side in sides
        for step in side.fixed
        if step.loss or step.errors or step.bad_acks or step.closed_sockets
    ]
    if bad:
        lines += ["", "Unclean fixed-rate windows: " + "; ".join(bad)]
    closed = [
        f"{side.name}: {step.closed_sockets}"
        for side in sides
        for step in side.over
        if step.closed_sockets
    ]
    if closed:  # a closed socket never comes back: every later window of that variant is short
        lines += ["", "Sockets closed by the end of an overload window: " + "; ".join(closed)]
    return "\n".join(lines)


async def fixed_together(sides: list[Side], plan: Plan, seconds: float) -> None:
    """One fixed-rate window on every variant at once."""
    # Off for the whole window here: run_step turns the load generator's collector back on
    # when its own window ends, which would be while the others' still run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        steps = await asyncio.gather(
            *(window(side, plan.fixed_rate, seconds, plan.warmup) for side in sides)
        )
    finally:
        if enabled:
            gc.enable()
    for side, step in zip(sides, steps, strict=True):
        side.fixed.append(step)


async def run(
    plan: Plan,
    rounds: int,
    seconds: float,
    overload: float,
    only: list[str],
    logs: Path,
    before: Path | None = None,
    together: bool = False,
) -> str:
    with tempfile.TemporaryDirectory(prefix="bisect-") as tmp:
        found = variants(Path(tmp), before)
        sides = [Side(n, a) for n, a in found if not only or n in only]
        try:
            for side in sides:
                await start(side, plan, logs)
                await window(side, plan.fixed_rate, 1.0, plan.warmup)  # warm up once
            for r in range(rounds):
                order = rotated_order(sides, r)
                if together:
                    await fixed_together(order, plan, seconds)
                for side in order:
                    if not together:
                        side.fixed.append(await window(side, plan.fixed_rate, seconds, plan.warmup))
                    over = await window(side, overload, seconds, plan.warmup)
                    side.over.append(over)
                    print(
                        f"  round {r + 1} {side.name}: {side.fixed[-1].us_per_msg:.1f} µs/msg "
                        f"fixed; overload {over.delivered_per_s:,.0f} msg/s, "
                        f"{over.us_per_msg:.1f} µs/msg, server {over.server_cpu_pct:.0f}%",
                        flush=True,
                    )
                    await asyncio.sleep(0.5)
            return report(sides, plan, overload, rounds, seconds)
        finally:
            for side in sides:
                loadgen.close_rooms(side.rooms)
                if side.server is not None:
                    side.server.stop()


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_plan_options(parser)
    parser.add_argument("--rounds", type=int, default=None, help="rounds (3; quick 1)")
    parser.add_argument("--seconds", type=float, default=None, help="per window (3; quick 1)")
    parser.add_argument("--overload", type=float, default=75.0, help="edits/s per session")
    parser.add_argument("--variants", default="", help="comma-separated subset of the names")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (git worktree add DIR COMMIT): adds its server.py as `before` "
        "and `before --snapshot`",
    )
    parser.add_argument(
        "--together",
        action="store_true",
        help="each round's fixed-rate windows on every variant at the same time (see above)",
    )
    args = parser.parse_args(argv)
    plan = plan_of(args, parser)
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.seconds or (1.0 if args.quick else 3.0)
    only = [v.strip() for v in args.variants.split(",") if v.strip()]
    args.results.mkdir(parents=True, exist_ok=True)
    prepare_loadgen(10 * 8 * plan.rooms * (plan.readers + 1) + 1024)
    print(
        asyncio.run(
            run(
                plan,
                rounds,
                seconds,
                args.overload,
                only,
                args.results,
                args.before,
                args.together,
            )
        )
    )
    return 0
