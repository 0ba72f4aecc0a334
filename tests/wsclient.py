"""A Python client for the socket protocol, running the ot.js state machine.

Used by the tests (several real clients typing at once through real sockets). The
protocol logic is :class:`~tests.otclient.OTClient`; this class only moves
frames: a reader task feeds ``code-update`` and ``ack`` frames to the state machine and sends
whatever it says to send.

A client sends ops (``mode="ops"``) or, like a plain editor that knows no OT, full text at a
revision (``mode="text"``). A full-text client keeps one change in flight and makes a new one
only when synchronized, so the diff the server computes equals the client's own op.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from aiohttp import ClientWebSocketResponse, WSMsgType

from sessions.collab.ot import Operation
from sessions.errors import DomainError
from tests.otclient import ClientState, OTClient, Outgoing, OutOfStep

Mode = Literal["ops", "text"]
Connect = Callable[[], Awaitable[ClientWebSocketResponse]]
Frame = dict[str, Any]


class ProtocolError(Exception):
    """The server answered with something the client did not expect."""


class InterviewClient:
    """One participant: a socket, a local document and the OT state machine."""

    def __init__(
        self,
        connect: Connect,
        session_id: str,
        name: str,
        *,
        role: str = "candidate",
        token: str | None = None,
        mode: Mode = "ops",
        full_code: bool = True,
        client_id: str | None = None,
    ) -> None:
        self._connect = connect
        self.session_id = session_id
        self.name = name
        self.role = role
        self.token = token
        self.mode = mode
        self.full_code = full_code
        # The clientId this process joins with, once per client: a rejoin replaces a member
        # still held by a half-open old socket. It also prefixes the op ids.
        self.client_id = client_id if client_id is not None else secrets.token_urlsafe(16)
        self.ot = OTClient(client_id=self.client_id)
        self.history_id: str | None = None
        self.resets = 0
        self.user_id: str | None = None
        self.state: Frame = {}
        self.errors: list[Frame] = []
        self.frames: list[Frame] = []
        self.deaf = False
        self.offline = False
        self._ws: ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self.failure: Exception | None = None
        self._refs = 0

    # --- connection -------------------------------------------------------------------------

    async def join(self) -> Frame:
        """Connect and join; a reconnect sends the last revision and resumes in-flight work."""
        ws = await self._connect()
        self._ws = ws
        self.deaf = self.offline = False
        frame: Frame = {
            "type": "join-session",
            "sessionId": self.session_id,
            "name": self.name,
            "role": self.role,
            "fullCode": self.full_code,
            "clientId": self.client_id,
        }
        if self.token is not None:
            frame["token"] = self.token
        rejoining = self.user_id is not None
        if rejoining:
            frame["revision"] = self.ot.revision
            frame["historyId"] = self.history_id
        await ws.send_str(json.dumps(frame))
        state = await self._receive_direct(ws)
        if state.get("type") != "session-state":
            raise ProtocolError(f"expected session-state, got {state}")
        self.state = state
        self.user_id = state["you"]["userId"]
        self.history_id = state["historyId"]
        if rejoining:
            await self._resume(state)
        else:
            await self._reset(state)
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(ws))
        return state

    async def _resume(self, state: Frame) -> None:
        missed = state.get("missed")
        if missed is None:
            # A reset (out of the server's log, or another history): the snapshot is the new
            # base, and unconfirmed edits are rebased onto it and sent as a new op.
            self.resets += 1
            await self._reset(state)
            return
        entries = [(m["revision"], m["ops"], m.get("opId")) for m in missed]
        resend = self.ot.on_reconnect(entries)
        if resend is not None:
            await self._send_ops(resend)

    async def _reset(self, state: Frame) -> None:
        """Take the session-state's code and revision as the base (see ``OTClient.reset``)."""
        rebased = self.ot.reset(state["session"]["code"], state["session"]["revision"])
        if rebased is not None:
            await self._send(rebased)

    async def drop(self) -> None:
        """Vanish like a lost connection: stop reading, close the socket."""
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        if self._ws is not None:
            await self._ws.close()

    async def close(self) -> None:
        await self.drop()

    # --- editing ----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.ot.text

    @property
    def synchronized(self) -> bool:
        return self.ot.state is ClientState.SYNCHRONIZED

    async def edit(self, op: Operation) -> None:
        """Apply an op locally and send it (or buffer it) per the state machine."""
        if self.mode == "text":
            raise ProtocolError("a full-text client edits with replace_text")
        outgoing = self.ot.local_edit(op)
        if outgoing is not None:
            await self._send(outgoing)

    async def replace_text(self, new_text: str) -> bool:
        """Change the whole text. A full-text client does so only when synchronized."""
        if self.mode == "text" and not self.synchronized:
            return False
        outgoing = self.ot.local_text(new_text)
        if outgoing is not None:
            await self._send(outgoing)
        return True

    async def _send(self, outgoing: Outgoing) -> None:
        if self.mode == "text":
            await self._send_frame(
                {
                    "type": "code-change",
                    "revision": outgoing.revision,
                    "code": self.ot.text,
                    "opId": outgoing.op_id,
                }
            )
        else:
            await self._send_ops(outgoing)

    async def _send_ops(self, outgoing: Outgoing) -> None:
        await self._send_frame(
            {
                "type": "code-change",
                "revision": outgoing.revision,
                "ops": outgoing.ops,
                "opId": outgoing.op_id,
            }
        )

    async def _send_frame(self, frame: Frame) -> None:
        if self.offline or self._ws is None:
            return  # lost in transit; a reconnect resends what is unconfirmed
        await self._ws.send_str(json.dumps(frame))

    async def send(self, frame: Frame) -> None:
        """Send any other frame (cursor, chat, ...); it gets a ref so its ack isn't an OT ack."""
        self._refs += 1
        await self._send_frame({"ref": f"x{self._refs}", **frame})

    # --- receiving --------------------------------------------------------------------------

    async def _receive_direct(self, ws: ClientWebSocketResponse) -> Frame:
        msg = await ws.receive()
        if msg.type is not WSMsgType.TEXT:
            raise ProtocolError(f"expected a text frame, got {msg.type}")
        frame: Frame = json.loads(msg.data)
        return frame

    async def _read_loop(self, ws: ClientWebSocketResponse) -> None:
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT or self.deaf:
                    continue
                await self._handle(json.loads(msg.data))
                async with self._changed:
                    self._changed.notify_all()
        except (ProtocolError, OutOfStep, DomainError, KeyError, ValueError) as exc:
            # Surface it to whoever waits on this client instead of dying silently: for a test
            # client a frame out of step is a server bug to report, not a reason to rejoin.
            self.failure = exc
            async with self._changed:
                self._changed.notify_all()

    async def _handle(self, frame: Frame) -> None:
        kind = frame.get("type")
        outgoing: Outgoing | None = None
        if kind == "code-update":
            outgoing = self.ot.server_op(frame["revision"], frame["ops"], frame.get("opId"))
            if "code" in frame and frame["code"] != self.ot.text and self.synchronized:
                raise ProtocolError("local text diverged from the server's")
        elif kind == "ack" and "ref" not in frame:
            # Only code-change frames go without a ref, so only their acks move the OT state.
            outgoing = self.ot.server_ack(frame["revision"])
        elif kind == "error":
            self.errors.append(frame)
        else:
            self.frames.append(frame)
        if outgoing is not None:
            await self._send(outgoing)

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds after some frame (or already holds)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: self.failure is not None or predicate())
        if self.failure is not None:
            raise ProtocolError(f"client {self.name} failed") from self.failure

    async def wait_revision(self, revision: int, within: float = 10.0) -> None:
        """Wait until synchronized at ``revision``."""
        await self.wait_for(lambda: self.synchronized and self.ot.revision >= revision, within)
