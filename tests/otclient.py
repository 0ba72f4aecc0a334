"""The client side of the protocol as a state machine (ot.js ``Client``), without I/O.

A client keeps at most one operation in flight. While the server has not acknowledged it, new
local edits are composed into a buffer, sent once the acknowledgement arrives. Three states:

* ``synchronized``: nothing in flight; ``text`` is the server's text at ``revision``;
* ``awaiting-confirm``: ``outstanding`` is in flight;
* ``awaiting-with-buffer``: ``outstanding`` is in flight and ``buffer`` holds later edits.

The invariant in every state::

    text == apply(apply(server text at revision, outstanding), buffer)

(skipping whichever is absent). An operation from another client arrives based on
``revision``; it is transformed against ``outstanding`` and then ``buffer`` before it touches
``text``, and they against it, so the invariant survives and every client converges on the
server's text once all messages are delivered.

Every operation sent carries an op id, ``"<client_id>:<seq>"``, that stays the same when it is
resent. The server logs it, so a reconnecting client can spot its own operation among those it
missed, count it as acknowledged, and resend only what the server never got. Methods return
what to send as an :class:`Outgoing`; the caller does the sending.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from sessions.collab import ot
from sessions.collab.ot import Operation
from sessions.errors import InvalidMessage, InvalidRevision


class ClientState(Enum):
    """Where the client is in the protocol; the value is ``OTClient.state_name``."""

    SYNCHRONIZED = "synchronized"
    AWAITING_CONFIRM = "awaiting-confirm"
    AWAITING_WITH_BUFFER = "awaiting-with-buffer"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An operation to send: made against ``revision``, identified by ``op_id``."""

    revision: int
    ops: Operation
    op_id: str


class OTClient:
    """One editor's copy of the document and its unconfirmed edits (see the module docstring)."""

    __slots__ = (
        "_buffer",
        "_client_id",
        "_outstanding",
        "_outstanding_id",
        "_revision",
        "_seq",
        "_text",
    )

    def __init__(self, text: str = "", revision: int = 0, client_id: str | None = None) -> None:
        self._text = text
        self._revision = revision
        self._client_id = client_id if client_id is not None else secrets.token_urlsafe(8)
        self._seq = 0
        self._outstanding: Operation | None = None
        self._outstanding_id = ""
        self._buffer: Operation | None = None

    @property
    def text(self) -> str:
        """The local text: the server's text at ``revision`` plus the unconfirmed edits."""
        return self._text

    @property
    def revision(self) -> int:
        """The last server revision this client has seen."""
        return self._revision

    @property
    def client_id(self) -> str:
        """The prefix of this client's op ids."""
        return self._client_id

    @property
    def state(self) -> ClientState:
        """The current state, derived from what is in flight and buffered."""
        if self._outstanding is None:
            return ClientState.SYNCHRONIZED
        if self._buffer is None:
            return ClientState.AWAITING_CONFIRM
        return ClientState.AWAITING_WITH_BUFFER

    @property
    def state_name(self) -> str:
        """``"synchronized"``, ``"awaiting-confirm"`` or ``"awaiting-with-buffer"``."""
        return self.state.value

    @property
    def outstanding(self) -> Outgoing | None:
        """The operation in flight, based on ``revision`` as it stands now, or None."""
        if self._outstanding is None:
            return None
        return Outgoing(self._revision, self._outstanding, self._outstanding_id)

    @property
    def buffer(self) -> Operation | None:
        """Local edits made since ``outstanding`` was sent, composed into one, or None."""
        return self._buffer

    def local_edit(self, op: Operation) -> Outgoing | None:
        """Apply the user's edit to ``text``. Synchronized: returns it to send. Otherwise it is
        buffered and None is returned. A no-op changes nothing and sends nothing.
        """
        op = ot.validate(op)
        self._text = ot.apply(self._text, op)
        if ot.is_noop(op):
            return None
        if self._outstanding is None:
            self._seq += 1
            self._outstanding = op
            self._outstanding_id = f"{self._client_id}:{self._seq}"
            return self.outstanding
        self._buffer = op if self._buffer is None else ot.compose(self._buffer, op)
        return None

    def local_text(self, new_text: str) -> Outgoing | None:
        """``local_edit`` with the change from ``text`` to ``new_text`` (a whole-text editor)."""
        return self.local_edit(ot.diff(self._text, new_text))

    def server_ack(self, revision: int) -> Outgoing | None:
        """The server applied ``outstanding`` as ``revision``. Returns the buffer to send next,
        if there is one.
        """
        if self._outstanding is None:
            raise InvalidMessage(f"an acknowledgement of revision {revision} with nothing sent")
        self._check_next(revision)
        self._revision = revision
        self._outstanding, self._buffer = self._buffer, None
        if self._outstanding is None:
            return None
        self._seq += 1
        self._outstanding_id = f"{self._client_id}:{self._seq}"
        return self.outstanding

    def server_op(self, revision: int, ops: Operation, op_id: str | None = None) -> Outgoing | None:
        """Another client's operation, applied by the server as ``revision``.

        It is rebased over ``outstanding`` and ``buffer`` (which are rebased over it) and
        applied to ``text``. An ``op_id`` equal to the outstanding one is this client's own
        operation, seen again after a reconnect: it counts as the acknowledgement, and what
        ``server_ack`` returns is returned.
        """
        if self._outstanding is not None and op_id == self._outstanding_id:
            return self.server_ack(revision)
        self._check_next(revision)
        outstanding, buffer = self._outstanding, self._buffer
        if outstanding is not None:
            outstanding, ops = ot.transform(outstanding, ops)
        if buffer is not None:
            buffer, ops = ot.transform(buffer, ops)
        self._text = ot.apply(self._text, ops)
        self._revision, self._outstanding, self._buffer = revision, outstanding, buffer
        return None

    def on_reconnect(self, missed: Iterable[tuple[int, Operation, str | None]]) -> Outgoing | None:
        """Catch up after a reconnect on the ``(revision, ops, op_id)`` the server applied since
        ``revision`` (oldest first), then return the operation still in flight, to resend with
        its op id unchanged, or None. The buffer stays buffered until that is acknowledged.
        """
        for revision, ops, op_id in missed:
            self.server_op(revision, ops, op_id)
        return self.outstanding

    def reset(self, text: str, revision: int) -> None:
        """Start over from a snapshot of the server, dropping ``outstanding`` and ``buffer``.

        This loses the local edits the server has not confirmed. Use it only when the server
        cannot bring the client up to date (``revision-too-old``).
        """
        self._text = text
        self._revision = revision
        self._outstanding = None
        self._buffer = None

    def transform_index(self, index: int) -> int:
        """Move a position in the server's text at ``revision`` (another user's cursor) into
        ``text``, through ``outstanding`` and ``buffer``.
        """
        for op in (self._outstanding, self._buffer):
            if op is not None:
                index = ot.transform_index(index, op)
        return index

    def _check_next(self, revision: int) -> None:
        """The server numbers its messages to a client consecutively; a gap is a lost message."""
        if revision != self._revision + 1:
            raise InvalidRevision(
                f"expected revision {self._revision + 1} from the server, got {revision}"
            )
