"""The project against the floor relays, scenario by scenario (``make bench``).

Scenarios: (a) moderate and fixed-rate typing and (b) saturation (``sockets``), (c) a big
document (``big``), (d) idle sockets (``idle``), (e) REST (``rest``). The order interleaves
servers within each scenario (a fresh server process per scenario and server), so slow drift
of a shared machine affects the compared numbers alike. The report goes to stdout and to
``--results``; docs/benchmarks.md says what each scenario means and how to read the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench import loadgen, rest
from bench.common import (
    FLOOR_ORJSON,
    HOST,
    OURS,
    VARIANTS,
    Plan,
    ServerProcess,
    Variant,
    add_plan_options,
    free_port,
    plan_of,
    prepare_loadgen,
    stamp,
)
from bench.loadgen import Probe, Room
from bench.report import machine_info, render
from bench.step import StepResult, run_step

Body = Callable[[ServerProcess, int], Awaitable[None]]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def brief(step: StepResult) -> str:
    lat = step.latencies_ms
    return (
        f"{step.delivered_per_s:,.0f} msg/s (target {step.target_msgs:,.0f}), "
        f"p50 {lat.get('p50', float('nan')):.2f} p99 {lat.get('p99', float('nan')):.2f} ms, "
        f"loss {step.loss}, err {step.errors}, server {step.server_cpu_pct:.0f}% "
        f"({step.us_per_msg:.1f} us/msg), loadgen {step.loadgen_cpu_pct:.0f}%"
    )


async def saturate(
    rooms: list[Room], server: ServerProcess, plan: Plan, label: str
) -> dict[str, Any]:
    """Raise the rate step by step until a step is not sustained; the best step and why."""
    steps: list[StepResult] = []
    rate = plan.sat_start_rate
    best: StepResult | None = None
    failed: StepResult | None = None
    for _ in range(plan.sat_steps):
        step = await run_step(rooms, rate, plan.sat_seconds, server.cpu, server.rss, plan.warmup)
        steps.append(step)
        say(f"  (b) {label} {rate:.0f}/s/room: {brief(step)}")
        if not step.sustained():
            failed = step
            break
        best = step
        rate *= plan.sat_factor
    if not plan.quick and best and failed and failed.loss == 0 and failed.closed_sockets == 0:
        await asyncio.sleep(1.0)  # one step between the last pass and the first failure
        mid = math.sqrt(best.rate_per_room * failed.rate_per_room)
        step = await run_step(rooms, mid, plan.sat_seconds, server.cpu, server.rss, plan.warmup)
        steps.append(step)
        say(f"  (b) {label} {mid:.0f}/s/room: {brief(step)}")
        if step.sustained() and step.delivered_per_s > best.delivered_per_s:
            best = step
    limit = failed or steps[-1]
    if failed is None:
        bound = "step limit reached (a lower bound)"
    elif limit.server_cpu_pct >= 90:
        bound = "server CPU"
    elif limit.loadgen_cpu_pct >= 90:
        bound = "loadgen CPU (a lower bound)"
    else:
        bound = "latency/loss before either CPU saturated"
    return {
        "steps": [s.to_json() for s in steps],
        "best": best.to_json() if best else None,
        "saturated_msgs_per_s": best.delivered_per_s if best else 0.0,
        "never_failed": failed is None,
        "limited_by": bound,
    }


class Bench:
    def __init__(self, plan: Plan, variants: list[Variant], log_dir: Path) -> None:
        self.plan = plan
        self.variants = variants
        self.log_dir = log_dir
        self.results: dict[str, dict[str, Any]] = {v.key: {} for v in variants}
        self.notes: list[str] = []

    async def with_server(self, variant: Variant, scenario: str, body: Body) -> None:
        port = free_port()
        log = self.log_dir / f"{variant.key}-{scenario}.log"
        server = ServerProcess(variant.argv(port), log)
        server.start()
        try:
            await server.healthy(f"http://{HOST}:{port}/health")
            await body(server, port)
        finally:
            server.stop()
        warnings = server.warnings()
        if warnings:
            self.notes.append(
                f"{variant.key} / {scenario}: {len(warnings)} warning lines, first: "
                f"{warnings[0][:200]}"
            )

    async def sockets(self, variant: Variant, server: ServerProcess, port: int) -> None:
        """(a) moderate, the fixed rate, (b) saturation, on one set of rooms."""
        plan, out = self.plan, self.results[variant.key]
        rooms = await loadgen.build_rooms(
            port,
            plan.rooms,
            plan.readers,
            plan.doc_size,
            "text",
            Probe(),
            variant.compress,
            socketio=variant.socketio,
        )
        if variant.compress and not all(r.typist and r.typist.deflate for r in rooms):
            self.notes.append(f"{variant.key}: permessage-deflate was NOT negotiated")
        try:
            for name, rate, seconds in (
                ("moderate", plan.moderate_rate, plan.moderate_seconds),
                ("fixed", plan.fixed_rate, plan.fixed_seconds),
            ):
                step = await run_step(rooms, rate, seconds, server.cpu, server.rss, plan.warmup)
                out[name] = step.to_json()
                say(f"  {name} {variant.key}: {brief(step)}")
                problems = await loadgen.check_convergence(port, rooms)
                if problems:
                    self.notes.append(f"{variant.key}: " + "; ".join(problems))
            out["saturation"] = await saturate(rooms, server, plan, variant.key)
        finally:
            loadgen.close_rooms(rooms)

    async def big(self, variant: Variant, server: ServerProcess, port: int) -> None:
        """(c) full-text and op clients on a big document (and op clients on a small one)."""
        plan = self.plan
        cases = [("text", plan.big_doc_size), ("ops", plan.big_doc_size)]
        if not plan.quick:
            cases.append(("ops", plan.doc_size))
        out = self.results[variant.key].setdefault("big", {})
        for mode, size in cases:
            rooms = await loadgen.build_rooms(
                port, plan.big_rooms, plan.readers, size, mode, Probe(), socketio=variant.socketio
            )
            try:
                step = await run_step(
                    rooms, plan.moderate_rate, plan.big_seconds, server.cpu, server.rss, plan.warmup
                )
            finally:
                loadgen.close_rooms(rooms)
            out[f"{mode}-{size // 1024}k"] = step.to_json()
            say(f"  (c) {variant.key} {mode}-{size // 1024}k: {brief(step)}")

    async def idle(self, variant: Variant, server: ServerProcess, port: int) -> None:
        """(d) joined idle sockets: RSS per socket, joins per second."""
        plan = self.plan
        count = plan.idle_sockets
        sessions = await loadgen.create_sessions(
            port, math.ceil(count / plan.idle_per_session), "x" * 64
        )
        await asyncio.sleep(0.5)  # the creations' allocations settle before RSS is read
        rss0, cpu0 = server.rss(), server.cpu()
        sem = asyncio.Semaphore(64)
        clients: list[Any] = []

        async def one(i: int) -> None:
            session, seat = sessions[i // plan.idle_per_session], i % plan.idle_per_session
            role = ("candidate", "interviewer", "observer")[min(seat, 2)]
            token = None if seat == 0 else session["interviewerToken"]
            async with sem:
                client, _ = await loadgen.join(
                    port,
                    session["id"],
                    f"idle{i}",
                    role,
                    token,
                    True,
                    variant.compress,
                    socketio=variant.socketio,
                )
            clients.append(client)

        started = time.perf_counter()
        try:
            await asyncio.gather(*(one(i) for i in range(count)))
            elapsed, cpu1 = time.perf_counter() - started, server.cpu()
            await asyncio.sleep(1.5)  # the joins' frames go out before RSS is read
            rss1 = server.rss()
        finally:
            for client in clients:
                client.abort()
        self.results[variant.key]["idle"] = result = {
            "sockets": count,
            "rss_before": rss0,
            "rss_after": rss1,
            "rss_per_socket": (rss1 - rss0) / count,
            "joins_per_s": count / elapsed,
            "server_cpu_us_per_join": 1e6 * (cpu1 - cpu0) / count,
        }
        say(
            f"  (d) {variant.key}: {result['rss_per_socket'] / 1024:.1f} KiB/socket, "
            f"{result['joins_per_s']:.0f} joins/s"
        )

    async def rest(self, variant: Variant, server: ServerProcess, port: int) -> None:
        """(e) ``POST /api/sessions`` and ``GET /api/sessions/{id}``."""
        plan, out = self.plan, self.results[variant.key].setdefault("rest", {})
        [created] = await loadgen.create_sessions(port, 1, "print('hello')\n" * 10)
        for route, path in (
            ("POST /api/sessions", "/api/sessions"),
            ("GET /api/sessions/{id}", f"/api/sessions/{created['id']}"),
        ):
            result = await rest.measure(
                server, port, route, path, plan.rest_seconds, plan.rest_connections
            )
            out[route] = result.to_json()
            p99 = result.latency_ms.get("p99", float("nan"))
            say(f"  (e) {variant.key} {route}: {result.req_per_s:.0f} req/s, p99 {p99:.2f} ms")

    async def run(self, scenarios: list[str]) -> None:
        table = {"sockets": self.sockets, "big": self.big, "idle": self.idle, "rest": self.rest}
        for scenario in scenarios:
            say(f"scenario {scenario}")
            for variant in self.variants:
                if variant.compress and scenario in ("big", "rest"):
                    continue  # compression changes neither REST nor the op-vs-text question
                started = time.perf_counter()
                body = partial(table[scenario], variant)
                try:
                    await self.with_server(variant, scenario, body)
                except Exception as exc:  # noqa: BLE001 - one failed server must not end the run
                    self.notes.append(f"{variant.key} / {scenario} failed: {exc!r}")
                    say(f"  {variant.key} {scenario} FAILED: {exc!r}")
                say(f"  ({variant.key} {scenario}: {time.perf_counter() - started:.1f}s)")


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_plan_options(parser)
    parser.add_argument(
        "--scenarios",
        default="sockets,big,idle,rest",
        help="comma-separated subset of sockets,big,idle,rest",
    )
    parser.add_argument(
        "--servers",
        default=None,
        help=f"comma-separated subset of {','.join(v.key for v in VARIANTS)} "
        "(default: all; --quick: ours,floor-orjson)",
    )
    args = parser.parse_args(argv)
    plan = plan_of(args, parser)
    info = machine_info()
    if args.servers:
        variants = [v for v in VARIANTS if v.key in args.servers.split(",")]
    else:
        variants = [OURS, FLOOR_ORJSON] if args.quick else [*VARIANTS]
    scenarios = [s for s in args.scenarios.split(",") if s]
    prepare_loadgen(4 * plan.idle_sockets + 1024)

    name = stamp()
    log_dir = args.results / f"{name}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(plan, variants, log_dir)
    started = time.perf_counter()
    say(
        f"bench: {'quick' if plan.quick else 'full'} run, servers "
        f"{', '.join(v.key for v in variants)}; {info['pinning']}"
    )
    asyncio.run(bench.run(scenarios))
    elapsed = time.perf_counter() - started
    labels = {v.key: v.label for v in variants}
    command = f"{prog} {' '.join(argv)}".strip()
    report = render(bench.results, labels, info, plan.__dict__, bench.notes, command, elapsed)
    out = args.results / f"{name}.md"
    out.write_text(report)
    raw = {"machine": info, "plan": plan.__dict__, "results": bench.results, "notes": bench.notes}
    (args.results / f"{name}.json").write_text(json.dumps(raw, indent=1))
    print(report)
    say(f"\nwritten to {out} ({elapsed:.0f}s)")
    return 0
