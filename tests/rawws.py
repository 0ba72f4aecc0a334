"""A raw WebSocket client over a plain TCP stream, for what a library client won't do: send
one frame in two writes (the rest stuck in the network until later), or hold a socket half
open while the same client reconnects on another one."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from typing import Any

OP_TEXT = 0x1
OP_CLOSE = 0x8
READ_TIMEOUT = 5.0


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame: clients must mask what they send (RFC 6455, 5.3)."""
    header = bytes([0x80 | opcode])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 1 << 16:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawWebSocket:
    """A client socket whose every byte the test writes itself."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, path: str) -> RawWebSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode("ascii")
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        assert head.startswith(b"HTTP/1.1 101 "), head
        return cls(reader, writer)

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.write(masked_frame(OP_TEXT, json.dumps(message).encode("utf-8")))

    async def receive(self) -> tuple[int, bytes]:
        """The next frame from the server (unmasked, unfragmented): its opcode and payload."""
        first, second = await asyncio.wait_for(self.reader.readexactly(2), READ_TIMEOUT)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        payload = await asyncio.wait_for(self.reader.readexactly(length), READ_TIMEOUT)
        return first & 0x0F, payload

    async def receive_json(self) -> dict[str, Any]:
        opcode, payload = await self.receive()
        assert opcode == OP_TEXT, (opcode, payload)
        frame: dict[str, Any] = json.loads(payload)
        return frame

    async def receive_close(self) -> int:
        """Read up to the server's close frame, skipping text frames; returns its code."""
        while True:
            opcode, payload = await self.receive()
            if opcode == OP_CLOSE:
                (code,) = struct.unpack("!H", payload[:2])
                return int(code)

    async def send_close(self, code: int = 1000) -> None:
        await self.write(masked_frame(OP_CLOSE, struct.pack("!H", code)))

    async def wait_gone(self) -> None:
        """Until the server has ended the TCP connection (closed or reset): it will read
        nothing more of what this socket sent."""
        try:
            remaining = await asyncio.wait_for(self.reader.read(), READ_TIMEOUT)
        except ConnectionError:
            return
        assert remaining == b"", remaining

    def abort(self) -> None:
        self.writer.transport.abort()
