"""Slow and dead clients: a peer that never reads, or vanished, costs the others nothing.

The aiohttp test client always drains its socket, so these tests use a raw TCP client that
does the WebSocket handshake by hand, sends what it must, and then never reads again (with a
small receive buffer, so the kernel stops absorbing frames for it early).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import statistics
import struct
import time
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import ClientConnectionResetError, ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient

from sessions.config import Config
from sessions.web.connection import Connection
from sessions.web.keys import CONNECTIONS
from tests.helpers import create_session, join, receive
from tests.polling import wait_until

Client = TestClient[Any, Any]
KIB = 1024


class RawSocket:
    """A WebSocket client made of a plain socket: it reads only the handshake reply."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    @classmethod
    async def connect(cls, client: Client, path: str = "/ws", rcvbuf: int = 4 * KIB) -> RawSocket:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect
        sock.setblocking(False)
        await loop.sock_connect(sock, (client.server.host, client.server.port))
        key = base64.b64encode(os.urandom(16)).decode()
        await loop.sock_sendall(
            sock,
            (
                f"GET {path} HTTP/1.1\r\nHost: {client.server.host}:{client.server.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode(),
        )
        reply = b""
        while b"\r\n\r\n" not in reply:  # the 101 reply; the server sends nothing else unasked
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 1), 5)
            assert chunk, "server closed during the handshake"
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 101 "), reply
        return cls(sock)

    async def send_json(self, frame: dict[str, Any]) -> None:
        payload = json.dumps(frame).encode()
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x81, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, length)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        await asyncio.get_running_loop().sock_sendall(self.sock, header + mask + masked)

    def close(self) -> None:
        self.sock.close()


def server_connection(client: Client, name: str) -> Connection:
    connections: set[Connection] = client.app[CONNECTIONS]
    for conn in connections:
        if conn.member is not None and conn.member.name == name:
            return conn
    raise AssertionError(f"no joined connection named {name}")


async def wait_for_users(ws: ClientWebSocketResponse, count: int) -> dict[str, Any]:
    """Read frames until a users-update with ``count`` users; returns it."""
    while True:
        frame = await receive(ws)
        if frame["type"] == "users-update" and frame["count"] == count:
            return frame


# --- a client that never reads -------------------------------------------------------------------

DOC_BYTES = 16 * KIB
EDITS_PER_TYPIST = 150


class Typist:
    """Sends full-text edits back to back, each after the previous ack; times every delivery."""

    def __init__(self, name: str, ws: ClientWebSocketResponse) -> None:
        self.name = name
        self.ws = ws
        self.acked = asyncio.Event()
        self.ack_latencies: list[float] = []
        self.delivery_latencies: list[float] = []
        self.users_counts: list[int] = []

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type is not WSMsgType.TEXT:
                break
            frame = msg.json()
            if frame["type"] == "ack":
                self.acked.set()
            elif frame["type"] == "code-update":
                sent_at = float(frame["code"].split(":", 2)[1])
                self.delivery_latencies.append(time.monotonic() - sent_at)
            elif frame["type"] == "users-update":
                self.users_counts.append(frame["count"])

    async def type(self) -> None:
        for seq in range(EDITS_PER_TYPIST):
            head = f"{self.name}-{seq}:{time.monotonic():.6f}:"
            self.acked.clear()
            started = time.monotonic()
            await self.ws.send_json(
                {"type": "code-change", "code": head + "x" * (DOC_BYTES - len(head))}
            )
            await asyncio.wait_for(self.acked.wait(), 5)
            self.ack_latencies.append(time.monotonic() - started)


FAST_AND_SMALL = Config(
    send_queue_bytes=2 * 1024 * KIB,  # ~128 frames: stalled for a while, then dropped
    close_timeout_seconds=0.5,
    rate_limit_per_second=100_000,
    rate_limit_burst=100_000,
    max_code_bytes=64 * KIB,
)


@pytest.mark.parametrize("config", [FAST_AND_SMALL])
async def test_a_client_that_never_reads_is_dropped_and_the_others_stay_prompt(client: Client):
    created = await create_session(client)
    typists = []
    for name in ("Ann", "Bob", "Cid"):
        ws, _ = await join(client, created, name)
        typists.append(Typist(name, ws))
    slow = await RawSocket.connect(client)
    await slow.send_json({"type": "join-session", "sessionId": created["id"], "name": "Slow"})
    await wait_for_users(typists[0].ws, 4)
    slow_conn = server_connection(client, "Slow")
    transport = slow_conn.ws._req.transport if slow_conn.ws._req else None
    assert transport is not None

    readers = [asyncio.create_task(t.read()) for t in typists]
    peak = {"queued": 0, "buffered": 0}

    async def watch_memory() -> None:
        while True:
            peak["queued"] = max(peak["queued"], slow_conn.queued_bytes)
            peak["buffered"] = max(peak["buffered"], transport.get_write_buffer_size())
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch_memory())
    started = time.monotonic()
    await asyncio.gather(*(t.type() for t in typists))
    elapsed = time.monotonic() - started
    watcher.cancel()

    # The slow client was dropped (close 1013, logged) and left presence; it was never awaited.
    assert slow_conn.closing
    await wait_until(lambda: slow_conn not in client.app[CONNECTIONS], "the slow client is gone")
    assert all(3 in t.users_counts for t in typists)
    # Memory for it stayed bounded: its queue never passed the limit, nor its transport buffer
    # the write limits plus a frame.
    assert peak["queued"] <= FAST_AND_SMALL.send_queue_bytes
    assert peak["buffered"] <= 256 * KIB
    assert transport.is_closing()
    # And the others never waited on it: every edit acked and delivered promptly.
    deliveries = [lat for t in typists for lat in t.delivery_latencies]
    acks = [lat for t in typists for lat in t.ack_latencies]
    assert len(acks) == 3 * EDITS_PER_TYPIST
    assert len(deliveries) == 2 * 3 * EDITS_PER_TYPIST
    assert max(acks) < 1.0 and max(deliveries) < 1.0, (max(acks), max(deliveries))
    assert statistics.median(deliveries) < 0.1
    print(
        f"slow-client run: {elapsed:.2f}s, deliveries p50 {statistics.median(deliveries) * 1e3:.1f}"
        f" ms max {max(deliveries) * 1e3:.1f} ms, acks max {max(acks) * 1e3:.1f} ms,"
        f" peak queued {peak['queued']} B, peak transport buffer {peak['buffered']} B"
    )
    assert elapsed < 30
    for t in typists:
        await t.ws.close()
    await asyncio.gather(*readers)
    slow.close()


