"""Every frame the server sends over the socket, each built by one named function here.

A builder is declared with :func:`builds`, which registers the frame's ``type``:
:data:`SERVER_MESSAGE_TYPES` is derived from them, and the protocol reference
(docs/protocol.md) is checked against it by a test. Frames are plain dicts, encoded once per
delivery by the web layer. Nothing here changes a session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sessions.clock import iso
from sessions.errors import DomainError
from sessions.interview.chat import Entry
from sessions.interview.permissions import Action, can
from sessions.interview.problems import Problem
from sessions.protocol.fields import ROLES
from sessions.protocol.messages import CursorRange, Ref
from sessions.protocol.signalling import Description, RtcSignal
from sessions.room.call_state import call_json
from sessions.room.session import Member, Session

_F = TypeVar("_F", bound=Callable[..., dict[str, Any]])
_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {}


def builds(frame_type: str) -> Callable[[_F], _F]:
    """Register a builder of the frames of ``frame_type``."""

    def register(builder: _F) -> _F:
        if frame_type in _BUILDERS:
            raise ValueError(f"two builders of {frame_type!r} frames")
        _BUILDERS[frame_type] = builder
        return builder

    return register


def with_ref(message: dict[str, Any], ref: Ref) -> dict[str, Any]:
    """Add the client's ref to a reply when it sent one."""
    if ref is not None:
        message["ref"] = ref
    return message


# --- replies ------------------------------------------------------------------------------


@builds("ack")
def ack(revision: int | None, ref: Ref = None) -> dict[str, Any]:
    """A frame was applied; ``revision`` is the document's head after it (if it has one)."""
    message: dict[str, Any] = {"type": "ack"}
    if revision is not None:
        message["revision"] = revision
    return with_ref(message, ref)


@builds("pong")
def pong(ref: Ref = None) -> dict[str, Any]:
    return with_ref({"type": "pong"}, ref)


@builds("error")
def error(failure: DomainError, ref: Ref = None) -> dict[str, Any]:
    """``{"type":"error","code","message"}`` plus any extra data the error carries."""
    message: dict[str, Any] = {"type": "error", "code": failure.code, "message": failure.message}
    message.update(failure.extra)
    return with_ref(message, ref)


# --- presence -----------------------------------------------------------------------------


@builds("session-state")
def session_state(
    session: Session,
    member: Member,
    revision: int | None,
    history_id: str | None = None,
    ref: Ref = None,
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
        "cursors": [cursor_json(user_id, ranges) for user_id, ranges in session.cursors.items()],
        "chat": session.chat.to_json("chat-message"),
        "problem": session.problem.to_json() if session.problem else None,
        "timer": timer_json(session),
    }
    if can(member.role, Action.READ_NOTES):
        state["notes"] = session.notes.to_json("note")
    if can(member.role, Action.READ_SIGNALS):
        state["signals"] = {
            p.user_id: p.signals() for p in session.participants.values() if p.role == "candidate"
        }
    if revision is not None:
        same_history = history_id is None or history_id == session.history_id
        missed = missed_since(session, revision) if same_history else None
        if missed is None:
            state["reset"] = True
        else:
            state["missed"] = missed
    return with_ref(state, ref)


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


@builds("users-update")
def users_update(session: Session) -> dict[str, Any]:
    return {
        "type": "users-update",
        "users": session.users(),
        "count": len(session.members),
        "roles": {role: session.role_count(role) for role in ROLES},
    }


@builds("replaced")
def replaced() -> dict[str, Any]:
    """To a socket whose member a newer join with the same ``clientId`` replaced."""
    return {"type": "replaced"}


@builds("removed")
def removed(by: str) -> dict[str, Any]:
    return {"type": "removed", "by": by}


# --- the code -----------------------------------------------------------------------------


@builds("code-update")
def code_update(
    revision: int, ops: list[int | str], user_id: str | None, op_id: str | None
) -> dict[str, Any]:
    """An applied operation; the ``opId`` of its author when it sent one, so a client can
    recognise its own operation whatever path brings it back."""
    update: dict[str, Any] = {
        "type": "code-update",
        "revision": revision,
        "ops": ops,
        "userId": user_id,
    }
    if op_id is not None:
        update["opId"] = op_id
    return update


@builds("language-change")
def language_change(language: str, user_id: str | None) -> dict[str, Any]:
    return {"type": "language-change", "language": language, "userId": user_id}


@builds("cursor-update")
def cursor_update(user_id: str, revision: int, ranges: Iterable[CursorRange]) -> dict[str, Any]:
    """A member's selection at ``revision``; no ranges: the member's cursor is gone."""
    return {"type": "cursor-update", "revision": revision, **cursor_json(user_id, ranges)}


def cursor_json(user_id: str, ranges: Iterable[CursorRange]) -> dict[str, Any]:
    return {
        "userId": user_id,
        "ranges": [{"anchor": r.anchor, "head": r.head} for r in ranges],
    }


# --- the interview ------------------------------------------------------------------------


@builds("chat-message")
def chat_message(entry: Entry) -> dict[str, Any]:
    return entry.to_json("chat-message")


@builds("note")
def note(entry: Entry) -> dict[str, Any]:
    return entry.to_json("note")


