"""The call in real Chromium: two pages connect peer to peer over loopback with fake devices,
media flows both ways, mute shows, hang up; a refused microphone leaves the room working;
axe-core finds nothing serious with the call open."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from sessions.config import Config
from sessions.web.app import create_app
from tests.browser.callkit import (
    call_between_two_pages,
    call_browser,
    call_page,
    connect_call,
    inbound,
    media_flowing,
    media_increasing,
    press_call,
    two_rooms,
    user_id,
    wait_for,
)
from tests.browser.conftest import WAIT_SECONDS, base_url, create_session
from tests.browser.proxy import DroppingProxy
from tests.browser.test_pages import axe_violations
from tests.polling import wait_until
from tests.turnkit import SECRET, turnserver

__all__ = ["call_browser", "turnserver"]
CALL_TIMEOUT = 120


@pytest.mark.timeout(CALL_TIMEOUT)
async def test_two_pages_call_each_other_with_audio_and_video_then_mute_and_hang_up(
    call_browser: Any, server: TestServer
):
    await call_between_two_pages(call_browser, server)


@pytest.mark.timeout(CALL_TIMEOUT)
async def test_axe_finds_nothing_serious_with_the_call_open(call_browser: Any, server: TestServer):
    ivy, cam, _ = await two_rooms(call_browser, server)
    await connect_call(ivy, cam)
    await cam.click("#call-mute")
    await ivy.wait_for_selector('.tile[data-muted="true"]', timeout=WAIT_SECONDS * 1000)
    assert await axe_violations(ivy) == []
    assert await axe_violations(cam) == []


DENY = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));"""


@pytest.mark.timeout(CALL_TIMEOUT)
async def test_a_refused_microphone_says_so_and_the_room_keeps_working(
    call_browser: Any, server: TestServer
):
    session = await create_session(server)
    page = await call_page(call_browser, f"{base_url(server)}/s/{session['id']}", "Cam", init=DENY)
    await page.click("#call-start")
    error = page.locator("#call-error")
    await error.wait_for(state="visible", timeout=WAIT_SECONDS * 1000)
    assert (await error.inner_text()).startswith(
        "The browser did not allow the microphone and camera, so you are not in the call."
    )
    assert await page.get_attribute("#call-error", "role") == "alert"
    assert await page.is_visible("#call-start")
    await page.fill("#chat-text", "can you hear me?")
    await page.click("#chat-form button[type=submit]")
    await page.wait_for_selector("#chat-log li:has-text('can you hear me?')")
    assert await page.get_attribute("#connection", "data-state") == "connected"


RELAYED = """async () => {
  const types = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState !== "connected") continue;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
        types.push(stats.get(report.localCandidateId).candidateType);
      }
    });
  }
  return types;
}"""


@pytest.mark.timeout(CALL_TIMEOUT)
async def test_a_relay_only_call_goes_through_coturn_with_the_credentials_the_page_got(
    call_browser: Any, turnserver: tuple[str, int], aiohttp_server: Any, tmp_path: Path
):
    host, port = turnserver
    secret = tmp_path / "turn-secret"
    secret.write_text(SECRET)
    config = Config(
        ice_servers=(f"turn:{host}:{port}?transport=udp",),
        turn_secret_file=str(secret),
        call_relay_only=True,
    )
    server = await aiohttp_server(create_app(config), host="127.0.0.1")
    ivy, cam, _ = await two_rooms(call_browser, server)
    await connect_call(ivy, cam)
    for page in (ivy, cam):
        pairs: list[list[str]] = []

        async def nominated(page: Any = page, pairs: list[list[str]] = pairs) -> bool:
            pairs.append(await page.evaluate(RELAYED))
            return bool(pairs[-1])

        await wait_until(nominated, "a nominated candidate pair", within=WAIT_SECONDS)
        assert pairs[-1] == ["relay"]
        await media_increasing(page, await inbound(page))


@pytest.mark.timeout(CALL_TIMEOUT)
async def test_an_observer_listens_in_and_sends_nothing(call_browser: Any, server: TestServer):
    ivy, _, session = await two_rooms(call_browser, server)
    room = f"{base_url(server)}/s/{session['id']}#observer={session['observerToken']}"
    olga = await call_page(call_browser, room, "Olga")
    assert await olga.inner_text("#call-start") == "Listen in"
    await press_call(ivy)
    await press_call(olga)
    await media_flowing(olga)  # Olga hears and sees Ivy
    assert await olga.is_hidden("#call-mute")
    olga_id = await user_id(olga)
    tile = f'.tile[data-user-id="{olga_id}"]'
    await ivy.wait_for_selector(tile, timeout=WAIT_SECONDS * 1000)
    assert await ivy.inner_text(f"{tile} .tile-state") == "listening"
    await wait_for(ivy, "() => window.__pcs.some((pc) => pc.connectionState === 'connected')")
    assert await inbound(ivy) == {"audio": 0, "video": 0}  # nothing comes from Olga


async def until(condition: Any, seconds: float = 20.0) -> None:
    """Wait until ``condition()`` is true (polled), or fail after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


CONNECTED = "() => document.querySelector('#call-status').dataset.connected === '1'"


@pytest.mark.timeout(CALL_TIMEOUT)
async def test_a_dropped_socket_rejoins_the_call_and_media_flows_again(
    call_browser: Any, server: TestServer
):
    session = await create_session(server)
    proxy = DroppingProxy(server.port or 0)
    await proxy.start()
    try:
        room = f"/s/{session['id']}"
        ivy = await call_page(
            call_browser,
            f"{base_url(server)}{room}#interviewer={session['interviewerToken']}",
            "Ivy",
        )
        cam = await call_page(call_browser, f"{proxy.url}{room}", "Cam")
        await connect_call(ivy, cam)
        before = await user_id(cam)
        sockets: list[str] = []
        cam.on("websocket", lambda ws: sockets.append(ws.url))

        proxy.drop()  # the socket only: the media goes between the browsers, not through it
        await until(lambda: len(sockets) > 0)  # the page opened a new socket
        await cam.wait_for_selector("#connection[data-state=connected]")
        await cam.wait_for_function(CONNECTED)
        # The same tab is the same person after a reconnect (issue 19), in the call too.
        assert await user_id(cam) == before
        await ivy.wait_for_selector(f'.tile[data-user-id="{before}"]')
        for page in (ivy, cam):
            await media_increasing(page, await inbound(page))
    finally:
        await proxy.close()
