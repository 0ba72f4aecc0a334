"""What happens in a session when someone joins, edits, moves a cursor or leaves.

Each action is one synchronous call: it checks, changes the session, and returns an
:class:`Outcome` — the reply for the author and the deliveries for the others. The caller
(the web layer) encodes each delivery once and hands the bytes to every recipient's peer.
Because a call never awaits, a handler cancelled at an ``await`` can't leave a session
half-changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sessions import ot
from sessions.document import Applied
from sessions.errors import Forbidden, InvalidRevision, RevisionTooOld
from sessions.protocol import (
    CodeChange,
    Cursor,
    CursorRange,
    JoinSession,
    Ref,
    ack_message,
    with_ref,
)
from sessions.session import Member, Peer, Session

CLOSE_NORMAL = 1000
CODE_EDITING_ROLES = frozenset({"interviewer", "candidate"})
TOKEN_ROLES = frozenset({"interviewer", "observer"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message for a set of members; encoded once, sent to each."""

    message: dict[str, Any]
    recipients: tuple[Member, ...]


@dataclass(slots=True)
class Outcome:
    """What an action asks the transport to do, in order: reply, deliver, then close."""

    reply: dict[str, Any] | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    close: tuple[Member, ...] = ()
    close_code: int = CLOSE_NORMAL

    def deliver(self, message: dict[str, Any], recipients: tuple[Member, ...]) -> None:
        if recipients:
            self.deliveries.append(Delivery(message, recipients))


def new_user_id() -> str:
    return "u-" + secrets.token_urlsafe(6)


def users_update(session: Session) -> dict[str, Any]:
    return {"type": "users-update", "users": session.users(), "count": len(session.members)}


def cursors_json(session: Session) -> list[dict[str, Any]]:
    return [
        {"userId": user_id, "ranges": [_range_json(r) for r in ranges]}
        for user_id, ranges in session.cursors.items()
    ]


def _range_json(cursor_range: CursorRange) -> dict[str, int]:
    return {"anchor": cursor_range.anchor, "head": cursor_range.head}


# --- presence -------------------------------------------------------------------------------


def join(session: Session, request: JoinSession, peer: Peer, now: float) -> tuple[Member, Outcome]:
    """Add a member. Interviewers and observers must present the interviewer token."""
    if request.role in TOKEN_ROLES and not session.is_interviewer_token(request.token):
        raise Forbidden(f"role '{request.role}' needs the session's interviewer token")
    member = Member(
        user_id=new_user_id(),
        name=request.name,
        role=request.role,
        joined_at=now,
        full_code=request.full_code,
        peer=peer,
    )
    others = session.everyone()
    session.members[member.user_id] = member
    state: dict[str, Any] = {
        "type": "session-state",
        "session": session.public(),
        "users": session.users(),
        "you": member.you(),
        "cursors": cursors_json(session),
    }
    if request.revision is not None:
        missed = missed_since(session, request.revision)
        if missed is not None:
            state["missed"] = missed
    outcome = Outcome(reply=with_ref(state, request.ref))
    outcome.deliver(users_update(session), others)
    return member, outcome


def missed_since(session: Session, revision: int) -> list[dict[str, Any]] | None:
    """The ops after ``revision`` for a rejoining client, or None when the log can't say."""
    document = session.document
    if revision > document.revision or revision < document.oldest_reachable_revision():
        return None
    return [
        {
            "revision": logged.revision,
            "ops": logged.ops,
            "userId": logged.user_id,
            "opId": logged.op_id,
        }
        for logged in document.ops_since(revision)
    ]


def leave(session: Session, member: Member) -> Outcome:
    """Remove a member (idempotent) and tell the rest who is left."""
    outcome = Outcome()
    if session.members.pop(member.user_id, None) is None:
        return outcome
    had_cursor = session.cursors.pop(member.user_id, None) is not None
    outcome.deliver(users_update(session), session.everyone())
    if had_cursor:
        dropped = {
            "type": "cursor-update",
            "userId": member.user_id,
            "revision": session.document.revision,
            "ranges": [],
        }
        outcome.deliver(dropped, session.everyone())
    return outcome