@builds("problem-update")
def problem_update(problem: Problem, user_id: str | None) -> dict[str, Any]:
    return {"type": "problem-update", "problem": problem.to_json(), "userId": user_id}


@builds("timer-update")
def timer_update(session: Session, user_id: str | None) -> dict[str, Any]:
    """The interview timer changed (``userId``: the interviewer who set it)."""
    return {"type": "timer-update", "timer": timer_json(session), "userId": user_id}


def timer_json(session: Session) -> dict[str, Any]:
    """The room's timer: counting from ``startedAt`` (the session's creation) to ``endedAt``
    once ended; ``plannedSeconds`` the planned length, or null."""
    created, _updated = session.stamps()
    return {
        "startedAt": created,
        "endedAt": iso(session.ended_at) if session.ended_at is not None else None,
        "plannedSeconds": session.planned_seconds,
    }


@builds("session-ended")
def session_ended(user_id: str | None, *, deleted: bool = False) -> dict[str, Any]:
    """The session ended (``userId``: who ended it), or was deleted (no ``userId``)."""
    if deleted:
        return {"type": "session-ended"}
    return {"type": "session-ended", "userId": user_id}


@builds("server-shutdown")
def server_shutdown() -> dict[str, Any]:
    return {"type": "server-shutdown"}


@builds("signal")
def signal(user_id: str, name: str, kind: str, at: float, data: dict[str, Any]) -> dict[str, Any]:
    """A candidate's page lost focus, came back, or had text pasted (never the text)."""
    return {"type": "signal", "userId": user_id, "name": name, "kind": kind, "at": iso(at), **data}


# --- runs ---------------------------------------------------------------------------------


@builds("run-queued")
def run_queued(run_id: str, position: int) -> dict[str, Any]:
    return {"type": "run-queued", "runId": run_id, "position": position}


@builds("run-started")
def run_started(
    run_id: str, revision: int, language: str, user_id: str, name: str
) -> dict[str, Any]:
    return {
        "type": "run-started",
        "runId": run_id,
        "revision": revision,
        "language": language,
        "userId": user_id,
        "name": name,
    }


@builds("run-output")
def run_output(run_id: str, stream: str, data: str) -> dict[str, Any]:
    return {"type": "run-output", "runId": run_id, "stream": stream, "data": data}


@builds("run-phase")
def run_phase(run_id: str, phase: str) -> dict[str, Any]:
    """A compiled language's run enters ``phase``: ``compile``, then ``run``."""
    return {"type": "run-phase", "runId": run_id, "phase": phase}


@builds("run-result")
def run_result(run_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """A run's end; ``result`` is :meth:`~sessions.execution.outcome.RunResult.to_json`."""
    return {"type": "run-result", "runId": run_id, **result}


# --- the whiteboard -----------------------------------------------------------------------


@builds("board-state")
def board_state(
    elements: list[dict[str, Any]], missing: list[str], *, whole: bool, ref: Ref = None
) -> dict[str, Any]:
    """The reply to ``board-sync``: the whole board (``whole``), or what the client's
    ``known`` versions lack, and the ids it knows that the board has not (to send again)."""
    return with_ref(
        {"type": "board-state", "whole": whole, "elements": elements, "missing": missing}, ref
    )


@builds("board-update")
def board_update(elements: list[dict[str, Any]], user_id: str | None) -> dict[str, Any]:
    """Elements that won on the board, for everyone watching it but their author."""
    return {"type": "board-update", "elements": elements, "userId": user_id}


@builds("board-ack")
def board_ack(applied: int, stale: list[str], ref: Ref = None) -> dict[str, Any]:
    """A ``board-change`` was reconciled: ``applied`` elements won, the ``stale`` ids lost to
    a copy the author has been (or is being) sent."""
    return with_ref({"type": "board-ack", "applied": applied, "stale": stale}, ref)


@builds("board-pointer")
def board_pointer(member: Member, x: float, y: float, button: str) -> dict[str, Any]:
    return {
        "type": "board-pointer",
        "userId": member.user_id,
        "name": member.name,
        "x": x,
        "y": y,
        "button": button,
    }


# --- the call -----------------------------------------------------------------------------


@builds("call-joined")
def call_joined(
    session: Session, ice_servers: list[dict[str, Any]], transport_policy: str, ref: Ref = None
) -> dict[str, Any]:
    """Reply to ``call-join``: the ``RTCConfiguration`` to use and who is in the call."""
    return with_ref(
        {
            "type": "call-joined",
            "iceServers": ice_servers,
            "iceTransportPolicy": transport_policy,
            "call": call_json(session.call),
        },
        ref,
    )


@builds("call-update")
def call_update(session: Session) -> dict[str, Any]:
    """Who is in the call now (no members: there is no call)."""
    return {"type": "call-update", "call": call_json(session.call)}


@builds("call-signal")
def call_signal(from_user: str, signal: RtcSignal) -> dict[str, Any]:
    """An offer, answer or candidate from another member of the call, for this one only."""
    key = "description" if isinstance(signal, Description) else "candidate"
    return {"type": "call-signal", "from": from_user, key: signal.to_json()}


SERVER_MESSAGE_TYPES: tuple[str, ...] = tuple(_BUILDERS)
"""Every ``type`` the server sends, derived from the builders above."""
