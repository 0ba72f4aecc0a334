"""Hypothesis drives several sockets with random sequences of valid, malformed, truncated,
wrongly-typed, oversized, deeply nested, hostile and binary frames. After every sequence the
server answers ``/health``, every frame known to be invalid got an error frame (or, over
``--max-message-bytes``, the documented close 1009), and a session nobody touched is
unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.config import Config
from sessions.web.app import create_app
from sessions.web.keys import CONNECTIONS
from tests.helpers import FRAME_TIMEOUT, create_session
from tests.polling import wait_until

Client = TestClient[Any, Any]
FUZZ_CONFIG = Config(
    max_message_bytes=16 * 1024,
    max_code_bytes=4 * 1024,
    rate_limit_per_second=1_000_000,
    rate_limit_burst=1_000_000,
    max_sockets_per_address=1_000,
    session_creates_per_minute=100_000,
)
SOCKETS = 3


@dataclass(frozen=True)
class Frame:
    """One thing a fuzzed client sends, and what the server must make of it."""

    data: str | bytes
    invalid: bool  # must be answered with an error frame
    oversize: bool = False  # must close the socket with 1009


# --- frames ---------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8"), max_size=40)
small_ints = st.integers(min_value=0, max_value=50)


def valid_messages(session_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda r: {"type": "ping", "ref": r}, st.integers(0, 10**6) | texts),
        st.builds(lambda c: {"type": "code-change", "code": c}, texts),
        st.builds(
            lambda rev, a, h: {
                "type": "cursor",
                "revision": rev,
                "ranges": [{"anchor": a, "head": h}],
            },
            st.just(0),
            small_ints,
            small_ints,
        ),
        st.builds(
            lambda lang: {"type": "language-change", "language": lang},
            st.sampled_from(["python", "javascript", "go"]),
        ),
        st.builds(lambda t: {"type": "chat-message", "text": t}, texts.filter(str.strip)),
        st.just({"type": "leave-session"}),
        st.builds(
            lambda sid, name: {"type": "join-session", "sessionId": sid, "name": name},
            st.sampled_from(session_ids),
            st.text("abcdefgh", min_size=1, max_size=10),
        ),
    )


WRONG_TYPES: st.SearchStrategy[object] = st.sampled_from([True, None, [], {}, "x", 1.5, -1])


def wrongly_typed(message: dict[str, Any], value: object) -> dict[str, Any] | None:
    """The message with one typed field given a value of the wrong type (None if none fits)."""
    checks: tuple[tuple[str, Callable[[object], bool]], ...] = (
        ("revision", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        ("code", lambda v: isinstance(v, str)),
        ("ranges", lambda v: isinstance(v, list)),
        ("language", lambda v: isinstance(v, str)),
        ("text", lambda v: isinstance(v, str)),
        ("sessionId", lambda v: isinstance(v, str)),
    )
    for field, ok in checks:
        if field in message and not ok(value) and value is not None:
            return {**message, field: value}
    if message["type"] == "ping":
        return {**message, "ref": [value]}
    return None


def frames(session_ids: list[str]) -> st.SearchStrategy[Frame]:
    valid = valid_messages(session_ids)
    encoded = valid.map(lambda m: json.dumps(m, ensure_ascii=False))
    return st.one_of(
        encoded.map(lambda text: Frame(text, invalid=False)),
        st.builds(  # truncated: a valid frame cut short
            lambda text, cut: Frame(text[: min(cut, len(text) - 1)], invalid=True),
            encoded,
            st.integers(min_value=0, max_value=200),
        ),
        texts.filter(lambda t: not _is_json(t)).map(lambda t: Frame(t, invalid=True)),
        st.builds(
            lambda m, v: Frame(json.dumps(wrongly_typed(m, v)), invalid=True),
            valid,
            WRONG_TYPES,
        ).filter(lambda f: f.data != "null"),
        st.builds(  # nested deeper than the limit
            lambda levels: Frame(
                '{"type":"ping","x":' + "[" * levels + "]" * levels + "}", invalid=True
            ),
            st.integers(min_value=33, max_value=5_000),
        ),
        st.sampled_from(
            [
                Frame('{"type":"ping","ref":NaN}', invalid=True),
                Frame('{"type":"ping","ref":' + "9" * 4400 + "}", invalid=True),
                Frame('{"type":"code-change","code":"\\ud800"}', invalid=True),
                Frame('{"type":"chat-message","text":"\\udfff"}', invalid=True),
                Frame('{"type":"code-change","revision":0,"ops":[true]}', invalid=True),
                Frame(json.dumps({"type": "code-change", "code": "x" * 5000}), invalid=True),
                Frame('{"type":"nope"}', invalid=True),
                Frame("[]", invalid=True),
            ]
        ),
        st.binary(max_size=64).map(lambda b: Frame(b, invalid=True)),
        st.integers(min_value=16 * 1024 + 1, max_value=40 * 1024).map(
            lambda size: Frame(
                json.dumps({"type": "ping", "ref": "y" * size}), invalid=True, oversize=True
            )
        ),
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# --- driving sockets ------------------------------------------------------------------------


class Fuzzer:
    """Sends each frame, then a ping with a fresh ref, and collects this socket's replies."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.sockets: list[ClientWebSocketResponse] = []
        self.pings = 0

    async def open(self, count: int, session_ids: list[str]) -> None:
        for i in range(count):
            ws = await self.client.ws_connect("/ws")
            await self._join(ws, session_ids[i % len(session_ids)], f"fuzz{i}")
            self.sockets.append(ws)

    async def _join(self, ws: ClientWebSocketResponse, session_id: str, name: str) -> None:
        await ws.send_json({"type": "join-session", "sessionId": session_id, "name": name})
        await self._replies_until_pong(ws)

    async def _replies_until_pong(self, ws: ClientWebSocketResponse) -> list[dict[str, Any]]:
        """Every frame up to the pong for a fresh ping: what the last frame caused."""
        self.pings += 1
        ref = f"fuzz-{self.pings}"
        await ws.send_json({"type": "ping", "ref": ref})
        replies: list[dict[str, Any]] = []
        while True:
            msg = await ws.receive(timeout=FRAME_TIMEOUT)
            assert msg.type is WSMsgType.TEXT, f"socket ended: {msg}"
            frame = msg.json()
            if frame == {"type": "pong", "ref": ref}:
                return replies
            replies.append(frame)

    async def send(self, index: int, frame: Frame, rejoin_to: str) -> None:
        ws = self.sockets[index]
        if isinstance(frame.data, bytes):
            await ws.send_bytes(frame.data)
        else:
            await ws.send_str(frame.data)
        if frame.oversize:
            while (msg := await ws.receive(timeout=FRAME_TIMEOUT)).type is WSMsgType.TEXT:
                assert msg.json()["type"] != "error", msg  # others' broadcasts may come first
            assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1009), msg
            await ws.close()
            fresh = await self.client.ws_connect("/ws")
            await self._join(fresh, rejoin_to, f"fuzz{index}")
            self.sockets[index] = fresh
            return
        replies = await self._replies_until_pong(ws)
        errors = [r for r in replies if r.get("type") == "error"]
        if frame.invalid:
            assert len(errors) == 1, (frame.data[:200], replies)
            assert errors[0]["code"] != "internal-error", errors[0]
        else:
            assert all(e["code"] != "internal-error" for e in errors), errors

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()


