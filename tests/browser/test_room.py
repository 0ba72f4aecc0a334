"""The room in real Chromium: people editing together, cursors, chat, notes, roles, undo."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestServer

from sessions.web.keys import STORE
from tests.browser.conftest import (
    WAIT_SECONDS,
    api,
    base_url,
    create_session,
    editor_text,
    open_room,
    server_text,
    settle,
)
from tests.browser.proxy import DroppingProxy

TOKENS_EACH = 60  # "i017 " is five keystrokes: 300 characters each, plus Enter, Tab and emoji
LINE_EVERY = 12
UNDO_PRESSES = 25
TYPING_TIMEOUT = 180  # seconds: about 15 on an idle machine; a busy CI runner is slower


async def wait_until(condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def type_tokens(
    page: Any,
    prefix: str,
    emoji: str,
    *,
    count: int = TOKENS_EACH,
    on_token: Callable[[int], None] | None = None,
) -> int:
    """Type ``count`` unique tokens with real keystrokes, an Enter every few and one emoji;
    return how many Enters were pressed. ``on_token(i)`` runs before token ``i``."""
    enters = 0
    for i in range(count):
        if on_token is not None:
            on_token(i)
        await page.keyboard.type(f"{prefix}{i:03d} ")
        if i == count // 2:
            await page.keyboard.type(emoji)
        if i % LINE_EVERY == LINE_EVERY - 1:
            await page.keyboard.press("Enter")
            enters += 1
    return enters


def tokens(prefix: str, count: int = TOKENS_EACH) -> list[str]:
    return [f"{prefix}{i:03d} " for i in range(count)]


async def interviewer_and_candidate(
    browser: Any, server: TestServer | str, code: str
) -> tuple[Any, Any, dict[str, Any]]:
    """Two pages in contexts of their own; ``server`` may be a URL (a proxy in front)."""
    session = await create_session(server, code=code)
    room = f"{base_url(server)}/s/{session['id']}"
    interviewer = await open_room(
        await browser.new_context(), f"{room}#interviewer={session['interviewerToken']}", "Ivy"
    )
    candidate = await open_room(await browser.new_context(), room, "Cam")
    return interviewer, candidate, session


async def two_people_typing_at_once(
    browser: Any, server: TestServer | str
) -> tuple[dict[str, Any], str]:
    """An interviewer and a candidate type at once with real keystrokes, each on a line of
    their own; both pages end with the server's text, which has every keystroke once.
    ``server``: the app, or the URL of a proxy in front of it (every request goes there).
    Returns the created session and its final text."""
    interviewer, candidate, session = await interviewer_and_candidate(
        browser, server, "# interviewer\n# candidate\n"
    )
    await interviewer.click(".cm-content")
    await interviewer.keyboard.press("Control+Home")
    await interviewer.keyboard.press("Tab")  # indents the line: four spaces at its start
    await interviewer.keyboard.press("End")
    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+End")
    await candidate.keyboard.press("ArrowUp")
    await candidate.keyboard.press("Tab")
    await candidate.keyboard.press("End")

    enters = await asyncio.gather(
        type_tokens(interviewer, "i", "😀"), type_tokens(candidate, "c", "🎉")
    )

    final = await settle([interviewer, candidate], server_text(server, session["id"]))
    for token in tokens("i") + tokens("c"):
        assert final.count(token) == 1, token
    assert final.count("😀") == 1
    assert final.count("🎉") == 1
    assert final.count("\n") == 2 + sum(enters)
    assert final.startswith("    # interviewer")
    assert "\n    # candidate" in final
    return session, final


@pytest.mark.timeout(TYPING_TIMEOUT)
async def test_two_people_typing_at_once_end_with_the_same_text_as_the_server(
    browser: Any, server: TestServer
):
    await two_people_typing_at_once(browser, server)


async def test_the_page_joins_at_the_sessions_own_socket_url_with_no_token_in_it(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="")
    room = f"{base_url(server)}/s/{session['id']}"
    sockets: list[str] = []
    await open_room(
        await browser.new_context(),
        f"{room}#interviewer={session['interviewerToken']}",
        "Ivy",
        sockets=sockets,
    )

    assert len(sockets) == 1  # joined at the first attempt
    url = urlsplit(sockets[0])
    assert url.path == f"/ws/{session['id']}"  # what a proxy routes to the session's owner
    query = parse_qs(url.query)
    assert query["name"] == ["Ivy"]
    assert query["role"] == ["interviewer"]
    assert query["fullCode"] == ["false"]
    assert len(query["clientId"][0]) >= 22
    assert session["interviewerToken"] not in sockets[0]  # it went in an auth frame


async def test_observer_cannot_edit_and_sees_no_run_or_end_controls(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="print(1)\n")
    room = f"{base_url(server)}/s/{session['id']}"
    observer = await open_room(
        await browser.new_context(),
        f"{room}#observer={session['observerToken']}",
        "Olu",
        wait_editable=False,
    )
    await observer.click(".cm-content")
    await observer.keyboard.type("hack")
    await observer.keyboard.press("Enter")

    assert await observer.get_attribute(".cm-content", "contenteditable") == "false"
    assert await editor_text(observer) == "print(1)\n"
    assert await server_text(server, session["id"])() == "print(1)\n"
    assert not await observer.is_visible("#run")
    assert not await observer.is_visible("#end")
    assert await observer.is_disabled("#language")
    assert "read-only" in await observer.inner_text("#readonly")
    assert await observer.is_visible("#notes-panel")


async def test_the_other_persons_cursor_is_drawn_with_their_name(browser: Any, server: TestServer):
    interviewer, candidate, _ = await interviewer_and_candidate(
        browser, server, "first line\nsecond line\n"
    )
    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+End")

    label = interviewer.locator(".remote-name", has_text="Cam")
    await label.wait_for(timeout=10_000)
    assert await label.inner_text() == "Cam"


async def test_a_chat_message_and_a_reply_arrive_in_the_other_page(
    browser: Any, server: TestServer
):
    interviewer, candidate, _ = await interviewer_and_candidate(browser, server, "")
    await candidate.fill("#chat-text", "Can I assume the input is sorted?")
    await candidate.check("#chat-question")
    await candidate.click("#chat-form button[type=submit]")

    question = interviewer.locator("#chat-log li.chat-question")
    await question.wait_for(timeout=10_000)
    assert "Can I assume the input is sorted?" in await question.inner_text()
    await question.locator("button", has_text="Reply").click()
    await interviewer.fill("#chat-text", "No, it is not.")
    await interviewer.keyboard.press("Enter")

    reply = candidate.locator("#chat-log li", has_text="No, it is not.")
    await reply.wait_for(timeout=10_000)
    assert "re: Can I assume" in await reply.inner_text()


async def test_a_private_note_never_reaches_the_candidates_page_or_socket(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="")
    room = f"{base_url(server)}/s/{session['id']}"
    frames: list[str] = []
    candidate = await open_room(await browser.new_context(), room, "Cam", frames=frames)
    interviewer = await open_room(
        await browser.new_context(), f"{room}#interviewer={session['interviewerToken']}", "Ivy"
    )
    await interviewer.fill("#notes-text", "SECRET-NOTE: strong on complexity")
    await interviewer.click("#notes-form button[type=submit]")
    await interviewer.locator("#notes-log li", has_text="SECRET-NOTE").wait_for(timeout=10_000)
    # A chat message sent after the note arrives after it would have: then nothing is pending.
    await interviewer.fill("#chat-text", "after the note")
    await interviewer.keyboard.press("Enter")
    await candidate.locator("#chat-log li", has_text="after the note").wait_for(timeout=10_000)

    assert await candidate.locator("#notes-panel").count() == 0
    assert "SECRET-NOTE" not in await candidate.content()
    assert any("after the note" in frame for frame in frames)
    assert not any("SECRET-NOTE" in frame for frame in frames)
    assert not any('"type":"note"' in frame.replace(" ", "") for frame in frames)


async def test_undo_removes_only_ones_own_text(browser: Any, server: TestServer):
    interviewer, candidate, session = await interviewer_and_candidate(browser, server, "\n")
    await candidate.click(".cm-content")
    await candidate.keyboard.press("Control+End")
    await candidate.keyboard.type("candidate_wrote_this")
    await settle([interviewer, candidate], server_text(server, session["id"]))
    await interviewer.click(".cm-content")
    await interviewer.keyboard.press("Control+Home")
    await interviewer.keyboard.type("interviewer_wrote_this")
    await settle([interviewer, candidate], server_text(server, session["id"]))

    # Typing is one undo step, or a few when the machine is slow; more presses than keys typed
    # undo everything the interviewer did, and nothing else is in their history.
    for _ in range(UNDO_PRESSES):
        await interviewer.keyboard.press("Control+z")

    final = await settle([interviewer, candidate], server_text(server, session["id"]))
    assert final == "\ncandidate_wrote_this"
    for _ in range(UNDO_PRESSES):
        await candidate.keyboard.press("Control+z")
    assert await settle([interviewer, candidate], server_text(server, session["id"])) == "\n"


async def test_ending_the_interview_makes_every_page_read_only_with_the_reason(
    browser: Any, server: TestServer
):
    interviewer, candidate, session = await interviewer_and_candidate(browser, server, "x = 1\n")
    await interviewer.click("#end")
    await interviewer.click("#end-yes")

    await candidate.wait_for_selector(".cm-content[contenteditable=false]", timeout=10_000)
    assert "ended" in await candidate.inner_text("#readonly")
    assert await candidate.inner_text("#connection") == "session ended"
    await candidate.click(".cm-content")
    await candidate.keyboard.type("late")
    assert await server_text(server, session["id"])() == "x = 1\n"
    assert not await interviewer.is_visible("#end")


@pytest.mark.timeout(TYPING_TIMEOUT)
async def test_the_candidates_connection_drops_while_both_type_and_nothing_is_lost_or_doubled(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="# interviewer\n# candidate\n")
    proxy = DroppingProxy(server.port or 0)
    await proxy.start()
    try:
        interviewer = await open_room(
            await browser.new_context(),
            f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}",
            "Ivy",
        )
        candidate = await open_room(
            await browser.new_context(), f"{proxy.url}/s/{session['id']}", "Cam"
        )
        sockets: list[Any] = []
        candidate.on("websocket", lambda ws: sockets.append(ws))
        states: list[str] = []
        await candidate.expose_function("reportState", lambda state: states.append(state))
        await candidate.evaluate(
            """() => new MutationObserver(() => window.reportState(
                 document.getElementById("connection").dataset.state))
               .observe(document.getElementById("connection"), {attributes: true})"""
        )
        await interviewer.click(".cm-content")
        await interviewer.keyboard.press("Control+Home")
        await interviewer.keyboard.press("End")
        await candidate.click(".cm-content")
        await candidate.keyboard.press("Control+End")

        second_cut: list[int] = []

        def network(i: int) -> None:
            if i == 15:  # cut, and stay offline while typing on
                proxy.refusing = True
                proxy.drop()
            elif i == 30:
                proxy.refusing = False
            elif i >= 45 and sockets and not second_cut:  # cut again once it is back
                second_cut.append(i)
                proxy.drop()

        enters = await asyncio.gather(
            type_tokens(interviewer, "i", "😀"),
            type_tokens(candidate, "c", "🎉", on_token=network),
        )
        if not second_cut:  # a loaded machine: the page came back after the typing ended
            await wait_until(lambda: bool(sockets))
            second_cut.append(TOKENS_EACH)
            proxy.drop()
        await wait_until(lambda: len(sockets) >= 2)  # a new socket after each cut
        await candidate.wait_for_selector("#connection[data-state=connected]")

        final = await settle([interviewer, candidate], server_text(server, session["id"]))
        for token in tokens("i") + tokens("c"):
            assert final.count(token) == 1, token
        assert final.count("😀") == 1
        assert final.count("🎉") == 1
        assert final.count("\n") == 2 + sum(enters)
        assert "reconnecting" in states
        assert states[-1] == "connected"
    finally:
        await proxy.close()


async def test_the_interviewer_removes_the_candidate_whose_page_says_so_and_stops(
    browser: Any, server: TestServer
):
    interviewer, candidate, session = await interviewer_and_candidate(browser, server, "")
    row = interviewer.locator("#people li", has_text="Cam")
    await row.locator("button", has_text="Remove").click()
    await row.locator("button", has_text="Remove and keep out").click()  # it asks first

    await candidate.wait_for_selector("#connection[data-state=closed]", timeout=10_000)
    assert "removed you" in await candidate.inner_text("#connection")
    assert await candidate.get_attribute(".cm-content", "contenteditable") == "false"
    await interviewer.locator("#people li", has_text="Cam").wait_for(state="detached")
    users = (await api(server, "GET", f"/api/sessions/{session['id']}/users"))["users"]
    assert [user["name"] for user in users] == ["Ivy"]


async def test_a_language_change_and_a_new_problem_reach_the_other_page(
    browser: Any, server: TestServer
):
    interviewer, candidate, session = await interviewer_and_candidate(browser, server, "")
    await candidate.select_option("#language", "java")
    await interviewer.wait_for_function(
        "() => document.getElementById('language').value === 'java'"
    )
    await interviewer.select_option("#problem-select", "binary-search")
    await interviewer.click("#problem-set")

    await candidate.locator("#problem-title", has_text="Binary Search").wait_for(timeout=10_000)
    state = await api(server, "GET", f"/api/sessions/{session['id']}")
    assert state["language"] == "java"
    assert state["problem"] == "binary-search"
    code = await settle([interviewer, candidate], server_text(server, session["id"]))
    assert "class" in code  # the problem's Java starter code, on both pages
    assert not await candidate.is_visible("#problem-picker")


async def test_the_run_button_says_why_it_is_disabled_when_the_server_cannot_run_code(
    browser: Any, server: TestServer
):
    _, candidate, _ = await interviewer_and_candidate(browser, server, "")
    languages = await api(server, "GET", "/api/languages")
    assert not any(languages.get("runnable", {}).values())  # the fixture's server runs nothing
    await candidate.wait_for_selector("#run-reason:not([hidden])")
    assert await candidate.is_disabled("#run")
    assert await candidate.inner_text("#run-reason") == "Running code is off on this server."
    assert await candidate.get_attribute("#run", "aria-describedby") == "run-reason"


async def test_a_second_tab_with_the_same_client_id_takes_over_and_the_first_stops(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="x\n")
    room = f"{base_url(server)}/s/{session['id']}"
    same_id = "tab-id-0123456789abcdef"  # as if the tab had been duplicated with its storage
    pages = []
    for _ in range(2):
        context = await browser.new_context()
        await context.add_init_script(
            f"sessionStorage.setItem('interview:clientId', {json.dumps(same_id)})"
        )
        pages.append(await open_room(context, room, "Cam"))
    first, second = pages

    await first.wait_for_selector("#connection[data-state=closed]", timeout=10_000)
    assert "another tab" in await first.inner_text("#connection")
    assert await first.is_visible("#readonly button")  # "Use this tab instead"
    assert await second.get_attribute("#connection", "data-state") == "connected"
    users = (await api(server, "GET", f"/api/sessions/{session['id']}/users"))["users"]
    assert [user["name"] for user in users] == ["Cam"]
    await second.click(".cm-content")
    await second.keyboard.press("Control+End")
    await second.keyboard.type("y")
    assert await settle([second], server_text(server, session["id"])) == "x\ny"


async def test_after_a_reset_the_edits_typed_offline_are_put_back_on_the_servers_text(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="shared\n")
    proxy = DroppingProxy(server.port or 0)
    await proxy.start()
    try:
        room = f"/s/{session['id']}"
        interviewer = await open_room(
            await browser.new_context(),
            f"{base_url(server)}{room}#interviewer={session['interviewerToken']}",
            "Ivy",
        )
        frames: list[str] = []
        candidate = await open_room(
            await browser.new_context(), f"{proxy.url}{room}", "Cam", frames=frames
        )
        proxy.refusing = True
        proxy.drop()
        await candidate.wait_for_selector("#connection[data-state=reconnecting]")
        await candidate.click(".cm-content")
        await candidate.keyboard.press("Control+End")
        await candidate.keyboard.type("typed offline")
        await interviewer.click(".cm-content")
        await interviewer.keyboard.press("Control+Home")
        await interviewer.keyboard.type("meanwhile ")
        await settle([interviewer], server_text(server, session["id"]))
        # The server forgets the history the candidate counted in (as after a restore from
        # an older snapshot): its rejoin gets "reset" instead of the missed operations.
        server.app[STORE].get(session["id"]).history_id = "another-history"
        proxy.refusing = False

        final = await settle([interviewer, candidate], server_text(server, session["id"]))
        assert final == "meanwhile shared\ntyped offline"
        rejoins = [json.loads(f) for f in frames if '"session-state"' in f][1:]
        assert [state.get("reset") for state in rejoins] == [True]
    finally:
        await proxy.close()


async def test_a_code_update_lost_on_the_way_makes_the_room_rejoin_and_catch_up(
    browser: Any, server: TestServer
):
    session = await create_session(server, code="shared\n")
    room = f"{base_url(server)}/s/{session['id']}"
    interviewer = await open_room(
        await browser.new_context(), f"{room}#interviewer={session['interviewerToken']}", "Ivy"
    )
    lost: list[dict[str, Any]] = []
    joins: list[dict[str, Any]] = []

    def lose_the_first_code_update(ws: Any) -> None:
        upstream = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "session-state":
                joins.append(frame)
            if frame["type"] == "code-update" and not lost:
                lost.append(frame)
                return
            ws.send(message)

        upstream.on_message(from_server)

    context = await browser.new_context()
    await context.route_web_socket(re.compile(r"/ws/"), lose_the_first_code_update)
    candidate = await open_room(context, room, "Cam")
    await interviewer.click(".cm-content")
    await interviewer.keyboard.press("Control+End")
    await interviewer.keyboard.type("abc")  # "a" sent at once, "bc" after its ack: two updates

    final = await settle([interviewer, candidate], server_text(server, session["id"]))
    assert final == "shared\nabc"
    # The next update was out of step: the page rejoined from the revision it had counted,
    # and the lost one came back among the missed ops.
    assert lost[0]["revision"] == 1
    assert [join.get("missed") is not None for join in joins] == [False, True]
    assert [entry["revision"] for entry in joins[1]["missed"]][:2] == [1, 2]


async def test_a_room_link_to_a_session_that_does_not_exist_says_so(
    browser: Any, server: TestServer
):
    page = await (await browser.new_context()).new_page()
    await page.add_init_script("localStorage.setItem('interview:name', 'Cam')")
    await page.goto(f"{base_url(server)}/s/no-such-session")

    await page.wait_for_selector("#connection[data-state=closed]", timeout=10_000)
    assert await page.is_visible("#readonly")
    assert "no-such-session" in await page.inner_text("#readonly")
    assert not await page.is_visible("#room")
