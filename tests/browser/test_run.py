"""The Run button with a server that runs code: streaming output and per-test results on
every page."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from sessions.config import Config
from sessions.web.app import create_app
from tests.browser.conftest import (
    api,
    base_url,
    create_session,
    open_room,
    server_text,
    settle,
)

SOLUTION = """print("hello from the run")


def two_sum(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
"""


@pytest.fixture
async def exec_server(aiohttp_server: AiohttpServer) -> TestServer:
    config = Config.from_args(["--enable-exec", "true"], {})
    return await aiohttp_server(create_app(config), host="127.0.0.1")


@pytest.mark.timeout(120)
async def test_run_streams_the_output_and_the_test_results_to_every_page(
    browser: Any, exec_server: TestServer
):
    languages = await api(exec_server, "GET", "/api/languages")
    assert languages["runnable"]["python"] is True  # rlimits, the weakest level, works anywhere
    session = await create_session(exec_server, problem="two-sum")
    room = f"{base_url(exec_server)}/s/{session['id']}"
    token = session["interviewerToken"]
    interviewer = await open_room(await browser.new_context(), f"{room}#interviewer={token}", "Ivy")
    candidate = await open_room(await browser.new_context(), room, "Cam")
    await api(
        exec_server,
        "PATCH",
        f"/api/sessions/{session['id']}",
        json={"code": SOLUTION},
        headers={"Authorization": f"Bearer {token}"},
    )
    await candidate.wait_for_function("() => !document.getElementById('run').disabled")
    assert (
        await settle([candidate, interviewer], server_text(exec_server, session["id"])) == SOLUTION
    )

    await candidate.click("#run")

    for page in (candidate, interviewer):
        await page.locator("#run-status[data-verdict]").wait_for(timeout=60_000)
        status = await page.inner_text("#run-status")
        assert status.startswith("Passed: all 6 tests passed in ")
        assert "hello from the run" in await page.inner_text("#output")
        assert await page.locator("#tests li.pass").count() == 6
        assert await page.locator("#tests li.fail").count() == 0
