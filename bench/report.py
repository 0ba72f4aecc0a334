"""The Markdown report: targets first (the project against the floor of the same run), then
every scenario's numbers for every server."""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path
from typing import Any

import aiohttp

from bench import rest, threeway
from bench.common import pinning_plan

KIB = 1024
RSS_TARGET = 16 * KIB


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _lat(step: dict[str, Any] | None, key: str) -> str:
    if not step or key not in step.get("latency_ms", {}):
        return "-"
    return f"{step['latency_ms'][key]:.2f}"


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def _targets(results: dict[str, Any], ref: str | None) -> list[str]:
    ours = results.get("ours", {})
    floor = results.get(ref, {}) if ref else {}
    other = "floor-json" if ref == "floor-orjson" else None
    other_floor = results.get(other, {}) if other else {}
    rows: list[tuple[str, Any, Any, Any, str, Any]] = []

    def sat(r: dict[str, Any]) -> Any:
        return _get(r, "saturation", "saturated_msgs_per_s")

    def cpu(r: dict[str, Any]) -> Any:
        return _get(r, "fixed", "us_per_msg")

    def p99(r: dict[str, Any]) -> Any:
        return _get(r, "moderate", "latency_ms", "p99")

    def req(route: str) -> Any:
        return lambda r: _get(r, "rest", route, "req_per_s")

    checks = [
        ("saturated delivered msg/s (b)", sat, ">=", 0.8, 0),
        ("server CPU µs per delivered msg at ~8k msg/s", cpu, "<=", 1.25, 1),
        ("p99 ms at (a) 200x3 @ 5 edits/s", p99, "<=", 1.5, 2),
        ("POST /api/sessions req/s", req("POST /api/sessions"), ">=", 0.8, 0),
        ("GET /api/sessions/{id} req/s", req("GET /api/sessions/{id}"), ">=", 0.8, 0),
    ]
    lines = [
        f"| target | ours | {ref or 'floor'} | ours ÷ floor | target | met | "
        f"ours ÷ {other or '-'} |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    for name, read, op, bound, digits in checks:
        a, b = read(ours), read(floor)
        ratio = _ratio(a, b)
        met = "-" if ratio is None else ("yes" if _cmp(ratio, op, bound) else "**no**")
        other_ratio = _ratio(a, read(other_floor)) if other_floor else None
        lines.append(
            f"| {name} | {_num(a, digits)} | {_num(b, digits)} | {_num(ratio, 2)} | "
            f"{op} {bound}x | {met} | {_num(other_ratio, 2)} |"
        )
        rows.append((name, a, b, ratio, op, bound))
    rss = _get(ours, "idle", "rss_per_socket")
    floor_rss = _get(floor, "idle", "rss_per_socket")
    met = "-" if rss is None else ("yes" if rss <= RSS_TARGET else "**no**")
    lines.append(
        f"| RSS per idle joined socket, KiB | {_num(rss and rss / KIB, 1)} | "
        f"{_num(floor_rss and floor_rss / KIB, 1)} | {_num(_ratio(rss, floor_rss), 2)} | "
        f"<= 16 KiB | {met} | "
        f"{_num(_ratio(rss, _get(other_floor, 'idle', 'rss_per_socket')), 2)} |"
    )
    a_cpu = _get(ours, "moderate", "us_per_msg")
    big_key = next((k for k in (_get(ours, "big") or {}) if k.startswith("ops-1")), None)
    c_cpu = _get(ours, "big", big_key, "us_per_msg") if big_key else None
    ratio = _ratio(c_cpu, a_cpu)
    met = "-" if ratio is None else ("yes" if ratio <= 2 else "**no**")
    lines.append(
        f"| (c) op clients on {big_key or '100 KB'}: µs/msg ÷ (a)'s µs/msg (ours) | "
        f"{_num(c_cpu, 1)} | (a): {_num(a_cpu, 1)} | {_num(ratio, 2)} | <= 2x | {met} | - |"
    )
    return lines


def _cmp(value: float, op: str, bound: float) -> bool:
    return value >= bound if op == ">=" else value <= bound


def _step_row(label: str, step: dict[str, Any] | None) -> str:
    if not step:
        return f"| {label} | - | - | - | - | - | - | - | - | - | - | - |"
    flags = "" if step.get("sustained") else " ✗"
    return (
        f"| {label} | {_num(step['target_msgs_per_s'])} | "
        f"{_num(step['delivered_per_s'])}{flags} | {_lat(step, 'p50')} | {_lat(step, 'p90')} | "
        f"{_lat(step, 'p99')} | {_lat(step, 'max')} | {step['loss']} | "
        f"{step['errors'] + step['bad_acks']} | {_num(step['server_cpu_pct'])} | "
        f"{_num(step['us_per_msg'], 1)} | {_num(step['loadgen_cpu_pct'])} |"
    )


STEP_HEADER = [
    "| server | offered msg/s | delivered msg/s | p50 ms | p90 ms | p99 ms | max ms | loss | "
    "errors | server CPU % | server µs/msg | loadgen CPU % |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def render(
    results: dict[str, dict[str, Any]],
    labels: dict[str, str],
    info: dict[str, Any],
    plan: dict[str, Any],
    notes: list[str],
    command: str,
    elapsed: float,
) -> str:
    ref = next((k for k in ("floor-orjson", "floor-json") if k in results), None)
    rooms, readers = plan["rooms"], plan["readers"]
    out = [
        "# interview-server benchmark",
        "",
        f"`{command}` — {'quick' if plan['quick'] else 'full'} run, {elapsed:.0f} s. "
        f"{info['cpu']}, {info['cpus']} CPUs, Linux {info['kernel']}, Python {info['python']}, "
        f"aiohttp {info['aiohttp']}, orjson {info['orjson'] or 'not installed'}. "
        f"{info['pinning']}. Load generator loop: {info['loadgen_loop']}; "
        f"REST load: {info['rest_tool']}.",
        "",
        "Servers: " + "; ".join(f"`{k}` = {v}" for k, v in labels.items()) + ".",
        "",
        "## Side by side: this server, the floor relay and the seed relay (issue 22's targets)",
        "",
        *threeway.table(results, ref or "floor-orjson"),
        "",
        f"## Targets (ours against `{ref}` measured in this run)",
        "",
        *_targets(results, ref),
        "",
        f"## (a) moderate: {rooms} sessions x {readers + 1} users, one typist at "
        f"{plan['moderate_rate']:g} edits/s, {plan['doc_size'] // 1024} KB document, full-text "
        "clients",
        "",
        *STEP_HEADER,
        *(_step_row(k, _get(results, k, "moderate")) for k in labels),
        "",
        f"## fixed rate: the same at {plan['fixed_rate']:g} edits/s "
        f"(≈{rooms * readers * plan['fixed_rate']:,.0f} delivered msg/s): server CPU per message",
        "",
        *STEP_HEADER,
        *(_step_row(k, _get(results, k, "fixed")) for k in labels),
        "",
        "## (b) saturation: highest step with p99 ≤ 100 ms, no loss, ≥ 90 % of offered rate",
        "",
        "| server | saturated delivered msg/s | limited by | p99 ms there | server CPU % there "
        "| loadgen CPU % there |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for key in labels:
        sat = _get(results, key, "saturation")
        if not sat:
            out.append(f"| {key} | - | - | - | - | - |")
            continue
        best = sat["best"] or {}
        out.append(
            f"| {key} | {_num(sat['saturated_msgs_per_s'])} | {sat['limited_by']} | "
            f"{_lat(best, 'p99')} | {_num(best.get('server_cpu_pct'))} | "
            f"{_num(best.get('loadgen_cpu_pct'))} |"
        )
    out += ["", "<details><summary>every saturation step</summary>", "", *STEP_HEADER]
    for key in labels:
        for step in _get(results, key, "saturation", "steps") or []:
            out.append(_step_row(f"{key} @ {step['rate_per_room']:.0f}/s/room", step))
    out += [
        "",
        "</details>",
        "",
        f"## (c) big document: {plan['big_rooms']} sessions x {readers + 1} users at "
        f"{plan['moderate_rate']:g} edits/s; `text` = full-text clients, `ops` = op clients "
        '(`"fullCode": false`), size in KiB',
        "",
        *STEP_HEADER,
    ]
    for key in labels:
        for case, step in (_get(results, key, "big") or {}).items():
            out.append(_step_row(f"{key} {case}", step))
    out += [
        "",
        f"## (d) idle: {plan['idle_sockets']:,} joined idle sockets "
        f"({plan['idle_per_session']} per session)",
        "",
        "| server | RSS before MiB | RSS after MiB | RSS per socket KiB | connect+join/s | "
        "server CPU µs per join |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key in labels:
        idle = _get(results, key, "idle")
        if not idle:
            continue
        out.append(
            f"| {key} | {idle['rss_before'] / KIB / KIB:.1f} | {idle['rss_after'] / KIB / KIB:.1f}"
            f" | {idle['rss_per_socket'] / KIB:.1f} | {_num(idle['joins_per_s'])} | "
            f"{_num(idle['server_cpu_us_per_join'])} |"
        )
    out += [
        "",
        f"## (e) REST: {plan['rest_seconds']} s per route, {plan['rest_connections']} "
        "keep-alive connections",
        "",
        "| server | route | req/s | p50 ms | p90 ms | p99 ms | non-2xx | server CPU % | tool |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key in labels:
        for route, r in (_get(results, key, "rest") or {}).items():
            lat = r["latency_ms"]
            out.append(
                f"| {key} | `{route}` | {_num(r['req_per_s'])} | {_num(lat.get('p50'), 2)} | "
                f"{_num(lat.get('p90'), 2)} | {_num(lat.get('p99'), 2)} | {r['bad_status']} | "
                f"{_num(r['server_cpu_pct'])} | {r['tool']} |"
            )
    out += [
        "",
        "Reading: latency is send → each peer's receipt, measured inside the load generator. "
        "A delivered msg is one `code-update` frame received by a peer (acks not counted). "
        "µs/msg = server CPU time (utime+stime from /proc) over the window ÷ delivered msgs. "
        "✗ marks a step that was not sustained. A loadgen CPU near 100 % means the number is "
        "a lower bound for that server.",
    ]
    if notes:
        out += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    return "\n".join(out) + "\n"


def machine_info() -> dict[str, Any]:
    """The report's first line: the machine, the versions, how the processes were placed."""
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
        "cpus": len(os.sched_getaffinity(0)),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "orjson": orjson_version,
        "loadgen_loop": loop,
        "pinning": pinning_plan()[1],
        "rest_tool": "wrk" if rest.have_wrk() else "python (wrk not on PATH)",
    }
