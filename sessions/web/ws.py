"""The WebSocket endpoint: one reader loop per socket, one frame at a time into the domain.

Each frame is parsed, routed to one synchronous domain call, and its outcome sent: the reply
to this socket, deliveries to the others' queues. A rejected frame gets an ``error`` frame
and the socket stays open; only the transport (oversize frames, a dead peer) ends it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from aiohttp import WSMsgType, web

from sessions.errors import (
    BadRequest,
    BinaryNotSupported,
    DomainError,
    Forbidden,
    InternalError,
    InvalidMessage,
    NotJoined,
)
from sessions.protocol.fields import encode, read_name, read_role
from sessions.protocol.messages import (
    MAX_HISTORY_ID_LENGTH,
    WIRE_TYPES,
    Auth,
    CancelRun,
    ChatMessage,
    ClientMessage,
    CodeChange,
    Cursor,
    EndSession,
    FrameError,
    JoinSession,
    LanguageChange,
    LeaveSession,
    Note,
    Ping,
    Ref,
    RemoveUser,
    RunCode,
    SetProblem,
    error_message,
    parse_frame,
    read_client_id,
    with_ref,
)
from sessions.room import interview
from sessions.room import presence as room
from sessions.room.session import Member, Session
from sessions.web import guards, persist
from sessions.web.connection import Connection
from sessions.web.fanout import dispatch
from sessions.web.keys import CLOCK, CONFIG, CONNECTIONS, LIMITS, METRICS, PROBLEMS, STORE
from sessions.web.middleware import error_response
from sessions.web.runs import RUNS

log = logging.getLogger("interview.ws")
INTERNAL_ERROR = "the server failed to handle this frame"


async def websocket_handler(request: web.Request) -> web.StreamResponse:
    """``GET /ws`` and ``GET /ws/{session_id}?name=&role=`` (the latter joins at connect).

    The middleware passes these routes straight here (see :mod:`sessions.web.middleware`), so
    this coroutine is the only frame of ours suspended for the socket's lifetime; a refusal
    before the upgrade is answered as JSON here.
    """
    app = request.app
    try:
        address = guards.admit_socket(request)
    except DomainError as exc:
        return error_response(exc, request)
    upgraded = False
    try:
        ws, url_join = await _upgrade(request)
        upgraded = True
    except Exception as exc:  # noqa: BLE001 - a bad join, no Upgrade, a bug: answered as JSON
        return error_response(exc, request)
    finally:
        if not upgraded:  # cancelled included: the count is given back whatever happened
            guards.release_socket(app, address)
    conn = Connection(ws, request, app[CONFIG], on_drop=app[METRICS].slow_peer_dropped)
    app[CONNECTIONS].add(conn)
    log.info("socket opened from %s", conn.label)
    label = conn.label
    try:
        if url_join is not None:
            _start_url_join(app, conn, url_join)
        async for msg in ws:
            if not guards.admit_frame(app, conn):
                continue
            if msg.type is WSMsgType.TEXT:
                handle_text(app, conn, msg.data)
            elif msg.type is WSMsgType.BINARY:
                send_error(
                    app, conn, BinaryNotSupported("binary frames are not supported: send JSON text")
                )
    finally:
        label = conn.label  # with its session and user, before leaving forgets them
        _leave(app, conn)
        app[CONNECTIONS].discard(conn)
        guards.release_socket(app, address)
        conn.close()
        try:
            await conn.shutdown()
        finally:  # also when aiohttp cancels the handler for a connection already gone
            _log_closed(label, conn, ws)
    return ws


def _log_closed(label: str, conn: Connection, ws: web.WebSocketResponse) -> None:
    """The close as it happened: the code this server sent, or the one the client sent."""
    if conn.close_code_sent is not None:
        log.info("socket %s closed by the server (code %s)", label, conn.close_code_sent)
    elif ws.close_code is not None:
        log.info("socket %s closed by the client (code %s)", label, ws.close_code)
    else:
        log.info("socket %s lost (no close frame)", label)


async def _upgrade(request: web.Request) -> tuple[web.WebSocketResponse, JoinSession | None]:
    """Check a join-by-URL, then complete the WebSocket handshake."""
    config = request.app[CONFIG]
    url_join = _url_join(request) if "session_id" in request.match_info else None
    ws = web.WebSocketResponse(
        heartbeat=config.heartbeat_seconds,
        max_msg_size=config.max_message_bytes,
        compress=config.compress,
        timeout=config.close_timeout_seconds,
    )
    if not ws.can_prepare(request).ok:  # aiohttp's own refusal would say only "Bad Request"
        raise BadRequest(
            f"{request.path[:200]} is a WebSocket endpoint: connect with a WebSocket client "
            "(Upgrade: websocket)"
        )
    await ws.prepare(request)
    return ws, url_join


def handle_text(app: web.Application, conn: Connection, text: str) -> None:
    """Parse one frame, run it, send its outcome. The per-frame error boundary."""
    try:
        message = parse_frame(text, app[LIMITS])
    except FrameError as exc:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("refused frame, %d characters, from %s", len(text), conn.label)
        send_error(app, conn, exc.cause, exc.ref)
        return
    wire_type = WIRE_TYPES[type(message)]
    if log.isEnabledFor(logging.DEBUG):  # types and sizes only: never a frame's content
        log.debug("frame %s, %d characters, from %s", wire_type, len(text), conn.label)
    app[METRICS].frame_in(wire_type)
    try:
        session = conn.session
        outcome = route(app, conn, message)
        persist.journal(app, session, conn.session)
        persist.when_durable(app, send_outcome, app, conn, outcome)
    except DomainError as exc:
        persist.when_durable(app, send_error, app, conn, exc, message.ref)
    except Exception:  # the frame boundary: a bug answers this frame, the socket lives on
        log.exception("unhandled error handling a %s frame", type(message).__name__)
        send_error(app, conn, InternalError(INTERNAL_ERROR), message.ref)


def send_error(app: web.Application, conn: Connection, error: DomainError, ref: Ref = None) -> None:
    """Answer a refused frame with an ``error`` frame (counted by code)."""
    app[METRICS].error(error.code)
    conn.send(encode(error_message(error, ref)))


def send_outcome(app: web.Application, conn: Connection, outcome: room.Outcome) -> None:
    """The reply to this socket first, then the deliveries: an author sees its ack first."""
    metrics = app[METRICS]
    if outcome.reply is not None:
        conn.send(encode(outcome.reply))
        metrics.frames_sent(outcome.reply["type"], 1)
    dispatch(outcome, metrics)


def route(app: web.Application, conn: Connection, message: ClientMessage) -> room.Outcome:
    """Run one message as one domain call; nothing is sent yet."""
    now = app[CLOCK]()
    if isinstance(message, Ping):
        return room.Outcome(reply=with_ref({"type": "pong"}, message.ref))
    if isinstance(message, JoinSession):
        return _join(app, conn, message)
    if isinstance(message, Auth):
        return _auth(app, conn, message)
    session, member = _membership(conn)
    if isinstance(message, LeaveSession):
        _leave(app, conn)
        return room.Outcome(reply=with_ref({"type": "ack"}, message.ref))
    return _session_action(app, session, member, message, now)


def _session_action(
    app: web.Application, session: Session, member: Member, message: ClientMessage, now: float
) -> room.Outcome:
    """The actions of a joined member, each one domain call."""
    if isinstance(message, CodeChange):
        return room.change_code(session, member, message, now)
    if isinstance(message, LanguageChange):
        return room.change_language(session, member, message.language, now, message.ref)
    if isinstance(message, Cursor):
        return room.move_cursor(session, member, message)
    if isinstance(message, ChatMessage):
        return interview.chat(session, member, message, now)
    if isinstance(message, Note):
        return interview.note(session, member, message, now)
    if isinstance(message, SetProblem):
        problem = app[PROBLEMS].get(message.slug)
        return interview.set_problem(session, member, problem, now, message.ref)
    if isinstance(message, EndSession):
        return interview.end_session(session, member, now, message.ref)
    if isinstance(message, RemoveUser):
        return interview.remove_user(session, member, message, now)
    if isinstance(message, RunCode):
        return app[RUNS].run_code(session, member, message)
    if isinstance(message, CancelRun):
        return app[RUNS].cancel_run(session, member, message)
    raise InvalidMessage(f"{type(message).__name__} is not a session action")


def _membership(conn: Connection) -> tuple[Session, Member]:
    session, member = conn.session, conn.member
    if session is None or member is None or session.members.get(member.user_id) is not member:
        raise NotJoined("join a session first with a join-session frame")
    return session, member


def _join(app: web.Application, conn: Connection, request: JoinSession) -> room.Outcome:
    """Admit first, then leave the socket's current session, then join: a refused join
    leaves the socket where it was, and the error says where that is."""
    session = app[STORE].get(request.session_id)
    current = conn.member
    leaving = current if current is not None and session.is_member(current) else None
    try:
        replaced = room.admit(session, request, conn.address, leaving=leaving)
        freeing = {m.user_id for m in (replaced, leaving) if m is not None}
        guards.check_room(session, app[CONFIG], freeing=len(freeing))
    except DomainError as exc:
        _log_refused(conn, session, request, exc)
        raise _still_joined(conn, exc) from None
    _leave(app, conn)
    member, outcome = room.join(
        session, request, conn, app[CLOCK](), conn.address, replaced=replaced
    )
    conn.session, conn.member, conn.pending_join = session, member, None
    log.info("%s joined as %s", conn.label, member.role)
    if replaced is not None:
        log.info(
            "user %s of session %s was replaced by %s", replaced.user_id, session.id, member.user_id
        )
    return outcome


def _log_refused(
    conn: Connection, session: Session, request: JoinSession, exc: DomainError
) -> None:
    if isinstance(exc, Forbidden) and request.role in room.TOKEN_ROLES:
        # The address and the session, never the token.
        log.warning(
            "refused a join to session %s as %s from %s: %s",
            session.id,
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


def _auth(app: web.Application, conn: Connection, auth: Auth) -> room.Outcome:
    pending = conn.pending_join
    if pending is None:
        raise InvalidMessage("'auth' is only for a /ws/{sessionId} connection awaiting its token")
    request = replace(pending, token=auth.token, ref=auth.ref)
    return _join(app, conn, request)


def _leave(app: web.Application, conn: Connection) -> None:
    session, member = conn.session, conn.member
    if session is None or member is None:
        return
    label = conn.label
    conn.session = conn.member = None
    if not session.is_member(member):  # removed or replaced already
        return
    dispatch(room.leave(session, member, app[CLOCK]()), app[METRICS])
    persist.journal(app, session)
    log.info("%s left", label)


# --- /ws/{session_id} -----------------------------------------------------------------------


def _url_join(request: web.Request) -> JoinSession:
    """Check a join-by-URL before the upgrade, so a bad one is a plain JSON 4xx."""
    session = request.app[STORE].get(request.match_info["session_id"])
    query = request.query
    revision = query.get("revision")
    if revision is not None and not revision.isdigit():
        raise InvalidMessage("query parameter 'revision' must be a non-negative integer")
    full_code = query.get("fullCode", "true").lower()
    if full_code not in ("true", "false"):
        raise InvalidMessage("query parameter 'fullCode' must be true or false")
    history_id = query.get("historyId")
    if history_id is not None and len(history_id) > MAX_HISTORY_ID_LENGTH:
        raise InvalidMessage(
            f"query parameter 'historyId' must be at most {MAX_HISTORY_ID_LENGTH} characters"
        )
    join = JoinSession(
        session_id=session.id,
        name=read_name(dict(query), "name", request.app[CONFIG].max_name_length),
        role=read_role(query.get("role")),
        token=query.get("token"),
        revision=int(revision) if revision is not None else None,
        full_code=full_code == "true",
        client_id=read_client_id(query.get("clientId"), "query parameter 'clientId'"),
        history_id=history_id,
    )
    if join.token is not None:
        try:
            room.check_token(session, join.role, join.token)
        except Forbidden as exc:
            address = guards.address_of(request)
            log.warning(
                "refused a join to session %s as %s from %s: %s",
                session.id,
                join.role,
                address or "?",
                exc.message,
            )
            raise
    return join


def _start_url_join(app: web.Application, conn: Connection, join: JoinSession) -> None:
    if join.role in room.TOKEN_ROLES and join.token is None:
        conn.pending_join = join  # the token comes in the first frame: {"type":"auth",...}
        return
    try:
        outcome = _join(app, conn, join)
    except DomainError as exc:  # the session may have gone between the check and now
        send_error(app, conn, exc)
        return
    persist.journal(app, conn.session)
    persist.when_durable(app, send_outcome, app, conn, outcome)
