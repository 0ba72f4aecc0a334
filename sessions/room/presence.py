"""Who is in a session: joining, leaving and being replaced.

Each action is one synchronous call: it checks, changes the session, and returns an
:class:`~sessions.room.outcome.Outcome` — the reply for the author, the deliveries for the
others, and the :class:`~sessions.room.outcome.Change` for the journal. Because a call never
awaits, a handler cancelled at an ``await`` can't leave a session half-changed. Edits and
cursors live in :mod:`sessions.room.editing`; chat, notes, problems and the session's end
in :mod:`sessions.room.interview`.
"""

from __future__ import annotations

import secrets

from sessions.errors import Forbidden, SessionFull
from sessions.interview.record import Participant
from sessions.protocol.messages import JoinSession, Role
from sessions.room import call as room_call
from sessions.room import frames
from sessions.room.outcome import Change, Outcome
from sessions.room.session import Member, Peer, Session

PALETTE_SIZE = 8
"""The room's palette has this many colours (``user-c0`` to ``user-c7`` in editor.css)."""
CLOSE_REPLACED = 4002
"""Close code for a socket whose member a newer join with the same ``clientId`` replaced."""
TOKEN_ROLES = frozenset({"interviewer", "observer"})


def new_user_id() -> str:
    return "u-" + secrets.token_urlsafe(6)


def returning(session: Session, request: JoinSession) -> Participant | None:
    """The person who joined before with this ``clientId`` under this role, if any: a
    rejoin (a reconnect, a reload, a server restart) is the same person, with the same user
    id, colour and counts."""
    if request.client_id is None:
        return None
    for participant in session.participants.values():
        if participant.client_id == request.client_id and participant.role == request.role:
            return participant
    return None


def _new_colour(session: Session) -> int:
    """The lowest colour nobody in the session ever had; else the lowest no one present has."""
    for taken in (
        {p.colour for p in session.participants.values()},
        {m.colour for m in session.members.values()},
    ):
        free = [index for index in range(PALETTE_SIZE) if index not in taken]
        if free:
            return free[0]
    return len(session.participants) % PALETTE_SIZE


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
    change = outcome.changing(session)
    dropped_cursor = False
    if replaced is not None and session.is_member(replaced):
        dropped_cursor = _remove(change, replaced, now)
        outcome.extend(room_call.member_gone(session, replaced, now))
        outcome.deliver(frames.replaced(), (replaced,))
        outcome.close, outcome.close_code = (replaced,), CLOSE_REPLACED
    person = returning(session, request)
    if person is None:
        person = Participant(
            new_user_id(),
            request.name,
            request.role,
            now,
            client_id=request.client_id,
            colour=_new_colour(session),
        )
    else:
        person.name, person.left_at = request.name, None
    member = Member(
        user_id=person.user_id,
        name=request.name,
        role=request.role,
        joined_at=now,
        full_code=request.full_code,
        peer=peer,
        address=address,
        client_id=request.client_id,
        colour=person.colour,
    )
    others = session.everyone()
    session.members[member.user_id] = member
    change.participant(person)
    change.event(now, "join", member.user_id, member.name, role=member.role)
    change.touch(now)
    outcome.reply = frames.session_state(
        session, member, request.revision, request.history_id, request.ref
    )
    outcome.deliver(frames.users_update(session), others)
    if dropped_cursor and replaced is not None:
        outcome.deliver(cursor_dropped(session, replaced), others)
    outcome.extend(room_call.joined_session(session, member))
    return member, outcome


def leave(session: Session, member: Member, now: float) -> Outcome:
    """Remove a member (idempotent) and tell the rest who is left."""
    outcome = Outcome()
    if not session.is_member(member):
        return outcome
    had_cursor = _remove(outcome.changing(session), member, now)
    outcome.deliver(frames.users_update(session), session.everyone())
    if had_cursor:
        outcome.deliver(cursor_dropped(session, member), session.everyone())
    outcome.extend(room_call.member_gone(session, member, now))
    return outcome


def _remove(change: Change, member: Member, now: float) -> bool:
    """Take a member out of presence and record it; True when it had a cursor to clear."""
    session = change.session
    del session.members[member.user_id]
    participant = session.participants.get(member.user_id)
    if participant is not None:
        change.participant(participant, "left_at").left_at = now
    change.event(now, "leave", member.user_id, member.name)
    change.touch(now)
    return session.cursors.pop(member.user_id, None) is not None


def cursor_dropped(session: Session, member: Member) -> dict[str, object]:
    """The ``cursor-update`` that clears a departed member's selection."""
    return frames.cursor_update(member.user_id, session.document.revision, ())
