"""Run every scenario against the project and the floor relays, then write the report.

The order interleaves servers within each scenario (a fresh server process per scenario and
server), so slow drift of a shared machine affects the compared numbers alike. See
docs/benchmarks.md for what each scenario means and how to read the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench import loadgen, rest
from bench.loadgen import HOST, Probe, StepResult
from bench.common import (
    ServerProcess,
    free_port,
    pin_self_to_loadgen_cpu,
    pinning_plan,
    python,
)
from bench.report import render

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    compress: bool = False
    uvloop: bool = False

    def argv(self, port: int) -> list[str]:
        if self.key.startswith("ours"):
            entry = ["-m", "bench.uvloop_server"] if self.uvloop else ["server.py"]
            argv = [python(), *entry, "--port", str(port), "--log-level", "WARNING"]
            argv += [part for flag in ours_overrides() for part in flag]
            return argv + (["--compress", "true"] if self.compress else [])
        codec = "orjson" if "orjson" in self.key else "stdlib"
        argv = [python(), "-m", "bench.floor_server", "--port", str(port), "--json", codec]
        return argv + (["--compress"] if self.compress else [])


# All load comes from 127.0.0.1, so the per-address abuse limits would throttle the benchmark
# itself; they are lifted (each only if this version of the server has the flag). Everything
# else runs at its default.
OVERRIDES = {
    "--max-sessions": "10000000",
    "--session-creates-per-minute": "100000000",
    "--max-sockets-per-address": "100000",
    "--max-sockets-per-session": "1000",
    "--rate-limit-per-second": "1000000",
    "--rate-limit-burst": "1000000",
    "--abuse-limit": "1000000",
}
_overrides: list[tuple[str, str]] | None = None


def ours_overrides() -> list[tuple[str, str]]:
    """The OVERRIDES that ``server.py --help`` lists."""
    global _overrides
    if _overrides is None:
        help_text = subprocess.run(
            [python(), "server.py", "--help"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        _overrides = [(f, v) for f, v in OVERRIDES.items() if re.search(rf"{f}\b", help_text)]
    return _overrides


OURS = Variant("ours", "interview-server")
FLOOR_JSON = Variant("floor-json", "floor relay, stdlib json")
FLOOR_ORJSON = Variant("floor-orjson", "floor relay, orjson")
OURS_Z = Variant("ours-deflate", "interview-server, permessage-deflate", compress=True)
FLOOR_ORJSON_Z = Variant("floor-orjson-deflate", "floor relay, orjson, deflate", compress=True)
OURS_UVLOOP = Variant("ours-uvloop", "interview-server on uvloop", uvloop=True)
"""Not in the default set: measured no faster than asyncio's loop (docs/benchmarks.md)."""


@dataclass(frozen=True)
class Plan:
    """Sizes and durations; ``quick`` trims them so the whole run stays under a minute."""

    quick: bool
    rooms: int = 200
    readers: int = 2
    doc_size: int = 2 * 1024
    moderate_rate: float = 5.0
    moderate_seconds: float = 10.0
    fixed_rate: float = 20.0  # 200 rooms x 2 readers x 20/s = 8,000 delivered msg/s
    fixed_seconds: float = 6.0
    sat_start_rate: float = 10.0
    sat_factor: float = 1.4
    sat_steps: int = 10
    sat_seconds: float = 4.0
    big_rooms: int = 20
    big_doc_size: int = 100 * 1024
    big_seconds: float = 6.0
    idle_sockets: int = 2000
    idle_per_session: int = 4
    rest_seconds: int = 5
    rest_connections: int = 32
    warmup: float = 1.0


FULL = Plan(quick=False)
QUICK = Plan(
    quick=True,
    moderate_seconds=2.5,
    fixed_seconds=2.0,
    sat_start_rate=20.0,
    sat_factor=2.0,
    sat_steps=3,
    sat_seconds=1.5,
    big_rooms=10,
    big_seconds=2.0,
    idle_sockets=400,
    rest_seconds=1,
    warmup=0.5,
)


