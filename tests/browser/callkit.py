"""Two Chromium pages in a call: Debian's Chromium with a fake camera and microphone
(``--use-fake-device-for-media-stream``) that the page may use without a prompt
(``--use-fake-ui-for-media-stream``), and helpers that read WebRTC's own statistics.

Nothing in the page is there for the tests: an init script (shared with ``python -m bench
call``, bench/call.py) keeps a list of the page's ``RTCPeerConnection`` objects
(``window.__pcs``) so a test can ask them for ``getStats()``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bench.call import CALL_ARGS, INBOUND, KEEP_PEER_CONNECTIONS
from tests.browser.conftest import WAIT_SECONDS, base_url, create_session, open_room
from tests.needs import need_program

TILE_MEDIA = """(userId) => {
  const video = document.querySelector(`.tile[data-user-id="${userId}"] video`);
  if (!video || !video.srcObject) return null;
  return {
    kinds: video.srcObject.getTracks()
      .filter((t) => t.readyState === "live")
      .map((t) => t.kind)
      .sort(),
    width: video.videoWidth,
  };
}"""


@pytest.fixture
async def call_browser() -> AsyncIterator[Any]:
    path = need_program("chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=path, headless=True, args=CALL_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def call_page(browser: Any, url: str, name: str, *, init: str = "") -> Any:
    """A room page in a context of its own (CSP bypassed so axe-core can be injected);
    ``init``: a script to run in it before the page's own."""
    context = await browser.new_context(bypass_csp=True)
    await context.add_init_script(KEEP_PEER_CONNECTIONS + init)
    return await open_room(context, url, name, wait_editable=False)


async def two_rooms(browser: Any, server: Any) -> tuple[Any, Any, dict[str, Any]]:
    """An interviewer's and a candidate's page in one session, through ``server``."""
    session = await create_session(server)
    room = f"{base_url(server)}/s/{session['id']}"
    ivy = await call_page(browser, f"{room}#interviewer={session['interviewerToken']}", "Ivy")
    cam = await call_page(browser, room, "Cam")
    return ivy, cam, session


async def user_id(page: Any) -> str:
    """The page's own userId, read off its own tile."""
    return str(
        await page.get_attribute(".tile:has(.tile-name:text-matches('(you)'))", "data-user-id")
    )


async def inbound(page: Any) -> dict[str, int]:
    totals: dict[str, int] = await page.evaluate(INBOUND)
    return totals


async def wait_for(page: Any, script: str, arg: Any = None, *, within: float = WAIT_SECONDS) -> Any:
    """Poll ``script`` in the page until it returns something truthy; return it."""
    handle = await page.wait_for_function(script, arg=arg, timeout=within * 1000, polling=50)
    return await handle.json_value()


async def press_call(page: Any) -> None:
    await page.click("#call-start")
    await page.wait_for_selector("#call-status[data-state=in-call]", timeout=WAIT_SECONDS * 1000)


async def media_flowing(page: Any, *, within: float = WAIT_SECONDS) -> dict[str, int]:
    """Wait until this page receives audio and video packets; the totals then."""
    deadline = time.monotonic() + within
    while True:
        totals = await inbound(page)
        if totals["audio"] > 0 and totals["video"] > 0:
            return totals
        if time.monotonic() > deadline:
            raise AssertionError(f"no inbound media within {within} s: {totals}")
        await asyncio.sleep(0.05)


async def media_increasing(
    page: Any, since: dict[str, int], *, within: float = WAIT_SECONDS
) -> dict[str, int]:
    """Wait until both kinds of inbound packets are above ``since``."""
    deadline = time.monotonic() + within
    while True:
        totals = await inbound(page)
        if totals["audio"] > since["audio"] and totals["video"] > since["video"]:
            return totals
        if time.monotonic() > deadline:
            raise AssertionError(f"inbound media stopped: {since} then {totals}")
        await asyncio.sleep(0.1)


async def connect_call(ivy: Any, cam: Any) -> float:
    """Ivy presses Call, then Cam; wait for media both ways. Seconds from Cam's press to
    media arriving on both pages."""
    await press_call(ivy)
    start = time.perf_counter()
    await press_call(cam)
    await asyncio.gather(media_flowing(ivy), media_flowing(cam))
    return time.perf_counter() - start


async def call_between_two_pages(browser: Any, server: Any) -> None:
    """The whole call as the issue asks: connect, media flowing both ways with both tracks,
    mute reflected on the other page, hang up."""
    ivy, cam, _ = await two_rooms(browser, server)
    await connect_call(ivy, cam)
    ivy_id, cam_id = await user_id(ivy), await user_id(cam)
    for page, other in ((ivy, cam_id), (cam, ivy_id)):
        media = await wait_for(
            page, f"() => ({TILE_MEDIA})({other!r})?.width > 0 && ({TILE_MEDIA})({other!r})"
        )
        assert media["kinds"] == ["audio", "video"], media
        assert media["width"] > 0
        await media_increasing(page, await inbound(page))

    tile = f'.tile[data-user-id="{cam_id}"]'
    # Chromium's fake microphone beeps: Ivy's page marks Cam as speaking on a beep.
    await ivy.wait_for_selector(f'{tile}[data-speaking="true"]', timeout=WAIT_SECONDS * 1000)

    await cam.click("#call-mute")
    assert await cam.get_attribute("#call-mute", "aria-pressed") == "true"
    await ivy.wait_for_selector(f'{tile}[data-muted="true"]', timeout=WAIT_SECONDS * 1000)
    assert await ivy.inner_text(f"{tile} .tile-state") == "muted"
    await ivy.wait_for_selector(f'{tile}[data-speaking="false"]', timeout=WAIT_SECONDS * 1000)

    await cam.click("#call-hangup")
    await ivy.wait_for_selector(tile, state="detached", timeout=WAIT_SECONDS * 1000)
    await wait_for(cam, "() => window.__pcs.every((pc) => pc.connectionState === 'closed')")
    assert await cam.is_visible("#call-start")
    assert await ivy.inner_text("#call-status") == "In the call: waiting for others."
    await ivy.click("#call-hangup")
    await ivy.wait_for_selector("#call-status[data-state=idle]")
    assert await ivy.locator(".tile").count() == 0
