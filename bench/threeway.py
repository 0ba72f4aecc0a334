"""The report's first table: this server, the floor relay and the seed relay side by side.

Issue 22's targets are ratios inside one run: saturated delivered msg/s at least the seed's
and 0.8x the floor's; CPU per delivered message at ~8k msg/s at most the seed's and 1.2x the
floor's; p99 at (a) (≈2k msg/s) at most the seed's and the max at most 2x the floor's; RSS
per idle joined socket at most the floor's. A server missing from the run shows as ``-``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Read = Callable[[dict[str, Any]], Any]
KIB = 1024


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _num(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(a: Any, b: Any) -> float | None:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return None
    return float(a) / float(b)


def _verdict(ratio: float | None, op: str, bound: float | None) -> str:
    if ratio is None or bound is None:
        return ""
    met = ratio >= bound if op == ">=" else ratio <= bound
    return "" if met else " **✗**"


ROWS: list[tuple[str, Read, int, str, float | None, float | None]] = [
    # label, read, digits, op, bound against the seed, bound against the floor
    (
        "saturated delivered msg/s (b)",
        lambda r: _get(r, "saturation", "saturated_msgs_per_s"),
        0,
        ">=",
        1.0,
        0.8,
    ),
    (
        "server µs per delivered msg at ~8k msg/s",
        lambda r: _get(r, "fixed", "us_per_msg"),
        1,
        "<=",
        1.0,
        1.2,
    ),
    (
        "server CPU % at (a) ≈2k msg/s",
        lambda r: _get(r, "moderate", "server_cpu_pct"),
        0,
        "<=",
        None,
        None,
    ),
    ("p50 ms at (a)", lambda r: _get(r, "moderate", "latency_ms", "p50"), 2, "<=", None, None),
    ("p99 ms at (a)", lambda r: _get(r, "moderate", "latency_ms", "p99"), 2, "<=", 1.0, None),
    ("max ms at (a)", lambda r: _get(r, "moderate", "latency_ms", "max"), 1, "<=", None, 2.0),
    (
        "RSS per idle joined socket, KiB (d)",
        lambda r: (_get(r, "idle", "rss_per_socket") or math.nan) / KIB,
        1,
        "<=",
        None,
        1.0,
    ),
]


def table(results: dict[str, dict[str, Any]], floor: str = "floor-orjson") -> list[str]:
    """Markdown lines: one row per measure, ours ÷ seed and ours ÷ floor with issue 22's
    bounds (✗ where one is missed)."""
    ours, base, seed = (results.get(k, {}) for k in ("ours", floor, "seed"))
    lines = [
        f"| measure | ours | {floor} | seed | ours ÷ seed (target) | ours ÷ floor (target) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, read, digits, op, seed_bound, floor_bound in ROWS:
        a, f, s = read(ours), read(base), read(seed)
        cells = []
        for other, bound in ((s, seed_bound), (f, floor_bound)):
            ratio = _ratio(a, other)
            target = f" ({op} {bound:g})" if bound is not None else ""
            cells.append(f"{_num(ratio, 2)}{target}{_verdict(ratio, op, bound)}")
        lines.append(
            f"| {label} | {_num(a, digits)} | {_num(f, digits)} | {_num(s, digits)} | "
            f"{cells[0]} | {cells[1]} |"
        )
    return lines
