"""What an action returns: the frames to send, and the change to journal.

Every action in :mod:`sessions.room` is one synchronous call returning an :class:`Outcome`:
the reply for the author, the deliveries for the others, the sockets to close, and the
:class:`Change` it made to a session's persistent state. The web layer commits an outcome
in one step (:mod:`sessions.web.commit`): the change is journaled, then the frames are sent,
in order, once what they acknowledge is as durable as the server promises.

A :class:`Change` is both the way an action writes persistent state and the description of
what it wrote: :meth:`Change.set` sets a stored field and notes it, :meth:`Change.event`
appends to the timeline and keeps the event, and so on. The journal encodes a change as it
is (:mod:`sessions.persistence.records`) and never compares a session with an earlier copy;
an action that changes nothing persistent (a cursor, a ping) has no change and costs the
journal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sessions.collab.board import Stored
from sessions.collab.document import Applied
from sessions.interview.chat import Entry, MessageLog
from sessions.interview.record import Participant, RawEvent
from sessions.room.session import STORED_FIELDS, Member, Session

CLOSE_NORMAL = 1000
_STORED_ATTRS = frozenset(stored.attr for stored in STORED_FIELDS)
if not {"updated_at", "last_activity"} <= _STORED_ATTRS:  # what Change.updated writes directly
    raise ImportError("updated_at and last_activity must be stored fields of a session")


LoggedEdit = tuple[int, list[int | str], str | None, str | None]
"""An operation as the journal keeps it, replayed at the head of the document: ``(revision,
ops, user_id, op_id)``. A plain tuple, as orjson writes it as the record's array as it is
(a NamedTuple would be copied into a list per edit first)."""


class Change:
    """The persistent state one action changed in one session, recorded as it is written.

    ``whole`` asks the journal for the whole session (a creation); ``deleted`` for its
    removal. Otherwise the journal takes the operations, timeline events, chat and notes
    entries, participants and stored fields named here, read from the session when the
    change is committed (in the same step as the action).
    """

    __slots__ = (
        "board",
        "deleted",
        "edits",
        "entries",
        "events",
        "fields",
        "participants",
        "session",
        "whole",
    )

    def __init__(self, session: Session, *, whole: bool = False, deleted: bool = False) -> None:
        self.session = session
        self.whole = whole
        self.deleted = deleted
        self.edits: list[LoggedEdit] = []
        self.events: list[RawEvent] = []
        self.entries: list[tuple[MessageLog, Entry]] = []
        # The participants whose records moved, in order: the fields that did, or None for
        # the whole record (a new participant, or fields not named).
        self.participants: dict[str, tuple[str, ...] | None] = {}
        self.fields: dict[str, None] = {}  # an ordered set of stored attributes
        self.board: list[Stored] = []  # whiteboard elements the board took, in order

    def set(self, attr: str, value: Any) -> None:
        """Set one of the session's stored fields (:data:`STORED_FIELDS`)."""
        if attr not in _STORED_ATTRS:
            raise AttributeError(f"{attr!r} is not a stored field of a session")
        setattr(self.session, attr, value)
        self.fields[attr] = None

    def touch(self, now: float) -> None:
        """Something happened: the idle-expiry clock starts again."""
        self.session.touch(now)
        self.fields["last_activity"] = None

    def updated(self, now: float) -> None:
        """The session's own state changed at ``now`` (``updatedAt``), and it is active."""
        # set() and touch() written out: every edit comes this way (docs/benchmarks.md).
        session, fields = self.session, self.fields
        session.updated_at = now
        session.touch(now)
        fields["updated_at"] = None
        fields["last_activity"] = None

    def event(
        self, at: float, type_: str, user_id: str | None, name: str | None, **data: Any
    ) -> None:
        """Append an event to the timeline."""
        self.events.append(self.session.timeline.append(at, type_, user_id, name, **data))

    def edit(self, applied: Applied, at: float, author: Member | None, op_id: str | None) -> None:
        """Log an operation the document applied, in the journal and the timeline."""
        user_id = author.user_id if author is not None else None
        self.edits.append((applied.revision, applied.ops, user_id, op_id))
        self.events.append(
            self.session.timeline.append_edit(
                at, user_id, author.name if author else None, applied.revision, applied.ops
            )
        )

    def post(self, log: MessageLog, entry: Entry) -> None:
        """Append a chat message or a note to its history."""
        log.append(entry)
        self.entries.append((log, entry))

    def participant(self, participant: Participant, *fields: str) -> Participant:
        """Name a participant whose record this change adds or updates (only ``fields``
        when named: the journal then records those alone); returns it."""
        self.session.participants[participant.user_id] = participant
        self._moved(participant.user_id, fields or None)
        return participant

    def _moved(self, user_id: str, fields: tuple[str, ...] | None) -> None:
        if user_id not in self.participants:
            self.participants[user_id] = fields
            return
        known = self.participants[user_id]
        if known is None or fields is None:
            self.participants[user_id] = None
        else:
            self.participants[user_id] = known + tuple(f for f in fields if f not in known)

    def merge(self, other: Change) -> None:
        """Add what ``other`` (of the same session, made after this one) changed."""
        if other.session is not self.session:
            raise ValueError("a change is of one session")
        self.whole = self.whole or other.whole
        self.edits.extend(other.edits)
        self.board.extend(other.board)
        self.events.extend(other.events)
        self.entries.extend(other.entries)
        for user_id, fields in other.participants.items():
            self._moved(user_id, fields)
        self.fields.update(other.fields)


class Delivery(NamedTuple):
    """One message for a set of members; encoded once, sent to each."""

    message: dict[str, Any]
    recipients: tuple[Member, ...]


@dataclass(slots=True)
class Outcome:
    """What an action asks the transport to do, in order: reply, deliver, then close; and
    the change it made, for the journal."""

    reply: dict[str, Any] | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    close: tuple[Member, ...] = ()
    close_code: int = CLOSE_NORMAL
    change: Change | None = None

    def deliver(self, message: dict[str, Any], recipients: tuple[Member, ...]) -> None:
        if recipients:
            self.deliveries.append(Delivery(message, recipients))

    def changing(self, session: Session) -> Change:
        """The change this outcome makes to ``session`` (made on first use)."""
        change = self.change
        if change is None:
            change = self.change = Change(session)
        elif change.session is not session:
            raise ValueError("an outcome changes one session")
        return change

    def extend(self, other: Outcome) -> None:
        """Add the deliveries and the change of an action this one ran within it."""
        self.deliveries.extend(other.deliveries)
        if other.change is not None:
            if self.change is None:
                self.change = other.change
            else:
                self.change.merge(other.change)
