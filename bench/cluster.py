"""Through nginx: what the proxy costs, and how throughput grows with workers.

The socket scenario of ``make bench`` (rooms of one typist and two readers, 2 KB documents,
full-text edits) held at a fixed rate and then raised to saturation, against three server
sides:

* ``direct``: one ``server.py``, no proxy (``make bench``'s ``ours``);
* ``nginx-1``: nginx (one worker process) in front of one ``--shard`` worker;
* ``nginx-2``: nginx in front of two workers; sessions spread over both by creation.

CPU per delivered message is measured with every setup up at once, in interleaved rounds
(``python -m bench paired``'s method), and counts every server-side process: nginx's master
and workers and every ``server.py``; the nginx share is given beside it. Pinning, on a
2-core machine: ``direct`` and ``nginx-1`` keep the whole server side on CPU 0 and the load
generator on CPU 1, so ``nginx-1`` against ``direct`` is the proxy's cost on the same core;
``nginx-2`` runs the server side unpinned over both cores, which it shares with the load
generator (its saturation is a lower bound, said in the table).

    python -m bench cluster [--quick] [--setups direct,nginx-1,nginx-2] [--unpinned]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.common import (
    ALL_CPUS,
    HOST,
    LOADGEN_CPU,
    SERVER_CPU,
    Plan,
    ServerProcess,
    add_plan_options,
    cpu_seconds,
    free_port,
    ours,
    pinning_plan,
    plan_of,
    prepare_loadgen,
    rss_bytes,
    stamp,
)
from bench.loadgen import Probe
from bench.step import StepResult, run_step
from deploy import nginx as nginx_conf
from deploy.cluster import find_nginx
from deploy.topology import Cluster, Worker

SETUPS = {"direct": 0, "nginx-1": 1, "nginx-2": 2}
PIN = [True]
"""False with ``--unpinned``: on a machine other work keeps busy, a process pinned to one
core gets its share of that core only, and the load generator falls behind."""


def pinned_here() -> bool:
    return PIN[0] and pinning_plan()[0]


@dataclass
class ServerSide:
    """The processes of one setup; CPU and RSS are summed over them (nginx's children too)."""

    directory: Path
    processes: dict[str, ServerProcess] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], cpus: frozenset[int]) -> ServerProcess:
        process = self.processes[name] = ServerProcess(argv, self.directory / f"{name}.log", cpus)
        process.start()
        return process

    def pids(self, part: str | None = None) -> list[int]:
        pids = []
        for name, process in self.processes.items():
            if part is not None and not name.startswith(part):
                continue
            pids.append(process.pid)
            if name == "nginx":
                children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
                pids += [int(pid) for pid in children.read_text().split()]
        return pids

    def cpu(self, part: str | None = None) -> float:
        total = 0.0
        for pid in self.pids(part):
            try:
                total += cpu_seconds(pid)
            except FileNotFoundError:
                continue
        return total

    def rss(self, part: str | None = None) -> int:
        return sum(rss_bytes(pid) for pid in self.pids(part))

    def stop(self) -> None:
        for name, process in self.processes.items():
            process.stop(signal.SIGQUIT if name == "nginx" else signal.SIGINT, timeout=15)


def nginx_argv(cluster: Cluster, directory: Path) -> list[str]:
    """nginx in front of ``cluster``, its configuration and logs in ``directory``."""
    binary = find_nginx()
    if binary is None:
        raise SystemExit("bench cluster: nginx is not installed")
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    (directory / "nginx-temp").mkdir(exist_ok=True)
    (directory / "nginx.conf").write_text(nginx_conf.main_config(cluster, directory))
    return [binary, "-p", f"{directory}/", "-c", str(directory / "nginx.conf"), "-e", "error.log"]


async def start_setup(setup: str, directory: Path) -> tuple[ServerSide, int]:
    """Start a setup's processes (the workers, then, once each answers, nginx); returns them
    and the port clients connect to."""
    side = ServerSide(directory)
    workers = SETUPS[setup]
    cpus = frozenset({SERVER_CPU}) if pinned_here() and workers < 2 else ALL_CPUS
    port = free_port()
    if workers == 0:
        direct = side.start("worker", ours("--port", str(port)), cpus)
        await direct.healthy(f"http://{HOST}:{port}/health")
        return side, port
    cluster = Cluster(
        workers=tuple(Worker(f"w{i + 1}", HOST, free_port()) for i in range(workers)),
        listen=f"{HOST}:{port}",
        max_body_bytes=8 * 1024 * 1024,
    )
    for worker in cluster.workers:
        flags = ["--port", str(worker.port), "--shard", worker.shard, "--trusted-proxies", HOST]
        started = side.start(f"worker-{worker.shard}", ours(*flags), cpus)
        await started.healthy(f"{worker.url}/health")
    proxy = side.start("nginx", nginx_argv(cluster, directory), cpus)
    await proxy.healthy(f"http://{HOST}:{port}/cluster/health")
    return side, port