class Bench:
    def __init__(self, plan: Plan, variants: list[Variant], log_dir: Path) -> None:
        self.plan = plan
        self.variants = variants
        self.log_dir = log_dir
        self.results: dict[str, dict[str, Any]] = {v.key: {} for v in variants}
        self.notes: list[str] = []

    # --- servers --------------------------------------------------------------------------

    async def with_server(
        self, variant: Variant, scenario: str, body: Callable[[ServerProcess, int], Awaitable[Any]]
    ) -> Any:
        port = free_port()
        server = ServerProcess(
            variant.argv(port), self.log_dir / f"{variant.key}-{scenario}.log", REPO
        )
        server.start()
        try:
            await wait_healthy(port, server)
            result = await body(server, port)
        finally:
            server.stop()
        warnings = server.warnings()
        if warnings:
            self.notes.append(
                f"{variant.key} / {scenario}: {len(warnings)} warning lines, first: "
                f"{warnings[0][:200]}"
            )
        return result

    def say(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    # --- (a) moderate, fixed rate, (b) saturation -----------------------------------------

    async def sockets(self, variant: Variant) -> None:
        plan = self.plan

        async def body(server: ServerProcess, port: int) -> None:
            probe = Probe()
            rooms = await loadgen.build_rooms(
                port, plan.rooms, plan.readers, plan.doc_size, "text", probe, variant.compress
            )
            out = self.results[variant.key]
            if variant.compress and not all(r.typist and r.typist.deflate for r in rooms):
                self.notes.append(f"{variant.key}: permessage-deflate was NOT negotiated")
            try:
                step = await self.step(rooms, server, plan.moderate_rate, plan.moderate_seconds)
                out["moderate"] = step.to_json()
                self.say(f"  (a) {variant.key}: {_brief(step)}")
                problems = await loadgen.check_convergence(port, rooms)
                if problems:
                    self.notes.append(f"{variant.key}: " + "; ".join(problems))
                step = await self.step(rooms, server, plan.fixed_rate, plan.fixed_seconds)
                out["fixed"] = step.to_json()
                self.say(f"  fixed {variant.key}: {_brief(step)}")
                out["saturation"] = await self.saturate(rooms, server, variant)
            finally:
                loadgen.close_rooms(rooms)

        await self.with_server(variant, "sockets", body)

    async def step(
        self, rooms: list[loadgen.Room], server: ServerProcess, rate: float, seconds: float
    ) -> StepResult:
        return await loadgen.run_step(
            rooms, rate, seconds, server.cpu, server.rss, warmup=self.plan.warmup
        )

    async def saturate(
        self, rooms: list[loadgen.Room], server: ServerProcess, variant: Variant
    ) -> dict[str, Any]:
        plan = self.plan
        steps: list[StepResult] = []
        rate = plan.sat_start_rate
        best: StepResult | None = None
        failed: StepResult | None = None
        for _ in range(plan.sat_steps):
            step = await self.step(rooms, server, rate, plan.sat_seconds)
            steps.append(step)
            self.say(f"  (b) {variant.key} {rate:.0f}/s/room: {_brief(step)}")
            if not step.sustained():
                failed = step
                break
            best = step
            rate *= plan.sat_factor
        can_refine = (
            not plan.quick
            and failed is not None
            and best is not None
            and failed.loss == 0
            and failed.closed_sockets == 0
        )
        if can_refine and best is not None and failed is not None:
            await asyncio.sleep(1.0)
            mid = math.sqrt(best.rate_per_room * failed.rate_per_room)
            step = await self.step(rooms, server, mid, plan.sat_seconds)
            steps.append(step)
            self.say(f"  (b) {variant.key} {mid:.0f}/s/room: {_brief(step)}")
            if step.sustained() and step.delivered_per_s > best.delivered_per_s:
                best = step
        limit = failed or steps[-1]
        if limit.server_cpu_pct >= 90:
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
            "limited_by": bound if failed is not None else "step limit reached (a lower bound)",
        }

    # --- (c) big document -----------------------------------------------------------------

    async def big_document(self, variant: Variant) -> None:
        plan = self.plan
        cases = [("text", plan.big_doc_size), ("ops", plan.big_doc_size)]
        if not plan.quick:
            cases.append(("ops", plan.doc_size))

        async def body(server: ServerProcess, port: int) -> None:
            out = self.results[variant.key].setdefault("big", {})
            for mode, size in cases:
                probe = Probe()
                rooms = await loadgen.build_rooms(
                    port, plan.big_rooms, plan.readers, size, mode, probe
                )
                try:
                    step = await self.step(rooms, server, plan.moderate_rate, plan.big_seconds)
                finally:
                    loadgen.close_rooms(rooms)
                key = f"{mode}-{size // 1024}k"
                out[key] = step.to_json()
                self.say(f"  (c) {variant.key} {key}: {_brief(step)}")

        await self.with_server(variant, "big", body)

    # --- (d) idle sockets -----------------------------------------------------------------

    async def idle(self, variant: Variant) -> None:
        plan = self.plan

        async def body(server: ServerProcess, port: int) -> None:
            sessions = await loadgen.create_sessions(
                port, math.ceil(plan.idle_sockets / plan.idle_per_session), "x" * 64
            )
            await asyncio.sleep(0.5)
            rss0, cpu0 = server.rss(), server.cpu()
            sem = asyncio.Semaphore(64)
            clients: list[Any] = []

            async def one(i: int) -> None:
                session = sessions[i // plan.idle_per_session]
                seat = i % plan.idle_per_session
                role = ("candidate", "interviewer", "observer")[min(seat, 2)]
                token = None if seat == 0 else session["interviewerToken"]
                async with sem:
                    client, _ = await loadgen.join(
                        port, session["id"], f"idle{i}", role, token, True, variant.compress
                    )
                clients.append(client)

            started = time.perf_counter()
            try:
                await asyncio.gather(*(one(i) for i in range(plan.idle_sockets)))
                elapsed = time.perf_counter() - started
                cpu1 = server.cpu()
                await asyncio.sleep(1.5)
                rss1 = server.rss()
            finally:
                for client in clients:
                    client.abort()
            result = {
                "sockets": plan.idle_sockets,
                "rss_before": rss0,
                "rss_after": rss1,
                "rss_per_socket": (rss1 - rss0) / plan.idle_sockets,
                "joins_per_s": plan.idle_sockets / elapsed,
                "server_cpu_us_per_join": 1e6 * (cpu1 - cpu0) / plan.idle_sockets,
            }
            self.results[variant.key]["idle"] = result
            self.say(
                f"  (d) {variant.key}: {result['rss_per_socket'] / 1024:.1f} KiB/socket, "
                f"{result['joins_per_s']:.0f} joins/s"
            )

        await self.with_server(variant, "idle", body)

    # --- (e) REST -------------------------------------------------------------------------

    async def rest(self, variant: Variant) -> None:
        plan = self.plan

        async def body(server: ServerProcess, port: int) -> None:
            out = self.results[variant.key].setdefault("rest", {})
            created = await loadgen.create_sessions(port, 1, "print('hello')\n" * 10)
            routes = [("POST /api/sessions", "/api/sessions", True)]
            routes.append(("GET /api/sessions/{id}", f"/api/sessions/{created[0]['id']}", False))
            for name, path, post in routes:
                cpu0, lg0, t0 = server.cpu(), time.process_time(), time.perf_counter()
                if rest.have_wrk():
                    tool = "wrk"
                    url = f"http://{HOST}:{port}{path}"
                    requests, rps, latency, bad = await asyncio.to_thread(
                        rest.run_wrk, url, plan.rest_seconds, plan.rest_connections, post
                    )
                else:
                    tool = "python"
                    requests, rps, latency, bad = await rest.run_python(
                        port, path, plan.rest_seconds, plan.rest_connections, post
                    )
                seconds = time.perf_counter() - t0
                result = rest.RestResult(
                    route=name,
                    tool=tool,
                    seconds=seconds,
                    requests=requests,
                    req_per_s=rps,
                    latency_ms=latency,
                    bad_status=bad,
                    server_cpu_pct=100 * (server.cpu() - cpu0) / seconds,
                    loadgen_cpu_pct=100 * (time.process_time() - lg0) / seconds,
                )
                out[name] = result.to_json()
                self.say(
                    f"  (e) {variant.key} {name}: {rps:.0f} req/s, "
                    f"p99 {latency.get('p99', float('nan')):.2f} ms ({tool})"
                )

        await self.with_server(variant, "rest", body)

    # --- all ------------------------------------------------------------------------------

    async def run(self, scenarios: list[str]) -> None:
        table: dict[str, Callable[[Variant], Awaitable[None]]] = {
            "sockets": self.sockets,
            "big": self.big_document,
            "idle": self.idle,
            "rest": self.rest,
        }
        for scenario in scenarios:
            self.say(f"scenario {scenario}")
            for variant in self.variants:
                if variant.compress and scenario in ("big", "rest"):
                    continue  # compression changes neither REST nor the op-vs-text question
                started = time.perf_counter()
                try:
                    await table[scenario](variant)
                except Exception as exc:  # noqa: BLE001 - one failed server must not end the run
                    self.notes.append(f"{variant.key} / {scenario} failed: {exc!r}")
                    self.say(f"  {variant.key} {scenario} FAILED: {exc!r}")
                self.say(f"  ({variant.key} {scenario}: {time.perf_counter() - started:.1f}s)")


async def wait_healthy(port: int, server: ServerProcess) -> None:
    timeout = 20.0
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if not server.alive():
                raise RuntimeError(f"server exited; see {server.log_path}")
            try:
                async with http.get(f"http://{HOST}:{port}/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server not healthy after {timeout}s; see {server.log_path}")


def _brief(step: StepResult) -> str:
    lat = step.latencies_ms
    return (
        f"{step.delivered_per_s:,.0f} msg/s (target {step.target_msgs:,.0f}), "
        f"p50 {lat.get('p50', float('nan')):.2f} p99 {lat.get('p99', float('nan')):.2f} ms, "
        f"loss {step.loss}, err {step.errors}, server {step.server_cpu_pct:.0f}% "
        f"({step.us_per_msg:.1f} us/msg), loadgen {step.loadgen_cpu_pct:.0f}%"
    )


def machine_info() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    try:
        import orjson

        orjson_version = orjson.__version__
    except ImportError:
        orjson_version = None
    return {
        "cpu": cpu,
        "cpus": len(__import__("os").sched_getaffinity(0)),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "orjson": orjson_version,
        "loadgen_loop": loop,
        "pinning": pinning_plan()[1],
        "rest_tool": "wrk" if rest.have_wrk() else "python (wrk not on PATH)",
    }


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the < 1 minute development run")
    parser.add_argument(
        "--scenarios",
        default="sockets,big,idle,rest",
        help="comma-separated subset of sockets,big,idle,rest",
    )
    parser.add_argument(
        "--servers",
        default=None,
        help="comma-separated subset of ours,floor-json,floor-orjson,ours-deflate,"
        "floor-orjson-deflate,ours-uvloop (default: all but ours-uvloop; --quick: "
        "ours,floor-orjson)",
    )
    parser.add_argument("--profile", action="store_true", help="also profile ours with py-spy")
    parser.add_argument("--out", type=Path, default=None, help="report path (default: results/)")
    args = parser.parse_args(argv)

    plan = QUICK if args.quick else FULL
    every = [OURS, FLOOR_JSON, FLOOR_ORJSON, OURS_Z, FLOOR_ORJSON_Z]
    info = machine_info()
    if args.servers:
        keys = args.servers.split(",")
        variants = [v for v in [*every, OURS_UVLOOP] if v.key in keys]
    elif args.quick:
        variants = [OURS, FLOOR_ORJSON if info["orjson"] else FLOOR_JSON]
    else:
        variants = every
    if info["orjson"] is None:
        variants = [v for v in variants if "orjson" not in v.key]
    scenarios = [s for s in args.scenarios.split(",") if s]

    raise_fd_limit(4 * plan.idle_sockets + 1024)
    pin_self_to_loadgen_cpu()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_dir = RESULTS / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(plan, variants, log_dir)
    started = time.perf_counter()
    print(
        f"bench: {'quick' if plan.quick else 'full'} run, servers "
        f"{', '.join(v.key for v in variants)}; {info['pinning']}",
        file=sys.stderr,
        flush=True,
    )
    asyncio.run(bench.run(scenarios))
    profile_md = None
    if args.profile:
        from bench.profiling import profile_ours

        profile_md = asyncio.run(profile_ours(plan, log_dir))
    elapsed = time.perf_counter() - started
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    report = render(
        bench.results,
        {v.key: v.label for v in variants},
        info,
        plan.__dict__,
        bench.notes,
        command.strip(),
        elapsed,
        profile_md,
    )
    out = args.out or RESULTS / f"{stamp}.md"
    out.write_text(report)
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps(
            {
                "machine": info,
                "plan": plan.__dict__,
                "results": bench.results,
                "notes": bench.notes,
            },
            indent=1,
        )
    )
    print(report)
    print(f"\nwritten to {out} ({elapsed:.0f}s)", file=sys.stderr)
    return 0


__all__ = ["FULL", "QUICK", "Plan", "main"]
