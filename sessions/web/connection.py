"""One socket's writer: a bounded outgoing queue drained by one task.

A broadcast calls :meth:`Connection.send`, which only appends and returns: nothing ever
awaits a peer. The writer task is the only code that writes to the socket, so frames go out
in the order they were queued. A peer that stops reading lets its queue grow; past the
bound (frames or bytes) it is dropped with close code 1013 (try again later) and can rejoin
and resync. Closing is bounded too: a close handshake that doesn't finish in time aborts
the transport.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from aiohttp import WSCloseCode, WSMsgType, web

from sessions.config import Config
from sessions.session import Member, Session

log = logging.getLogger("interview.ws")


@dataclass(frozen=True, slots=True)
class _CloseRequest:
    code: int
    reason: str


class Connection:
    """A WebSocket plus its writer; implements the domain's ``Peer``."""

    __slots__ = (
        "_closing",
        "_config",
        "_queue",
        "_queued_bytes",
        "_transport",
        "_wakeup",
        "_writer",
        "address",
        "label",
        "member",
        "pending_join",
        "session",
        "ws",
    )

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, config: Config) -> None:
        self.ws = ws
        self.address = request.remote or ""
        self.label = self.address or "?"
        self.member: Member | None = None
        self.session: Session | None = None
        self.pending_join: object | None = None
        self._config = config
        self._transport = request.transport
        self._queue: deque[bytes | _CloseRequest] = deque()
        self._queued_bytes = 0
        self._wakeup = asyncio.Event()
        self._closing = False
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task; call once, after the handshake."""
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    @property
    def queued_frames(self) -> int:
        return len(self._queue)

    def send(self, data: bytes) -> None:
        """Queue one encoded frame. Never blocks; drops the peer if its queue overflows."""
        if self._closing:
            return
        self._queue.append(data)
        self._queued_bytes += len(data)
        if (
            len(self._queue) > self._config.send_queue_messages
            or self._queued_bytes > self._config.send_queue_bytes
        ):
            self._drop_slow_peer()
            return
        self._wakeup.set()

    def close(self, code: int = WSCloseCode.OK, reason: str = "") -> None:
        """Close after the frames already queued have gone out."""
        if self._closing:
            return
        self._closing = True
        self._queue.append(_CloseRequest(code, reason))
        self._wakeup.set()

    def _drop_slow_peer(self) -> None:
        log.warning(
            "dropping slow client %s: %d frames / %d bytes unsent",
            self.label,
            len(self._queue),
            self._queued_bytes,
        )
        self._queue.clear()
        self._queued_bytes = 0
        self._closing = True
        self._queue.append(_CloseRequest(WSCloseCode.TRY_AGAIN_LATER, "too slow: rejoin"))
        self._wakeup.set()

    async def _write_loop(self) -> None:
        try:
            while True:
                if not self._queue:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                item = self._queue.popleft()
                if isinstance(item, _CloseRequest):
                    await self._close_now(item)
                    return
                self._queued_bytes -= len(item)
                await self.ws.send_frame(item, WSMsgType.TEXT)
        except ConnectionError:
            # The peer went away; the reader loop sees the close and cleans up.
            self._closing = True
            self._queue.clear()

    async def _close_now(self, request: _CloseRequest) -> None:
        try:
            async with asyncio.timeout(self._config.close_timeout_seconds):
                await self.ws.close(code=request.code, message=request.reason.encode("utf-8"))
        except TimeoutError:
            log.warning("close handshake with %s timed out; aborting", self.label)
            if self._transport is not None:
                self._transport.abort()

    async def shutdown(self) -> None:
        """Let the writer finish a requested close, or stop it; never wait unbounded."""
        writer = self._writer
        if writer is None:
            return
        if not self._closing:
            writer.cancel()
        done, _ = await asyncio.wait({writer}, timeout=self._config.close_timeout_seconds + 1)
        if not done:
            writer.cancel()
        elif not writer.cancelled() and writer.exception() is not None:
            log.error("writer for %s failed", self.label, exc_info=writer.exception())
