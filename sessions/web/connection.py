"""One socket's writer: a bounded outgoing queue drained by one task.

A broadcast calls :meth:`Connection.send`, which never awaits a peer. When nothing is queued
or being sent and the transport is not congested (its buffer below the high-water mark), the
frame is written at once, synchronously: the common case costs no task switch (about a tenth
of the server's CPU per message, docs/benchmarks.md). Otherwise it is appended to the queue
that the writer task drains, the only code that awaits the socket, so frames always go out in
the order they were sent. The task is started on the first frame that has to wait, so an
idle or uncongested socket costs no task at all.

aiohttp's ``send_frame`` waits for the socket to drain with no timeout, so a peer that stops
reading blocks the writer, and its queue grows; past the bound (frames or bytes) the peer is
dropped: the stuck writer is cancelled (aiohttp writes a frame
whole before it waits, so no frame is cut), a close with code 1013 (try again later) is
attempted, and the peer can rejoin and resync. Closing is bounded too: a close handshake that
doesn't finish in time aborts the transport, and so does a socket whose handler has ended
with bytes still unsent (a peer that stopped reading, or a half-open connection).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from aiohttp import ClientConnectionResetError, WSCloseCode, WSMsgType, web

from sessions.config import Config
from sessions.limits import FrameLimiter
from sessions.metrics import Metrics
from sessions.protocol.messages import JoinSession
from sessions.room.session import Member, Session

log = logging.getLogger("interview.ws")
ENCODER_BUFFER = 4096
_TEXT = WSMsgType.TEXT  # read once: an enum's member costs 0.05 µs to read on Python 3.11


@dataclass(frozen=True, slots=True)
class _CloseRequest:
    code: int
    reason: str


class Connection:
    """A WebSocket plus its writer; implements the domain's ``Peer``."""

    __slots__ = (
        "_closing",
        "_config",
        "_high_water",
        "_metrics",
        "_queue",
        "_queued_bytes",
        "_sending",
        "_transport",
        "_wakeup",
        "_writer",
        "address",
        "close_code_sent",
        "limiter",
        "member",
        "pending_join",
        "session",
        "ws",
    )

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        config: Config,
        address: str,
        metrics: Metrics | None = None,
    ) -> None:
        self.ws = ws
        # Counts dropped peers. The Metrics itself, not its bound method: that would be one
        # more object per socket (64 bytes, docs/benchmarks.md).
        self._metrics = metrics
        self.address = address  # the client's, as sockets per address are counted under
        self.close_code_sent: int | None = None  # what this server's close frame said
        self.member: Member | None = None
        self.session: Session | None = None
        self.pending_join: JoinSession | None = None  # a /ws/{id} join awaiting its token
        self.limiter: FrameLimiter | None = None  # set by the frame guard on first use
        self._config = config
        self._transport = request.transport
        # asyncio's limits, fixed for the transport's life (aiohttp never changes them).
        self._high_water = (
            request.transport.get_write_buffer_limits()[1] if request.transport else 0
        )
        # Made on first congestion too: an empty deque is 624 bytes per idle socket.
        self._queue: deque[bytes | _CloseRequest] | None = None
        self._queued_bytes = 0
        # Created on first congestion: most sockets never need a writer task (memory per idle
        # socket, docs/benchmarks.md).
        self._wakeup: asyncio.Event | None = None
        self._closing = False
        self._sending = False
        self._writer: asyncio.Task[None] | None = None

    @property
    def label(self) -> str:
        """How logs name this socket: its address, and its session and user once joined."""
        session, member = self.session, self.member
        if session is None or member is None:
            return self.address or "?"
        return f"{self.address or '?'} (session {session.id}, user {member.user_id})"

    def _pending(self) -> deque[bytes | _CloseRequest]:
        """The queue of frames waiting for the writer task, made on first use."""
        if self._queue is None:
            self._queue = deque()
        return self._queue

    def _wake(self) -> None:
        """Make sure the writer task runs and knows there is work queued."""
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_loop(self._wakeup))
        self._wakeup.set()

    @property
    def queued_frames(self) -> int:
        """Frames waiting for the writer."""
        return len(self._queue) if self._queue is not None else 0

    @property
    def queued_bytes(self) -> int:
        """Bytes waiting for the writer; never more than ``--send-queue-bytes``."""
        return self._queued_bytes

    @property
    def closing(self) -> bool:
        """A close was requested (or the peer was dropped): nothing more will be sent."""
        return self._closing

    def send(self, data: bytes) -> None:
        """Send or queue one encoded frame. Never blocks; drops the peer if its queue overflows."""
        if self._closing:
            return
        if not self._queue and not self._sending and self._write_now(data):
            return
        # A copy of exact size: orjson's bytes sit in a 4 KiB allocation each, and a queue of
        # small frames would hold far more memory than the byte bound below counts.
        queue = self._pending()
        queue.append(bytes(memoryview(data)) if len(data) < ENCODER_BUFFER else data)
        self._queued_bytes += len(data)
        if (
            len(queue) > self._config.send_queue_messages
            or self._queued_bytes > self._config.send_queue_bytes
        ):
            self._drop_slow_peer()
            return
        self._wake()

    def _write_now(self, data: bytes) -> bool:
        """Write a whole frame to an uncongested transport; False means: queue it instead."""
        frame_writer = self.ws._writer  # aiohttp's WebSocketWriter; pinned to aiohttp 3.14
        transport = self._transport
        if (
            frame_writer is None
            or frame_writer.compress  # compressed frames share a compressor: writer task only
            or frame_writer._closing
            or transport is None
            or transport.get_write_buffer_size() >= self._high_water
        ):
            return False
        try:
            frame_writer._write_websocket_frame(data, _TEXT, 0)
        except ClientConnectionResetError:  # the transport is closing: the peer is gone
            self._closing = True
        return True

    def close(self, code: int = WSCloseCode.OK, reason: str = "") -> None:
        """Close after the frames already queued have gone out."""
        if self._closing:
            return
        self._closing = True
        self._pending().append(_CloseRequest(code, reason))
        self._wake()

    def _drop_slow_peer(self) -> None:
        if self._metrics is not None:
            self._metrics.slow_peer_dropped()
        log.warning(
            "dropping slow client %s (close 1013): %d frames / %d bytes unsent",
            self.label,
            self.queued_frames,
            self._queued_bytes,
        )
        queue = self._pending()
        queue.clear()
        self._queued_bytes = 0
        self._closing = True
        queue.append(_CloseRequest(WSCloseCode.TRY_AGAIN_LATER, "too slow: rejoin"))
        # The writer is most likely stuck waiting for this peer to drain: replace it.
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            self._writer = None
        self._wake()

    async def _write_loop(self, wakeup: asyncio.Event) -> None:
        queue = self._pending()
        try:
            while True:
                if not queue:
                    wakeup.clear()
                    await wakeup.wait()
                    continue
                item = queue.popleft()
                if isinstance(item, _CloseRequest):
                    await self._close_now(item)
                    return
                self._queued_bytes -= len(item)
                self._sending = True
                try:
                    await self.ws.send_frame(item, _TEXT)
                finally:
                    self._sending = False
        except ConnectionError:
            # The peer went away; the reader loop sees the close and cleans up.
            self._closing = True
            queue.clear()
            self._queued_bytes = 0

    async def _close_now(self, request: _CloseRequest) -> None:
        if self.ws.closed:  # the peer closed first; aiohttp answered its close frame
            return
        self.close_code_sent = request.code
        closed = False
        try:
            async with asyncio.timeout(self._config.close_timeout_seconds):
                await self.ws.close(code=request.code, message=request.reason.encode("utf-8"))
            closed = True
        except TimeoutError:
            log.warning("close handshake with %s timed out; aborting", self.label)
        finally:
            # Also on CancelledError: after a stuck writer was cancelled, aiohttp's shared
            # drain future stays cancelled, and the next wait on it raises at once.
            if not closed:
                self._abort()

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    async def shutdown(self) -> None:
        """Let the writer finish a requested close, or stop it; never wait unbounded.

        Called when the socket's handler ends. Bytes still buffered then will never be read
        (the peer stopped reading, or vanished): the transport is aborted rather than left
        to wait for a drain that can't come.
        """
        if not self._closing and self._writer is not None:
            self._writer.cancel()
        waited: asyncio.Task[None] | None = None
        while self._writer is not None and self._writer is not waited:
            waited = self._writer  # a dropped peer's writer is replaced once: wait for that one
            done, _ = await asyncio.wait({waited}, timeout=self._config.close_timeout_seconds + 1)
            if not done:
                waited.cancel()
            elif not waited.cancelled() and waited.exception() is not None:
                log.error("writer for %s failed", self.label, exc_info=waited.exception())
        transport = self._transport
        if transport is not None and transport.get_write_buffer_size() > 0:
            log.info(
                "aborting the connection to %s: %d bytes it will never read",
                self.label,
                transport.get_write_buffer_size(),
            )
            self._abort()
