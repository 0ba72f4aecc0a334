"""The interview around the code: chat and questions, private notes, the problem, the end.

Like :mod:`sessions.room.presence`, every action is one synchronous call returning an
:class:`~sessions.room.presence.Outcome`. Private notes are delivered only to interviewers and
observers; nothing here ever addresses a note to a candidate.
"""

from __future__ import annotations

from dataclasses import replace

from sessions.errors import InvalidMessage, MessageNotFound, SessionEnded
from sessions.interview.chat import Entry, Kind, MessageLog
from sessions.interview.permissions import Action, require
from sessions.interview.problems import Problem, starter_for
from sessions.protocol.messages import ChatMessage, Note, Ref, RemoveUser, ack_message, with_ref
from sessions.room.presence import CONFIDANTS, Outcome, leave, replace_code, require_active
from sessions.room.session import ENDED, Member, Session

CLOSE_REMOVED = 4001
"""Close code for a removed participant (4000-4999 are the application's)."""


def _post(
    session: Session, log: MessageLog, event: str, member: Member, entry_fields: Entry
) -> Entry:
    """Number an entry, append it to its history and to the timeline."""
    entry = replace(entry_fields, id=log.next_id())
    log.append(entry)
    session.touch(entry.at)
    timeline_fields = entry.to_json(event)
    for shown in ("type", "userId", "name", "role", "at"):
        del timeline_fields[shown]
    session.timeline.append(entry.at, event, member.user_id, member.name, **timeline_fields)
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
    entry = _post(session, session.chat, "chat-message", member, draft)
    participant = session.participants.get(member.user_id)
    if participant is not None:
        participant.chat_messages += 1
    frame = entry.to_json("chat-message")
    outcome = Outcome(reply=with_ref(dict(frame), message.ref))
    outcome.deliver(frame, session.others(member))
    return outcome


def note(session: Session, member: Member, message: Note, now: float) -> Outcome:
    """A private note: only interviewers and observers ever receive it."""
    require(member.role, Action.WRITE_NOTE)
    require_active(session)
    draft = Entry("", member.user_id, member.name, member.role, message.text, now)
    entry = _post(session, session.notes, "note", member, draft)
    frame = entry.to_json("note")
    outcome = Outcome(reply=with_ref(dict(frame), message.ref))
    confidants = tuple(m for m in session.others(member) if m.role in CONFIDANTS)
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
    session.problem = problem
    if problem.slug not in session.problems_used:
        session.problems_used += (problem.slug,)
    user_id = member.user_id if member else None
    session.timeline.append(
        now, "problem-change", user_id, member.name if member else None, problem=problem.slug
    )
    edit = replace_code(
        session, member, starter_for(problem, session.language), now, to_author=True
    )
    outcome = Outcome(reply=ack_message(session.document.revision, ref))
    update = {"type": "problem-update", "problem": problem.to_json(), "userId": user_id}
    outcome.deliver(update, session.everyone())
    outcome.extend(edit)
    return outcome


def end_session(session: Session, member: Member | None, now: float, ref: Ref = None) -> Outcome:
    """Make the session read-only; everyone is told, the record stays until expiry."""
    if member is not None:
        require(member.role, Action.END_SESSION)
    if session.ended:
        raise SessionEnded("the session has already ended")
    session.status = ENDED
    session.ended_at = now
    session.updated_at = now
    session.touch(now)
    user_id = member.user_id if member else None
    session.timeline.append(now, "session-ended", user_id, member.name if member else None)
    outcome = Outcome(reply=ack_message(session.document.revision, ref))
    outcome.deliver({"type": "session-ended", "userId": user_id}, session.everyone())
    return outcome


def delete_session(session: Session) -> Outcome:
    """The session is being removed: tell everyone and close their sockets normally."""
    members = session.everyone()
    outcome = Outcome()
    outcome.deliver({"type": "session-ended"}, members)
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
    if request.block and target.address:
        session.blocked_addresses |= {target.address}
    outcome = Outcome(reply=ack_message(session.document.revision, request.ref))
    outcome.deliver({"type": "removed", "by": member.user_id}, (target,))
    outcome.extend(leave(session, target, now))
    outcome.close = (target,)
    outcome.close_code = CLOSE_REMOVED
    return outcome
