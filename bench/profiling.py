"""``python -m bench --profile``: sample our server with py-spy under two loads and summarise.

1. scenario (a)'s shape at the fixed rate (200 x 3, full-text clients, 2 KB, ~8k msg/s);
2. op clients on a 100 KB document (20 x 3) at 50 edits/s, enough samples to see the
   per-edit cost that grows with the document;
3. ``POST /api/sessions`` under wrk (when wrk is on the PATH).

The sampled run is separate from the measured ones: py-spy pauses the server for each sample
(250 Hz; non-blocking sampling tears stacks apart), which costs it a few per cent, so these
runs' numbers are not put in the tables.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bench import loadgen, rest
from bench.loadgen import Probe
from bench.common import ServerProcess, free_port
from bench.profile import Profile, start_recording, summarize

SECONDS = 10


def _category(name: str) -> str:
    path = name.rsplit("(", 1)[-1]
    if path.startswith("sessions/") or path.startswith("server.py"):
        return "project (sessions/)"
    if path.startswith("aiohttp/"):
        return "aiohttp"
    if path.startswith("asyncio/") or path.startswith("selectors.py"):
        return "asyncio event loop"
    if path.startswith("json/"):
        return "json (stdlib)"
    if path.startswith("logging/"):
        return "logging"
    return "other: " + path.split("/")[0].rstrip(")")


def _by_category(profile: Profile) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    for name, pct in profile.self_share:
        totals[_category(name)] = totals.get(_category(name), 0.0) + pct
    return sorted(totals.items(), key=lambda item: -item[1])


def _summary(profile: Profile) -> list[str]:
    """Self time by category, then the top functions by self and inclusive time."""
    return [
        "",
        "| % of server CPU | code |",
        "|---:|---|",
        *(f"| {pct:.1f} | {cat} |" for cat, pct in _by_category(profile)[:10]),
        "",
        profile.top(20),
    ]


def _section(title: str, profile: Profile, step: loadgen.StepResult) -> str:
    lines = [
        f"### {title}",
        "",
        f"{step.delivered_per_s:,.0f} delivered msg/s, server CPU {step.server_cpu_pct:.0f} % "
        f"(with py-spy attached), {profile.samples} busy samples.",
        "",
        "Self time by where the code lives:",
        *_summary(profile),
    ]
    return "\n".join(lines)


async def _profile_case(
    variant_argv: list[str],
    log_dir: Path,
    name: str,
    rooms_n: int,
    doc_size: int,
    mode: str,
    rate: float,
) -> str:
    from bench.floor import REPO, wait_healthy

    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in variant_argv]
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    server = ServerProcess(argv, log_dir / f"profile-{slug}.log", REPO)
    server.start()
    try:
        await wait_healthy(port, server)
        rooms = await loadgen.build_rooms(port, rooms_n, 2, doc_size, mode, Probe())
        try:
            await loadgen.run_step(rooms, rate, 2.0, server.cpu, server.rss, warmup=0.5)
            out = log_dir / f"profile-{slug}.txt"
            recorder = start_recording(server.pid, SECONDS, out)
            step = await loadgen.run_step(
                rooms, rate, SECONDS + 1.0, server.cpu, server.rss, warmup=0.2
            )
            _, err = await asyncio.to_thread(recorder.communicate)
            if recorder.returncode != 0 or not out.exists():
                return f"py-spy failed ({recorder.returncode}): {err.decode()[-500:]}"
        finally:
            loadgen.close_rooms(rooms)
    finally:
        server.stop()
    return _section(name, summarize(out), step) + _gc_summary(server.log_path)


def _gc_summary(log_path: Path) -> str:
    """Collector pauses the server logged under bench.gcwatch (none if it ran without)."""
    pauses: dict[str, list[float]] = {"1": [], "2": []}
    for line in log_path.read_text(errors="replace").splitlines():
        m = re.match(r"gcwatch gen=(\d) pause_ms=([\d.]+)", line)
        if m:
            pauses[m[1]].append(float(m[2]))
    if not any(pauses.values()):
        return ""
    rows = [
        f"| {gen} | {len(p)} | {max(p, default=0):.1f} | {sum(p):.0f} |"
        for gen, p in sorted(pauses.items())
    ]
    return "\n".join(
        [
            "",
            "",
            "Garbage-collector pauses over the whole case (setup, warm-up and the sampled "
            "window), logged by `bench.gcwatch`:",
            "",
            "| generation | collections | longest pause ms | total ms |",
            "|---:|---:|---:|---:|",
            *rows,
        ]
    )


async def _profile_rest(variant_argv: list[str], log_dir: Path) -> str:
    from bench.floor import REPO, wait_healthy

    name = "POST /api/sessions under wrk"
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in variant_argv]
    server = ServerProcess(argv, log_dir / "profile-rest.log", REPO)
    server.start()
    try:
        await wait_healthy(port, server)
        out = log_dir / "profile-rest.txt"
        url = f"http://{loadgen.HOST}:{port}/api/sessions"
        recorder = start_recording(server.pid, SECONDS, out)
        cpu0 = server.cpu()
        requests, rps, _, _ = await asyncio.to_thread(rest.run_wrk, url, SECONDS, 32, True)
        cpu = server.cpu() - cpu0
        _, err = await asyncio.to_thread(recorder.communicate)
        if recorder.returncode != 0 or not out.exists():
            return f"py-spy failed ({recorder.returncode}): {err.decode()[-500:]}"
    finally:
        server.stop()
    profile = summarize(out)
    lines = [
        f"### {name}",
        "",
        f"{rps:,.0f} req/s ({requests:,} requests), server CPU {100 * cpu / SECONDS:.0f} % "
        f"(with py-spy attached), {profile.samples} busy samples.",
        *_summary(profile),
    ]
    return "\n".join(lines)


async def profile_ours(plan: object, log_dir: Path) -> str:
    from bench.floor import OURS

    argv = OURS.argv(0)
    argv[argv.index("--port") + 1] = "{port}"
    argv = [argv[0], "-m", "bench.gcwatch", *argv[1:]]  # also log collector pauses
    parts = [
        await _profile_case(
            argv, log_dir, "full-text clients, 200 x 3, 2 KB, 20 edits/s", 200, 2048, "text", 20.0
        ),
        await _profile_case(
            argv, log_dir, "op clients, 20 x 3, 100 KB, 50 edits/s", 20, 100 * 1024, "ops", 50.0
        ),
    ]
    if rest.have_wrk():
        parts.append(await _profile_rest(argv, log_dir))
    return "\n\n".join(parts)
