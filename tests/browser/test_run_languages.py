"""The room and the languages the server runs: the picker says which do not run and why,
compile errors are listed and marked on their lines, the phases show, Ctrl-Enter runs, and a
run reads what was typed into the standard-input field."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from sessions.config import Config
from sessions.web.app import create_app
from tests.browser.conftest import api, base_url, create_session, open_room, server_text, settle
from tests.needs import need

BROKEN_C = (
    '#include <stdio.h>\n\nint main(void) {\n    printf("%d\\n", missing);\n    return 0;\n}\n'
)
ECHO_PY = "line = input()\nprint(line[::-1])\n"


@pytest.fixture
async def exec_server(aiohttp_server: AiohttpServer) -> TestServer:
    config = Config.from_args(["--enable-exec", "true"], {})
    return await aiohttp_server(create_app(config), host="127.0.0.1")


async def _room_with(browser: Any, server: TestServer, language: str, code: str) -> Any:
    session = await create_session(server, language=language)
    token = session["interviewerToken"]
    await api(
        server,
        "PATCH",
        f"/api/sessions/{session['id']}",
        json={"code": code},
        headers={"Authorization": f"Bearer {token}"},
    )
    page = await open_room(
        await browser.new_context(), f"{base_url(server)}/s/{session['id']}", "Cam"
    )
    assert await settle([page], server_text(server, session["id"])) == code
    await page.wait_for_function("() => !document.getElementById('run').disabled")
    return page


@pytest.mark.timeout(120)
async def test_picker_marks_a_language_that_cannot_run_with_its_reason(
    browser: Any, exec_server: TestServer
):
    page = await _room_with(browser, exec_server, "python", "print(1)\n")
    swift = page.locator("#language option[value=swift]")
    assert await swift.inner_text() == "swift (cannot run here)"
    title = await swift.get_attribute("title")
    assert title is not None and title.startswith("swift cannot be run on this server: ")
    assert await page.locator("#language option[value=python]").inner_text() == "python"


@pytest.mark.timeout(120)
async def test_ctrl_enter_compiles_and_marks_the_compile_error_on_its_line(
    browser: Any, exec_server: TestServer
):
    languages = await api(exec_server, "GET", "/api/languages")
    need("lang-c", languages["runnable"]["c"], languages["reasons"].get("c", ""))
    page = await _room_with(browser, exec_server, "c", BROKEN_C)
    await page.evaluate(
        """() => {
          const status = document.getElementById('run-status');
          window.statuses = [];
          new MutationObserver(() => statuses.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    await page.click(".cm-content")
    await page.keyboard.press("Control+Enter")

    await page.locator("#run-status[data-verdict]").wait_for(timeout=60_000)
    assert (await page.inner_text("#run-status")).startswith(
        "Compile error: the code did not compile"
    )
    statuses = await page.evaluate("window.statuses")
    assert any(s.startswith("Compiling c ") for s in statuses), statuses
    first = page.locator("#diagnostics li").first
    assert (await first.inner_text()).startswith("line 4:20: error: ")
    marked = page.locator(".cm-line.cm-compile-error")
    assert await marked.count() == 1
    assert await marked.get_attribute("data-compile-error") == "4"
    assert await marked.inner_text() == '    printf("%d\\n", missing);'
    # Ctrl-Enter ran the code: it did not insert a line into the editor.
    assert await settle([page], server_text(exec_server, await _session_id(page))) == BROKEN_C


@pytest.mark.timeout(120)
async def test_a_run_reads_the_standard_input_typed_in_the_room(
    browser: Any, exec_server: TestServer
):
    page = await _room_with(browser, exec_server, "python", ECHO_PY)
    await page.click("#stdin-box summary")
    await page.fill("#stdin", "interview\n")
    await page.click("#run")
    await page.locator("#run-status[data-verdict]").wait_for(timeout=60_000)
    assert (await page.inner_text("#run-status")).startswith("Finished: exit code 0")
    assert await page.inner_text("#output") == "weivretni\n"


async def _session_id(page: Any) -> str:
    session_id: str = await page.evaluate("location.pathname.split('/')[2]")
    return session_id
