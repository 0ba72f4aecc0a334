"""The whiteboard: bundle size, open to drawable, stroke sync latency, server CPU per frame.

``python -m bench board [--strokes N] [--frames N] [--baseline PATH]`` starts ``server.py``
on a free port of 127.0.0.1 and measures, printing a JSON report:

* ``bundle``: the board's files on disk (``sessions/web/static/vendor/board/``), raw and
  gzipped (level 9, what the server sends), and what a page actually transferred on opening
  the board;
* ``open_to_drawable``: from the click on the Whiteboard tab to Excalidraw's API being ready
  and its canvas drawn, in fresh contexts (nothing cached) and after a reload (cached);
* ``stroke_sync``: two pages with the board open; the first draws ``N`` freehand strokes with
  the mouse; each page records with its own clock (``performance.timeOrigin + now()``, the
  same system clock) when each copy of each element (id, version) appeared in its scene: the
  latency of every update is its time on the second page minus its time on the first
  (``FLUSH_MS`` of batching included);
* ``server_cpu``: one socket sends ``F`` board-change frames (a freehand element of 60
  points whose version rises, as during a stroke) waiting for each ack while a second socket
  watches, then ``F`` code-change frames the same way; the server's CPU seconds per frame for
  each, measured in the same run;
* ``first_load``: the room loaded without opening the board (``bench.browser.first_load``),
  and the same for the server at ``--baseline`` (another checkout, e.g. main) when given.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.chromium import ARGS, CHROMIUM, first_load, summary
from bench.common import ALL_CPUS, HOST, REPO, ServerProcess, free_port, ours, python

BOARD_DIR = REPO / "sessions" / "web" / "static" / "vendor" / "board"

# Every copy (id:version) of every element, with the time it first appeared in the scene.
WATCH = """() => {
  const api = document.getElementById("board").excalidrawAPI;
  const now = () => performance.timeOrigin + performance.now();
  window.__seen = {};
  api.onChange((elements) => {
    for (const e of elements) {
      const key = `${e.id}:${e.version}`;
      if (!(key in window.__seen)) window.__seen[key] = now();
    }
  });
}"""


def bundle_sizes() -> dict[str, Any]:
    files = [p for p in BOARD_DIR.rglob("*") if p.is_file()]
    code = [p for p in files if p.suffix in (".js", ".css")]
    return {
        "files": len(files),
        "all_bytes": sum(p.stat().st_size for p in files),
        "code_bytes": sum(p.stat().st_size for p in code),
        "code_gzip_bytes": sum(len(gzip.compress(p.read_bytes(), 9)) for p in code),
        "fonts_bytes": sum(p.stat().st_size for p in files if p.suffix == ".woff2"),
    }


async def room_page(browser: Any, url: str, name: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.add_init_script(f"localStorage.setItem('interview:name', '{name}')")
    await page.goto(url)
    await page.wait_for_selector(".cm-content[contenteditable=true]")
    return page


async def open_board(page: Any) -> float:
    started = time.perf_counter()
    await page.click("#tab-board")
    await page.wait_for_selector("#board[data-opened-ms]")
    await page.wait_for_selector(".excalidraw canvas")
    return (time.perf_counter() - started) * 1000


async def open_to_drawable(browser: Any, url: str, runs: int) -> dict[str, Any]:
    cold, warm, transferred = [], [], []
    for _ in range(runs):
        page = await room_page(browser, url, "Opener")
        cold.append(await open_board(page))
        transferred.append(
            await page.evaluate(
                """() => performance.getEntriesByType("resource")
                     .filter((e) => e.name.includes("/board"))
                     .reduce((n, e) => n + e.transferSize, 0)"""
            )
        )
        await page.reload()
        await page.wait_for_selector(".cm-content[contenteditable=true]")
        warm.append(await open_board(page))
        await page.context.close()
    return {
        "cold": summary(cold),
        "warm (cached)": summary(warm),
        "bytes_transferred_on_open": int(statistics.median(transferred)),
    }


async def stroke_sync(browser: Any, url: str, token: str, strokes: int) -> dict[str, Any]:
    writer = await room_page(browser, f"{url}#interviewer={token}", "Writer")
    reader = await room_page(browser, url, "Reader")
    for page in (writer, reader):
        await open_board(page)
        await page.evaluate(WATCH)
    box = await writer.locator("#board").bounding_box()
    await writer.locator('[data-testid="toolbar-freedraw"]').click(force=True)
    for i in range(strokes):
        x, y = box["x"] + 100 + (i % 10) * 50, box["y"] + 120 + (i // 10) * 80
        await writer.mouse.move(x, y)
        await writer.mouse.down()
        for step in range(1, 16):
            await writer.mouse.move(x + step * 2, y + (step % 5) * 8)
        await writer.mouse.up()
    wanted = await writer.evaluate(
        """() => document.getElementById("board").excalidrawAPI.getSceneElements()
             .map((e) => `${e.id}:${e.version}`)"""
    )
    await reader.wait_for_function(
        "(keys) => keys.every((k) => k in window.__seen)", arg=wanted, timeout=60_000
    )
    a = await writer.evaluate("window.__seen")
    b = await reader.evaluate("window.__seen")
    every = [b[key] - a[key] for key in a if key in b]
    final = [b[key] - a[key] for key in wanted]
    await writer.context.close()
    await reader.context.close()
    return {
        "strokes": strokes,
        "updates_seen_on_both": len(every),
        "every_update": summary(every),
        "final_copy_of_each_stroke": summary(final),
    }


def stroke_element(version: int) -> dict[str, Any]:
    points = [[i * 2, (i % 7) * 3] for i in range(60)]
    return {
        "id": "bench-stroke",
        "type": "freedraw",
        "version": version,
        "versionNonce": version * 7919,
        "isDeleted": False,
        "x": 10,
        "y": 20,
        "width": 120,
        "height": 18,
        "angle": 0,
        "strokeColor": "#1e1e1e",
        "backgroundColor": "transparent",
        "strokeWidth": 2,
        "points": points,
        "pressures": [],
        "simulatePressure": True,
    }


async def server_cpu(server: ServerProcess, base: str, frames: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/sessions", json={"maxCandidates": 5}) as response:
            session = await response.json()
        join = {"type": "join-session", "sessionId": session["id"]}
        sender = await http.ws_connect(f"{base}/ws")
        watcher = await http.ws_connect(f"{base}/ws")
        await sender.send_json({**join, "name": "S"})
        await sender.receive_json()
        await watcher.send_json({**join, "name": "W"})
        await watcher.receive_json()
        await sender.receive_json()  # users-update
        for ws in (sender, watcher):
            await ws.send_json({"type": "board-sync"})
            await ws.receive_json()

        async def drain() -> None:
            async for _ in watcher:
                pass

        draining = asyncio.ensure_future(drain())
        before = server.cpu()
        for n in range(frames):
            await sender.send_json({"type": "board-change", "elements": [stroke_element(n + 1)]})
            reply = await sender.receive_json()
            assert reply["type"] == "board-ack", reply
        board = (server.cpu() - before) / frames
        before = server.cpu()
        for n in range(frames):
            await sender.send_json(
                {"type": "code-change", "revision": n, "ops": [n, "x"] if n else ["x"]}
            )
            reply = await sender.receive_json()
            assert reply["type"] == "ack", reply
        code = (server.cpu() - before) / frames
        await watcher.close()
        await sender.close()
        draining.cancel()
    frame_bytes = len(json.dumps({"type": "board-change", "elements": [stroke_element(1)]}))
    return {
        "frames": frames,
        "board_frame_bytes": frame_bytes,
        "board_change_us": round(board * 1e6, 1),
        "code_change_us": round(code * 1e6, 1),
        "board_over_code": round(board / code, 2),
    }


async def measure(base: str, server: ServerProcess, args: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/api/sessions", json={"maxCandidates": 5}) as response,
    ):
        session = await response.json()
    url = f"{base}/s/{session['id']}"
    report: dict[str, Any] = {"bundle": bundle_sizes()}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            report["chromium"] = browser.version
            report["first_load"] = await first_load(browser, base, session)
            report["open_to_drawable"] = await open_to_drawable(browser, url, args.opens)
            report["stroke_sync"] = await stroke_sync(
                browser, url, session["interviewerToken"], args.strokes
            )
        finally:
            await browser.close()
    report["server_cpu"] = await server_cpu(server, base, args.frames)
    return report


async def baseline_first_load(checkout: Path, folder: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    port = free_port()
    argv = [python(), str(checkout / "server.py"), "--host", HOST, "--port", str(port)]
    server = ServerProcess([*argv, "--log-level", "warning"], folder / "baseline.log", ALL_CPUS)
    server.start()
    try:
        base = f"http://{HOST}:{port}"
        await server.healthy(f"{base}/health")
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base}/api/sessions", json={}) as response,
        ):
            session = await response.json()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                loaded: dict[str, Any] = await first_load(browser, base, session)
                return loaded
            finally:
                await browser.close()
    finally:
        server.stop()


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--strokes", type=int, default=20, help="freehand strokes (20)")
    parser.add_argument("--frames", type=int, default=2000, help="frames for the CPU (2000)")
    parser.add_argument("--opens", type=int, default=5, help="board openings timed (5)")
    parser.add_argument("--baseline", type=Path, help="another checkout: its room's first load")
    args = parser.parse_args(argv)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-board-") as name:
        folder = Path(name)
        server = ServerProcess(
            ours("--host", HOST, "--port", str(port)), folder / "server.log", ALL_CPUS
        )
        server.start()
        try:
            base = f"http://{HOST}:{port}"
            asyncio.run(server.healthy(f"{base}/health"))
            report = asyncio.run(measure(base, server, args))
        finally:
            server.stop()
        if args.baseline is not None:
            report["first_load_baseline"] = asyncio.run(baseline_first_load(args.baseline, folder))
    print(json.dumps(report, indent=2))
    return 0
