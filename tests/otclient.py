"""The client side of the protocol as a state machine, without I/O: the browser's, in Python.

This is ``sessions/web/static/js/ot_client.js`` (the ot.js ``Client`` the room runs) step for
step, in code points instead of editor changes, so that the randomized tests that drive it
(``test_ot_simulation``, ``test_collab`` through ``tests/wsclient.py``, the cluster tests)
prove the client the browser runs. ``tests/test_ot_client_parity.py`` holds the two to that:
it replays the same random scripts of local edits, acks, remote ops, rejoins, resets and
out-of-order frames on both (the JS one under Node) and requires the same state and output
after every step. One machine in two languages was chosen over driving the JS one from the
property tests, because those stay fast and in process, and the parity test proves both.

A client keeps at most one operation in flight. While the server has not acknowledged it, new
local edits are composed into a buffer, sent once the acknowledgement arrives. Three states:

* ``synchronized``: nothing in flight; ``text`` is ``server_text``;
* ``awaiting-confirm``: ``outstanding`` is in flight;
* ``awaiting-with-buffer``: ``outstanding`` is in flight and ``buffer`` holds later edits.

The invariant in every state::

    text == apply(apply(server_text, outstanding), buffer)

(skipping whichever is absent), where ``server_text`` is the server's text at ``revision``.
An operation from another client arrives based on ``revision``; it is transformed against
``outstanding`` and then ``buffer`` before it touches ``text``, and they against it, so the
invariant survives and every client converges on the server's text.

Every operation sent carries an op id, ``"<client_id>:<seq>"``, that stays the same when it is
resent. The server logs it, so a reconnecting client can spot its own operation among those it
missed, count it as acknowledged, and resend only what the server never got.

Two rules the browser and this client share, with why:

* **Out of step.** The server numbers what it sends one socket consecutively. An op or ack
  that does not follow ``revision`` (a frame lost or reordered) was made for a text this client
  does not have, so it raises :class:`OutOfStep` and changes nothing; the remedy is a rejoin
  with ``revision``, whose ``missed`` ops fill the gap. The room does that; the test clients
  (``tests/wsclient.py``) fail instead, since there a gap is a server bug to report. An ack
  at or below ``revision`` is for an op already counted (by its op id on another path):
  ignored.
* **Reset** (the server's log cannot bring the client up to date, or its history is another
  one): the server's text becomes the base and the unconfirmed edits are rebased onto it, as
  one new operation with a new op id (the server has forgotten the old ones with their log
  entries). Edits typed offline survive. The one case this cannot tell apart: an op in flight
  when the connection dropped that the server applied (its ack lost) long enough ago that
  its log entry is gone; then it is applied a second time. Dropping the unconfirmed edits
  instead would lose, in the common case, everything typed while offline.

Methods return what to send as an :class:`Outgoing`; the caller does the sending.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sessions.collab import ot
from sessions.collab.ot import Operation

Missed = tuple[int, Operation, str | None]
"""A logged operation the server sends a rejoining client: ``(revision, ops, op_id)``."""


class OutOfStep(Exception):
    """A server message that does not follow the revision counted: rejoin with that revision."""


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
        "_server",
        "_text",
    )

    def __init__(self, text: str = "", revision: int = 0, client_id: str | None = None) -> None:
        self._text = text
        self._server = text
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
    def server_text(self) -> str:
        """The server's text at ``revision``, as far as this client knows."""
        return self._server

    @property
    def revision(self) -> int:
        """The last server revision this client has counted."""
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
            self._outstanding, self._outstanding_id = op, self._next_op_id()
            return self.outstanding
        self._buffer = op if self._buffer is None else ot.compose(self._buffer, op)
        return None

    def local_text(self, new_text: str) -> Outgoing | None:
        """``local_edit`` with the change from ``text`` to ``new_text`` (a whole-text editor)."""
        return self.local_edit(ot.diff(self._text, new_text))

    def server_ack(self, revision: int) -> Outgoing | None:
        """The server applied ``outstanding`` as ``revision``. Returns the buffer to send next,
        if there is one. An ack at or below ``revision`` is ignored (already counted); one with
        nothing in flight, or past the next revision, raises :class:`OutOfStep`.
        """
        if revision <= self._revision:
            return None
        if self._outstanding is None:
            raise OutOfStep(f"an acknowledgement of revision {revision} with nothing sent")
        self._check_next(revision)
        self._server = ot.apply(self._server, self._outstanding)
        self._revision = revision
        self._outstanding, self._buffer = self._buffer, None
        if self._outstanding is None:
            return None
        self._outstanding_id = self._next_op_id()
        return self.outstanding

    def server_op(self, revision: int, ops: Operation, op_id: str | None = None) -> Outgoing | None:
        """The operation ``op_id``, applied by the server as ``revision``.

        Another client's is rebased over ``outstanding`` and ``buffer`` (which are rebased over
        it) and applied to ``text``. One carrying the outstanding op id is this client's own,
        seen again after a reconnect: it counts as the acknowledgement, and what ``server_ack``
        returns is returned. A revision that does not follow raises :class:`OutOfStep`.
        """
        if self._outstanding is not None and op_id == self._outstanding_id:
            return self.server_ack(revision)
        self._check_next(revision)
        outstanding, buffer = self._outstanding, self._buffer
        incoming = ops
        if outstanding is not None:
            outstanding, incoming = ot.transform(outstanding, incoming)
        if buffer is not None:
            buffer, incoming = ot.transform(buffer, incoming)
        server, text = ot.apply(self._server, ops), ot.apply(self._text, incoming)
        self._server, self._text, self._revision = server, text, revision
        self._outstanding, self._buffer = outstanding, buffer
        return None

    def on_reconnect(self, missed: Sequence[Missed]) -> Outgoing | None:
        """Catch up after a rejoin on the ops the server applied since ``revision`` (oldest
        first), then return the operation still in flight, to resend with its op id unchanged,
        or None. The buffer stays buffered until that is acknowledged. Entries that do not
        follow ``revision`` one by one raise :class:`OutOfStep` before any is applied.
        """
        for k, (revision, _, _) in enumerate(missed):
            self._check_next(revision, self._revision + k)
        for revision, ops, op_id in missed:
            self.server_op(revision, ops, op_id)
        return self.outstanding

    def reset(self, text: str, revision: int) -> Outgoing | None:
        """Start over from the server's ``text`` at ``revision`` (a ``reset`` rejoin), with the
        unconfirmed edits rebased onto it as one new operation, returned to send (None when
        nothing is unconfirmed or it became a no-op). See the module docstring for why.
        """
        mine: Operation | None = None
        pending = self._pending()
        if pending is not None:
            rebased, _ = ot.transform(pending, ot.diff(self._server, text))
            mine = None if ot.is_noop(rebased) else rebased
        self._server, self._revision, self._buffer = text, revision, None
        self._text = text if mine is None else ot.apply(text, mine)
        self._outstanding = mine
        if mine is not None:
            self._outstanding_id = self._next_op_id()
        return self.outstanding

    def transform_index(self, index: int) -> int:
        """Move a position in ``server_text`` (another user's cursor) into ``text``, through
        the unconfirmed edits.
        """
        pending = self._pending()
        return index if pending is None else ot.transform_index(index, pending)

    def server_index(self, index: int) -> int:
        """Move a position in ``text`` (this user's cursor) into ``server_text``: a position
        inside unconfirmed text falls back to where that text was inserted.
        """
        pending = self._pending()
        if pending is None:
            return index
        return ot.transform_index(index, ot.invert(pending, self._server))

    def _pending(self) -> Operation | None:
        """``outstanding`` then ``buffer``, composed into one operation on ``server_text``."""
        if self._outstanding is None or self._buffer is None:
            return self._outstanding
        return ot.compose(self._outstanding, self._buffer)

    def _next_op_id(self) -> str:
        self._seq += 1
        return f"{self._client_id}:{self._seq}"

    def _check_next(self, revision: int, counted: int | None = None) -> None:
        """Raise :class:`OutOfStep` unless ``revision`` is the one after ``counted`` (by
        default ``revision``).
        """
        expected = (self._revision if counted is None else counted) + 1
        if revision != expected:
            raise OutOfStep(f"expected revision {expected} from the server, got {revision}")
