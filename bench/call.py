"""Calls: server CPU per signalling frame, and time from Call to media flowing in Chromium.

``python -m bench call [--frames N] [--calls N] [--quick] [--no-browser]`` starts
``server.py`` on a free port of 127.0.0.1 (abuse limits lifted, as every scenario does) and

* **signalling**: two sockets join one session and its call; one sends ``N`` ICE
  ``candidate`` frames to the other (relayed to it only), then ``N`` ``offer`` frames (a
  3.8 KB browser-like SDP each), then ``N`` ``ping`` frames (answered to the author) for
  scale, 200 in flight at a time. Reports the server's CPU seconds per frame of each kind,
  read from ``/proc`` around each batch (the sockets' own CPU is this process's, not the
  server's);
* **connect** (unless ``--no-browser``): ``--calls`` times (10; quick 1), a fresh session
  with an interviewer's and a candidate's page in headless Chromium with fake devices;
  the interviewer presses Call, then the candidate; the time from the candidate's press
  until both pages receive audio and video RTP (``getStats()`` ``inbound-rtp`` packets,
  polled every 20 ms). Median, min and max.

Prints a JSON report. Every page-side helper here is also what the browser tests use
(``tests/browser/callkit.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.chromium import ARGS, CHROMIUM
from bench.common import ALL_CPUS, HOST, ServerProcess, free_port, ours

CALL_ARGS = [
    *ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
"""Chromium with a fake camera and microphone the page may use without a prompt."""
KEEP_PEER_CONNECTIONS = """(() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();"""
"""An init script that keeps the page's peer connections in ``window.__pcs`` for getStats()."""
INBOUND = """async () => {
  const totals = { audio: 0, video: 0 };
  for (const pc of window.__pcs) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp") totals[report.kind] += report.packetsReceived || 0;
    });
  }
  return totals;
}"""
"""The page's inbound RTP packets so far, by kind."""
CANDIDATE = (
    "candidate:3442447574 1 udp 2122260223 192.168.1.20 54321 typ host generation 0 "
    "ufrag abcd network-id 1"
)
WINDOW = 200


def browser_like_sdp() -> str:
    """An offer about the size of Chromium's for audio and video (3.8 KB)."""
    head = ["v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    head += ["a=group:BUNDLE 0 1", "a=msid-semantic: WMS stream"]
    lines = list(head)
    for mid, kind in enumerate(("audio", "video")):
        lines.append(f"m={kind} 9 UDP/TLS/RTP/SAVPF " + " ".join(str(96 + i) for i in range(20)))
        lines += ["c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0", "a=ice-ufrag:abcd"]
        lines += ["a=ice-pwd:" + "a" * 24, "a=setup:actpass", f"a=mid:{mid}", "a=sendrecv"]
        lines += [f"a=rtpmap:{96 + i} codec{i}/90000" for i in range(20)]
        lines += [f"a=rtcp-fb:{96 + i} nack pli" for i in range(20)]
        lines += [
            f"a=fmtp:{96 + i} level-asymmetry-allowed=1;packetization-mode=1" for i in range(10)
        ]
    return "\r\n".join(lines) + "\r\n"


async def signalling(base: str, server: ServerProcess, count: int) -> dict[str, Any]:
    """Server CPU per relayed candidate, per relayed offer, and per ping."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/sessions", json={"maxCandidates": 2}) as response:
            session = await response.json()
        a = await http.ws_connect(f"{base.replace('http', 'ws')}/ws")
        b = await http.ws_connect(f"{base.replace('http', 'ws')}/ws")
        ids = []
        for ws, name in ((a, "A"), (b, "B")):
            await ws.send_json({"type": "join-session", "sessionId": session["id"], "name": name})
            ids.append((await ws.receive_json())["you"]["userId"])
        for ws in (a, b):
            await ws.send_json({"type": "call-join"})
            while (await ws.receive_json())["type"] != "call-joined":
                pass
        await asyncio.sleep(0.2)  # let the call-updates land before measuring
        while True:
            try:
                await asyncio.wait_for(a.receive(), 0.1)
            except TimeoutError:
                break
        sdp = browser_like_sdp()
        kinds = {
            "candidate": (
                {
                    "type": "call-signal",
                    "to": ids[1],
                    "candidate": {"candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0},
                },
                b,
            ),
            "offer": (
                {"type": "call-signal", "to": ids[1], "description": {"type": "offer", "sdp": sdp}},
                b,
            ),
            "ping": ({"type": "ping"}, a),
        }
        report: dict[str, Any] = {"frames": count, "sdpBytes": len(sdp)}
        for kind, (frame, reader) in kinds.items():
            text = json.dumps(frame)
            before, started = server.cpu(), time.perf_counter()
            sent = received = 0
            while received < count:
                while sent < count and sent - received < WINDOW:
                    await a.send_str(text)
                    sent += 1
                message = await reader.receive()
                assert message.type is aiohttp.WSMsgType.TEXT, message
                assert '"error"' not in message.data, message.data
                received += 1
            cpu, wall = server.cpu() - before, time.perf_counter() - started
            report[kind] = {
                "serverCpuMicrosecondsPerFrame": round(cpu / count * 1e6, 1),
                "framesPerSecond": round(count / wall),
            }
        await a.close()
        await b.close()
    return report


async def connect_times(base: str, calls: int) -> dict[str, Any]:
    """Seconds from the second Call press to audio and video arriving on both pages."""
    from playwright.async_api import async_playwright

    times = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CALL_ARGS
        )
        try:
            for _ in range(calls):
                times.append(await one_call(browser, base))
        finally:
            await browser.close()
    return {
        "calls": calls,
        "medianSeconds": round(statistics.median(times), 3),
        "minSeconds": round(min(times), 3),
        "maxSeconds": round(max(times), 3),
        "seconds": [round(t, 3) for t in times],
    }


async def one_call(browser: Any, base: str) -> float:
    async with aiohttp.ClientSession() as http, http.post(f"{base}/api/sessions") as response:
        session = await response.json()
    room = f"{base}/s/{session['id']}"
    pages = []
    for name, url in (("Ivy", f"{room}#interviewer={session['interviewerToken']}"), ("Cam", room)):
        context = await browser.new_context()
        await context.add_init_script(KEEP_PEER_CONNECTIONS)
        await context.add_init_script(f"localStorage.setItem('interview:name', '{name}')")
        page = await context.new_page()
        await page.goto(url)
        await page.wait_for_selector("#connection[data-state=connected]")
        pages.append(page)
    ivy, cam = pages
    await ivy.click("#call-start")
    await ivy.wait_for_selector("#call-status[data-state=in-call]")
    started = time.perf_counter()
    await cam.click("#call-start")
    flowing = [False, False]
    while not all(flowing):
        for i, page in enumerate(pages):
            if not flowing[i]:
                totals = await page.evaluate(INBOUND)
                flowing[i] = totals["audio"] > 0 and totals["video"] > 0
        if time.perf_counter() - started > 30:
            raise RuntimeError("no media within 30 s")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    for page in pages:
        await page.context.close()
    return elapsed


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--frames", type=int, default=None, help="per kind (20,000; quick 500)")
    parser.add_argument("--calls", type=int, default=None, help="calls timed (10; quick 1)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-browser", action="store_true", help="signalling only")
    args = parser.parse_args(argv)
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-call-") as folder:
        server = ServerProcess(
            ours("--host", HOST, "--port", str(port)), Path(folder) / "server.log", ALL_CPUS
        )
        server.start()
        try:
            asyncio.run(server.healthy(f"{base}/health"))
            frames = args.frames or (500 if args.quick else 20_000)
            report: dict[str, Any] = {"signalling": asyncio.run(signalling(base, server, frames))}
            if not args.no_browser:
                calls = args.calls or (1 if args.quick else 10)
                report["connect"] = asyncio.run(connect_times(base, calls))
        finally:
            server.stop()
    print(json.dumps(report, indent=2))
    return 0
