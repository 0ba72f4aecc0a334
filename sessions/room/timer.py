"""The interview timer: the planned length an interviewer sets for the room.

The room counts the elapsed time from the session's creation (to its end once ended); the
planned length is a persistent field of the session (``Session.planned_seconds``), set here
through the outcome's change like every persistent field, and shown to everyone.
"""

from __future__ import annotations

from sessions.interview.permissions import Action, require
from sessions.protocol.messages import Ref
from sessions.room import frames
from sessions.room.editing import require_active
from sessions.room.outcome import Outcome
from sessions.room.session import Member, Session


def set_timer(
    session: Session, member: Member, planned_seconds: float | None, now: float, ref: Ref = None
) -> Outcome:
    """Set (or clear, with None) the planned length; everyone gets ``timer-update``."""
    require(member.role, Action.SET_TIMER)
    require_active(session)
    outcome = Outcome(reply=frames.ack(session.document.revision, ref))
    change = outcome.changing(session)
    change.set("planned_seconds", planned_seconds)
    change.touch(now)
    outcome.deliver(frames.timer_update(session, member.user_id), session.everyone())
    return outcome
