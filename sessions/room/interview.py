"""The interview around the code: chat and questions, private notes, the problem, the end.

Like :mod:`sessions.room.presence`, every action is one synchronous call returning an
:class:`~sessions.room.outcome.Outcome`. Private notes are delivered only to the roles
:mod:`sessions.interview.permissions` lets read them; nothing here ever addresses a note to
a candidate.
"""

from __future__ import annotations

from dataclasses import replace

from sessions.errors import InvalidMessage, MessageNotFound, SessionEnded
from sessions.interview.chat import Entry, Kind, MessageLog
from sessions.interview.permissions import Action, can, require
from sessions.interview.problems import Problem, starter_for
from sessions.interview.record import PROBLEM_CHANGE
from sessions.protocol.messages import ChatMessage, Note, Ref, RemoveUser
from sessions.room import call as room_call
from sessions.room import frames
from sessions.room.editing import replace_code, require_active
from sessions.room.outcome import Change, Outcome
from sessions.room.presence import leave
from sessions.room.session import ENDED, Member, Session

CLOSE_REMOVED = 4001
"""Close code for a removed participant (4000-4999 are the application's)."""


def _post(change: Change, log: MessageLog, event: str, member: Member, draft: Entry) -> Entry:
    """Number an entry, append it to its history and to the timeline."""
    entry = replace(draft, id=log.next_id())
    change.post(log, entry)
    change.touch(entry.at)
    timeline_fields = entry.to_json(event)
    for shown in ("type", "userId", "name", "role", "at"):
        del timeline_fields[shown]
    change.event(entry.at, event, member.user_id, member.name, **timeline_fields)
    return entry


def chat(session: Session, member: Member, message: ChatMessage, now: float) -> Outcome:
    """Post a chat message (or a question, or an answer via ``replyTo``) to everyone."""
    require(member.role, Action.CHAT)
    require_active(session)
    if message.reply_to is not None and session.chat.find(message.reply_to) is None:
        raise MessageNotFound(f"no message {message.reply_to!r} to reply to in the history")
    kind: Kind = "question" if message.kind == "question" else "message"
    draft = Entry(
        "", member.user_id, member.name, member.role, message.text, now, kind, message.reply_to
    )
    outcome = Outcome()
    change = outcome.changing(session)
    entry = _post(change, session.chat, "chat-message", member, draft)
    participant = session.participants.get(member.user_id)
    if participant is not None:
        change.participant(participant, "chat_messages").chat_messages += 1
    frame = frames.chat_message(entry)
    outcome.reply = frames.with_ref(dict(frame), message.ref)
    outcome.deliver(frame, session.others(member))
    return outcome


def note(session: Session, member: Member, message: Note, now: float) -> Outcome:
    """A private note: only those who may read notes ever receive it."""
    require(member.role, Action.WRITE_NOTE)
    require_active(session)
    draft = Entry("", member.user_id, member.name, member.role, message.text, now)
    outcome = Outcome()
    entry = _post(outcome.changing(session), session.notes, "note", member, draft)
    frame = frames.note(entry)
    outcome.reply = frames.with_ref(dict(frame), message.ref)
    confidants = tuple(m for m in session.others(member) if can(m.role, Action.READ_NOTES))
    outcome.deliver(frame, confidants)
    return outcome


def set_problem(
    session: Session, member: Member | None, problem: Problem, now: float, ref: Ref = None
) -> Outcome:
    """Set the problem and load its starter code for the session's language as one op.

    Everyone gets ``problem-update`` and, since nobody typed it, a ``code-update`` (the
    author included). The op is in the log like any edit, so it can be undone the same way.
    """
    if member is not None:
        require(member.role, Action.SET_PROBLEM)
    require_active(session)
    outcome = Outcome()
    change = outcome.changing(session)
    previous = session.problem.slug if session.problem else None  # the replay's problem then
    change.set("problem", problem)
    if problem.slug not in session.problems_used:
        change.set("problems_used", (*session.problems_used, problem.slug))
    user_id = member.user_id if member else None
    change.event(
        now,
        PROBLEM_CHANGE,
        user_id,
        member.name if member else None,
        problem=problem.slug,
        previous=previous,
    )
    edit = replace_code(
        session, member, starter_for(problem, session.language), now, to_author=True
    )
    outcome.reply = frames.ack(session.document.revision, ref)
    outcome.deliver(frames.problem_update(problem, user_id), session.everyone())
    outcome.extend(edit)
    return outcome


def end_session(session: Session, member: Member | None, now: float, ref: Ref = None) -> Outcome:
    """Make the session read-only; everyone is told, the record stays until expiry."""
    if member is not None:
        require(member.role, Action.END_SESSION)
    if session.ended:
        raise SessionEnded("the session has already ended")
    outcome = Outcome(reply=frames.ack(session.document.revision, ref))
    change = outcome.changing(session)
    change.set("status", ENDED)
    change.set("ended_at", now)
    change.updated(now)
    user_id = member.user_id if member else None
    change.event(now, "session-ended", user_id, member.name if member else None)
    outcome.deliver(frames.session_ended(user_id), session.everyone())
    outcome.extend(room_call.end(session, now))
    return outcome


def delete_session(session: Session) -> Outcome:
    """The session is being removed: tell everyone, close their sockets normally, and
    journal its removal."""
    members = session.everyone()
    outcome = Outcome(change=Change(session, deleted=True))
    outcome.deliver(frames.session_ended(None, deleted=True), members)
    outcome.close = members
    session.members.clear()
    session.cursors.clear()
    return outcome


def remove_user(session: Session, member: Member, request: RemoveUser, now: float) -> Outcome:
    """An interviewer removes someone; with ``block`` their address may not rejoin untokened."""
    require(member.role, Action.REMOVE_USER)
    target = session.members.get(request.user_id)
    if target is None:
        raise InvalidMessage(f"no user {request.user_id!r} in this session")
    if target is member:
        raise InvalidMessage("use leave-session to leave; remove-user is for others")
    outcome = Outcome(reply=frames.ack(session.document.revision, request.ref))
    if request.block and target.address:
        outcome.changing(session).set(
            "blocked_addresses", session.blocked_addresses | {target.address}
        )
    outcome.deliver(frames.removed(member.user_id), (target,))
    outcome.extend(leave(session, target, now))
    outcome.close = (target,)
    outcome.close_code = CLOSE_REMOVED
    return outcome
