"""The landing page, the replay, accessibility (axe-core) and the screenshots of the README."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from tests.browser.conftest import (
    AXE,
    OUTPUT,
    api,
    base_url,
    create_session,
    editor_text,
    open_room,
    server_text,
    settle,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
SERIOUS = ("serious", "critical")
SCREENSHOTS_TO_DOCS = "INTERVIEW_SCREENSHOTS_TO_DOCS"
"""Set to 1 to refresh the README's screenshots in docs/ from this run's."""


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result
        if v["impact"] in SERIOUS
    ]


async def test_the_landing_page_creates_a_session_and_its_links_open_the_right_roles(
    browser: Any, server: TestServer
):
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{base_url(server)}/")
    await page.fill("#title", "Backend, round 2")
    await page.select_option("#create-language", "go")
    await page.fill("#problem-search", "parenth")
    await page.check("input[name=problem][value=valid-parentheses]")
    await page.fill("#max-candidates", "2")
    await page.click("#create")
    await page.wait_for_selector("#created:not([hidden])")

    candidate_link = await page.input_value("#link-candidate")
    interviewer_link = await page.input_value("#link-interviewer")
    observer_link = await page.input_value("#link-observer")
    session_id = candidate_link.rsplit("/", 1)[1]
    session = await api(server, "GET", f"/api/sessions/{session_id}")
    assert session["name"] == "Backend, round 2"
    assert session["language"] == "go"
    assert session["problem"] == "valid-parentheses"
    assert session["maxCandidates"] == 2
    assert candidate_link == f"{base_url(server)}/s/{session_id}"
    assert interviewer_link.startswith(f"{candidate_link}#interviewer=")
    assert observer_link.startswith(f"{candidate_link}#observer=")

    roles = {}
    for name, link in (("Ivy", interviewer_link), ("Olu", observer_link), ("Cam", candidate_link)):
        room = await open_room(await browser.new_context(), link, name, wait_editable=False)
        roles[name] = (await room.inner_text("#you")).split(" · ")[1]
        assert room.url == candidate_link  # the token left the address bar
    assert roles == {"Ivy": "interviewer", "Olu": "observer", "Cam": "candidate"}


async def test_the_replay_shows_the_code_of_an_earlier_revision(browser: Any, server: TestServer):
    session = await create_session(server, code="")
    room = f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}"
    context = await browser.new_context(bypass_csp=True)  # to inject axe-core
    page = await open_room(context, room, "Ivy")
    await page.click(".cm-content")
    for word in ("alpha ", "beta ", "gamma"):
        await page.keyboard.type(word)
        await settle([page], server_text(server, session["id"]))
    await page.fill("#chat-text", "halfway there")
    await page.keyboard.press("Enter")
    await page.locator("#chat-log li", has_text="halfway there").wait_for()
    final = await api(server, "GET", f"/api/sessions/{session['id']}")
    assert final["code"] == "alpha beta gamma"

    await page.goto(f"{base_url(server)}/s/{session['id']}/replay")  # the token is in this tab
    await page.wait_for_selector("#replay-main:not([hidden])")
    assert await editor_text(page) == "alpha beta gamma"
    await page.locator("#scrub").fill("3")

    position = await page.inner_text("#position")  # "10:02:05 · +0:04 of 0:09 · revision R"
    revision = int(position.rsplit(" · revision ", 1)[1])
    earlier = await api(server, "GET", f"/api/sessions/{session['id']}/replay?at={revision}")
    assert 0 < revision < final["revision"]
    assert await editor_text(page) == earlier["code"]
    assert "alpha beta gamma".startswith(earlier["code"])
    assert earlier["code"] != "alpha beta gamma"
    assert "halfway there" in await page.inner_text("#events")
    assert "Ivy" in await page.inner_text("#report-people")
    assert await axe_violations(page) == []


async def test_axe_finds_nothing_serious_on_the_landing_page_and_the_room_screenshots_written(
    browser: Any, server: TestServer
):
    OUTPUT.mkdir(exist_ok=True)
    size = {"width": 1280, "height": 760}
    context = await browser.new_context(bypass_csp=True, viewport=size)  # to inject axe-core
    landing = await context.new_page()
    await landing.goto(f"{base_url(server)}/")
    await landing.wait_for_selector("#problem-list li:nth-child(3)")
    await landing.screenshot(path=str(OUTPUT / "landing.png"))
    assert await axe_violations(landing) == []

    session = await create_session(server, problem="two-sum", name="Backend, round 2")
    link = f"{base_url(server)}/s/{session['id']}"
    interviewer = await open_room(
        context, f"{link}#interviewer={session['interviewerToken']}", "Ivy Interviewer"
    )
    candidate = await open_room(
        await browser.new_context(bypass_csp=True, viewport=size), link, "Cam Candidate"
    )
    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+End")
    await candidate.keyboard.type("    seen = {}")
    await candidate.fill("#chat-text", "Can I assume exactly one answer?")
    await candidate.check("#chat-question")
    await candidate.keyboard.press("Enter")
    await interviewer.locator(".remote-name", has_text="Cam Candidate").wait_for()
    await interviewer.locator("#chat-log li", has_text="exactly one").wait_for()
    await interviewer.fill("#notes-text", "Asked a good clarifying question.")
    await interviewer.click("#notes-form button[type=submit]")
    await interviewer.locator("#notes-log li").wait_for()
    await interviewer.evaluate("() => { document.querySelector('.side').scrollTop = 0; }")
    await interviewer.screenshot(path=str(OUTPUT / "room.png"))
    assert await axe_violations(interviewer) == []
    assert await axe_violations(candidate) == []
    for name in ("landing.png", "room.png"):
        assert (OUTPUT / name).stat().st_size > 10_000
        if os.environ.get(SCREENSHOTS_TO_DOCS) == "1":
            shutil.copyfile(OUTPUT / name, DOCS / f"screenshot-{name}")


async def test_the_pages_load_with_no_console_error_under_their_content_security_policy(
    browser: Any, server: TestServer
):
    session = await create_session(server, problem="two-sum")
    context = await browser.new_context()
    errors: list[str] = []
    page = await context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.add_init_script("localStorage.setItem('interview:name', 'Ivy')")
    await page.goto(
        f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}"
    )
    await page.wait_for_selector("#connection[data-state=connected]")
    await page.click(".cm-content")
    await page.keyboard.type("x")
    await settle([page], server_text(server, session["id"]))
    await page.goto(f"{base_url(server)}/s/{session['id']}/replay")
    await page.wait_for_selector("#replay-main:not([hidden])")
    await page.goto(f"{base_url(server)}/")
    await page.wait_for_selector("#problem-list li:nth-child(3)")

    assert errors == []


async def test_a_whole_interview_in_two_windows_from_creation_to_playback(
    browser: Any, server: TestServer
):
    landing = await (await browser.new_context()).new_page()
    await landing.goto(f"{base_url(server)}/")
    await landing.fill("#title", "Whole interview")
    await landing.check("input[name=problem][value=two-sum]")
    await landing.click("#create")
    await landing.wait_for_selector("#created:not([hidden])")
    candidate_link = await landing.input_value("#link-candidate")
    interviewer = await open_room(
        landing.context, await landing.input_value("#link-interviewer"), "Ivy"
    )
    candidate = await open_room(await browser.new_context(), candidate_link, "Cam")
    session_id = candidate_link.rsplit("/", 1)[1]

    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+End")
    await candidate.keyboard.type("# candidate was here")
    await candidate.fill("#chat-text", "Done, I think.")
    await candidate.keyboard.press("Enter")
    await interviewer.locator("#chat-log li", has_text="Done, I think.").wait_for()
    await interviewer.fill("#notes-text", "Finished in time.")
    await interviewer.click("#notes-form button[type=submit]")
    await interviewer.locator("#notes-log li", has_text="Finished in time.").wait_for()
    code = await settle([interviewer, candidate], server_text(server, session_id))
    await interviewer.click("#end")
    await interviewer.click("#end-yes")
    await candidate.wait_for_selector(".cm-content[contenteditable=false]")
    await interviewer.click("#replay-link")
    await interviewer.wait_for_selector("#replay-main:not([hidden])")

    assert code.endswith("# candidate was here")
    assert await editor_text(interviewer) == code
    events = await interviewer.inner_text("#events")
    for seen in ("Done, I think.", "Finished in time.", "ended the interview", "joined as"):
        assert seen in events
    assert "ended" in await interviewer.inner_text("#report")
    assert "Finished in time." not in await candidate.content()
