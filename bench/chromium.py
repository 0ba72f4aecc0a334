"""Headless Chromium for the browser scenarios (``bench.browser``, ``bench.board``): where it
is, how it is started, the room's first load, and the summary of a list of latencies."""

from __future__ import annotations

import statistics
import time
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(ordered[-1], 2),
    }


async def first_load(browser: Any, base: str, session: dict[str, Any]) -> Any:
    context = await browser.new_context()
    page = await context.new_page()
    await page.add_init_script("localStorage.setItem('interview:name', 'Loader')")
    url = f"{base}/s/{session['id']}"
    results = {}
    for label in ("cold", "warm"):
        started = time.perf_counter()
        if label == "cold":
            await page.goto(url)
        else:
            await page.reload()
        await page.wait_for_selector(".cm-content[contenteditable=true]")
        elapsed = (time.perf_counter() - started) * 1000
        transferred = await page.evaluate(
            """() => performance.getEntriesByType("navigation")
                 .concat(performance.getEntriesByType("resource"))
                 .reduce((n, e) => n + e.transferSize, 0)"""
        )
        results[label] = {"ms_to_editable": round(elapsed, 1), "bytes_transferred": transferred}
    await context.close()
    return results