async def measure(setups: list[str], plan: Plan, directory: Path, rounds: int) -> dict[str, Any]:
    """CPU per message in interleaved rounds (every setup up at once, A B C C B A …, so a
    shared machine's drift falls on all alike), then each setup's saturation in turn."""
    sides: dict[str, tuple[ServerSide, int, list[loadgen.Room]]] = {}
    results: dict[str, Any] = {setup: {"fixed": [], "saturation": None} for setup in setups}
    try:
        for setup in setups:
            side, port = await start_setup(setup, directory / setup)
            sides[setup] = (side, port, [])
            before = side.rss("nginx")
            sides[setup][2].extend(
                await loadgen.build_rooms(
                    port, plan.rooms, plan.readers, plan.doc_size, "text", Probe(), routed=True
                )
            )
            sockets = plan.rooms * (plan.readers + 1)
            results[setup]["nginx_rss_per_socket"] = (side.rss("nginx") - before) / sockets
        for round_ in range(rounds):
            for setup in setups if round_ % 2 == 0 else setups[::-1]:
                side, _, rooms = sides[setup]
                pin_loadgen(setup)
                fixed = await step(side, rooms, plan.fixed_rate, plan.fixed_seconds, plan)
                say(f"{setup} fixed, round {round_ + 1}: {brief(fixed)}")
                results[setup]["fixed"].append(fixed)
        for setup in setups:
            side, port, rooms = sides[setup]
            pin_loadgen(setup)
            results[setup]["saturation"] = await saturate(setup, side, rooms, plan)
            results[setup]["convergence_problems"] = await loadgen.check_convergence(port, rooms)
    finally:
        for side, _, rooms in sides.values():
            loadgen.close_rooms(rooms)
            side.stop()
    return results


def pin_loadgen(setup: str) -> None:
    os.sched_setaffinity(0, {LOADGEN_CPU} if pinned_here() and SETUPS[setup] < 2 else ALL_CPUS)


async def saturate(
    setup: str, side: ServerSide, rooms: list[loadgen.Room], plan: Plan
) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    rate = plan.sat_start_rate
    for _ in range(plan.sat_steps):
        result = await step(side, rooms, rate, plan.sat_seconds, plan)
        say(f"{setup} {rate:.0f}/s/room: {brief(result)}")
        if not result["sustained"]:
            break
        best = result
        rate *= plan.sat_factor
    return best


async def step(
    side: ServerSide, rooms: list[loadgen.Room], rate: float, seconds: float, plan: Plan
) -> dict[str, Any]:
    nginx0, all0 = side.cpu("nginx"), side.cpu()
    result: StepResult = await run_step(
        rooms, rate, seconds, side.cpu, side.rss, warmup=plan.warmup
    )
    nginx1, all1 = side.cpu("nginx"), side.cpu()
    share = (nginx1 - nginx0) / (all1 - all0) if all1 > all0 else 0.0
    out = result.to_json()
    out["nginx_share"] = share
    out["nginx_us_per_msg"] = share * result.us_per_msg
    return out


def brief(result: dict[str, Any]) -> str:
    return (
        f"{result['delivered_per_s']:,.0f} msg/s (target {result['target_msgs_per_s']:,.0f}), "
        f"p99 {result['latency_ms'].get('p99', float('nan')):.1f} ms, "
        f"{result['us_per_msg']:.1f} µs/msg ({result['nginx_us_per_msg']:.1f} nginx), "
        f"server side {result['server_cpu_pct']:.0f}%, loadgen {result['loadgen_cpu_pct']:.0f}%"
    )


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def median_step(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median CPU per message."""
    ranked = sorted(steps, key=lambda step: step["us_per_msg"])
    return ranked[len(ranked) // 2]


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| setup | µs CPU / msg at the fixed rate: median round (nginx part); every round "
        "| p99 ms | "
        "saturation msg/s | server side CPU % there | loadgen CPU % there |",
        "|---|---|---|---|---|---|",
    ]
    for setup, result in results.items():
        fixed, best = median_step(result["fixed"]), result["saturation"]
        sat = f"{best['delivered_per_s']:,.0f}" if best else "n/a"
        every = ", ".join(f"{step['us_per_msg']:.0f}" for step in result["fixed"])
        lines.append(
            f"| {setup} | {fixed['us_per_msg']:.1f} ({fixed['nginx_us_per_msg']:.1f}); {every} | "
            f"{fixed['latency_ms'].get('p99', float('nan')):.1f} | {sat} | "
            f"{best['server_cpu_pct'] if best else float('nan'):.0f} | "
            f"{best['loadgen_cpu_pct'] if best else float('nan'):.0f} |"
        )
    rss = ", ".join(
        f"{setup} {result['nginx_rss_per_socket'] / 1024:.1f} KiB"
        for setup, result in results.items()
        if setup != "direct"
    )
    return "\n".join([*lines, "", f"nginx RSS per joined client socket: {rss}"])


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_plan_options(parser)
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--rounds", type=int, default=None, help="CPU rounds (4; quick 2)")
    parser.add_argument("--unpinned", action="store_true", help="pin no process to a core")
    args = parser.parse_args(argv)
    plan = plan_of(args, parser)
    directory = args.results / f"cluster-{stamp()}"
    directory.mkdir(parents=True, exist_ok=True)
    pinning = pinning_plan()[1] if not args.unpinned else "nothing pinned (--unpinned)"
    say(f"bench cluster: {pinning}; results in {directory}")
    rounds = args.rounds or (2 if args.quick else 4)
    PIN[0] = not args.unpinned
    prepare_loadgen(16384, pin=False)  # every setup's rooms are open at once; pinned per setup
    setups = [setup for setup in args.setups.split(",") if setup]
    results = asyncio.run(measure(setups, plan, directory, rounds))
    (directory / "results.json").write_text(json.dumps(results, indent=2))
    print(table(results))
    return 0
