"""The call: joining, leaving, muting, and relaying signalling between two of its members.

Every action is one synchronous call returning an :class:`~sessions.room.outcome.Outcome`,
like :mod:`sessions.room.presence`. The server only introduces the browsers: an offer,
answer or ICE candidate from a member of the call goes to the one member it names, in the
same session and in the call, and to nobody else; media never passes through here.

Rules, enforced here and nowhere else:

* joining needs ``join-call`` (every role) and an active session; at most
  ``--call-max-participants`` members (a full mesh);
* a member without ``send-media`` (an observer) is listen-only: a description of theirs
  that would send media is refused (:func:`~sessions.protocol.signalling.sends_media`);
* signalling needs the author and the target in the call;
* leaving the session, being removed or replaced leaves the call; ending the interview
  ends it.

The timeline records ``call-started``, ``call-joined``, ``call-left`` and ``call-ended``
(who and when; no media is recorded).
"""

from __future__ import annotations

from typing import Any

from sessions.errors import CallFull, Forbidden, InvalidMessage, NotInCall
from sessions.interview.permissions import Action, can, describe, require
from sessions.protocol.messages import CallMedia, CallSignal, Ref
from sessions.protocol.signalling import Description, sends_media
from sessions.room import frames
from sessions.room.call_state import CallState, InCall
from sessions.room.editing import require_active
from sessions.room.outcome import Change, Outcome
from sessions.room.session import Member, Session


def join(
    session: Session,
    member: Member,
    now: float,
    *,
    max_members: int,
    ice_servers: list[dict[str, Any]],
    transport_policy: str,
    ref: Ref = None,
) -> Outcome:
    """Add ``member`` to the call (starting it); the reply carries the ICE servers.

    Joining again while in the call changes nothing but answers with fresh ICE credentials.
    """
    require(member.role, Action.JOIN_CALL)
    require_active(session)
    outcome = Outcome()
    call = session.call
    if call is None or member.user_id not in call.members:
        if call is not None and len(call.members) >= max_members:
            raise CallFull(f"the call already has {max_members} people (a full mesh: no more)")
        change = outcome.changing(session)
        if call is None:
            call = session.call = CallState(started_at=now)
            change.event(now, "call-started", member.user_id, member.name)
        listen_only = not can(member.role, Action.SEND_MEDIA)
        call.members[member.user_id] = InCall(
            member.user_id, member.name, member.role, now, listen_only
        )
        change.event(now, "call-joined", member.user_id, member.name, listenOnly=listen_only)
        change.touch(now)
        outcome.deliver(frames.call_update(session), session.others(member))
    outcome.reply = frames.call_joined(session, ice_servers, transport_policy, ref)
    return outcome


def _in_call(session: Session, user_id: str) -> InCall | None:
    call = session.call
    return call.members.get(user_id) if call is not None else None


def leave(session: Session, member: Member, now: float, ref: Ref = None) -> Outcome:
    """Hang up; the call ends with its last member."""
    if _in_call(session, member.user_id) is None:
        raise NotInCall("you are not in the call")
    outcome = member_gone(session, member, now)
    outcome.reply = frames.ack(None, ref)
    return outcome


def member_gone(session: Session, member: Member, now: float) -> Outcome:
    """``member`` leaves the call, if in it (a hang-up, a leave, a removal, a replacement)."""
    outcome = Outcome()
    call = session.call
    if call is None or call.members.pop(member.user_id, None) is None:
        return outcome
    change = outcome.changing(session)
    change.event(now, "call-left", member.user_id, member.name)
    if not call.members:
        _ended(change, call, now)
    change.touch(now)
    outcome.deliver(frames.call_update(session), session.others(member))
    return outcome


def end(session: Session, now: float) -> Outcome:
    """The interview ended: so does its call, for everyone."""
    outcome = Outcome()
    if session.call is None:
        return outcome
    _ended(outcome.changing(session), session.call, now)
    outcome.deliver(frames.call_update(session), session.everyone())
    return outcome


def _ended(change: Change, call: CallState, now: float) -> None:
    change.session.call = None
    change.event(now, "call-ended", None, None, durationSeconds=round(now - call.started_at, 3))


def joined_session(session: Session, member: Member) -> Outcome:
    """A member just joined the session: tell them about a call in progress."""
    outcome = Outcome()
    if session.call is not None:
        outcome.deliver(frames.call_update(session), (member,))
    return outcome


def signal(session: Session, member: Member, message: CallSignal) -> Outcome:
    """Relay an offer, answer or candidate to the one member of the call it names.

    No reply on success (a call makes dozens of these); no journal, no timeline.
    """
    call = session.call
    if call is None or member.user_id not in call.members:
        raise NotInCall("join the call (call-join) before signalling")
    if message.to == member.user_id:
        raise InvalidMessage("field 'to' names yourself: signal another member of the call")
    target = session.members.get(message.to)
    if target is None or message.to not in call.members:
        where = "in this session's call" if target is None else "in the call"
        raise NotInCall(f"no member {message.to[:64]!r} {where}", to=message.to[:64])
    if (
        isinstance(message.signal, Description)
        and call.members[member.user_id].listen_only
        and sends_media(message.signal.sdp)
    ):
        raise Forbidden(
            f"role '{member.role}' may not {describe(Action.SEND_MEDIA)}: offer and answer "
            "recvonly (listen-only)",
            action=str(Action.SEND_MEDIA),
        )
    outcome = Outcome()
    outcome.deliver(frames.call_signal(member.user_id, message.signal), (target,))
    return outcome


def media(session: Session, member: Member, message: CallMedia) -> Outcome:
    """The member muted or unmuted, turned the camera off or on: everyone's tiles show it."""
    state = _in_call(session, member.user_id)
    if state is None:
        raise NotInCall("you are not in the call")
    state.muted, state.camera_off = message.muted, message.camera_off
    outcome = Outcome(reply=frames.ack(None, message.ref))
    outcome.deliver(frames.call_update(session), session.others(member))
    return outcome
