"""A minimal WebSocket client on a raw asyncio protocol, cheap enough to load a server.

The load generator runs hundreds of sockets on one core and must not be the bottleneck, so
this client skips everything a benchmark does not need: frames are parsed straight out of
``data_received`` and handed to a callback as ``bytes`` with the time they arrived; text
frames are sent with an all-zero mask (RFC 6455 lets the client pick any key, and the server
still runs its unmasking code, so the server's cost is that of a real client); a ping is
answered with a pong so the server's heartbeat keeps the socket. ``permessage-deflate`` can be
offered, as browsers do: compressed frames from the server are inflated before the callback
(what the client sends stays uncompressed, which RFC 7692 allows).

With ``socketio=True`` it speaks Socket.IO 4 (Engine.IO 4) over the same frames, for the
seed relay (bench/seed/): it connects to ``/socket.io/?EIO=4&transport=websocket``, answers
the open packet with a namespace connect and each Engine.IO ping with a pong, sends a frame
``{"type": T, ...}`` as the event ``42["T",{...}]`` and hands the callback the event's data
object, so callers see the same JSON objects from every server.

No fragmentation (the servers under test never fragment), no TLS, loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import socket
import struct
import time
import zlib
from collections.abc import Callable
from typing import cast

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
_ZERO_MASK = b"\0\0\0\0"
OPEN_TIMEOUT = 10.0
_DEFLATE_TAIL = b"\x00\x00\xff\xff"
SOCKETIO_PATH = "/socket.io/?EIO=4&transport=websocket"
_TYPE = re.compile(rb'"type":"([a-z-]+)"')

OnMessage = Callable[[bytes, int], None]
"""Called with a text frame's payload and ``time.perf_counter_ns()`` of its arrival."""


class HandshakeError(Exception):
    """The server did not switch protocols."""


def text_frame(payload: bytes) -> bytes:
    """A client text frame (FIN, masked with the zero key, so the payload goes as is)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, 0x80 | n)) + _ZERO_MASK + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 0xFE, n) + _ZERO_MASK + payload
    return struct.pack("!BBQ", 0x81, 0xFF, n) + _ZERO_MASK + payload


def _control_frame(opcode: int, payload: bytes) -> bytes:
    return bytes((0x80 | opcode, 0x80 | len(payload))) + _ZERO_MASK + payload


class WSClient(asyncio.Protocol):
    """One client socket. Await :meth:`open`, then :meth:`send`; frames go to ``on_message``."""

    def __init__(
        self, host: str, port: int, path: str, *, deflate: bool = False, socketio: bool = False
    ) -> None:
        self.host, self.port = host, port
        self.path = SOCKETIO_PATH if socketio else path
        self.socketio = socketio
        self.offer_deflate = deflate
        self.deflate = False  # negotiated
        self._reset_inflater = False
        self._inflater = zlib.decompressobj(-15)
        self.on_message: OnMessage = _ignore
        self.transport: asyncio.Transport | None = None
        self._handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._header = b""
        self._buf = b""
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None

    # --- connection ------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and complete the handshake, within ``OPEN_TIMEOUT`` seconds."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(OPEN_TIMEOUT):
            await loop.create_connection(lambda: self, self.host, self.port)
            await self._handshake
            if self.socketio:
                await self._connected

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.offer_deflate:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        for pending in (self._handshake, self._connected) if self.socketio else (self._handshake,):
            if not pending.done():
                pending.set_exception(HandshakeError(f"connection lost: {exc}"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def send(self, payload: bytes) -> None:
        """Send one text frame (already-encoded UTF-8 JSON)."""
        if self.transport is not None and not self.transport.is_closing():
            if self.socketio:
                kind = _TYPE.search(payload, 0, 64)
                name = kind[1] if kind else b"message"
                payload = b'42["' + name + b'",' + payload + b"]"
            self.transport.write(text_frame(payload))

    def close(self) -> None:
        """Send a close frame and drop the connection without waiting for the reply."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_control_frame(OP_CLOSE, struct.pack("!H", 1000)))
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # --- receiving -------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if not self._handshake.done():
            data = self._read_handshake(data)
            if not data:
                return
        now = time.perf_counter_ns()
        buf = self._buf + data if self._buf else data
        pos, end = 0, len(buf)
        on_message = self.on_message
        while end - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            head = 2
            if n == 126:
                if end - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if end - pos < 10:
                    break
                (n,) = struct.unpack_from("!Q", buf, pos + 2)
                head = 10
            if end - pos < head + n:
                break
            start = pos + head
            pos = start + n
            opcode = b0 & 0x0F
            if opcode in (OP_TEXT, OP_BINARY):
                payload = buf[start:pos]
                if b0 & 0x40:
                    payload = self._inflate(payload)
                if self.socketio:
                    payload = self._engine_packet(payload)
                    if not payload:
                        continue
                on_message(payload, now)
            else:
                self._control(opcode, buf[start:pos])
        self._buf = buf[pos:] if pos < end else b""

    def _engine_packet(self, payload: bytes) -> bytes:
        """An Engine.IO packet: an event's data object, or ``b""`` once handled here."""
        if payload[:2] == b"42":  # a Socket.IO event: 42["name",{...}]
            return payload[payload.find(b",") + 1 : -1]
        assert self.transport is not None
        if payload[:1] == b"2":  # Engine.IO ping
            self.transport.write(text_frame(b"3"))
        elif payload[:1] == b"0":  # Engine.IO open: connect to the default namespace
            self.transport.write(text_frame(b"40"))
        elif payload[:2] == b"40" and not self._connected.done():
            self._connected.set_result(None)
        elif payload[:2] == b"44" and not self._connected.done():
            self._connected.set_exception(HandshakeError(payload[:200].decode(errors="replace")))
        return b""

    def _inflate(self, payload: bytes) -> bytes:
        if self._reset_inflater:
            self._inflater = zlib.decompressobj(-15)
        return self._inflater.decompress(payload + _DEFLATE_TAIL)

    def _control(self, opcode: int, payload: bytes) -> None:
        if opcode == OP_PING and self.transport is not None:
            self.transport.write(_control_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            self.close()

    def _read_handshake(self, data: bytes) -> bytes:
        self._header += data
        head, sep, rest = self._header.partition(b"\r\n\r\n")
        if not sep:
            if len(self._header) > 65536:
                self._handshake.set_exception(HandshakeError("response header too large"))
            return b""
        self._header = b""
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            self._handshake.set_exception(HandshakeError(lines[0]))
            return b""
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-extensions":
                params = [p.strip() for p in value.split(";")]
                if params and params[0] == "permessage-deflate":
                    self.deflate = True
                    self._reset_inflater = "server_no_context_takeover" in params
        self._handshake.set_result(None)
        return rest


def _ignore(payload: bytes, now: int) -> None:
    return None
