"""In real Chromium: keystroke to remote render between two pages, and the room's first load.

``python -m bench browser [--keystrokes N]`` (``make bench-browser``; ``--quick``: 20)
starts ``server.py`` on a free port of 127.0.0.1, opens two pages of one session (interviewer
and candidate) in headless Chromium (``/usr/bin/chromium``) and types ``N`` single characters
into the first, one at a time. Each page records, with its own clock
(``performance.timeOrigin + now()``, the same system clock for both), when the key went
down, when the ``code-change`` frame left, when the second page's socket received the
``code-update``, and when its editor's document held the character. Then it loads the room
in a fresh context (nothing cached) and again (cached, revalidated) and reports the bytes
transferred and the time until the editor is editable. Prints a JSON report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench.chromium import ARGS, CHROMIUM, first_load, summary
from bench.common import ALL_CPUS, HOST, ServerProcess, free_port, python

# Installed in every page before its scripts: time stamps of socket traffic, no page globals
# of the app's own (the app defines none; these belong to the measurement).
PROBE = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__bench = { keydown: [], sent: [], received: [], rendered: [] };
  document.addEventListener("keydown", () => window.__bench.keydown.push(now()), true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (String(data).includes('"code-change"')) window.__bench.sent.push(now());
    return send.call(this, data);
  };
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener("message", (event) => {
      if (String(event.data).includes('"code-update"')) window.__bench.received.push(now());
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { OPEN: 1, CLOSED: 3, CONNECTING: 0, CLOSING: 2 });
})();
"""

WATCH_RENDER = """async () => {
  const { EditorView } = await import("/static/vendor/codemirror.js");
  const host = document.querySelector(".editor-host");
  const dom = host.shadowRoot.querySelector(".cm-editor");
  const view = EditorView.findFromDOM(dom);
  const now = () => performance.timeOrigin + performance.now();
  let length = view.state.doc.length;
  new MutationObserver(() => {
    const next = view.state.doc.length;
    for (; length < next; length++) window.__bench.rendered.push(now());
  }).observe(dom.querySelector(".cm-content"),
             { childList: true, subtree: true, characterData: true });
  return length;
}"""


async def keystrokes(browser: Any, base: str, session: dict[str, Any], count: int) -> Any:
    room = f"{base}/s/{session['id']}"
    pages = []
    for name, url in (("A", f"{room}#interviewer={session['interviewerToken']}"), ("B", room)):
        context = await browser.new_context()
        page = await context.new_page()
        await page.add_init_script(PROBE)
        await page.add_init_script(f"localStorage.setItem('interview:name', '{name}')")
        await page.goto(url)
        await page.wait_for_selector(".cm-content[contenteditable=true]")
        pages.append(page)
    writer, reader = pages
    await reader.evaluate(WATCH_RENDER)
    await writer.click(".cm-content")
    for i in range(count):
        await writer.keyboard.type("x")
        await reader.wait_for_function("(n) => window.__bench.rendered.length >= n", arg=i + 1)
    a = await writer.evaluate("window.__bench")
    b = await reader.evaluate("window.__bench")
    keydown = a["keydown"][-count:]
    total = [r - k for k, r in zip(keydown, b["rendered"], strict=True)]
    wire = [r - s for s, r in zip(a["sent"], b["received"], strict=False)][:count]
    client_out = [s - k for k, s in zip(keydown, a["sent"], strict=False)][:count]
    client_in = [r - m for m, r in zip(b["received"], b["rendered"], strict=False)][:count]
    return {
        "keystrokes": count,
        "keystroke_to_remote_render": summary(total),
        "keydown_to_frame_sent": summary(client_out),
        "frame_sent_to_frame_received (server + loopback)": summary(wire),
        "frame_received_to_rendered": summary(client_in),
    }


async def run(count: int, base: str) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with aiohttp.ClientSession() as http:
        body = {"problem": "two-sum", "maxCandidates": 5}
        async with http.post(f"{base}/api/sessions", json=body) as response:
            session = await response.json()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            return {
                "chromium": browser.version,
                "typing": await keystrokes(browser, base, session, count),
                "first_load": await first_load(browser, base, session),
            }
        finally:
            await browser.close()


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--keystrokes", type=int, default=None, help="typed (300; quick 20)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    port = free_port()
    argv = [python(), "server.py", "--host", HOST, "--port", str(port), "--log-level", "warning"]
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder:
        server = ServerProcess(argv, Path(folder) / "server.log", ALL_CPUS)
        server.start()
        try:
            base = f"http://{HOST}:{port}"
            asyncio.run(server.healthy(f"{base}/health"))
            count = args.keystrokes or (20 if args.quick else 300)
            report = asyncio.run(run(count, base))
        finally:
            server.stop()
    print(json.dumps(report, indent=2))
    return 0
