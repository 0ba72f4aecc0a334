"""Signals in the browser (issue 19): a paste and a tab switch on the candidate's page reach
the interviewer's and the observer's pages within a second, land in the timeline, the report
and the replay, and never reach the candidate's page, which says plainly what is shared."""

from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import TestServer

from tests.browser.conftest import api, base_url, create_session, open_room

PASTED = "def helper(x):\n    return x * 2\n"
HIDE = """() => {
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
  window.dispatchEvent(new Event("focus"));
}"""
PASTE = """(text) => {
  const content = document.querySelector(".editor-host").shadowRoot.querySelector(".cm-content");
  content.focus();
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const init = { clipboardData: data, bubbles: true, composed: true };
  content.dispatchEvent(new ClipboardEvent("paste", init));
}"""


async def seen_within(pages: list[Any], text: str, started: float) -> float:
    """Wait until every page's Signals list has a line with ``text``; the seconds it took."""
    for page in pages:
        await page.locator("#signals-log li", has_text=text).wait_for(timeout=5000)
    return time.monotonic() - started


async def test_a_paste_and_a_tab_switch_reach_interviewer_and_observer_not_the_candidate(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="")
    room = f"{base_url(server)}/s/{session['id']}"
    interviewer = await open_room(
        await browser.new_context(), f"{room}#interviewer={session['interviewerToken']}", "Ivy"
    )
    observer = await open_room(
        await browser.new_context(),
        f"{room}#observer={session['observerToken']}",
        "Olga",
        wait_editable=False,
    )
    frames: list[str] = []
    candidate = await open_room(await browser.new_context(), room, "Cam", frames=frames)
    notice = await candidate.inner_text("#signals-notice")
    assert "Shared with the interviewer and observers" in notice
    assert "never its text" in notice

    started = time.monotonic()
    await candidate.evaluate(PASTE, PASTED)
    took = await seen_within([interviewer, observer], "pasted 32 characters (3 lines)", started)
    assert took < 1.0, f"the paste took {took:.2f} s to show"
    line = await interviewer.inner_text("#signals-log li >> nth=0")
    assert "from outside the room" in line
    assert PASTED.strip() not in line

    started = time.monotonic()
    await candidate.evaluate(HIDE)
    took = await seen_within([interviewer, observer], "hid the room", started)
    assert took < 1.0, f"the tab switch took {took:.2f} s to show"
    await candidate.evaluate(SHOW)
    await seen_within([interviewer, observer], "came back after", time.monotonic())
    badge = await interviewer.inner_text("#people li:has-text('Cam') .signal-badge")
    assert badge.startswith("away 1\u00d7 (") and badge.endswith("· 1 paste, 1 from outside")

    # The candidate's page: the notice only; no Signals panel, no line, no signal frame.
    assert await candidate.locator("#signals-panel").count() == 0
    assert "pasted" not in await candidate.inner_text("#chat-log")
    assert not [f for f in frames if '"type":"signal"' in f]

    auth = {"Authorization": f"Bearer {session['interviewerToken']}"}
    timeline = await api(server, "GET", f"/api/sessions/{session['id']}/timeline", headers=auth)
    kinds = [e["kind"] for e in timeline["events"] if e["type"] == "signal"]
    assert kinds == ["paste", "focus-lost", "focus-back"]
    report = await api(server, "GET", f"/api/sessions/{session['id']}/report")
    cam = next(p for p in report["participants"] if p["name"] == "Cam")
    assert (cam["signals"]["pastes"], cam["signals"]["focusLosses"]) == (1, 1)

    replay = await interviewer.context.new_page()
    await replay.goto(f"{room}/replay#interviewer={session['interviewerToken']}")
    await replay.locator("#events li", has_text="pasted 32 characters").wait_for()
    await replay.locator("#events li", has_text="hid the room").wait_for()
