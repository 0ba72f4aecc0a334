"""A real network drop between the candidate's page and the server (a TCP proxy that cuts the
socket, refuses reconnects for a while, or freezes): the page reconnects as soon as the browser
reports `online` or the person presses "Retry now", a frozen connection is noticed by the
heartbeat and shows the unsent edits, and the interviewer sees that the candidate dropped.

The time from "allowed again" to "connected" is printed (run with -s); docs/room.md records it.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.browser.conftest import base_url, create_session, open_room, server_text, settle
from tests.browser.proxy import DroppingProxy

RECONNECT_BUDGET = 0.5  # seconds from "allowed again" (and `online`) to "connected"
LONG_WAIT = 3  # the countdown the page shows before the test lets it back: a long backoff


async def candidate_behind_proxy(
    browser: Any, server: TestServer, code: str = "x = 1\n"
) -> tuple[Any, Any, Any, DroppingProxy, dict[str, Any]]:
    session = await create_session(server, code=code)
    proxy = DroppingProxy(server.port or 0)
    await proxy.start()
    interviewer = await open_room(
        await browser.new_context(),
        f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}",
        "Ivy",
    )
    context = await browser.new_context()
    candidate = await open_room(context, f"{proxy.url}/s/{session['id']}", "Cam")
    return interviewer, candidate, context, proxy, session


async def wait_for_long_backoff(page: Any) -> None:
    """Until the page waits at least LONG_WAIT seconds before its next attempt."""
    await page.wait_for_function(
        """(least) => {
          const m = document.getElementById("connection").textContent.match(/retry in (\\d+) s/);
          return m !== null && Number(m[1]) >= least;
        }""",
        arg=LONG_WAIT,
        timeout=30_000,
        polling=20,
    )


async def seconds_until_connected(page: Any, started: float) -> float:
    await page.wait_for_selector("#connection[data-state=connected]", timeout=15_000)
    return asyncio.get_running_loop().time() - started


@pytest.mark.timeout(120)
async def test_the_page_reconnects_within_half_a_second_of_the_browser_going_online(
    browser: Any, server: TestServer
):
    interviewer, candidate, context, proxy, session = await candidate_behind_proxy(browser, server)
    loop = asyncio.get_running_loop()
    try:
        # Without `online` (the proxy lets it back quietly) the page waits for its backoff.
        proxy.refusing = True
        proxy.drop()
        await wait_for_long_backoff(candidate)
        proxy.refusing = False
        quiet = await seconds_until_connected(candidate, loop.time())

        # The network goes away and comes back: the browser says `online`, the page goes at once.
        await context.set_offline(True)
        proxy.refusing = True
        proxy.drop()
        await wait_for_long_backoff(candidate)
        proxy.refusing = False
        started = loop.time()
        await context.set_offline(False)
        online = await seconds_until_connected(candidate, started)
        print(
            f"\nreconnect after the network is back: {online:.3f} s on `online`, "
            f"{quiet:.3f} s by the backoff timer alone"
        )

        assert online < RECONNECT_BUDGET
        assert quiet > online
        await candidate.click(".cm-content")
        await candidate.keyboard.type("# back")
        await settle([interviewer, candidate], server_text(server, session["id"]))
    finally:
        await proxy.close()


async def test_retry_now_reconnects_at_once_during_a_long_backoff(browser: Any, server: TestServer):
    _interviewer, candidate, _context, proxy, _session = await candidate_behind_proxy(
        browser, server
    )
    try:
        proxy.refusing = True
        proxy.drop()
        await wait_for_long_backoff(candidate)
        assert await candidate.is_visible("#retry-now")
        proxy.refusing = False
        started = asyncio.get_running_loop().time()
        await candidate.click("#retry-now")
        assert await seconds_until_connected(candidate, started) < RECONNECT_BUDGET
        assert not await candidate.is_visible("#retry-now")
    finally:
        await proxy.close()


@pytest.mark.timeout(120)
async def test_a_frozen_connection_shows_reconnecting_with_the_unsent_edits_then_catches_up(
    browser: Any, server: TestServer
):
    interviewer, candidate, _context, proxy, session = await candidate_behind_proxy(browser, server)
    try:
        await candidate.click(".cm-content")
        await candidate.keyboard.press("Control+End")
        proxy.frozen = True
        await candidate.keyboard.type("abc")
        # The heartbeat notices the silence (HEARTBEAT_MS + PONG_MS in socket.js, 7 s).
        await candidate.wait_for_selector("#connection[data-state=reconnecting]", timeout=15_000)
        text = await candidate.inner_text("#connection")
        assert re.search(r"\b3 unsent edits\b", text), text
        assert await candidate.is_visible("#retry-now")

        proxy.frozen = False
        await candidate.wait_for_selector("#connection[data-state=connected]", timeout=15_000)
        final = await settle([interviewer, candidate], server_text(server, session["id"]))
        assert final == "x = 1\nabc"
    finally:
        await proxy.close()


async def test_the_interviewer_sees_that_the_candidate_dropped_and_came_back(
    browser: Any, server: TestServer
):
    interviewer, candidate, _context, proxy, _session = await candidate_behind_proxy(
        browser, server
    )
    try:
        proxy.refusing = True
        proxy.drop()
        dropped = interviewer.locator("#people li.dropped", has_text="Cam")
        await dropped.wait_for(timeout=10_000)
        assert "disconnected at" in await dropped.inner_text()
        await interviewer.locator(
            "#room-notice", has_text="Cam (candidate) disconnected"
        ).wait_for()

        proxy.refusing = False
        await candidate.locator("#retry-now").click()
        await candidate.wait_for_selector("#connection[data-state=connected]", timeout=10_000)
        await dropped.wait_for(state="detached", timeout=10_000)
        await interviewer.locator("#people li:not(.dropped)", has_text="Cam").wait_for()
    finally:
        await proxy.close()
