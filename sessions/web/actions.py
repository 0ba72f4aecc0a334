"""What each client message does: one handler per message type, found by a table.

:func:`handles` registers a handler for a message class of :mod:`sessions.protocol.messages`;
:func:`run` looks the handler up by the message's class (no chain of ``isinstance``), checks
that the socket has joined a session when the message needs one, and returns the domain's
outcome. Nothing is sent here: the socket handler commits the outcome
(:mod:`sessions.web.commit`). A test checks that every client message has a handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aiohttp import web

from sessions.errors import DomainError, Forbidden, InvalidMessage, NotJoined
from sessions.protocol.messages import (
    Auth,
    BoardChange,
    BoardPointer,
    BoardSync,
    CallJoin,
    CallLeave,
    CallMedia,
    CallSignal,
    CancelRun,
    ChatMessage,
    ClientMessage,
    CodeChange,
    Cursor,
    EndSession,
    JoinSession,
    LanguageChange,
    LeaveSession,
    Note,
    Ping,
    RemoveUser,
    RunCode,
    SetProblem,
    SetTimer,
    Signal,
)
from sessions.room import board, editing, frames, interview, presence, signals, timer
from sessions.room import call as room_call
from sessions.room.outcome import Outcome
from sessions.room.session import Member, Session
from sessions.web import guards
from sessions.web.board_limits import board_limits
from sessions.web.calls import ICE, ice_servers
from sessions.web.commit import COMMIT
from sessions.web.connection import Connection
from sessions.web.keys import CLOCK, CONFIG, PROBLEMS, STORE
from sessions.web.runs import RUNS

log = logging.getLogger("interview.ws")
_M = TypeVar("_M", bound=ClientMessage)


@dataclass(slots=True)
class Turn:
    """One frame's context: the app, the socket, the time, and (for a message that needs
    one) the session and member the socket has joined."""

    app: web.Application
    conn: Connection
    now: float
    session: Session
    member: Member


Handler = Callable[[Turn, Any], Outcome]
HANDLERS: dict[type[ClientMessage], Handler] = {}


def handles(message: type[_M]) -> Callable[[Callable[[Turn, _M], Outcome]], Handler]:
    """Register the handler of one message class."""

    def register(handler: Callable[[Turn, _M], Outcome]) -> Handler:
        if message in HANDLERS:
            raise ValueError(f"two handlers for {message.TYPE!r}")
        HANDLERS[message] = handler
        return handler

    return register


def run(app: web.Application, conn: Connection, message: ClientMessage) -> Outcome:
    """Run one message as one domain call; nothing is sent yet."""
    handler = HANDLERS[type(message)]
    session, member = conn.session, conn.member
    if message.JOINED and (
        session is None or member is None or session.members.get(member.user_id) is not member
    ):
        raise NotJoined("join a session first with a join-session frame")
    return handler(Turn(app, conn, app[CLOCK](), session, member), message)  # type: ignore[arg-type]


# --- the socket's own messages ------------------------------------------------------------


@handles(Ping)
def _ping(turn: Turn, message: Ping) -> Outcome:
    return Outcome(reply=frames.pong(message.ref))


@handles(JoinSession)
def _join_session(turn: Turn, message: JoinSession) -> Outcome:
    return join(turn.app, turn.conn, message)


@handles(Auth)
def _auth(turn: Turn, message: Auth) -> Outcome:
    pending = turn.conn.pending_join
    if pending is None:
        raise InvalidMessage("'auth' is only for a /ws/{sessionId} connection awaiting its token")
    return join(turn.app, turn.conn, replace(pending, token=message.token, ref=message.ref))


@handles(LeaveSession)
def _leave_session(turn: Turn, message: LeaveSession) -> Outcome:
    outcome = leave(turn.app, turn.conn)
    outcome.reply = frames.ack(None, message.ref)
    return outcome


def join(app: web.Application, conn: Connection, request: JoinSession) -> Outcome:
    """Admit first, then leave the socket's current session, then join: a refused join
    leaves the socket where it was, and the error says where that is."""
    current = conn.member
    try:
        session = app[STORE].get(request.session_id)
        leaving = current if current is not None and session.is_member(current) else None
        replaced = presence.admit(session, request, conn.address, leaving=leaving)
        freeing = {m.user_id for m in (replaced, leaving) if m is not None}
        guards.check_room(session, app[CONFIG], freeing=len(freeing))
    except DomainError as exc:
        _log_refused(conn, request, exc)
        raise _still_joined(conn, exc) from None
    app[COMMIT].outcome(leave(app, conn))
    member, outcome = presence.join(
        session, request, conn, app[CLOCK](), conn.address, replaced=replaced
    )
    conn.session, conn.member, conn.pending_join = session, member, None
    log.info("%s joined as %s", conn.label, member.role)
    if replaced is not None:
        log.info(
            "user %s of session %s was replaced by %s", replaced.user_id, session.id, member.user_id
        )
    return outcome


def leave(app: web.Application, conn: Connection) -> Outcome:
    """Take the socket out of its session, if it is in one (removed or replaced: not)."""
    session, member = conn.session, conn.member
    if session is None or member is None:
        return Outcome()
    label = conn.label
    conn.session = conn.member = None
    if not session.is_member(member):
        return Outcome()
    log.info("%s left", label)
    return presence.leave(session, member, app[CLOCK]())


def _log_refused(conn: Connection, request: JoinSession, exc: DomainError) -> None:
    if isinstance(exc, Forbidden) and request.role in presence.TOKEN_ROLES:
        # The address and the session, never the token.
        log.warning(
            "refused a join to session %s as %s from %s: %s",
            request.session_id[:64],
            request.role,
            conn.address or "?",
            exc.message,
        )


def _still_joined(conn: Connection, exc: DomainError) -> DomainError:
    """Say in a refusal that the socket is still in its session, under which role."""
    session, member = conn.session, conn.member
    if session is not None and member is not None and session.is_member(member):
        exc.message = (
            f"{exc.message} (this socket is still in session {session.id} as {member.role})"
        )
        exc.extra["joined"] = {
            "sessionId": session.id,
            "userId": member.user_id,
            "role": member.role,
        }
    return exc


# --- a member's actions -------------------------------------------------------------------


@handles(CodeChange)
def _code_change(turn: Turn, message: CodeChange) -> Outcome:
    return editing.change_code(turn.session, turn.member, message, turn.now)


@handles(LanguageChange)
def _language_change(turn: Turn, message: LanguageChange) -> Outcome:
    return editing.change_language(
        turn.session, turn.member, message.language, turn.now, message.ref
    )


@handles(Cursor)
def _cursor(turn: Turn, message: Cursor) -> Outcome:
    return editing.move_cursor(turn.session, turn.member, message)


@handles(ChatMessage)
def _chat(turn: Turn, message: ChatMessage) -> Outcome:
    return interview.chat(turn.session, turn.member, message, turn.now)


@handles(Note)
def _note(turn: Turn, message: Note) -> Outcome:
    return interview.note(turn.session, turn.member, message, turn.now)


@handles(SetProblem)
def _set_problem(turn: Turn, message: SetProblem) -> Outcome:
    problem = turn.app[PROBLEMS].get(message.slug)
    return interview.set_problem(turn.session, turn.member, problem, turn.now, message.ref)


@handles(SetTimer)
def _set_timer(turn: Turn, message: SetTimer) -> Outcome:
    return timer.set_timer(
        turn.session, turn.member, message.planned_seconds, turn.now, message.ref
    )


@handles(EndSession)
def _end_session(turn: Turn, message: EndSession) -> Outcome:
    return interview.end_session(turn.session, turn.member, turn.now, message.ref)


@handles(RemoveUser)
def _remove_user(turn: Turn, message: RemoveUser) -> Outcome:
    return interview.remove_user(turn.session, turn.member, message, turn.now)


@handles(RunCode)
def _run_code(turn: Turn, message: RunCode) -> Outcome:
    return turn.app[RUNS].run_code(turn.session, turn.member, message)


@handles(CancelRun)
def _cancel_run(turn: Turn, message: CancelRun) -> Outcome:
    return turn.app[RUNS].cancel_run(turn.session, turn.member, message)


@handles(Signal)
def _signal(turn: Turn, message: Signal) -> Outcome:
    return signals.signal(turn.session, turn.member, message, turn.now)


@handles(BoardSync)
def _board_sync(turn: Turn, message: BoardSync) -> Outcome:
    return board.sync(turn.session, turn.member, message)


@handles(BoardChange)
def _board_change(turn: Turn, message: BoardChange) -> Outcome:
    limits = board_limits(turn.app[CONFIG])
    return board.change(turn.session, turn.member, message, limits, turn.now)


@handles(BoardPointer)
def _board_pointer(turn: Turn, message: BoardPointer) -> Outcome:
    return board.pointer(turn.session, turn.member, message)


# --- the call (signalling only: the media goes between the browsers) -----------------------


@handles(CallJoin)
def _call_join(turn: Turn, message: CallJoin) -> Outcome:
    return room_call.join(
        turn.session,
        turn.member,
        turn.now,
        max_members=turn.app[CONFIG].call_max_participants,
        ice_servers=ice_servers(turn.app, turn.member.user_id, turn.now),
        transport_policy=turn.app[ICE].transport_policy,
        ref=message.ref,
    )


@handles(CallLeave)
def _call_leave(turn: Turn, message: CallLeave) -> Outcome:
    return room_call.leave(turn.session, turn.member, turn.now, message.ref)


@handles(CallSignal)
def _call_signal(turn: Turn, message: CallSignal) -> Outcome:
    return room_call.signal(turn.session, turn.member, message)


@handles(CallMedia)
def _call_media(turn: Turn, message: CallMedia) -> Outcome:
    return room_call.media(turn.session, turn.member, message)
