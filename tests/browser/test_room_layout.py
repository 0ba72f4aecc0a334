"""The room at 1400, 800 and 390 px wide: nothing cut off, no horizontal scroll of the page,
the editor usable, banners that do not push the room off the page; axe-core on every page at
every width in the light and the dark theme; the screenshots of the README.

Set INTERVIEW_SCREENSHOTS_TO_DOCS=1 to copy this run's screenshots into docs/.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.browser.conftest import OUTPUT, base_url, create_session, editor_text, open_room
from tests.browser.test_pages import DOCS, SCREENSHOTS_TO_DOCS, axe_violations

WIDTHS = (1400, 800, 390)
WIDE = 1100  # css/room.css: above this width the room is one screen high
HEIGHTS = {1400: 860, 800: 900, 390: 800}

# Everything a person must be able to reach and see whole, on every width.
REACHABLE = (
    "#session-title",
    "#connection",
    "#language",
    "#timer",
    "#editor-settings > summary",
    "#problem-title",
    "#problem-body pre",
    ".editor-host",
    "#people li:first-child",
    "#chat-text",
    "#chat-form button[type=submit]",
)

FIT = """(selectors) => {
  const out = [];
  const width = document.documentElement.clientWidth;
  for (const selector of selectors) {
    const el = document.querySelector(selector);
    if (!el) { out.push(`${selector}: missing`); continue; }
    el.scrollIntoView({ block: "center", inline: "nearest" });
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) { out.push(`${selector}: not shown`); continue; }
    if (r.left < -1 || r.right > width + 1) {
      out.push(`${selector}: x ${r.left}..${r.right} of ${width}`);
    }
    // What is drawn at the element's centre is the element (not clipped, not covered).
    const x = Math.min(Math.max(r.left + Math.min(r.width / 2, 20), 0), width - 1);
    const y = r.top + Math.min(r.height / 2, 10);
    const hit = document.elementFromPoint(x, y);
    const root = el.getRootNode();
    const inner = root.host
      ? hit === root.host || root.host.contains(hit)
      : el.contains(hit) || hit === el;
    if (!inner && !(hit && hit.contains(el))) {
      out.push(`${selector}: covered by ${hit && (hit.id || hit.className || hit.tagName)}`);
    }
  }
  return out;
}"""

PAGE_SCROLL = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
})"""

EDITOR_BOX = """() => {
  const host = document.querySelector(".editor-host");
  const r = host.shadowRoot.querySelector(".cm-editor").getBoundingClientRect();
  return { width: r.width, height: r.height };
}"""


async def room_with_everything(browser: Any, server: TestServer, width: int, **context: Any) -> Any:
    """An interviewer's room at ``width`` with a problem, a chat message and a note."""
    session = await create_session(server, problem="binary-search", name="Backend, round 2")
    size = {"width": width, "height": HEIGHTS[width]}
    ctx = await browser.new_context(viewport=size, bypass_csp=True, **context)
    link = f"{base_url(server)}/s/{session['id']}"
    page = await open_room(ctx, f"{link}#interviewer={session['interviewerToken']}", "Ivy")
    await page.fill("#chat-text", "Hello, can you see the problem on the left?")
    await page.keyboard.press("Enter")
    await page.locator("#chat-log li").wait_for()
    await page.fill("#notes-text", "Started on time.")
    await page.click("#notes-form button[type=submit]")
    await page.locator("#notes-log li").wait_for()
    return page, session, link


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_room_fits_the_width_with_nothing_cut_off_and_a_usable_editor(
    browser: Any, server: TestServer, width: int
):
    page, _session, _link = await room_with_everything(browser, server, width)

    scroll = await page.evaluate(PAGE_SCROLL)
    assert scroll["scrollWidth"] <= scroll["clientWidth"], scroll
    assert await page.evaluate(FIT, [*REACHABLE, "#notes-text", "#notes-form button"]) == []
    box = await page.evaluate(EDITOR_BOX)
    assert box["width"] >= min(600, width - 40) * 0.8, box
    assert box["height"] >= 300, box
    await page.click(".cm-content")
    await page.keyboard.press("Control+End")
    await page.keyboard.type("\n# typed at this width")
    assert (await editor_text(page) or "").endswith("# typed at this width")
    await page.evaluate("() => window.scrollTo(0, 0)")
    OUTPUT.mkdir(exist_ok=True)
    name = f"room-{width}.png"
    await page.screenshot(path=str(OUTPUT / name))
    if os.environ.get(SCREENSHOTS_TO_DOCS) == "1":
        shutil.copyfile(OUTPUT / name, DOCS / f"screenshot-{name}")


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_observer_banner_does_not_cut_off_the_bottom_of_the_room(
    browser: Any, server: TestServer, width: int
):
    session = await create_session(server, problem="two-sum")
    ctx = await browser.new_context(viewport={"width": width, "height": HEIGHTS[width]})
    link = f"{base_url(server)}/s/{session['id']}#observer={session['observerToken']}"
    page = await open_room(ctx, link, "Olga", wait_editable=False)
    assert await page.is_visible("#readonly")

    assert await page.evaluate(FIT, ["#chat-form button[type=submit]", "#notes-form button"]) == []
    bottom = await page.evaluate(
        """() => ({ room: document.getElementById("room").getBoundingClientRect().bottom + scrollY,
                    page: document.documentElement.scrollHeight, view: innerHeight })"""
    )
    assert bottom["room"] <= bottom["page"] + 1, bottom
    if width > WIDE:  # the wide room is one screen: banner, bar and room all fit in it
        assert bottom["page"] <= bottom["view"], bottom
        assert bottom["room"] <= bottom["view"], bottom


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
async def test_axe_finds_nothing_serious_on_any_page_at_any_width_in_either_theme(
    browser: Any, server: TestServer, width: int, scheme: str
):
    page, session, link = await room_with_everything(browser, server, width, color_scheme=scheme)
    expected = "dark" if scheme == "dark" else "light"
    assert await page.evaluate("() => document.documentElement.dataset.theme") == expected
    candidate = await open_room(
        await browser.new_context(
            viewport={"width": width, "height": HEIGHTS[width]},
            bypass_csp=True,
            color_scheme=scheme,
        ),
        link,
        "Cam",
    )
    await candidate.fill("#chat-text", "A question?")
    await candidate.check("#chat-question")
    await candidate.keyboard.press("Enter")
    await page.locator("#chat-log li", has_text="A question?").wait_for()
    await page.click("#editor-settings > summary")
    assert await axe_violations(page) == [], "interviewer's room"
    assert await axe_violations(candidate) == [], "candidate's room"

    await page.goto(f"{base_url(server)}/")
    await page.wait_for_selector("#problem-list li:nth-child(3)")
    assert await axe_violations(page) == [], "landing page"
    await page.click("#create")
    await page.wait_for_selector("#created:not([hidden])")
    assert await axe_violations(page) == [], "landing page with the links"
    await page.goto(f"{base_url(server)}/s/{session['id']}/replay")
    await page.wait_for_selector("#replay-main:not([hidden])")
    assert await axe_violations(page) == [], "replay"
    if scheme == "dark":
        OUTPUT.mkdir(exist_ok=True)
        await candidate.screenshot(path=str(OUTPUT / f"room-dark-{width}.png"))
