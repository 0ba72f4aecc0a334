"""The WebSocket endpoint: one reader loop per socket, one frame at a time into the domain.

Each frame is parsed, routed to one synchronous domain call, and its outcome sent: the reply
to this socket, deliveries to the others' queues. A rejected frame gets an ``error`` frame
and the socket stays open; only the transport (oversize frames, a dead peer) ends it.
"""

from __future__ import annotations

import logging

from aiohttp import WSMsgType, web

from sessions.errors import BadRequest, BinaryNotSupported, DomainError, Forbidden, InternalError
from sessions.protocol.messages import FrameError, JoinSession, parse_frame
from sessions.room import presence
from sessions.web import actions, guards
from sessions.web.commit import COMMIT
from sessions.web.connection import Connection
from sessions.web.heartbeat import SweptWebSocketResponse
from sessions.web.keys import CONFIG, CONNECTIONS, LIMITS, METRICS, STORE
from sessions.web.middleware import error_response

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
    conn = Connection(ws, request, app[CONFIG], address, app[METRICS])
    app[CONNECTIONS].add(conn)
    log.info("socket opened from %s", conn.label)
    label = conn.label
    # Looked up once, not per frame: an enum's member costs 0.05 µs to read on Python 3.11.
    text_frame, binary_frame = WSMsgType.TEXT, WSMsgType.BINARY
    try:
        if url_join is not None:
            _start_url_join(app, conn, url_join)
        async for msg in ws:
            if guards.admit_frame(app, conn):
                kind = msg.type
                if kind is text_frame:
                    handle_text(app, conn, msg.data)
                elif kind is binary_frame:
                    app[COMMIT].error(
                        conn, BinaryNotSupported("binary frames are not supported: send JSON text")
                    )
            # Not held while the socket waits for the next one: an idle socket would keep its
            # last frame, for most the join (~0.25 KiB with its text, docs/benchmarks.md).
            del msg
    finally:
        label = conn.label  # with its session and user, before leaving forgets them
        app[COMMIT].outcome(actions.leave(app, conn))
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
    ws = SweptWebSocketResponse(
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
    """Parse one frame, run it, commit its outcome. The per-frame error boundary."""
    commit = app[COMMIT]
    try:
        message = parse_frame(text, app[LIMITS])
    except FrameError as exc:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("refused frame, %d characters, from %s", len(text), conn.label)
        commit.error(conn, exc.cause, exc.ref)
        return
    if log.isEnabledFor(logging.DEBUG):  # types and sizes only: never a frame's content
        log.debug("frame %s, %d characters, from %s", message.TYPE, len(text), conn.label)
    app[METRICS].frame_in(message.TYPE)
    try:
        outcome = actions.run(app, conn, message)
    except DomainError as exc:
        commit.error(conn, exc, message.ref)
        return
    except Exception:  # the frame boundary: a bug answers this frame, the socket lives on
        log.exception("unhandled error handling a %s frame", type(message).__name__)
        commit.error(conn, InternalError(INTERNAL_ERROR), message.ref)
        return
    commit.outcome(outcome, conn)


# --- /ws/{session_id} -----------------------------------------------------------------------


def _url_join(request: web.Request) -> JoinSession:
    """Check a join-by-URL before the upgrade, so a bad one is a plain JSON 4xx."""
    app = request.app
    session = app[STORE].get(request.match_info["session_id"])
    join = JoinSession.from_query(session.id, request.query, app[LIMITS])
    if join.token is not None:
        try:
            presence.check_token(session, join.role, join.token)
        except Forbidden as exc:
            log.warning(
                "refused a join to session %s as %s from %s: %s",
                session.id,
                join.role,
                guards.address_of(request) or "?",
                exc.message,
            )
            raise
    return join


def _start_url_join(app: web.Application, conn: Connection, join: JoinSession) -> None:
    if join.role in presence.TOKEN_ROLES and join.token is None:
        conn.pending_join = join  # the token comes in the first frame: {"type":"auth",...}
        return
    commit = app[COMMIT]
    try:
        outcome = actions.join(app, conn, join)
    except DomainError as exc:  # the session may have gone between the check and now
        commit.error(conn, exc)
        return
    commit.outcome(outcome, conn)
