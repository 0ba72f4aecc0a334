"""Run results that say what happened (issue 19, defect 4): every test failing is a failure,
a timeout names its limit and counts no test it never ran, Python's None reads None, and
Python run as JavaScript shows the syntax error without node's own frames; the replay says
the same."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from sessions.config import Config
from sessions.web.app import create_app
from tests.browser.conftest import api, base_url, create_session, open_room

RETURNS_NONE = "def two_sum(nums, target):\n    return None\n"
LOOPS = "def two_sum(nums, target):\n    while True:\n        pass\n"
SUMMARY = """() => [...document.querySelectorAll('#run-status')].map(e => e.textContent)[0]"""


@pytest.fixture
async def exec_server(aiohttp_server: AiohttpServer) -> TestServer:
    config = Config.from_args(
        ["--enable-exec", "true", "--exec-timeout-seconds", "2", "--exec-cpu-seconds", "5"], {}
    )
    return await aiohttp_server(create_app(config), host="127.0.0.1")


async def run(server: TestServer, code: str, language: str = "python") -> tuple[Any, Any, str]:
    """An interviewer's page runs ``code`` on two-sum; returns the page, session and status."""
    session = await create_session(server, problem="two-sum", language=language)
    await api(
        server,
        "PATCH",
        f"/api/sessions/{session['id']}",
        json={"code": code},
        headers={"Authorization": f"Bearer {session['interviewerToken']}"},
    )
    room = f"{base_url(server)}/s/{session['id']}#interviewer={session['interviewerToken']}"
    return session, room, code


async def run_in(browser: Any, room: str) -> tuple[Any, str]:
    page = await open_room(await browser.new_context(), room, "Ivy")
    await page.wait_for_function("() => !document.getElementById('run').disabled")
    await page.click("#run")
    await page.locator("#run-status[data-verdict]").wait_for(timeout=60_000)
    return page, await page.inner_text("#run-status")


@pytest.mark.timeout(120)
async def test_every_test_failing_is_a_failure_and_none_reads_none(
    browser: Any, exec_server: TestServer
):
    session, room, _ = await run(exec_server, RETURNS_NONE)
    page, status = await run_in(browser, room)
    assert status.startswith("Failed in ")
    assert status.endswith("; 0 of 6 tests passed")
    assert await page.get_attribute("#run-status", "data-verdict") == "failed"
    first = await page.inner_text("#tests li.fail >> nth=0")
    assert first.endswith("expected [0, 1], got None")
    replay = await page.context.new_page()
    await replay.goto(f"{base_url(exec_server)}/s/{session['id']}/replay{room[room.index('#') :]}")
    await replay.locator("#events li", has_text="Failed").wait_for()
    assert "ok" not in await replay.locator("#events li", has_text="Failed").inner_text()


@pytest.mark.timeout(120)
async def test_a_timeout_names_the_limit_and_counts_no_test_it_never_ran(
    browser: Any, exec_server: TestServer
):
    _, room, _ = await run(exec_server, LOOPS)
    page, status = await run_in(browser, room)
    assert status == "Stopped after the 2 s limit; no test ran"
    assert await page.locator("#tests li").count() == 0


@pytest.mark.timeout(120)
async def test_python_run_as_javascript_shows_no_internal_frames(
    browser: Any, exec_server: TestServer
):
    languages = await api(exec_server, "GET", "/api/languages")
    if not languages["runnable"].get("javascript"):
        pytest.fail(f"node cannot run here: {languages}")
    _, room, _ = await run(exec_server, RETURNS_NONE, language="javascript")
    page, status = await run_in(browser, room)
    assert status.startswith("Failed: error, exit code 1")
    output = await page.inner_text("#output")
    assert "SyntaxError" in output
    assert "def two_sum(nums, target):" in output
    assert "node:internal" not in output
    assert "harness.js" not in output
    assert "Node.js v" not in output
