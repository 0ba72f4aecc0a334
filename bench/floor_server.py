"""The floor: the least a server must do to speak the subset of our protocol the benchmark uses.

A bare aiohttp relay with the rooms in one dict. It answers ``POST /api/sessions``,
``GET /api/sessions/{id}``, ``GET /health`` and ``/ws`` with ``join-session`` ->
``session-state`` and ``code-change`` (full ``code`` or ``ops``) -> ``code-update`` to the
others and ``ack`` to the author, byte-compatible with the project's frames. What it leaves
out is everything the project adds: no OT (a single writer needs none), no op log, no
validation beyond the minimum, no per-socket queue (it awaits ``send_frame`` on each peer in
turn), no access log. Each broadcast is encoded once and the same bytes go to every
recipient with ``ws.send_frame``.

It keeps the text (so a joiner gets it and ``code-update`` can carry it) and sends the same
``ops`` the project would: the common-prefix/suffix diff for a full-text change. Heartbeat
and frame-size limit match the project's defaults, so per-socket memory compares like for
like.

Run: ``python -m bench floor-server --port 8090 [--json orjson|stdlib] [--compress]`` (the
scenarios start it so).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

# The same diff and apply as ours, so both servers send byte-identical ops.
from sessions.collab.ot import apply, diff_and_inverse, end_of_change

Dumps = Callable[[Any], bytes]
Loads = Callable[[str | bytes], Any]
HEARTBEAT_SECONDS = 10.0
MAX_MESSAGE_BYTES = 1024 * 1024
TEXT = WSMsgType.TEXT


def json_codec(name: str) -> tuple[Dumps, Loads]:
    """``(dumps, loads)`` for ``"stdlib"`` (compact, like the project's encoder) or ``"orjson"``."""
    if name == "orjson":
        import orjson

        return orjson.dumps, orjson.loads

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    return dumps, json.loads


class Member:
    __slots__ = ("full_code", "joined_at", "name", "role", "user_id", "ws")

    def __init__(self, ws: web.WebSocketResponse, name: str, role: str, full_code: bool) -> None:
        self.ws = ws
        self.user_id = "u-" + secrets.token_urlsafe(6)
        self.name = name
        self.role = role
        self.full_code = full_code
        self.joined_at = _now_iso()

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "name": self.name,
            "role": self.role,
            "joinedAt": self.joined_at,
        }


class Room:
    __slots__ = (
        "caret",
        "code",
        "created_at",
        "id",
        "language",
        "members",
        "name",
        "revision",
        "token",
    )

    def __init__(self, name: str, language: str, code: str) -> None:
        self.id = secrets.token_urlsafe(16)
        self.token = secrets.token_urlsafe(24)
        self.name, self.language, self.code = name, language, code
        self.revision = 0
        self.caret = 0  # where the last full-text change ended: the diff's hint, as ours
        self.created_at = _now_iso()
        self.members: dict[str, Member] = {}

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "code": self.code,
            "revision": self.revision,
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
        }


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the app --------------------------------------------------------------------------------


