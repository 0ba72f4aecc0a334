"""A session: its document, its settings and who is in it right now (presence).

Sessions and their members are plain objects held in dicts owned by the application;
nothing here knows about sockets. A member reaches its socket through :class:`Peer`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

from sessions.clock import iso
from sessions.collab.board import Board
from sessions.collab.document import Document
from sessions.interview.chat import MessageLog
from sessions.interview.problems import Problem
from sessions.interview.record import Participant, Timeline
from sessions.protocol.messages import CursorRange, Role
from sessions.room.call_state import CallState
from sessions.room.stored import (
    INTEGER,
    NUMBER,
    OPTIONAL_NUMBER,
    PROBLEM,
    TEXT,
    TEXT_SET,
    TEXTS,
    one_of,
    stored,
    stored_fields,
)

HISTORY_ID_BYTES = 9
"""A history id is 12 URL-safe characters (72 random bits): it only has to differ from the
ids the same session had before, it grants nothing."""

ACTIVE = "active"
ENDED = "ended"
STATUSES = (ACTIVE, ENDED)


def new_history_id() -> str:
    """A fresh id for a session's history (see :attr:`Session.history_id`)."""
    return secrets.token_urlsafe(HISTORY_ID_BYTES)


class Peer(Protocol):
    """What the domain needs of a connection: hand it bytes or ask it to close, never await."""

    def send(self, data: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(slots=True, eq=False)
class Member:
    """One joined socket: a person in a session under a role."""

    user_id: str
    name: str
    role: Role
    joined_at: float
    full_code: bool
    peer: Peer
    address: str = ""
    client_id: str | None = None
    """The id the client chose for itself (``clientId``): never shown to others."""
    colour: int = 0
    """The person's palette index (:attr:`Participant.colour`)."""
    watches_board: bool = False
    """Whether it opened the whiteboard (``board-sync``): only those get its updates."""

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "name": self.name,
            "role": self.role,
            "joinedAt": iso(self.joined_at),
            "colour": self.colour,
        }

    def you(self) -> dict[str, Any]:
        return {"userId": self.user_id, "name": self.name, "role": self.role, "colour": self.colour}


