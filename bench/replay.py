"""The replay of a 2-hour, 20,000-change interview in Chromium: time to open, scrub frame times.

``python -m bench replay [--changes N] [--seconds S] [--quick]`` serves the app in this process on a
free port of 127.0.0.1 (``--timeline-size 30000``, so the whole interview is kept), writes
two recorded interviews into it (bench/replay_session.py: a 12-change one, the machine's
floor, and the generated one), opens each replay in headless Chromium (``/usr/bin/chromium``)
and measures the time from navigation to the replay being ready, then drags the slider
across the whole interview (200 frames) and jumps to 200 random moments, one per animation
frame, timing each frame and the page's own work per move. Prints a JSON report; exit 1
when the interview opens more than 2 s later than the floor or a scrub frame's 95th
percentile is more than 100 ms above the floor's (a visible stall); ``--quick`` (1,000
changes) only checks that it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from aiohttp import web

from bench.common import HOST, free_port
from bench.replay_session import SCRUB, generate, small
from sessions.config import Config
from sessions.room.session import Session
from sessions.web.app import create_app
from sessions.web.keys import STORE

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


async def measure(browser: Any, base: str, session: Session) -> dict[str, Any]:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{base}/s/{session.id}/replay#interviewer={session.interviewer_token}")
    status = "#replay-status"
    await page.wait_for_selector(f"{status}[data-ready]", timeout=120_000)
    figures = {
        "openedMs": float(await page.get_attribute(status, "data-load-ms") or "inf"),
        "timings": json.loads(await page.get_attribute(status, "data-timings") or "{}"),
        "drag": await page.evaluate(SCRUB, [200, "drag"]),
        "random": await page.evaluate(SCRUB, [200, "random"]),
    }
    await page.context.close()
    return figures


async def run(changes: int, seconds: float) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    app = create_app(Config(timeline_size=max(30_000, changes + 1000)))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, HOST, port).start()
    try:
        tiny = app[STORE].create("Tiny", "python", "")
        small(tiny)
        big = app[STORE].create("Two hours", "python", "")
        generate(big, changes=changes, seconds=seconds)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=ARGS
            )
            base = f"http://{HOST}:{port}"
            floor = await measure(browser, base, tiny)
            measured = await measure(browser, base, big)
            await browser.close()
    finally:
        await runner.cleanup()
    return {"changes": changes, "seconds": seconds, "floor": floor, "big": measured}


def within_budget(report: dict[str, Any]) -> bool:
    floor, big = report["floor"], report["big"]
    opened = big["openedMs"] - floor["openedMs"] < 2000
    smooth = all(
        big[mode]["frame"]["p95"] < floor[mode]["frame"]["p95"] + 100 for mode in ("drag", "random")
    )
    return opened and smooth


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=7200.0)
    parser.add_argument("--quick", action="store_true", help="1,000 changes over 6 minutes")
    args = parser.parse_args(argv)
    if args.quick:
        args.changes, args.seconds = 1000, 360.0
    report = asyncio.run(run(args.changes, args.seconds))
    report["withinBudget"] = within_budget(report)
    print(json.dumps(report, indent=2))
    return 0 if report["withinBudget"] or args.quick else 1  # quick: that it runs
