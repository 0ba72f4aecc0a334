"""Shared helpers for the HTTP/WebSocket tests: create sessions, join, read frames."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient

FRAME_TIMEOUT = 5.0
Json = dict[str, Any]


async def create_session(client: TestClient[Any, Any], **body: Any) -> Json:
    """Create a session; unless told otherwise it admits several candidates (default is 1)."""
    body.setdefault("maxCandidates", 10)
    response = await client.post("/api/sessions", json=body)
    assert response.status == 201, await response.text()
    created: Json = await response.json()
    return created


async def receive(ws: ClientWebSocketResponse) -> Json:
    """The next JSON frame; fails the test instead of hanging."""
    msg = await asyncio.wait_for(ws.receive(), FRAME_TIMEOUT)
    assert msg.type is WSMsgType.TEXT, f"expected a text frame, got {msg.type}: {msg.data!r}"
    frame: Json = msg.json()
    return frame


async def request(ws: ClientWebSocketResponse, frame: Json) -> Json:
    await ws.send_json(frame)
    return await receive(ws)


async def assert_no_frame(ws: ClientWebSocketResponse) -> None:
    """Nothing is queued for this socket: a ping's pong is the very next frame."""
    await ws.send_json({"type": "ping", "ref": "quiet-check"})
    assert await receive(ws) == {"type": "pong", "ref": "quiet-check"}


async def join(
    client: TestClient[Any, Any],
    session: Json,
    name: str,
    role: str = "candidate",
    **extra: Any,
) -> tuple[ClientWebSocketResponse, Json]:
    """Open a socket and join; returns the socket and its session-state frame."""
    ws = await client.ws_connect("/ws")
    frame: Json = {"type": "join-session", "sessionId": session["id"], "name": name, "role": role}
    if role != "candidate" and "token" not in extra:
        frame["token"] = session["interviewerToken"]
    frame.update(extra)
    state = await request(ws, frame)
    assert state["type"] == "session-state", state
    return ws, state


def public(session: Json) -> Json:
    """A created session as everyone else sees it: without the tokens."""
    secret = ("interviewerToken", "observerToken")
    return {key: value for key, value in session.items() if key not in secret}


def users_update(users: list[Json]) -> Json:
    """The users-update frame for these users, with its per-role counts."""
    roles = {
        role: sum(1 for u in users if u["role"] == role)
        for role in ("interviewer", "candidate", "observer")
    }
    return {"type": "users-update", "users": users, "count": len(users), "roles": roles}