@dataclass(slots=True, eq=False)
class Session:
    """An interview: code, language and name, plus presence and cursors.

    Invariant: every key of ``cursors`` is a key of ``members``, and every cursor position
    is valid for ``document.text`` at ``document.revision``.

    The fields declared with :func:`~sessions.room.stored.stored` are the session's own
    persistent fields (:data:`STORED_FIELDS`); the document, chat, notes, timeline and
    participants persist as parts of their own (:mod:`sessions.persistence.snapshot`);
    presence and cursors end with the process. Actions change persistent state through a
    :class:`~sessions.room.outcome.Change`, which is what the journal records.
    """

    id: str = field(metadata=stored("id", TEXT))
    name: str = field(metadata=stored("name", TEXT))
    language: str = field(metadata=stored("language", TEXT))
    interviewer_token: str = field(metadata=stored("interviewerToken", TEXT))
    observer_token: str = field(metadata=stored("observerToken", TEXT))
    document: Document = field()
    created_at: float = field(metadata=stored("createdAt", NUMBER))
    updated_at: float = field(metadata=stored("updatedAt", NUMBER))
    chat: MessageLog = field()
    notes: MessageLog = field()
    timeline: Timeline = field()
    max_candidates: int = field(default=1, metadata=stored("maxCandidates", INTEGER))
    status: str = field(default=ACTIVE, metadata=stored("status", one_of(*STATUSES)))
    ended_at: float | None = field(default=None, metadata=stored("endedAt", OPTIONAL_NUMBER))
    planned_seconds: float | None = field(
        default=None, metadata=stored("plannedSeconds", OPTIONAL_NUMBER)
    )
    """The interview's planned length the interviewer set (the room's timer), or None."""
    problem: Problem | None = field(default=None, metadata=stored("problem", PROBLEM))
    members: dict[str, Member] = field(default_factory=dict)
    cursors: dict[str, tuple[CursorRange, ...]] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    board_or_none: Board | None = None
    """The whiteboard: a persistent part of its own, like the document (sessions.room.board).
    Made on the first drawing (:meth:`drawing_board`): an idle session that never drew costs
    the garbage collector nothing for it (tests/test_store.py)."""
    # None while there is no call: an idle session allocates nothing for it (test_store).
    call: CallState | None = None
    # Tuples and a frozenset, replaced on change: holding only strings, the collector stops
    # tracking them, and thousands of idle sessions stay cheap to scan (docs/benchmarks.md).
    languages_used: tuple[str, ...] = field(default=(), metadata=stored("languagesUsed", TEXTS))
    problems_used: tuple[str, ...] = field(default=(), metadata=stored("problemsUsed", TEXTS))
    blocked_addresses: frozenset[str] = field(
        default=frozenset(), metadata=stored("blockedAddresses", TEXT_SET)
    )
    last_activity: float = field(default=0.0, metadata=stored("lastActivity", NUMBER))
    # Names this run of revisions. It changes whenever the history may have been rewound (a
    # restore that may lack acknowledged edits), so a client's revision is only meaningful
    # together with the history id it was counted in (docs/protocol.md, "Reconnect").
    history_id: str = field(default_factory=new_history_id, metadata=stored("historyId", TEXT))
    # (timestamp, formatted) of the last created/updated pair formatted: every read of the
    # session formats both, and the same two values over and over (docs/benchmarks.md).
    _stamps: tuple[float, float, str, str] = field(default=(-1.0, -1.0, "", ""), init=False)

    def public(self) -> dict[str, Any]:
        """The session as any participant may see it: no tokens."""
        created, updated = self.stamps()
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "code": self.document.text,
            "revision": self.document.revision,
            "createdAt": created,
            "updatedAt": updated,
            "status": self.status,
            "problem": self.problem.slug if self.problem else None,
            "maxCandidates": self.max_candidates,
        }

    def stamps(self) -> tuple[str, str]:
        """``createdAt`` and ``updatedAt`` as ISO 8601, formatted once per change."""
        created_at, updated_at, created, updated = self._stamps
        if created_at != self.created_at or updated_at != self.updated_at:
            created = iso(self.created_at) if created_at != self.created_at else created
            updated = created if self.updated_at == self.created_at else iso(self.updated_at)
            self._stamps = (self.created_at, self.updated_at, created, updated)
        return created, updated

    def created(self) -> dict[str, Any]:
        """The session as its creator sees it, once: with the interviewer and observer tokens."""
        body = self.public()
        body["interviewerToken"] = self.interviewer_token
        body["observerToken"] = self.observer_token
        return body

    @property
    def board(self) -> Board:
        """The whiteboard to read (an empty one, shared and never written, before any drawing)."""
        return self.board_or_none if self.board_or_none is not None else _NO_BOARD

    def drawing_board(self) -> Board:
        """The whiteboard to write to, made on first use."""
        if self.board_or_none is None:
            self.board_or_none = Board()
        return self.board_or_none

    @property
    def ended(self) -> bool:
        return self.status == ENDED

    def touch(self, now: float) -> None:
        """Something happened: the idle-expiry clock starts again."""
        self.last_activity = max(self.last_activity, now)

    def role_count(self, role: Role, *, besides: tuple[Member, ...] = ()) -> int:
        """Members in ``role``, not counting those in ``besides`` (about to leave)."""
        return sum(
            1 for member in self.members.values() if member.role == role and member not in besides
        )

    def member_with_client_id(self, client_id: str | None) -> Member | None:
        """The member that joined with this ``clientId``, if one is here."""
        if client_id is None:
            return None
        for member in self.members.values():
            if member.client_id == client_id:
                return member
        return None

    def is_member(self, member: Member) -> bool:
        """Whether ``member`` is (still) in the session: not left, removed or replaced."""
        return self.members.get(member.user_id) is member

    def users(self) -> list[dict[str, Any]]:
        """Who is here, in the order they first joined (a rejoin keeps its place)."""
        order = {user_id: index for index, user_id in enumerate(self.participants)}
        members = sorted(self.members.values(), key=lambda m: order.get(m.user_id, len(order)))
        return [member.to_json() for member in members]

    def is_interviewer_token(self, token: str | None) -> bool:
        """Constant-time comparison, so response timing says nothing about the token."""
        return _same_secret(token, self.interviewer_token)

    def is_observer_token(self, token: str | None) -> bool:
        """The observer token, or the interviewer's (an interviewer may shadow too)."""
        return _same_secret(token, self.observer_token) or self.is_interviewer_token(token)

    def others(self, member: Member | None) -> tuple[Member, ...]:
        """Everyone in the session except ``member``."""
        return tuple(m for m in self.members.values() if m is not member)

    def everyone(self) -> tuple[Member, ...]:
        return tuple(self.members.values())


def _same_secret(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


_NO_BOARD = Board()
STORED_FIELDS = stored_fields(Session)
"""The session's own persistent fields, in declaration order."""
