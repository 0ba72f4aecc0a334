"""The WebSocket protocol: joins, edits, presence and every error frame, asserted exactly."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from sessions.config import Config
from sessions.web.ws import websocket_handler
from tests.helpers import (
    assert_no_frame,
    create_session,
    join,
    public,
    receive,
    request,
    users_update,
)

Client = TestClient[Any, Any]
START = "2026-05-28T20:26:40.000Z"


def user(state: dict[str, Any]) -> dict[str, Any]:
    you = state["you"]
    return {
        "userId": you["userId"],
        "name": you["name"],
        "role": you["role"],
        "joinedAt": START,
        "colour": you["colour"],
    }


async def test_join_replies_with_session_state(client: Client):
    created = await create_session(client, code="x = 1")
    ws = await client.ws_connect("/ws")
    state = await request(
        ws, {"type": "join-session", "sessionId": created["id"], "name": "Cara", "ref": 7}
    )
    user_id = state["you"]["userId"]
    assert state == {
        "type": "session-state",
        "session": public(created),
        "historyId": state["historyId"],
        "users": [
            {"userId": user_id, "name": "Cara", "role": "candidate", "joinedAt": START, "colour": 0}
        ],
        "you": {"userId": user_id, "name": "Cara", "role": "candidate", "colour": 0},
        "cursors": [],
        "chat": [],
        "problem": None,
        "timer": {"startedAt": START, "endedAt": None, "plannedSeconds": None},
        "ref": 7,
    }
    await ws.close()


async def test_second_join_sends_users_update_to_the_first(client: Client):
    created = await create_session(client)
    first, first_state = await join(client, created, "Ivan", role="interviewer")
    second, second_state = await join(client, created, "Cara")
    expected_users = [user(first_state), user(second_state)]
    assert second_state["users"] == expected_users
    assert await receive(first) == users_update(expected_users)
    await assert_no_frame(second)
    await first.close()
    await second.close()


async def test_code_change_acks_author_and_updates_everyone_else(client: Client):
    created = await create_session(client)
    a, a_state = await join(client, created, "Cara")
    b, _ = await join(client, created, "Ivan", role="interviewer")
    c, _ = await join(client, created, "Olga", role="observer")
    await receive(a)  # users-update for Ivan
    await receive(a)  # users-update for Olga
    await receive(b)  # users-update for Olga

    assert await request(a, {"type": "code-change", "code": "print(1)", "ref": "e1"}) == {
        "type": "ack",
        "revision": 1,
        "ref": "e1",
    }
    update = {
        "type": "code-update",
        "revision": 1,
        "ops": ["print(1)"],
        "userId": a_state["you"]["userId"],
        "code": "print(1)",
    }
    assert await receive(b) == update
    assert await receive(c) == update
    await assert_no_frame(a)
    session = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert (session["code"], session["revision"]) == ("print(1)", 1)
    for ws in (a, b, c):
        await ws.close()


async def test_language_change_acks_author_and_tells_the_others(client: Client):
    created = await create_session(client)
    a, a_state = await join(client, created, "Cara")
    b, _ = await join(client, created, "Ivan", role="interviewer")
    await receive(a)
    assert await request(a, {"type": "language-change", "language": "rust", "ref": 1}) == {
        "type": "ack",
        "revision": 0,
        "ref": 1,
    }
    assert await receive(b) == {
        "type": "language-change",
        "language": "rust",
        "userId": a_state["you"]["userId"],
    }
    session = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert session["language"] == "rust"
    await a.close()
    await b.close()


async def test_language_change_to_an_unknown_language_is_an_error(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    assert await request(ws, {"type": "language-change", "language": "cobol"}) == {
        "type": "error",
        "code": "unknown-language",
        "message": "field 'language': unknown language 'cobol'",
    }
    await ws.close()


async def test_observer_cannot_edit_or_change_language(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Olga", role="observer")
    assert await request(ws, {"type": "code-change", "code": "x", "ref": "r"}) == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'observer' may not edit code",
        "action": "edit-code",
        "ref": "r",
    }
    assert await request(ws, {"type": "language-change", "language": "go"}) == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'observer' may not change the language",
        "action": "change-language",
    }
    session = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert (session["code"], session["language"], session["revision"]) == ("", "python", 0)
    await ws.close()


@pytest.mark.parametrize("role", ["interviewer", "observer"])
@pytest.mark.parametrize("token", [None, "wrong"])
async def test_privileged_roles_need_the_interviewer_token(
    client: Client, role: str, token: str | None
):
    created = await create_session(client)
    ws = await client.ws_connect("/ws")
    frame = {"type": "join-session", "sessionId": created["id"], "name": "Mallory", "role": role}
    if token is not None:
        frame["token"] = token
    needed = "interviewer" if role == "interviewer" else "observer or interviewer"
    assert await request(ws, frame) == {
        "type": "error",
        "code": "forbidden",
        "message": f"role '{role}' needs the session's {needed} token",
    }
    assert await request(ws, {"type": "code-change", "code": "x"}) == {
        "type": "error",
        "code": "not-joined",
        "message": "join a session first with a join-session frame",
    }
    users = await (await client.get(f"/api/sessions/{created['id']}/users")).json()
    assert users["users"] == []
    await ws.close()


async def test_join_unknown_session_is_an_error(client: Client):
    ws = await client.ws_connect("/ws")
    assert await request(ws, {"type": "join-session", "sessionId": "gone", "name": "x"}) == {
        "type": "error",
        "code": "session-not-found",
        "message": "no session with id 'gone'",
    }
    await ws.close()


@pytest.mark.parametrize(
    ("frame", "code", "message"),
    [
        ("not json", "invalid-json", None),
        ("[1, 2]", "invalid-message", "a frame must be a JSON object with a 'type'"),
        ('{"name": "x"}', "invalid-message", "field 'type' is required and must be a string"),
        ('{"type": "dance"}', "unknown-type", "unknown message type 'dance'"),
        (
            '{"type": "join-session", "name": "x"}',
            "invalid-message",
            "field 'sessionId' is required",
        ),
        (
            '{"type": "join-session", "sessionId": 5, "name": "x"}',
            "invalid-message",
            "field 'sessionId' must be a string",
        ),
        (
            '{"type": "join-session", "sessionId": "s"}',
            "invalid-message",
            "field 'name' is required",
        ),
        (
            '{"type": "join-session", "sessionId": "s", "name": "x", "role": "boss"}',
            "invalid-message",
            "field 'role' must be one of interviewer, candidate, observer",
        ),
        (
            '{"type": "code-change"}',
            "invalid-message",
            "a code-change carries exactly one of 'code' or 'ops'",
        ),
        ('{"type": "code-change", "code": 1}', "invalid-message", "field 'code' must be a string"),
        (
            '{"type": "code-change", "ops": [1]}',
            "invalid-message",
            "field 'revision' is required with 'ops'",
        ),
        (
            '{"type": "code-change", "code": "x", "revision": true}',
            "invalid-message",
            "field 'revision' must be an integer",
        ),
        ('{"type": "language-change"}', "invalid-message", "field 'language' is required"),
        (
            '{"type": "code-change", "code": "x"}',
            "not-joined",
            "join a session first with a join-session frame",
        ),
        (
            '{"type": "leave-session"}',
            "not-joined",
            "join a session first with a join-session frame",
        ),
        (
            '{"type": "code-change", "code": "\\ud800"}',
            "invalid-message",
            "field 'code' contains an unpaired surrogate",
        ),
        (
            '{"type": "ping", "ref": [1]}',
            "invalid-message",
            "field 'ref' must be a string or an integer",
        ),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(
    client: Client, frame: str, code: str, message: str | None
):
    ws = await client.ws_connect("/ws")
    await ws.send_str(frame)
    reply = await receive(ws)
    assert (reply["type"], reply["code"]) == ("error", code)
    if message is not None:
        assert reply == {"type": "error", "code": code, "message": message}
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    await ws.close()


async def test_error_echoes_the_ref_of_a_frame_that_failed_validation(client: Client):
    ws = await client.ws_connect("/ws")
    assert await request(ws, {"type": "join-session", "ref": "j1"}) == {
        "type": "error",
        "code": "invalid-message",
        "message": "field 'sessionId' is required",
        "ref": "j1",
    }
    await ws.close()


async def test_nan_is_rejected_as_invalid_json(client: Client):
    ws = await client.ws_connect("/ws")
    await ws.send_str('{"type": "ping", "ref": NaN}')
    assert await receive(ws) == {
        "type": "error",
        "code": "invalid-json",
        "message": "NaN is not valid JSON: browsers cannot parse it back",
    }
    await ws.close()


async def test_binary_frames_get_an_error(client: Client):
    ws = await client.ws_connect("/ws")
    await ws.send_bytes(b"\x00\x01")
    assert await receive(ws) == {
        "type": "error",
        "code": "binary-not-supported",
        "message": "binary frames are not supported: send JSON text",
    }
    assert await request(ws, {"type": "ping", "ref": "still"}) == {"type": "pong", "ref": "still"}
    await ws.close()


@pytest.mark.parametrize("config", [Config(max_code_bytes=8)])
async def test_oversize_code_is_an_error_and_changes_nothing(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    assert await request(ws, {"type": "code-change", "code": "123456789"}) == {
        "type": "error",
        "code": "payload-too-large",
        "message": "code would be 9 bytes, over the limit of 8 bytes",
        "field": "code",
    }
    session = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert (session["code"], session["revision"]) == ("", 0)
    await ws.close()


async def test_ping_gets_pong_with_ref(client: Client):
    ws = await client.ws_connect("/ws")
    assert await request(ws, {"type": "ping", "ref": "p"}) == {"type": "pong", "ref": "p"}
    await ws.close()


async def test_leave_session_acks_and_updates_the_others(client: Client):
    created = await create_session(client)
    a, _ = await join(client, created, "Cara")
    b, b_state = await join(client, created, "Ivan", role="interviewer")
    await receive(a)
    assert await request(a, {"type": "leave-session", "ref": "bye"}) == {
        "type": "ack",
        "ref": "bye",
    }
    assert await receive(b) == users_update([user(b_state)])
    assert await request(a, {"type": "code-change", "code": "x"}) == {
        "type": "error",
        "code": "not-joined",
        "message": "join a session first with a join-session frame",
    }
    await a.close()
    await b.close()


async def test_disconnect_removes_the_user_from_presence(client: Client):
    created = await create_session(client)
    a, _ = await join(client, created, "Cara")
    b, b_state = await join(client, created, "Ivan", role="interviewer")
    await receive(a)
    await a.close()
    assert await receive(b) == users_update([user(b_state)])
    users = await (await client.get(f"/api/sessions/{created['id']}/users")).json()
    assert users["count"] == 1
    await b.close()


async def test_joining_another_session_leaves_the_first(client: Client):
    first = await create_session(client, name="first")
    second = await create_session(client, name="second")
    stayer, stayer_state = await join(client, first, "Ivan", role="interviewer")
    mover, _ = await join(client, first, "Cara")
    await receive(stayer)
    state = await request(
        mover, {"type": "join-session", "sessionId": second["id"], "name": "Cara"}
    )
    assert state["session"] == public(second)
    assert await receive(stayer) == users_update([user(stayer_state)])
    counts = [
        (await (await client.get(f"/api/sessions/{s['id']}/users")).json())["count"]
        for s in (first, second)
    ]
    assert counts == [1, 1]
    await stayer.close()
    await mover.close()


async def test_two_sessions_are_isolated(client: Client):
    one = await create_session(client, code="one")
    two = await create_session(client, code="two")
    a1, _ = await join(client, one, "A1")
    a2, _ = await join(client, one, "A2")
    b1, _ = await join(client, two, "B1")
    b2, _ = await join(client, two, "B2")
    await receive(a1)
    await receive(b1)
    assert (await request(a1, {"type": "code-change", "code": "one!"}))["type"] == "ack"
    assert (await receive(a2))["code"] == "one!"
    await assert_no_frame(b1)
    await assert_no_frame(b2)
    second = await (await client.get(f"/api/sessions/{two['id']}")).json()
    assert (second["code"], second["revision"]) == ("two", 0)
    for ws in (a1, a2, b1, b2):
        await ws.close()


async def test_url_join_joins_at_connect(client: Client):
    created = await create_session(client)
    ws = await client.ws_connect(f"/ws/{created['id']}?name=Cara")
    state = await receive(ws)
    assert state["type"] == "session-state"
    assert state["you"] == {
        "userId": state["you"]["userId"],
        "name": "Cara",
        "role": "candidate",
        "colour": 0,
    }
    await ws.close()


async def test_url_join_with_token_in_query_joins_as_interviewer(client: Client):
    created = await create_session(client)
    ws = await client.ws_connect(
        f"/ws/{created['id']}?name=Ivan&role=interviewer&token={created['interviewerToken']}"
    )
    state = await receive(ws)
    assert state["you"]["role"] == "interviewer"
    await ws.close()


async def test_url_join_takes_the_token_from_the_first_frame(client: Client):
    created = await create_session(client)
    ws = await client.ws_connect(f"/ws/{created['id']}?name=Ivan&role=interviewer")
    assert await request(ws, {"type": "auth", "token": "wrong"}) == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'interviewer' needs the session's interviewer token",
    }
    state = await request(ws, {"type": "auth", "token": created["interviewerToken"], "ref": 2})
    assert (state["type"], state["you"]["role"], state["ref"]) == (
        "session-state",
        "interviewer",
        2,
    )
    await ws.close()


async def test_auth_without_a_pending_url_join_is_an_error(client: Client):
    ws = await client.ws_connect("/ws")
    assert await request(ws, {"type": "auth", "token": "t"}) == {
        "type": "error",
        "code": "invalid-message",
        "message": "'auth' is only for a /ws/{sessionId} connection awaiting its token",
    }
    await ws.close()


async def test_url_join_to_unknown_session_is_a_json_404_before_upgrade(client: Client):
    response = await client.get("/ws/missing?name=x")
    assert response.status == 404
    assert await response.json() == {
        "error": {"code": "not-found", "message": "no session with id 'missing'"}
    }


async def test_url_join_without_a_name_is_a_json_400(client: Client):
    created = await create_session(client)
    response = await client.get(f"/ws/{created['id']}")
    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "bad-request",
            "message": "query parameter 'name' is required: display name",
        }
    }


async def test_url_join_with_a_wrong_query_token_is_403(client: Client):
    created = await create_session(client)
    response = await client.get(f"/ws/{created['id']}?name=x&role=interviewer&token=bad")
    assert response.status == 403


async def test_access_log_never_shows_the_token(client: Client, caplog: pytest.LogCaptureFixture):
    # Before any request: aiohttp decides per connection whether access logging is on.
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    created = await create_session(client)
    token = created["interviewerToken"]
    response = await client.get(f"/ws/{created['id']}?name=x&role=interviewer&token={token}")
    assert response.status == 400  # not an upgrade request, but it is logged
    ws = await client.ws_connect(f"/ws/{created['id']}?name=x&role=interviewer&token={token}")
    await receive(ws)
    await ws.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "token=[redacted]" in logged
    assert token not in logged


async def test_server_closes_sockets_with_1001_and_a_shutdown_frame_on_shutdown(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    await client.app.shutdown()
    assert await receive(ws) == {"type": "server-shutdown"}
    closing = await ws.receive()
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 1001)


@pytest.mark.parametrize("config", [Config(heartbeat_seconds=0.2)])
async def test_a_peer_that_stops_answering_pings_leaves_presence(client: Client):
    created = await create_session(client)
    watcher, watcher_state = await join(client, created, "Ivan", role="interviewer")
    silent = await client.ws_connect("/ws", autoping=False)
    await silent.send_json({"type": "join-session", "sessionId": created["id"], "name": "Gone"})
    joined = await receive(watcher)
    assert joined["count"] == 2
    # The silent socket never reads again, so it never answers the server's pings.
    assert await receive(watcher) == users_update([user(watcher_state)])
    await watcher.close()
    await silent.close()


@pytest.mark.parametrize("config", [Config(heartbeat_seconds=0.2)])
async def test_a_quiet_peer_is_pinged_each_interval_and_stays_while_it_answers(client: Client):
    created = await create_session(client)
    ws = await client.ws_connect("/ws", autoping=False)  # sees the pings, answers them itself
    await ws.send_json({"type": "join-session", "sessionId": created["id"], "name": "Quiet"})
    assert (await receive(ws))["type"] == "session-state"
    started, pings = asyncio.get_running_loop().time(), 0
    while pings < 4:  # bounded: each wait fails the test after FRAME_TIMEOUT
        msg = await asyncio.wait_for(ws.receive(), 2)
        assert msg.type is WSMsgType.PING, msg
        await ws.pong(msg.data)
        pings += 1
    # silent 0.2 s before each, found by a sweep every 0.05 s: 0.8 to 1.0 s, plus scheduling
    # (the lower bound a little under: `started` is taken just after the join reached us)
    assert 0.7 <= asyncio.get_running_loop().time() - started < 1.6
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    await ws.close()


async def test_an_idle_socket_holds_no_frame_it_received(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Ada")
    handlers = [
        coro
        for task in asyncio.all_tasks()
        for coro in _awaiting(task.get_coro())
        if getattr(coro, "cr_code", None) is websocket_handler.__code__
    ]
    assert len(handlers) == 1
    assert "msg" not in handlers[0].cr_frame.f_locals  # waiting for the next: the join is gone
    await ws.close()


def _awaiting(coro: Any) -> list[Any]:
    """A task's coroutine and those it awaits, outermost first (bounded)."""
    chain: list[Any] = []
    while coro is not None and len(chain) < 50:
        chain.append(coro)
        coro = getattr(coro, "cr_await", None)
    return chain


