"""Fixtures for the browser tests: the app on a real port, Chromium through Playwright, and
helpers that read a page's editor the way a person sees it.

The server runs in the test's own event loop (aiohttp's test server on a free port of
127.0.0.1), so a test can look at it directly; Debian's Chromium is driven headless through
Playwright's async API (Playwright's own browser download is not used). Without Chromium the
tests skip with the reason, or fail where ``INTERVIEW_TEST_REQUIRE`` names it (``.ci/run``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from sessions.config import Config
from sessions.web.app import create_app
from tests.needs import need_program

OUTPUT = Path(__file__).resolve().parent / "output"
"""Screenshots and other artefacts of a run (ignored by git)."""
AXE = Path(__file__).resolve().parent / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WAIT_SECONDS = 20.0


@pytest.fixture
async def server(aiohttp_server: AiohttpServer) -> TestServer:
    return await aiohttp_server(create_app(Config()), host="127.0.0.1")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    path = need_program("chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


def base_url(server: TestServer | str) -> str:
    """The server's ``http://host:port``; a URL given as a string (a proxy's) is that URL."""
    if isinstance(server, str):
        return server.rstrip("/")
    return str(server.make_url("")).rstrip("/")


async def api(server: TestServer | str, method: str, path: str, **kwargs: Any) -> Any:
    """One REST call to the server; the decoded JSON answer (it must succeed)."""
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{base_url(server)}{path}", **kwargs) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json()


async def create_session(server: TestServer | str, **body: Any) -> dict[str, Any]:
    """``POST /api/sessions`` with ``body``; the created session with its tokens."""
    created: dict[str, Any] = await api(server, "POST", "/api/sessions", json=body)
    return created


def server_text(server: TestServer | str, session_id: str) -> Any:
    """A coroutine function giving the session's code as ``GET /api/sessions/{id}`` says."""

    async def read() -> str:
        session = await api(server, "GET", f"/api/sessions/{session_id}")
        return str(session["code"])

    return read


EDITOR_TEXT = """async () => {
  const { EditorView } = await import("/static/vendor/codemirror.js");
  const host = document.querySelector(".editor-host");
  if (!host) return null;
  const view = EditorView.findFromDOM(host.shadowRoot.querySelector(".cm-editor"));
  return view.state.doc.toString();
}"""


async def editor_text(page: Any) -> str | None:
    """The text in a page's editor, or None before the editor exists."""
    text: str | None = await page.evaluate(EDITOR_TEXT)
    return text


async def open_room(
    context: Any,
    url: str,
    name: str,
    *,
    wait_editable: bool = True,
    frames: list[str] | None = None,
    sockets: list[str] | None = None,
) -> Any:
    """A new page in ``context`` at the room ``url``, joined as ``name``; every WebSocket frame
    it receives is appended to ``frames``, and the URL of every socket it opens to ``sockets``,
    when given."""
    page = await context.new_page()
    if sockets is not None:
        page.on("websocket", lambda ws: sockets.append(ws.url))
    if frames is not None:
        page.on(
            "websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(str(data)))
        )
    await page.add_init_script(f"localStorage.setItem('interview:name', {json.dumps(name)})")
    await page.goto(url)
    await page.wait_for_selector("#connection[data-state=connected]", timeout=WAIT_SECONDS * 1000)
    await page.wait_for_selector(".cm-content", timeout=WAIT_SECONDS * 1000)
    if wait_editable:
        await page.wait_for_selector(".cm-content[contenteditable=true]")
    return page


async def settle(pages: list[Any], server_text: Any, *, within: float = WAIT_SECONDS) -> str:
    """Wait until every page's editor shows the server's text; return that text."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        expected = await server_text()
        texts = [await editor_text(page) for page in pages]
        if all(text == expected for text in texts):
            return str(expected)
        if loop.time() >= deadline:
            raise AssertionError(
                f"pages did not converge on the server's text: {texts!r} vs {expected!r}"
            )
        await asyncio.sleep(0.05)
