"""Signals from the candidate's page: focus lost or page hidden (and for how long), and
pastes into the editor (their size, and whether the text was copied inside the room).

The candidate's page says plainly that these are shared. They go live to those who may read
them (:data:`~sessions.interview.permissions.Action.READ_SIGNALS`: interviewers and
observers), never back to a candidate; into the timeline (the replay shows them) and onto the
participant's counts (the report). A paste's text is never sent: it reaches the others only as
the edit it made, like any typing.
"""

from __future__ import annotations

from typing import Any

from sessions.interview.permissions import Action, can, require
from sessions.interview.record import Participant
from sessions.protocol.messages import Signal
from sessions.room import frames
from sessions.room.editing import require_active
from sessions.room.outcome import Outcome
from sessions.room.session import Member, Session

SIGNAL = "signal"
"""The timeline event of a signal (its ``kind`` and fields beside it)."""


def fields_of(message: Signal) -> dict[str, Any]:
    """What a signal says besides its kind, as the frame and the timeline carry it."""
    if message.kind == "paste":
        return {"chars": message.chars, "lines": message.lines, "fromRoom": message.from_room}
    if message.kind == "focus-back":
        return {"hidden": message.hidden, "seconds": message.seconds}
    return {"hidden": message.hidden}


def _count(participant: Participant, message: Signal) -> None:
    if message.kind == "paste":
        participant.pastes += 1
        participant.pasted_chars += message.chars
        participant.outside_pastes += 0 if message.from_room else 1
    elif message.kind == "focus-lost":
        participant.focus_losses += 1
    else:
        participant.away_seconds = round(participant.away_seconds + message.seconds, 1)


def signal(session: Session, member: Member, message: Signal, now: float) -> Outcome:
    """Record a candidate's signal and show it to those who may read signals."""
    require(member.role, Action.SEND_SIGNALS)
    require_active(session)
    outcome = Outcome()
    change = outcome.changing(session)
    data = fields_of(message)
    change.event(now, SIGNAL, member.user_id, member.name, kind=message.kind, **data)
    participant = session.participants.get(member.user_id)
    if participant is not None:
        _count(change.participant(participant), message)
    readers = tuple(m for m in session.others(member) if can(m.role, Action.READ_SIGNALS))
    outcome.deliver(frames.signal(member.user_id, member.name, message.kind, now, data), readers)
    outcome.reply = frames.ack(None, message.ref)
    return outcome
