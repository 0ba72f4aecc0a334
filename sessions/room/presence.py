"""What happens in a session when someone joins, edits, moves a cursor or leaves.

Each action is one synchronous call: it checks, changes the session, and returns an
:class:`Outcome` — the reply for the author and the deliveries for the others. The caller
(the web layer) encodes each delivery once and hands the bytes to every recipient's peer.
Because a call never awaits, a handler cancelled at an ``await`` can't leave a session
half-changed. Chat, notes, problems and the session's end live in :mod:`sessions.room.interview`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sessions.collab import ot
from sessions.collab.document import Applied
from sessions.errors import Forbidden, InvalidRevision, RevisionTooOld, SessionEnded, SessionFull
from sessions.interview.permissions import Action, require
from sessions.interview.problems import starter_for
from sessions.interview.record import Participant
from sessions.protocol.messages import (
    ROLES,
    CodeChange,
    Cursor,
    CursorRange,
    JoinSession,
    Ref,
    Role,
    ack_message,
    with_ref,
)
from sessions.room.session import Member, Peer, Session

CLOSE_NORMAL = 1000
CLOSE_REPLACED = 4002
"""Close code for a socket whose member a newer join with the same ``clientId`` replaced."""
TOKEN_ROLES = frozenset({"interviewer", "observer"})
CONFIDANTS = frozenset({"interviewer", "observer"})
"""Roles that see private notes."""


class Delivery(NamedTuple):
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

    def extend(self, other: Outcome) -> None:
        self.deliveries.extend(other.deliveries)


def new_user_id() -> str:
    return "u-" + secrets.token_urlsafe(6)


def users_update(session: Session) -> dict[str, Any]:
    return {
        "type": "users-update",
        "users": session.users(),
        "count": len(session.members),
        "roles": {role: session.role_count(role) for role in ROLES},
    }


def cursors_json(session: Session) -> list[dict[str, Any]]:
    return [
        {"userId": user_id, "ranges": [_range_json(r) for r in ranges]}
        for user_id, ranges in session.cursors.items()
    ]


def _range_json(cursor_range: CursorRange) -> dict[str, int]:
    return {"anchor": cursor_range.anchor, "head": cursor_range.head}


def require_active(session: Session) -> None:
    if session.ended:
        raise SessionEnded("the session has ended: it is read-only")


# --- presence -------------------------------------------------------------------------------


def check_token(session: Session, role: Role, token: str | None) -> None:
    """Interviewers need the interviewer token; observers the observer (or interviewer) one."""
    if role == "interviewer" and not session.is_interviewer_token(token):
        raise Forbidden("role 'interviewer' needs the session's interviewer token")
    if role == "observer" and not session.is_observer_token(token):
        raise Forbidden("role 'observer' needs the session's observer or interviewer token")


def admit(
    session: Session, request: JoinSession, address: str = "", *, leaving: Member | None = None
) -> Member | None:
    """Check a join before anything changes; returns the member it replaces, if any.

    The role's token is checked first: a ``clientId`` grants nothing by itself. A member
    that joined with the same ``clientId`` is replaced by this join (its socket is stale: a
    half-open connection the client has given up on), but only under the same role. A
    candidate needs a seat, not counting the seat of the member replaced nor of ``leaving``
    (the socket's own membership, which a join on the same socket gives up). Raises
    :class:`Forbidden` or :class:`SessionFull`.
    """
    role = request.role
    check_token(session, role, request.token)
    replaced = session.member_with_client_id(request.client_id)
    if replaced is not None and replaced.role != role:
        raise Forbidden(
            f"this clientId is in the session as {replaced.role}: a join that replaces it must "
            f"ask for the same role, not {role}"
        )
    if role == "candidate":
        if address and address in session.blocked_addresses:
            raise Forbidden("you were removed from this session")
        besides = tuple(m for m in (replaced, leaving) if m is not None)
        if session.role_count("candidate", besides=besides) >= session.max_candidates:
            raise SessionFull(
                f"the session already has {session.max_candidates} candidate(s); "
                "the interviewer can allow more (maxCandidates)"
            )
    return replaced


def join(
    session: Session,
    request: JoinSession,
    peer: Peer,
    now: float,
    address: str = "",
    *,
    replaced: Member | None = None,
) -> tuple[Member, Outcome]:
    """Add a member; ``replaced`` (from :func:`admit`) is told ``replaced`` and closed with
    4002 first, so presence shows the new member only and the old socket's later frames find
    no membership to act on. Call :func:`admit` first: this does not check again.
    """
    outcome = Outcome()
    dropped_cursor: dict[str, Any] | None = None
    if replaced is not None and session.is_member(replaced):
        if _remove(session, replaced, now):
            dropped_cursor = cursor_dropped(session, replaced)
        outcome.deliver({"type": "replaced"}, (replaced,))
        outcome.close, outcome.close_code = (replaced,), CLOSE_REPLACED
    member = Member(
        user_id=new_user_id(),
        name=request.name,
        role=request.role,
        joined_at=now,
        full_code=request.full_code,
        peer=peer,
        address=address,
        client_id=request.client_id,
    )
    others = session.everyone()
    session.members[member.user_id] = member
    session.participants[member.user_id] = Participant(
        member.user_id, member.name, member.role, now
    )
    session.timeline.append(now, "join", member.user_id, member.name, role=member.role)
    session.touch(now)
    state = session_state(session, member, request.revision, request.history_id)
    outcome.reply = with_ref(state, request.ref)
    outcome.deliver(users_update(session), others)
    if dropped_cursor is not None:
        outcome.deliver(dropped_cursor, others)
    return member, outcome


def session_state(
    session: Session, member: Member, revision: int | None, history_id: str | None = None
) -> dict[str, Any]:
    """Everything a member needs on joining; notes only for roles that may read them.

    A rejoin names the ``revision`` it saw (and the ``historyId`` it was counted in): it gets
    the ``missed`` operations, or ``"reset": true`` when the log cannot bring it up to date
    or the history is another one, and then takes the code and revision of this snapshot.
    """
    state: dict[str, Any] = {
        "type": "session-state",
        "session": session.public(),
        "historyId": session.history_id,
        "users": session.users(),
        "you": member.you(),
        "cursors": cursors_json(session),
        "chat": session.chat.to_json("chat-message"),
        "problem": session.problem.to_json() if session.problem else None,
    }
    if member.role in CONFIDANTS:
        state["notes"] = session.notes.to_json("note")
    if revision is not None:
        same_history = history_id is None or history_id == session.history_id
        missed = missed_since(session, revision) if same_history else None
        if missed is None:
            state["reset"] = True
        else:
            state["missed"] = missed
    return state


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


def leave(session: Session, member: Member, now: float) -> Outcome:
    """Remove a member (idempotent) and tell the rest who is left."""
    outcome = Outcome()
    if not session.is_member(member):
        return outcome
    had_cursor = _remove(session, member, now)
    outcome.deliver(users_update(session), session.everyone())
    if had_cursor:
        outcome.deliver(cursor_dropped(session, member), session.everyone())
    return outcome


def _remove(session: Session, member: Member, now: float) -> bool:
    """Take a member out of presence and record it; True when it had a cursor to clear."""
    del session.members[member.user_id]
    participant = session.participants.get(member.user_id)
    if participant is not None:
        participant.left_at = now
    session.timeline.append(now, "leave", member.user_id, member.name)
    session.touch(now)
    return session.cursors.pop(member.user_id, None) is not None


def cursor_dropped(session: Session, member: Member) -> dict[str, Any]:
    """The ``cursor-update`` that clears a departed member's selection."""
    return {
        "type": "cursor-update",
        "userId": member.user_id,
        "revision": session.document.revision,
        "ranges": [],
    }


# --- edits ----------------------------------------------------------------------------------


def change_code(session: Session, member: Member, change: CodeChange, now: float) -> Outcome:
    """Apply a code-change (ops at a revision, or full text) and fan the result out."""
    require(member.role, Action.EDIT_CODE)
    require_active(session)
    document = session.document
    if change.code is not None:
        applied = document.submit_text(
            change.code, change.revision, user_id=member.user_id, op_id=change.op_id
        )
    else:
        base = change.revision if change.revision is not None else document.revision
        applied = document.submit_ops(change.ops, base, user_id=member.user_id, op_id=change.op_id)
    return after_edit(session, member, applied, now, change.ref, op_id=change.op_id)


def replace_code(
    session: Session, author: Member | None, code: str, now: float, *, to_author: bool = False
) -> Outcome:
    """A full-text replacement by the server (REST, a problem's starter code).

    With ``to_author`` the author gets the ``code-update`` too: it did not type the change.
    """
    require_active(session)
    applied = session.document.submit_text(code, user_id=author.user_id if author else None)
    return after_edit(session, author, applied, now, None, to_author=to_author)


def after_edit(
    session: Session,
    author: Member | None,
    applied: Applied,
    now: float,
    ref: Ref,
    *,
    to_author: bool = False,
    op_id: str | None = None,
) -> Outcome:
    """Record an applied op, move cursors, ack the author and update everyone else.

    The ``code-update`` carries the author's ``opId`` when it sent one, so a client can
    recognise its own operation whatever path brings it back.
    """
    outcome = Outcome(reply=ack_message(applied.revision, ref))
    if applied.duplicate:
        return outcome
    _record_edit(session, author, applied, now)
    if session.cursors:
        _move_cursors(session, applied.ops)
    update: dict[str, Any] = {
        "type": "code-update",
        "revision": applied.revision,
        "ops": applied.ops,
        "userId": author.user_id if author else None,
    }
    if op_id is not None:
        update["opId"] = op_id
    full: list[Member] = []
    lean: list[Member] = []
    for member in session.members.values():
        if member is not author or to_author:
            (full if member.full_code else lean).append(member)
    outcome.deliver({**update, "code": session.document.text}, tuple(full))
    outcome.deliver(update, tuple(lean))
    return outcome


def _record_edit(session: Session, author: Member | None, applied: Applied, now: float) -> None:
    session.updated_at = now
    session.touch(now)
    session.timeline.append_edit(
        now,
        author.user_id if author else None,
        author.name if author else None,
        applied.revision,
        applied.ops,
    )
    participant = session.participants.get(author.user_id) if author else None
    if participant is not None:
        participant.edits += 1
        if participant.first_edit_at is None:
            participant.first_edit_at = now


def _move_cursors(session: Session, op: ot.Operation) -> None:
    for user_id, ranges in session.cursors.items():
        session.cursors[user_id] = tuple(
            CursorRange(
                anchor=ot.transform_index(r.anchor, op), head=ot.transform_index(r.head, op)
            )
            for r in ranges
        )


def change_language(
    session: Session, member: Member | None, language: str, now: float, ref: Ref = None
) -> Outcome:
    """Switch the editor language; a ``None`` member is the REST API.

    While the code is still the problem's untouched starter for the old language, the
    starter for the new language replaces it (one op, sent to everyone).
    """
    if member is not None:
        require(member.role, Action.CHANGE_LANGUAGE)
    require_active(session)
    old_language = session.language
    session.language = language
    session.updated_at = now
    session.touch(now)
    if language not in session.languages_used:
        session.languages_used += (language,)
    user_id = member.user_id if member else None
    session.timeline.append(
        now, "language-change", user_id, member.name if member else None, language=language
    )
    outcome = Outcome(reply=ack_message(session.document.revision, ref))
    message = {"type": "language-change", "language": language, "userId": user_id}
    outcome.deliver(message, session.others(member))
    problem = session.problem
    if problem is not None and session.document.text == starter_for(problem, old_language):
        swap = replace_code(session, member, starter_for(problem, language), now, to_author=True)
        outcome.extend(swap)
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
