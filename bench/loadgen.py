"""The socket load: rooms of one typist and some readers, driven open-loop at a fixed rate.

Each room is one session with one typist and ``readers`` other members. The typist replaces
one character per edit (the document keeps its size) and sends either the full text at a
revision (a plain editor, receivers get ``code-update`` with ``code``) or an op
(``[pos, "c", -1, rest]``, receivers join with ``"fullCode": false``). Being the only writer,
the typist knows the revision each edit will get (``base + k + 1``) without waiting for acks,
so edits go out on schedule whatever the server's latency (open loop: a slow server shows up
as latency, not as a lower offered rate). Every edit's send time is kept; a reader matches
each ``code-update`` by its revision and records send-to-receipt latency, all inside this
one process on one monotonic clock. Acks are checked against the expected revision.

Latency counts from the moment the frame was written to the socket, so it includes the
loadgen's own delays when its CPU is saturated: its CPU is reported beside every number.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.common import HOST
from bench.wsclient import WSClient

try:
    import orjson

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - make bench installs it

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

    loads = json.loads

_TYPE = re.compile(rb'"type":"([a-z-]+)"')
_REVISION = re.compile(rb'"revision":(\d+)')
LOWER = "abcdefghijklmnopqrstuvwxyz"


def make_document(size: int) -> str:
    """Deterministic Python-looking ASCII text of exactly ``size`` characters."""
    lines = []
    total = 0
    i = 0
    while total < size:
        line = f"def handler_{i}(event, context):\n    return event.get('value', {i}) * 2 + 1\n"
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines)[:size]


@dataclass
class Probe:
    """What one measurement window collected, across all rooms."""

    window: bool = False
    latencies: list[int] = field(default_factory=list)
    sent_at: list[int] | None = None
    """When a list: each latency's send time, at the same index (``bench tail``)."""
    received_in_window: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    bad_acks: int = 0
    unexpected: int = 0

    def error(self, payload: bytes) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(payload[:300].decode(errors="replace"))


class Room:
    """One session under load: its typist, its readers and the typist's copy of the text."""

    def __init__(self, session_id: str, token: str, mode: str, probe: Probe, index: int) -> None:
        self.session_id = session_id
        self.token = token
        self.mode = mode  # "text" or "ops"
        self.probe = probe
        self.index = index
        self.text = ""
        self.base_revision = 0
        self.send_ns: list[int] = []
        self.window_start = 0
        self.window_end = 1 << 62
        self.window_received = 0
        self.acks = 0
        self.typist: WSClient | None = None
        self.readers: list[WSClient] = []
        self.client_id = f"bench{index}"

    # --- the typist -----------------------------------------------------------------------

    def edit(self) -> None:
        """Send the next edit: one character replaced, at a position that walks the text."""
        k = len(self.send_ns)
        text = self.text
        length = len(text)
        pos = (self.index * 131 + k * 7919) % length
        c = LOWER[k % 26]
        if text[pos] == c:
            c = LOWER[(k + 1) % 26]
        self.text = text[:pos] + c + text[pos + 1 :]
        revision = self.base_revision + k
        frame: dict[str, Any] = {"type": "code-change", "revision": revision}
        if self.mode == "text":
            frame["code"] = self.text
        else:
            ops: list[int | str] = [pos, c, -1, length - pos - 1]
            if ops[3] == 0:
                ops.pop()
            if pos == 0:
                ops.pop(0)
            frame["ops"] = ops
        frame["opId"] = f"{self.client_id}:{revision}"
        data = dumps(frame)
        self.send_ns.append(time.perf_counter_ns())
        assert self.typist is not None
        self.typist.send(data)

    def on_typist_frame(self, payload: bytes, now: int) -> None:
        m = _TYPE.search(payload, 0, 64)
        kind = m[1] if m else b""
        if kind == b"ack":
            self.acks += 1
            rev = _REVISION.search(payload)
            if rev is None or int(rev[1]) != self.base_revision + self.acks:
                self.probe.bad_acks += 1
        elif kind == b"error":
            self.probe.error(payload)

    # --- the readers ----------------------------------------------------------------------

    def on_reader_frame(self, payload: bytes, now: int) -> None:
        m = _TYPE.search(payload, 0, 64)
        kind = m[1] if m else b""
        if kind == b"code-update":
            rev = _REVISION.search(payload)
            probe = self.probe
            if probe.window:
                probe.received_in_window += 1
            if rev is None:
                probe.unexpected += 1
                return
            k = int(rev[1]) - self.base_revision - 1
            if self.window_start <= k < self.window_end:
                if k >= len(self.send_ns):
                    probe.unexpected += 1
                    return
                probe.latencies.append(now - self.send_ns[k])
                if probe.sent_at is not None:
                    probe.sent_at.append(self.send_ns[k])
                self.window_received += 1
        elif kind == b"error":
            self.probe.error(payload)

    # --- steps ----------------------------------------------------------------------------

    def reset_step(self) -> None:
        """Rebase revision bookkeeping after a step (all its edits applied by now)."""
        self.base_revision += len(self.send_ns)
        self.acks -= len(self.send_ns)
        self.send_ns = []
        self.window_start = 0
        self.window_end = 1 << 62
        self.window_received = 0

    def open_window(self) -> None:
        self.window_start = len(self.send_ns)
        self.window_received = 0

    def close_window(self) -> None:
        self.window_end = len(self.send_ns)

    def expected(self) -> int:
        return (self.window_end - self.window_start) * len(self.readers)

    def sockets(self) -> list[WSClient]:
        return ([self.typist] if self.typist else []) + self.readers