@pytest.mark.timeout(240)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_random_frame_sequences_never_hurt_the_server_or_other_sessions(
    data: st.DataObject,
):
    # A fresh server per sequence, so a failing sequence reproduces (and shrinks) on its own.
    async with TestClient(TestServer(create_app(FUZZ_CONFIG))) as client:
        untouched = await create_session(client, name="control", code="def untouched(): pass")
        targets = [(await create_session(client, code="x"))["id"] for _ in range(2)]
        # Draw before any socket opens: hypothesis may end an example inside a draw.
        sequence = data.draw(
            st.lists(st.tuples(st.integers(0, SOCKETS - 1), frames(targets)), max_size=12),
            label="sequence",
        )
        fuzzer = Fuzzer(client)
        try:
            await fuzzer.open(SOCKETS, targets)
            for index, frame in sequence:
                await fuzzer.send(index, frame, rejoin_to=targets[index % len(targets)])
            health = await client.get("/health")
            assert health.status == 200
            control = await (await client.get(f"/api/sessions/{untouched['id']}")).json()
            assert (control["code"], control["revision"], control["name"]) == (
                "def untouched(): pass",
                0,
                "control",
            )
            for session_id in targets:
                assert (await client.get(f"/api/sessions/{session_id}")).status == 200
        finally:
            await fuzzer.close()
        # Every socket the sequence opened is gone on the server too: nothing leaks.
        await wait_until(lambda: not client.app[CONNECTIONS], "all sockets cleaned up")
