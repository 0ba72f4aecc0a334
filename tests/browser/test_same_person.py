"""A candidate whose connection drops comes back as the same person: the same place and
colour in People, one line in the report with every edit (issue 19, defect 1)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.browser.conftest import api, base_url, create_session, editor_text, open_room
from tests.browser.proxy import DroppingProxy
from tests.polling import wait_until

# Predicates are functions: a bare expression makes Playwright eval() it in the page on every
# poll after the first, which the room's CSP (script-src 'self') refuses.
TWO_PEOPLE = "() => document.querySelectorAll('#people li').length === 2"
PEOPLE = """() => [...document.querySelectorAll('#people li')].map((li) => [
  li.dataset.user, li.querySelector('.name').textContent, li.querySelector('.swatch').className,
])"""


async def shows(page: Any, text: str) -> bool:
    return await editor_text(page) == text


async def test_a_dropped_candidate_comes_back_as_the_same_person(browser: Any, server: TestServer):
    session = await create_session(server, code="")
    proxy = DroppingProxy(server.port or 0)
    await proxy.start()
    try:
        candidate = await open_room(
            await browser.new_context(), f"{proxy.url}/s/{session['id']}", "Cam"
        )
        interviewer = await open_room(
            await browser.new_context(),
            f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}",
            "Ivy",
        )
        await interviewer.wait_for_function(TWO_PEOPLE)
        before = await interviewer.evaluate(PEOPLE)
        await candidate.click(".cm-content")
        await candidate.keyboard.type("ab")
        await wait_until(lambda: shows(interviewer, "ab"), "the edit at the interviewer")
        accepted = proxy.accepted
        proxy.drop()
        await candidate.wait_for_function(
            "() => document.getElementById('connection').dataset.state !== 'connected'"
        )
        await candidate.wait_for_selector("#connection[data-state=connected]")
        assert proxy.accepted > accepted
        await candidate.keyboard.type("cd")
        await wait_until(lambda: shows(interviewer, "abcd"), "the edit after the reconnect")
        await interviewer.wait_for_function(TWO_PEOPLE)
        assert await interviewer.evaluate(PEOPLE) == before  # same id, place and colour
        report = await api(server, "GET", f"/api/sessions/{session['id']}/report")
        cams = [p for p in report["participants"] if p["name"] == "Cam"]
        assert [(p["userId"], p["edits"] >= 2, p["leftAt"]) for p in cams] == [
            (before[0][0], True, None)
        ]
    finally:
        await proxy.close()
