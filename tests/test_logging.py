"""What an operator reads: socket log lines name their session and user, the close code logged
is the one sent, and DEBUG shows frame types and sizes, never their contents."""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

import server
from tests.helpers import create_session, join, request
from tests.polling import wait_until
from tests.test_shutdown_e2e import receive as receive_e2e
from tests.test_shutdown_e2e import served

Client = TestClient[Any, Any]
SECRET_CODE = "print('the candidate wrote this 7Hq2')"


async def test_socket_log_lines_name_their_session_and_user(
    client: Client, caplog: pytest.LogCaptureFixture
):
    session = await create_session(client)
    with caplog.at_level(logging.INFO, logger="interview.ws"):
        ws, state = await join(client, session, "Ada")
        await ws.close()
        user = state["you"]["userId"]
        tag = f"(session {session['id']}, user {user})"
        await wait_until(lambda: "closed by" in caplog.text, "the close logged", within=15)
    lines = [r.getMessage() for r in caplog.records if r.name == "interview.ws"]
    assert f"127.0.0.1 {tag} joined as candidate" in lines
    assert f"127.0.0.1 {tag} left" in lines
    assert f"socket 127.0.0.1 {tag} closed by the client (code 1000)" in lines


async def test_debug_shows_frame_types_and_sizes_never_contents(
    client: Client, caplog: pytest.LogCaptureFixture
):
    session = await create_session(client)
    ws, _ = await join(client, session, "Ada")
    frame = {"type": "code-change", "code": SECRET_CODE}
    with caplog.at_level(logging.DEBUG, logger="interview"):
        await request(ws, frame)
        await ws.send_str("{not json " + SECRET_CODE)
        await ws.receive()
    size = len(json.dumps(frame))  # what send_json sends
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.startswith(f"frame code-change, {size} characters, from 127.0.0.1") for m in debug)
    assert any(m.startswith("refused frame, ") for m in debug)
    assert SECRET_CODE not in caplog.text
    assert "7Hq2" not in caplog.text
    await ws.close()


@pytest.mark.timeout(60)
async def test_shutdown_logs_the_close_code_the_clients_receive(tmp_path: Path):
    async with aiohttp.ClientSession() as http, served(tmp_path) as server:
        async with http.post(f"{server.url}/api/sessions", json={"name": "x"}) as response:
            session = await response.json()
        ws = await http.ws_connect(f"{server.url}/ws/{session['id']}?name=Ada")
        assert (await receive_e2e(ws))["type"] == "session-state"
        server.signal(signal.SIGTERM)
        assert await receive_e2e(ws) == {"type": "server-shutdown"}
        closing = await ws.receive(timeout=5)
        assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1001)
        assert await server.wait_exit() == 0
    assert "closed by the server (code 1001)" in server.output
    assert "(code 1000)" not in server.output
    assert '"POST /api/sessions HTTP/1.1" 201' in server.output  # at INFO: the access log


def test_connections_get_an_access_logger_only_when_it_logs():
    logger = logging.getLogger("aiohttp.access")
    level = logger.level
    try:
        logger.setLevel(logging.WARNING)
        assert server.access_log() is None
        logger.setLevel(logging.INFO)
        assert server.access_log() is logger
    finally:
        logger.setLevel(level)
