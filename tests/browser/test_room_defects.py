"""Defects an interviewer met in the room (issue 19), each shown fixed in real Chromium:
Remove asks and keeps the person out, readable remote names, problem Markdown, and the small
things (the ended badge, Reply, People in view, Remove on one line, notices, seconds); the
timer, follow the candidate and the editor settings."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestServer

from sessions.web.keys import STORE
from tests.browser.conftest import api, base_url, create_session, open_room, server_text, settle
from tests.polling import wait_until

GREEN = "rgb(216, 240, 230)"

REMOTE_NAME = """() => {
  const root = document.querySelector(".editor-host").shadowRoot;
  const label = root.querySelector(".remote-name");
  if (!label) return null;
  const r = label.getBoundingClientRect();
  const s = root.querySelector(".cm-scroller").getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, scrollerTop: s.top, text: label.textContent,
           below: label.classList.contains("below"), opacity: getComputedStyle(label).opacity };
}"""


async def two_pages(
    browser: Any, server: TestServer, *, viewport: dict[str, int] | None = None, **body: Any
) -> tuple[Any, Any, dict[str, Any]]:
    session = await create_session(server, **body)
    room = f"{base_url(server)}/s/{session['id']}"
    options = {"viewport": viewport} if viewport else {}
    interviewer = await open_room(
        await browser.new_context(**options),
        f"{room}#interviewer={session['interviewerToken']}",
        "Ivy",
    )
    candidate = await open_room(await browser.new_context(**options), room, "Cam")
    return interviewer, candidate, session


async def test_remove_asks_first_then_blocks_and_a_reload_does_not_rejoin(
    browser: Any, server: TestServer
):
    interviewer, candidate, session = await two_pages(browser, server, code="x = 1\n")
    row = interviewer.locator("#people li", has_text="Cam")
    await row.locator("button", has_text="Remove").click()
    assert await row.locator(".confirm").inner_text() != ""
    await row.locator("button", has_text="Cancel").click()
    assert await candidate.get_attribute("#connection", "data-state") == "connected"

    await row.locator("button", has_text="Remove").click()
    await row.locator("button", has_text="Remove and keep out").click()

    await candidate.wait_for_selector("#connection[data-state=closed]", timeout=10_000)
    assert "cannot rejoin" in await candidate.inner_text("#connection")
    assert await candidate.is_disabled("#language")
    assert await candidate.is_disabled("#chat-form button[type=submit]")
    assert await candidate.is_disabled("#run")
    assert "removed you" in await candidate.inner_text("#run-reason")
    assert server.app[STORE].get(session["id"]).blocked_addresses == {"127.0.0.1"}

    sockets: list[str] = []
    candidate.on("websocket", lambda ws: sockets.append(ws.url))
    await candidate.reload()
    await candidate.wait_for_selector("#connection[data-state=closed]")
    assert "removed you" in await candidate.inner_text("#connection")
    assert sockets == []
    users = (await api(server, "GET", f"/api/sessions/{session['id']}/users"))["users"]
    assert [user["name"] for user in users] == ["Ivy"]

    # A new tab (no memory of the removal) is refused by the server: the address is blocked.
    again = await (await browser.new_context()).new_page()
    await again.add_init_script("localStorage.setItem('interview:name', 'Cam')")
    await again.goto(f"{base_url(server)}/s/{session['id']}")
    await again.wait_for_selector("#connection[data-state=closed]", timeout=10_000)
    assert "removed from this session" in await again.inner_text("#connection")


async def test_a_remote_name_on_the_first_line_is_drawn_inside_the_editor_and_then_fades(
    browser: Any, server: TestServer
):
    interviewer, candidate, _session = await two_pages(
        browser, server, code="a = 1\nb = 2\nc = 3\n"
    )
    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+Home")

    await interviewer.wait_for_function(f"() => ({REMOTE_NAME})() !== null")
    first = await interviewer.evaluate(REMOTE_NAME)
    assert first["text"] == "Cam"
    assert first["below"] is True
    assert first["top"] >= first["scrollerTop"], first
    assert first["opacity"] == "1"

    await candidate.keyboard.press("ArrowDown")
    await candidate.keyboard.press("ArrowDown")
    await interviewer.wait_for_function(f"() => ({REMOTE_NAME})()?.below === false")
    # Above the caret on line 3, it covers line 2 only while Cam moves: then it fades out.
    await interviewer.wait_for_function(
        f"() => ({REMOTE_NAME})()?.opacity === '0'", timeout=6000, polling=100
    )


async def test_problem_lists_render_as_lists_and_examples_wrap_in_the_narrow_panel(
    browser: Any, server: TestServer
):
    interviewer, _candidate, _session = await two_pages(
        browser, server, viewport={"width": 1400, "height": 860}, problem="binary-search"
    )
    items = await interviewer.locator("#problem-body ul:not(.examples) > li").all_inner_texts()
    assert items == [
        "0 <= nums.length <= 10^4",
        "-10^4 < nums[i], target < 10^4",
        "The values of nums are distinct and sorted in ascending order.",
    ]
    overflow = await interviewer.evaluate(
        """() => [...document.querySelectorAll("#problem-body pre")].map((pre) => {
             const panel = pre.closest(".panel").getBoundingClientRect();
             const r = pre.getBoundingClientRect();
             const cut = pre.scrollWidth > pre.clientWidth + 1;
             return { cut, inside: r.right <= panel.right + 1 };
           })"""
    )
    assert overflow and all(o == {"cut": False, "inside": True} for o in overflow), overflow


async def test_an_ended_session_is_not_shown_in_the_green_connected_badge(
    browser: Any, server: TestServer
):
    interviewer, candidate, _session = await two_pages(browser, server, code="")
    await interviewer.click("#end")
    await interviewer.click("#end-yes")
    for page in (interviewer, candidate):
        await page.wait_for_selector("#connection[data-state=ended]", timeout=10_000)
        assert await page.inner_text("#connection") == "session ended"
        background = await page.evaluate(
            "() => getComputedStyle(document.getElementById('connection')).backgroundColor"
        )
        assert background != GREEN


async def test_no_reply_button_on_ones_own_question_and_times_to_the_second(
    browser: Any, server: TestServer
):
    interviewer, candidate, _session = await two_pages(browser, server, code="")
    await candidate.fill("#chat-text", "May I use a dict?")
    await candidate.check("#chat-question")
    await candidate.keyboard.press("Enter")
    await interviewer.locator("#chat-log li", has_text="May I use a dict?").wait_for()
    await candidate.locator("#chat-log li", has_text="May I use a dict?").wait_for()

    assert await candidate.locator("#chat-log li button", has_text="Reply").count() == 0
    assert await interviewer.locator("#chat-log li button", has_text="Reply").count() == 1
    meta = await interviewer.inner_text("#chat-log li .meta")
    assert re.search(r"\d{1,2}:\d{2}:\d{2}", meta), meta


async def test_people_stay_in_view_while_writing_a_note_and_remove_stays_on_its_line(
    browser: Any, server: TestServer
):
    interviewer, _candidate, _session = await two_pages(
        browser, server, viewport={"width": 1400, "height": 700}, code=""
    )
    for i in range(12):
        await interviewer.fill("#chat-text", f"message number {i} with a few words in it")
        await interviewer.keyboard.press("Enter")
    await interviewer.locator("#chat-log li", has_text="message number 11").wait_for()
    await interviewer.click("#notes-text")
    await interviewer.keyboard.type("Writing a long note about the approach")

    people = await interviewer.evaluate(
        """() => {
          const r = document.getElementById("people-heading").getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + 5, r.top + r.height / 2);
          return { top: r.top, bottom: r.bottom, height: innerHeight,
                   hit: hit && hit.closest("#people-heading") !== null };
        }"""
    )
    assert people["hit"] and people["top"] >= 0 and people["bottom"] <= people["height"], people
    line = await interviewer.evaluate(
        """() => {
          const li = [...document.querySelectorAll("#people li")]
            .find((l) => l.textContent.includes("Cam"));
          const name = li.querySelector(".name").getBoundingClientRect();
          const button = li.querySelector("button").getBoundingClientRect();
          return { nameTop: name.top, nameBottom: name.bottom,
                   buttonTop: button.top, buttonBottom: button.bottom };
        }"""
    )
    assert line["buttonTop"] < line["nameBottom"] and line["buttonBottom"] > line["nameTop"], line


async def test_a_language_or_problem_change_is_announced_in_the_room_with_who_did_it(
    browser: Any, server: TestServer
):
    interviewer, candidate, _session = await two_pages(browser, server, code="")
    await candidate.select_option("#language", "javascript")
    await interviewer.locator(
        "#room-notice", has_text="Cam changed the language to javascript"
    ).wait_for()
    await interviewer.select_option("#problem-select", "binary-search")
    await interviewer.click("#problem-set")
    await candidate.locator(
        "#room-notice", has_text="Ivy set the problem: Binary Search"
    ).wait_for()


async def test_the_interviewer_sets_the_planned_length_and_everyone_sees_the_timer(
    browser: Any, server: TestServer
):
    interviewer, candidate, session = await two_pages(browser, server, code="")
    assert await candidate.locator("#timer-form").count() == 0
    await interviewer.fill("#timer-minutes", "45")
    await interviewer.click("#timer-form button")

    await candidate.locator("#timer", has_text="of 45:00").wait_for()
    assert re.fullmatch(r"\d+:\d{2} of 45:00", await candidate.inner_text("#timer"))
    assert server.app[STORE].get(session["id"]).planned_seconds == 2700
    await candidate.reload()
    await candidate.locator("#timer", has_text="of 45:00").wait_for()


async def test_following_the_candidate_scrolls_the_interviewers_editor_to_their_cursor(
    browser: Any, server: TestServer
):
    code = "".join(f"line_{i} = {i}\n" for i in range(200))
    interviewer, candidate, _session = await two_pages(
        browser, server, viewport={"width": 1400, "height": 700}, code=code
    )
    await interviewer.check("#follow")
    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+End")
    await candidate.keyboard.type("# here")

    await interviewer.wait_for_function(
        """() => {
          const root = document.querySelector(".editor-host").shadowRoot;
          const line = [...root.querySelectorAll(".cm-line")]
            .find((l) => l.textContent.startsWith("# here"));
          if (!line) return false;
          const r = line.getBoundingClientRect();
          const s = root.querySelector(".cm-scroller").getBoundingClientRect();
          return r.top >= s.top && r.bottom <= s.bottom;
        }""",
        timeout=10_000,
    )
    await settle([interviewer, candidate], server_text(server, _session["id"]))


async def test_editor_settings_are_remembered_and_vim_loads_only_when_chosen(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="hello world\n")
    context = await browser.new_context()
    scripts: list[str] = []
    room = f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}"
    page = await open_room(context, room, "Ivy")
    page.on("request", lambda request: scripts.append(request.url))
    assert not any(url.endswith("/vendor/vim.js") for url in scripts)
    await page.click("#editor-settings > summary")
    await page.select_option("#pref-theme", "dark")
    await page.select_option("#pref-font-size", "18")
    await page.select_option("#pref-keymap", "vim")
    await wait_until(
        lambda: any(url.endswith("/vendor/vim.js") for url in scripts), "vim.js loaded"
    )
    assert await page.evaluate("() => document.documentElement.dataset.theme") == "dark"

    # Vim's normal mode: "x" deletes the character under the cursor instead of typing it.
    await page.click(".cm-content")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Control+Home")
    await page.keyboard.press("x")
    await settle([page], server_text(server, session["id"]))
    assert await server_text(server, session["id"])() == "ello world\n"

    again = await context.new_page()
    await again.goto(f"{base_url(server)}/s/{session['id']}")
    await again.wait_for_selector(".cm-content")
    assert await again.evaluate("() => document.documentElement.dataset.theme") == "dark"
    assert await again.input_value("#pref-font-size") == "18"
    assert await again.input_value("#pref-keymap") == "vim"
    size = await again.evaluate(
        """() => getComputedStyle(document.querySelector(".editor-host").shadowRoot
                 .querySelector(".cm-scroller")).fontSize"""
    )
    assert size == "18px"


async def test_ctrl_space_completes_a_word_of_the_document(browser: Any, server: TestServer):
    session = await create_session(server, code="accumulator = 0\n")
    page = await open_room(
        await browser.new_context(),
        f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}",
        "Ivy",
    )
    await page.click(".cm-content")
    await page.keyboard.press("Control+End")
    await page.keyboard.type("accu")
    await page.keyboard.press("Control+Space")
    await page.wait_for_selector(".cm-tooltip-autocomplete")
    await page.keyboard.press("Enter")
    await settle([page], server_text(server, session["id"]))
    assert await server_text(server, session["id"])() == "accumulator = 0\naccumulator"


async def test_the_landing_page_warns_the_links_are_shown_once_and_copies_all_three(
    browser: Any, server: TestServer
):
    context = await browser.new_context()
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    await page.goto(f"{base_url(server)}/")
    await page.fill("#title", "Backend, round 2")
    await page.click("#create")
    await page.wait_for_selector("#created:not([hidden])")
    assert "shown only once" in await page.inner_text("#once-warning")

    await page.click("#copy-all")
    await page.locator("#copy-status", has_text="All three links copied.").wait_for()
    copied = await page.evaluate("() => navigator.clipboard.readText()")
    assert copied.split("\n") == [
        "Backend, round 2",
        f"Candidate: {await page.input_value('#link-candidate')}",
        f"Interviewer (private): {await page.input_value('#link-interviewer')}",
        f"Observer (private): {await page.input_value('#link-observer')}",
    ]


async def test_the_panes_resize_by_dragging_or_with_the_keys_and_keep_their_width(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="x = 1\n")
    context = await browser.new_context(viewport={"width": 1400, "height": 860})
    room = f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}"
    page = await open_room(context, room, "Ivy")
    width = "() => document.querySelector('.layout > .problem').getBoundingClientRect().width"
    before = await page.evaluate(width)

    await page.focus(".gutter[data-side=left]")
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    wider = await page.evaluate(width)
    assert wider > before + 50, (before, wider)
    assert await page.get_attribute(".gutter[data-side=left]", "aria-valuenow") == "28"

    box = await page.locator(".gutter[data-side=right]").bounding_box()
    assert box is not None
    side = "() => document.querySelector('.layout > .side').getBoundingClientRect().width"
    side_before = await page.evaluate(side)
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100)
    await page.mouse.down()
    await page.mouse.move(box["x"] - 140, box["y"] + 100, steps=5)
    await page.mouse.up()
    assert await page.evaluate(side) > side_before + 100

    again = await context.new_page()
    await again.goto(f"{base_url(server)}/s/{session['id']}")
    await again.wait_for_selector(".cm-content")
    assert abs(await again.evaluate(width) - wider) < 2