async def test_a_slow_client_can_rejoin_and_resync_after_being_dropped(client: Client):
    created = await create_session(client, code="hello")
    conn_ws, _ = await join(client, created, "Cara")
    server_side = server_connection(client, "Cara")
    server_side._drop_slow_peer()  # as if its queue had overflowed
    closing = await conn_ws.receive(timeout=5)
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 1013)
    again, state = await join(client, created, "Cara", revision=0)
    assert (state["session"]["code"], state["session"]["revision"]) == ("hello", 0)
    await again.close()


# --- dead peers and half-open connections ---------------------------------------------------------


@pytest.mark.parametrize("config", [Config(heartbeat_seconds=0.5, close_timeout_seconds=0.5)])
async def test_a_peer_that_never_answers_pings_leaves_presence_within_two_intervals(
    client: Client,
):
    created = await create_session(client)
    watcher, _ = await join(client, created, "Ivan", role="interviewer")
    dead = await RawSocket.connect(client)
    await dead.send_json({"type": "join-session", "sessionId": created["id"], "name": "Gone"})
    last_heard = time.monotonic()
    await wait_for_users(watcher, 2)
    await wait_for_users(watcher, 1)
    assert time.monotonic() - last_heard < 2 * 0.5
    await watcher.close()
    dead.close()


@pytest.mark.parametrize("config", [Config(heartbeat_seconds=0.3, close_timeout_seconds=0.3)])
async def test_a_half_open_connection_is_cleaned_up(client: Client):
    dead = await RawSocket.connect(client)  # then silence: no reads, no writes, no FIN
    await dead.send_json({"type": "ping"})
    await wait_until(lambda: bool(client.app[CONNECTIONS]), "the socket is registered")
    (conn,) = client.app[CONNECTIONS]
    transport = conn.ws._req.transport if conn.ws._req else None
    assert transport is not None
    await wait_until(lambda: not client.app[CONNECTIONS], "the half-open socket is cleaned up")
    assert transport.is_closing()
    health = await (await client.get("/health")).json()
    assert health["connections"] == 0
    dead.close()


@pytest.mark.parametrize("config", [Config(close_timeout_seconds=0.3, max_code_bytes=64 * KIB)])
async def test_shutdown_does_not_hang_on_a_client_that_never_reads(client: Client):
    created = await create_session(client)
    stuck = await RawSocket.connect(client)
    await stuck.send_json({"type": "join-session", "sessionId": created["id"], "name": "Stuck"})
    headers = {"Authorization": f"Bearer {created['interviewerToken']}"}
    for i in range(40):  # fill its buffers: ~1.3 MB of code-updates it never reads
        body = {"code": f"{i}" + "y" * 32 * KIB}
        response = await client.patch(f"/api/sessions/{created['id']}", json=body, headers=headers)
        assert response.status == 200
    started = time.monotonic()
    await client.app.shutdown()
    assert time.monotonic() - started < 0.3 + 1.5
    stuck.close()


class _ClosingTransport:
    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (16 * KIB, 64 * KIB)

    def get_write_buffer_size(self) -> int:
        return 0


class _WriterOfAClosingTransport:
    compress = 0
    _closing = False

    def __init__(self) -> None:
        self.attempts = 0

    def _write_websocket_frame(self, message: bytes, opcode: int, rsv: int) -> None:
        self.attempts += 1
        raise ClientConnectionResetError("Cannot write to closing transport")


def test_a_frame_for_a_closing_transport_is_dropped_and_nothing_more_is_sent():
    writer = _WriterOfAClosingTransport()
    ws = SimpleNamespace(_writer=writer)
    request = SimpleNamespace(transport=_ClosingTransport())
    conn = Connection(ws, request, Config(), "127.0.0.1")  # type: ignore[arg-type]
    conn.send(b'{"type":"pong"}')
    conn.send(b'{"type":"pong"}')
    assert (writer.attempts, conn.closing, conn.queued_frames) == (1, True, 0)