def end(session: Session) -> Outcome:
    """Tell everyone the session is over and close their sockets normally."""
    members = session.everyone()
    outcome = Outcome()
    outcome.deliver({"type": "session-ended"}, members)
    outcome.close = members
    session.members.clear()
    session.cursors.clear()
    return outcome


# --- edits ----------------------------------------------------------------------------------


def change_code(session: Session, member: Member, change: CodeChange, now: float) -> Outcome:
    """Apply a code-change (ops at a revision, or full text) and fan the result out."""
    if member.role not in CODE_EDITING_ROLES:
        raise Forbidden(f"role '{member.role}' may not edit code")
    document = session.document
    if change.code is not None:
        applied = document.submit_text(
            change.code, change.revision, user_id=member.user_id, op_id=change.op_id
        )
    else:
        base = change.revision if change.revision is not None else document.revision
        applied = document.submit_ops(change.ops, base, user_id=member.user_id, op_id=change.op_id)
    return _after_edit(session, member, applied, now, change.ref)


def replace_code(session: Session, code: str, now: float) -> Outcome:
    """A full-text change from the REST API: same path and broadcast as a socket edit."""
    applied = session.document.submit_text(code)
    return _after_edit(session, None, applied, now, None)


def _after_edit(
    session: Session, author: Member | None, applied: Applied, now: float, ref: Ref
) -> Outcome:
    outcome = Outcome(reply=ack_message(applied.revision, ref))
    if applied.duplicate:
        return outcome
    session.updated_at = now
    _move_cursors(session, applied.ops, author)
    update: dict[str, Any] = {
        "type": "code-update",
        "revision": applied.revision,
        "ops": applied.ops,
        "userId": author.user_id if author else None,
    }
    recipients = session.others(author)
    outcome.deliver(
        {**update, "code": session.document.text}, tuple(m for m in recipients if m.full_code)
    )
    outcome.deliver(update, tuple(m for m in recipients if not m.full_code))
    return outcome


def _move_cursors(session: Session, op: ot.Operation, author: Member | None) -> None:
    for user_id, ranges in session.cursors.items():
        own = author is not None and user_id == author.user_id
        session.cursors[user_id] = tuple(
            CursorRange(
                anchor=ot.transform_index(r.anchor, op, own),
                head=ot.transform_index(r.head, op, own),
            )
            for r in ranges
        )


def change_language(
    session: Session, member: Member | None, language: str, now: float, ref: Ref = None
) -> Outcome:
    """Switch the editor language; a ``None`` member is the REST API."""
    if member is not None and member.role not in CODE_EDITING_ROLES:
        raise Forbidden(f"role '{member.role}' may not change the language")
    session.language = language
    session.updated_at = now
    outcome = Outcome(reply=ack_message(session.document.revision, ref))
    message = {
        "type": "language-change",
        "language": language,
        "userId": member.user_id if member else None,
    }
    outcome.deliver(message, session.others(member))
    return outcome


def move_cursor(session: Session, member: Member, cursor: Cursor) -> Outcome:
    """Record a member's selection, moved from the revision it was made at to the head."""
    document = session.document
    if cursor.revision > document.revision:
        raise InvalidRevision(
            f"revision {cursor.revision} is ahead of the server's {document.revision}"
        )
    if cursor.revision < document.oldest_reachable_revision():
        raise RevisionTooOld(
            f"revision {cursor.revision} is older than the server keeps",
            revision=document.revision,
        )
    length = len(document.text)

    def to_head(position: int) -> int:
        # Positions past the end are clamped rather than refused: a cursor is a hint.
        return min(document.transform_index(position, cursor.revision), length)

    ranges = tuple(
        CursorRange(anchor=to_head(r.anchor), head=to_head(r.head)) for r in cursor.ranges
    )
    session.cursors[member.user_id] = ranges
    message = {
        "type": "cursor-update",
        "userId": member.user_id,
        "revision": document.revision,
        "ranges": [_range_json(r) for r in ranges],
    }
    outcome = Outcome()
    outcome.deliver(message, session.others(member))
    return outcome
