"""Hostile JSON and bodies: each a clear error, never a 500, a dead socket or a broken broadcast."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sessions.config import Config
from tests.helpers import assert_no_frame, create_session, join, receive, request

Client = TestClient[Any, Any]
DEEP_MESSAGE = "frame nests arrays and objects more than 32 levels deep"


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


async def reply_to(client: Client, text: str) -> dict[str, Any]:
    """Send one raw frame on a fresh socket; return the reply and check the socket lives on."""
    ws = await client.ws_connect("/ws")
    await ws.send_str(text)
    reply = await receive(ws)
    assert await request(ws, {"type": "ping", "ref": "alive"}) == {"type": "pong", "ref": "alive"}
    await ws.close()
    return reply


# --- over the socket ----------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [33, 1_000, 100_000])
async def test_deep_nesting_is_invalid_json_before_the_parser_recurses(client: Client, levels: int):
    reply = await reply_to(client, '{"type":"ping","x":' + nested(levels) + "}")
    assert reply == {"type": "error", "code": "invalid-json", "message": DEEP_MESSAGE}


async def test_nesting_within_the_limit_is_parsed(client: Client):
    assert await reply_to(client, '{"type":"ping","x":' + nested(31) + "}") == {"type": "pong"}


async def test_brackets_inside_strings_do_not_count_as_nesting(client: Client):
    text = json.dumps({"type": "ping", "ref": "[" * 100})
    assert await reply_to(client, text) == {"type": "pong", "ref": "[" * 100}


@pytest.mark.parametrize("config", [Config(max_json_depth=3)])
async def test_the_depth_limit_is_configurable(client: Client):
    reply = await reply_to(client, '{"type":"ping","x":[[[1]]]}')
    assert reply == {
        "type": "error",
        "code": "invalid-json",
        "message": "frame nests arrays and objects more than 3 levels deep",
    }


async def test_an_integer_over_4300_digits_is_invalid_json(client: Client):
    reply = await reply_to(client, '{"type":"ping","ref":' + "7" * 4301 + "}")
    assert (reply["type"], reply["code"]) == ("error", "invalid-json")
    assert "4300" in reply["message"]


async def test_a_huge_but_legal_integer_is_a_field_error_that_encodes_fine(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    huge = "9" * 4300
    await ws.send_str('{"type":"cursor","revision":' + huge + ',"ranges":[]}')
    reply = await receive(ws)
    assert (reply["code"], reply["message"]) == (
        "invalid-revision",
        f"revision {huge} is ahead of the server's 0",
    )
    await ws.close()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_invalid_json(client: Client, constant: str):
    reply = await reply_to(client, '{"type":"ping","ref":' + constant + "}")
    assert (reply["code"], reply["message"]) == (
        "invalid-json",
        f"{constant} is not valid JSON: browsers cannot parse it back",
    )


async def test_a_float_that_overflows_to_infinity_is_never_echoed(client: Client):
    reply = await reply_to(client, '{"type":"ping","ref":1e999}')
    assert reply == {
        "type": "error",
        "code": "invalid-message",
        "message": "field 'ref' must be a string or an integer",
    }


@pytest.mark.parametrize(
    ("frame", "code", "message"),
    [
        (
            {"type": "code-change", "code": "x", "revision": True},
            "invalid-message",
            "field 'revision' must be an integer",
        ),
        (
            {"type": "code-change", "ops": [True], "revision": 0},
            "invalid-operation",
            None,
        ),
        (
            {"type": "cursor", "revision": 0, "ranges": [{"anchor": True, "head": 0}]},
            "invalid-message",
            "field 'anchor' must be an integer",
        ),
        (
            {"type": "cursor", "revision": False, "ranges": []},
            "invalid-message",
            "field 'revision' must be an integer",
        ),
        ({"type": "ping", "ref": True}, "invalid-message", None),
    ],
)
async def test_booleans_are_not_accepted_where_integers_are_expected(
    client: Client, frame: dict[str, Any], code: str, message: str | None
):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    reply = await request(ws, frame)
    assert (reply["type"], reply["code"]) == ("error", code)
    if message is not None:
        assert reply["message"] == message
    session = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert session["revision"] == 0
    await ws.close()


LONE_SURROGATE_FRAMES = [
    ('{"type":"code-change","code":"a\\ud800b"}', "invalid-message"),
    ('{"type":"code-change","revision":0,"ops":["\\udfff"]}', "invalid-operation"),
    ('{"type":"code-change","code":"x","opId":"\\ud800"}', "invalid-message"),
    ('{"type":"chat-message","text":"hi \\ud83d"}', "invalid-message"),
    ('{"type":"ping","ref":"\\udc00"}', "invalid-message"),  # echoed on the reply
]


@pytest.mark.parametrize(("text", "code"), LONE_SURROGATE_FRAMES)
async def test_a_lone_surrogate_is_refused_before_it_can_break_a_broadcast(
    client: Client, text: str, code: str
):
    created = await create_session(client)
    author, _ = await join(client, created, "Cara")
    watcher, _ = await join(client, created, "Ivan", role="interviewer")
    await receive(author)  # users-update: Ivan joined
    await author.send_str(text)
    reply = await receive(author)
    assert (reply["type"], reply["code"]) == ("error", code)
    await assert_no_frame(watcher)
    # The session still works for both: a real edit reaches the watcher.
    assert (await request(author, {"type": "code-change", "code": "ok"}))["type"] == "ack"
    assert (await receive(watcher))["code"] == "ok"
    for ws in (author, watcher):
        await ws.close()


async def test_a_lone_surrogate_in_a_join_name_is_refused(client: Client):
    created = await create_session(client)
    text = '{"type":"join-session","sessionId":"' + created["id"] + '","name":"\\ud800"}'
    reply = await reply_to(client, text)
    assert reply == {
        "type": "error",
        "code": "invalid-message",
        "message": "field 'name' contains an unpaired surrogate",
    }


async def test_an_escaped_surrogate_pair_is_a_real_character_and_accepted(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    await ws.send_str('{"type":"code-change","code":"\\ud83d\\ude00"}')
    assert await receive(ws) == {"type": "ack", "revision": 1}
    session = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert session["code"] == "\N{GRINNING FACE}"
    await ws.close()


@pytest.mark.parametrize("text", ['{"type":"ping"', '{"type":', "", " ", "\x00", '"\\u12"'])
async def test_truncated_and_garbage_frames_are_invalid_json(client: Client, text: str):
    reply = await reply_to(client, text)
    assert (reply["type"], reply["code"]) == ("error", "invalid-json")


async def test_names_and_chat_over_their_length_limits_are_refused(client: Client):
    created = await create_session(client)
    ws = await client.ws_connect("/ws")
    long_name = {"type": "join-session", "sessionId": created["id"], "name": "n" * 101}
    assert await request(ws, long_name) == {
        "type": "error",
        "code": "invalid-message",
        "message": "field 'name' must be at most 100 characters",
    }
    await ws.close()
    ws, _ = await join(client, created, "Cara")
    reply = await request(ws, {"type": "chat-message", "text": "c" * 4001})
    assert (reply["type"], reply["code"]) == ("error", "invalid-message")
    await ws.close()


# --- over REST ----------------------------------------------------------------------------------


async def post_raw(client: Client, body: bytes | str, content_type: str = "application/json"):
    response = await client.post("/api/sessions", data=body, headers={"Content-Type": content_type})
    return response.status, await response.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ('{"name":' + nested(40) + "}", 400, "bad-request"),
        ('{"name":' + nested(100_000) + "}", 400, "bad-request"),
        ('{"name":' + "1" * 5000 + "}", 400, "bad-request"),
        ('{"name":NaN}', 400, "bad-request"),
        ('{"code":-Infinity}', 400, "bad-request"),
        ('{"name":"\\ud800"}', 400, "bad-request"),
        ('{"code":"x\\udfffy"}', 400, "bad-request"),
        ('{"name":true}', 400, "bad-request"),
        ('{"name":"x"', 400, "bad-request"),
        (b'{"name":"\xff\xfe"}', 400, "bad-request"),
    ],
)
async def test_hostile_rest_bodies_are_clear_4xx_errors(
    client: Client, body: str | bytes, status: int, code: str
):
    got_status, payload = await post_raw(client, body)
    assert (got_status, payload["error"]["code"]) == (status, code)
    assert payload["error"]["message"]
    assert (await client.get("/health")).status == 200


async def test_a_deep_rest_body_names_the_depth_limit(client: Client):
    _, payload = await post_raw(client, '{"name":' + nested(40) + "}")
    assert payload["error"]["message"] == (
        "request body nests arrays and objects more than 32 levels deep"
    )


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "bogus"])
async def test_a_json_body_in_another_charset_is_415(client: Client, charset: str):
    status, payload = await post_raw(
        client, '{"name":"x"}', content_type=f"application/json; charset={charset}"
    )
    assert status == 415
    assert payload == {
        "error": {
            "code": "unsupported-media-type",
            "message": f"JSON bodies must be UTF-8, not charset {charset!r}",
        }
    }


async def test_a_utf8_charset_parameter_is_fine(client: Client):
    status, _ = await post_raw(client, '{"name":"x"}', "application/json; charset=UTF-8")
    assert status == 201


@pytest.mark.parametrize("config", [Config(max_body_bytes=100)])
async def test_a_declared_body_over_the_limit_is_413_json_before_it_is_read(client: Client):
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5000000\r\n\r\n{"  # and then nothing: the server must not wait
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Content-Type: application/json" in head
    writer.close()
    await writer.wait_closed()


async def test_aiohttps_own_413_for_a_streamed_body_is_json(client: Client):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b" " * (1024 * 1024)

    response = await client.post(
        "/api/sessions", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload-too-large"


async def test_a_malformed_http_request_is_a_400_and_the_server_carries_on(client: Client):
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"GARBAGE\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.split(b" ")[1] == b"400"  # aiohttp's parser answers before any app code runs
    writer.close()
    await writer.wait_closed()
    assert (await client.get("/health")).status == 200


# --- secrets stay out of the logs ---------------------------------------------------------------


async def test_no_token_or_code_text_ever_appears_in_the_logs(
    client: Client, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    secret_code = "print('SECRET-CODE-7f3a')"
    created = await create_session(client, code=secret_code)
    token = created["interviewerToken"]
    sid = created["id"]
    url = f"/ws/{sid}?name=Ivan&role=interviewer&token={token}"
    interviewer = await client.ws_connect(url)
    await receive(interviewer)
    waiting = await client.ws_connect(f"/ws/{sid}?name=Ivy&role=interviewer")
    assert (await request(waiting, {"type": "auth", "token": token + "x"}))["code"] == "forbidden"
    assert (await request(waiting, {"type": "auth", "token": token}))["type"] == "session-state"
    candidate, _ = await join(client, created, "Cara")
    await candidate.send_str('{"type":"code-change","code":"SECRET-CODE-2","revision":"x"}')
    await receive(candidate)
    assert (await request(candidate, {"type": "code-change", "code": "SECRET-CODE-3"}))["type"]
    await client.patch(
        f"/api/sessions/{sid}",
        json={"code": "SECRET-CODE-4"},
        headers={"Authorization": f"Bearer {token}"},
    )
    await client.patch(f"/api/sessions/{sid}", headers={"Authorization": f"Bearer {token}x"})
    await client.get(f"/ws/{sid}?name=x&role=interviewer&token={token}")  # not an upgrade
    for ws in (interviewer, waiting, candidate):
        await ws.close()
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "socket opened" in logged  # the capture did see the server's logs
    assert token not in logged
    assert "SECRET-CODE" not in logged


async def test_aiohttps_own_400_for_a_plain_get_on_a_socket_url_is_json(client: Client):
    response = await client.get("/ws")  # no Upgrade header: aiohttp refuses the handshake
    assert response.status == 400
    assert response.content_type == "application/json"
    assert (await response.json())["error"]["code"] == "bad-request"


async def test_tokens_are_compared_in_constant_time(
    client: Client, monkeypatch: pytest.MonkeyPatch
):
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    created = await create_session(client)
    token = created["interviewerToken"].encode()
    bad = {"Authorization": "Bearer nope"}
    assert (await client.delete(f"/api/sessions/{created['id']}", headers=bad)).status == 403
    ws = await client.ws_connect("/ws")
    frame = {"type": "join-session", "sessionId": created["id"], "name": "I", "role": "interviewer"}
    assert (await request(ws, {**frame, "token": "nope"}))["code"] == "forbidden"
    await ws.close()
    assert (b"nope", token) in compared
    assert len([pair for pair in compared if pair == (b"nope", token)]) >= 2