# --- setup ----------------------------------------------------------------------------------


async def create_sessions(
    port: int, count: int, code: str, concurrency: int = 16
) -> list[dict[str, Any]]:
    """``count`` sessions via ``POST /api/sessions``; returns the created bodies."""
    body = json.dumps({"name": "bench", "language": "python", "code": code}).encode()
    headers = {"Content-Type": "application/json"}
    url = f"http://{HOST}:{port}/api/sessions"
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one() -> dict[str, Any]:
            async with sem, http.post(url, data=body, headers=headers) as response:
                if response.status != 201:
                    raise RuntimeError(f"POST /api/sessions: {response.status}")
                created: dict[str, Any] = await response.json(loads=json.loads)
                return created

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def get_session(port: int, session_id: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://{HOST}:{port}/api/sessions/{session_id}") as response,
    ):
        got: dict[str, Any] = await response.json(loads=json.loads)
        return got


async def join(
    port: int,
    session_id: str,
    name: str,
    role: str,
    token: str | None,
    full_code: bool,
    deflate: bool,
    routed: bool = False,
    socketio: bool = False,
) -> tuple[WSClient, dict[str, Any]]:
    """Connect to ``/ws`` and join; returns the client and its ``session-state``.

    ``routed``: join at ``/ws/{id}?name=&role=&fullCode=`` (the token in an ``auth`` frame),
    the URL a cluster's proxy routes to the session's worker. ``socketio``: over Socket.IO
    (the seed relay)."""
    path = "/ws"
    if routed:
        query = urlencode({"name": name, "role": role, "fullCode": str(full_code).lower()})
        path = f"/ws/{session_id}?{query}"
    client = WSClient(HOST, port, path, deflate=deflate, socketio=socketio)
    state: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    def on_frame(payload: bytes, now: int) -> None:
        if state.done():
            return
        frame = loads(payload)
        if frame.get("type") == "session-state":
            state.set_result(frame)
        elif frame.get("type") == "error":
            state.set_exception(RuntimeError(f"join failed: {frame}"))

    client.on_message = on_frame  # before opening: a join by URL answers with the handshake
    await client.open()
    frame: dict[str, Any] = {
        "type": "join-session",
        "sessionId": session_id,
        "name": name,
        "role": role,
        "fullCode": full_code,
    }
    if token is not None:
        frame["token"] = token
    if not routed:
        client.send(dumps(frame))
    elif token is not None:
        client.send(dumps({"type": "auth", "token": token}))
    try:
        return client, await asyncio.wait_for(state, 15)
    except BaseException:
        client.abort()  # a refused join leaves no socket behind
        raise


async def build_rooms(
    port: int,
    count: int,
    readers: int,
    doc_size: int,
    mode: str,
    probe: Probe,
    deflate: bool = False,
    concurrency: int = 32,
    routed: bool = False,
    socketio: bool = False,
) -> list[Room]:
    """Create ``count`` sessions and join a typist and ``readers`` readers to each."""
    created = await create_sessions(port, count, make_document(doc_size))
    rooms = [Room(c["id"], c["interviewerToken"], mode, probe, i) for i, c in enumerate(created)]
    sem = asyncio.Semaphore(concurrency)
    full_code = mode == "text"

    async def fill(room: Room) -> None:
        async with sem:
            typist, state = await join(
                port,
                room.session_id,
                "typist",
                "candidate",
                None,
                full_code,
                deflate,
                routed,
                socketio,
            )
            room.text = state["session"]["code"]
            room.base_revision = state["session"]["revision"]
            room.typist = typist
            typist.on_message = room.on_typist_frame
            for i in range(readers):
                # one candidate per session: the readers hold the interviewer token
                role = "interviewer" if i == 0 else "observer"
                token = room.token
                reader, _ = await join(
                    port,
                    room.session_id,
                    f"reader{i}",
                    role,
                    token,
                    full_code,
                    deflate,
                    routed,
                    socketio,
                )
                reader.on_message = room.on_reader_frame
                room.readers.append(reader)

    await asyncio.gather(*(fill(room) for room in rooms))
    await asyncio.sleep(0.2)  # let the users-update frames of the joins go by
    return rooms


def close_rooms(rooms: list[Room]) -> None:
    for room in rooms:
        for client in room.sockets():
            client.abort()


async def check_convergence(port: int, rooms: list[Room], sample: int = 5) -> list[str]:
    """Compare a few typists' texts with what the server holds; returns the mismatches."""
    problems = []
    for room in rooms[:sample]:
        got = await get_session(port, room.session_id)
        if got.get("code") != room.text:
            problems.append(f"session {room.session_id}: server text differs from the typist's")
    return problems
