"""The code and its surroundings: edits, cursors, the language and the session's settings.

Each action is one synchronous call returning an :class:`~sessions.room.outcome.Outcome`,
as in :mod:`sessions.room.presence`.
"""

from __future__ import annotations

from sessions.collab import ot
from sessions.collab.document import Applied
from sessions.errors import InvalidRevision, RevisionTooOld, SessionEnded
from sessions.interview.permissions import Action, require
from sessions.interview.problems import starter_for
from sessions.protocol.messages import CodeChange, Cursor, CursorRange, Ref
from sessions.room import frames
from sessions.room.outcome import Change, Outcome
from sessions.room.session import Member, Session


def require_active(session: Session) -> None:
    if session.ended:
        raise SessionEnded("the session has ended: it is read-only")


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
    """Record an applied op, move cursors, ack the author and update everyone else."""
    reply = frames.ack(applied.revision, ref)
    if applied.duplicate:
        return Outcome(reply=reply)
    change = Change(session)
    outcome = Outcome(reply=reply, change=change)
    change.edit(applied, now, author, op_id)
    change.updated(now)
    participant = session.participants.get(author.user_id) if author else None
    if participant is not None:
        participant.edits += 1
        if participant.first_edit_at is None:
            participant.first_edit_at = now
            change.participant(participant, "edits", "first_edit_at")
        else:
            change.participant(participant, "edits")
    if session.cursors:
        _move_cursors(session, applied.ops)
    update = frames.code_update(
        applied.revision, applied.ops, author.user_id if author else None, op_id
    )
    full: list[Member] = []
    lean: list[Member] = []
    for member in session.members.values():
        if member is not author or to_author:
            (full if member.full_code else lean).append(member)
    outcome.deliver({**update, "code": session.document.text}, tuple(full))
    outcome.deliver(update, tuple(lean))
    return outcome


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
    outcome = Outcome(reply=frames.ack(session.document.revision, ref))
    change = outcome.changing(session)
    change.set("language", language)
    change.updated(now)
    if language not in session.languages_used:
        change.set("languages_used", (*session.languages_used, language))
    user_id = member.user_id if member else None
    change.event(
        now, "language-change", user_id, member.name if member else None, language=language
    )
    outcome.deliver(frames.language_change(language, user_id), session.others(member))
    problem = session.problem
    if problem is not None and session.document.text == starter_for(problem, old_language):
        swap = replace_code(session, member, starter_for(problem, language), now, to_author=True)
        outcome.extend(swap)
    return outcome


def update_settings(
    session: Session, now: float, *, name: str | None = None, max_candidates: int | None = None
) -> Outcome:
    """Rename the session or change how many candidates it seats (the REST API)."""
    require_active(session)
    outcome = Outcome()
    change = outcome.changing(session)
    if name is not None:
        change.set("name", name)
        change.set("updated_at", now)
    if max_candidates is not None:
        change.set("max_candidates", max_candidates)
        change.set("updated_at", now)
    return outcome


def move_cursor(session: Session, member: Member, cursor: Cursor) -> Outcome:
    """Record a member's selection, moved from the revision it was made at to the head.

    Cursors end with the process: the outcome has no change for the journal."""
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
    outcome = Outcome()
    outcome.deliver(
        frames.cursor_update(member.user_id, document.revision, ranges), session.others(member)
    )
    return outcome