def create_app(codec: str = "stdlib", compress: bool = False) -> web.Application:
    dumps, loads = json_codec(codec)
    rooms: dict[str, Room] = {}
    sockets: set[web.WebSocketResponse] = set()

    def json_response(obj: Any, status: int = 200) -> web.Response:
        return web.Response(body=dumps(obj), status=status, content_type="application/json")

    def not_found() -> web.Response:
        error = {"code": "not-found", "message": "no such session"}
        return json_response({"error": error}, 404)

    async def create_session(request: web.Request) -> web.Response:
        raw = await request.read()
        body = loads(raw) if raw.strip() else {}
        room = Room(
            body.get("name", "Untitled interview"),
            body.get("language", "python"),
            body.get("code", ""),
        )
        rooms[room.id] = room
        created = {**room.public(), "interviewerToken": room.token}
        response = json_response(created, 201)
        response.headers["Location"] = f"/api/sessions/{room.id}"
        return response

    async def get_session(request: web.Request) -> web.Response:
        room = rooms.get(request.match_info["session_id"])
        return not_found() if room is None else json_response(room.public())

    async def health(request: web.Request) -> web.Response:
        return json_response({"status": "ok", "sessions": len(rooms), "connections": len(sockets)})

    async def broadcast(room: Room, author: Member | None, message: dict[str, Any]) -> None:
        data = dumps(message)
        for member in tuple(room.members.values()):
            if member is not author:
                await _send(member.ws, data)

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(
            heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_MESSAGE_BYTES, compress=compress
        )
        await ws.prepare(request)
        sockets.add(ws)
        room: Room | None = None
        me: Member | None = None
        try:
            async for msg in ws:
                if msg.type is not TEXT:
                    continue
                frame = loads(msg.data)
                kind = frame.get("type")
                if kind == "code-change" and room is not None and me is not None:
                    await change(room, me, frame)
                elif kind == "join-session":
                    if room is not None and me is not None:
                        await leave(room, me)
                    room = rooms.get(frame.get("sessionId"))
                    if room is None:
                        error = {"type": "error", "code": "session-not-found", "message": "?"}
                        await _send(ws, dumps(error))
                        continue
                    me = Member(
                        ws,
                        frame.get("name", "?"),
                        frame.get("role", "candidate"),
                        frame.get("fullCode", True),
                    )
                    await join(room, me)
                elif kind == "ping":
                    await _send(ws, dumps({"type": "pong"}))
        finally:
            sockets.discard(ws)
            if room is not None and me is not None:
                await leave(room, me)
        return ws

    async def join(room: Room, me: Member) -> None:
        room.members[me.user_id] = me
        users = [m.to_json() for m in room.members.values()]
        state = {
            "type": "session-state",
            "session": room.public(),
            "users": users,
            "you": {"userId": me.user_id, "name": me.name, "role": me.role},
            "cursors": [],
        }
        await _send(me.ws, dumps(state))
        await broadcast(room, me, {"type": "users-update", "users": users, "count": len(users)})

    async def leave(room: Room, me: Member) -> None:
        if room.members.pop(me.user_id, None) is None:
            return
        users = [m.to_json() for m in room.members.values()]
        await broadcast(room, None, {"type": "users-update", "users": users, "count": len(users)})

    async def change(room: Room, me: Member, frame: dict[str, Any]) -> None:
        code = frame.get("code")
        if code is not None:
            ops = diff_and_inverse(room.code, code, room.caret)[0]  # the hint ours gives it
            room.code, room.caret = code, end_of_change(ops, len(code))
        else:
            ops = frame["ops"]
            room.code = apply(room.code, ops)
        room.revision += 1
        update = {
            "type": "code-update",
            "revision": room.revision,
            "ops": ops,
            "userId": me.user_id,
        }
        full: bytes | None = None
        lean: bytes | None = None
        for member in tuple(room.members.values()):
            if member is me:
                continue
            if member.full_code:
                if full is None:
                    full = dumps({**update, "code": room.code})
                await _send(member.ws, full)
            else:
                if lean is None:
                    lean = dumps(update)
                await _send(member.ws, lean)
        await _send(me.ws, dumps({"type": "ack", "revision": room.revision}))

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post("/api/sessions", create_session)
    app.router.add_get("/api/sessions/{session_id}", get_session)
    app.router.add_get("/health", health)
    app.router.add_get("/ws", websocket)

    async def close_sockets(app: web.Application) -> None:
        await asyncio.gather(*(ws.close() for ws in tuple(sockets)), return_exceptions=True)

    app.on_shutdown.append(close_sockets)
    return app


async def _send(ws: web.WebSocketResponse, data: bytes) -> None:
    with contextlib.suppress(ConnectionError):  # the reader loop sees the close, cleans up
        await ws.send_frame(data, TEXT)


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--json", choices=("stdlib", "orjson"), default="stdlib")
    parser.add_argument("--compress", action="store_true")
    args = parser.parse_args(argv)
    app = create_app(args.json, args.compress)
    started = time.monotonic()
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        access_log=None,
        print=lambda *_: print(f"floor ({args.json}) ready in {time.monotonic() - started:.2f}s"),
    )
    return 0