def test_the_swept_heartbeat_finds_the_aiohttp_internals_it_relies_on():
    # SweptWebSocketResponse replaces aiohttp's per-socket timer and calls its ping; an
    # aiohttp upgrade that renames these must fail here, not silently stop the pings.
    from aiohttp import web

    names = ("_heartbeat_when", "_pong_response_cb", "_writer", "_closed", "_closing")
    assert all(hasattr(web.WebSocketResponse, name) for name in names)
    for method in ("_send_heartbeat", "_cancel_pong_response_cb", "_reset_heartbeat"):
        assert callable(getattr(web.WebSocketResponse, method))
    assert "_reset_heartbeat" in web.WebSocketResponse._flush_heartbeat_reset.__code__.co_names
    assert "_heartbeat_cb" in web.WebSocketResponse._cancel_heartbeat.__code__.co_names


def test_the_direct_write_path_finds_the_aiohttp_internals_it_relies_on():
    # Connection._write_now writes whole frames through aiohttp's writer; an aiohttp upgrade
    # that renames these must fail here, not silently in production.
    from aiohttp._websocket.writer import WebSocketWriter

    assert callable(WebSocketWriter._write_websocket_frame)
    assert "_closing" in WebSocketWriter.__init__.__code__.co_names


async def test_frames_keep_their_order_through_direct_and_queued_writes(client: Client):
    session = await create_session(client, code="")
    author, _ = await join(client, session, "A")
    reader, _ = await join(client, session, "B")
    await receive(author)
    for revision in range(300):
        await author.send_json(
            {
                "type": "code-change",
                "revision": revision,
                "ops": [revision, "x"] if revision else ["x"],
            }
        )
    revisions = [(await receive(reader))["revision"] for _ in range(300)]
    assert revisions == list(range(1, 301))


async def test_a_plain_get_on_the_socket_endpoint_is_told_to_upgrade(client: Client):
    response = await client.get("/ws")
    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "bad-request",
            "message": "/ws is a WebSocket endpoint: connect with a WebSocket client "
            "(Upgrade: websocket)",
        }
    }
    assert (await client.get("/health")).status == 200
