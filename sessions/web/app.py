"""The application factory: it only wires state, routes, middlewares and lifecycle hooks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from functools import partial
from pathlib import Path

from aiohttp import WSCloseCode, web

from sessions.clock import Clock, system_clock
from sessions.config import Config
from sessions.interview.problems import load_bank
from sessions.metrics import Metrics
from sessions.protocol.fields import encode
from sessions.protocol.messages import CLIENT_MESSAGE_TYPES, Limits
from sessions.room import frames
from sessions.room.store import SessionStore
from sessions.web import cluster, guards, lifecycle, openapi, pages, rest, rest_interview, runs
from sessions.web.calls import setup_calls
from sessions.web.commit import COMMIT, Commit
from sessions.web.connection import Connection
from sessions.web.expiry import expiry_task
from sessions.web.heartbeat import heartbeat_task
from sessions.web.keys import (
    CLOCK,
    CONFIG,
    CONNECTIONS,
    LIMITS,
    METRICS,
    PROBLEMS,
    STARTED_AT,
    STORE,
)
from sessions.web.logfilter import RedactTokens
from sessions.web.middleware import boundary
from sessions.web.rest_board import add_routes as add_board_routes
from sessions.web.ws import websocket_handler


def create_app(
    config: Config | Sequence[str] | None = None, *, clock: Clock | None = None
) -> web.Application:
    """Build the application.

    ``config`` may be a :class:`Config`, a list of command-line flags (what
    ``python -m aiohttp.web server:create_app`` passes), or None for defaults plus the
    ``INTERVIEW_*`` environment. An invalid problem bank raises
    :class:`~sessions.interview.problems.ProblemBankError` naming the file and the field.
    """
    if not isinstance(config, Config):
        config = Config.from_args(config)
    now = clock or system_clock
    app = web.Application(
        middlewares=[boundary],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app[CLOCK] = now
    app[STORE] = SessionStore(config, now)
    app[CONNECTIONS] = set()
    app[STARTED_AT] = now()
    app[METRICS] = Metrics(CLIENT_MESSAGE_TYPES)
    app[COMMIT] = Commit(app[METRICS])
    app[LIMITS] = Limits.of(config)
    app[PROBLEMS] = load_bank(
        [Path(path) for path in config.problems], include_default=config.default_problems
    )
    guards.setup(app)
    setup_calls(app)  # the ICE servers of calls; a TURN secret is read once, here
    rest.add_routes(app)
    rest_interview.add_routes(app)
    add_board_routes(app)
    app.router.add_get("/ws", websocket_handler, name="ws")  # names: middleware.SOCKET_ROUTES
    app.router.add_get("/ws/{session_id}", websocket_handler, name="ws-join")
    openapi.add_routes(app)
    pages.add_routes(app)  # the browser room: /, /s/{id}, /s/{id}/replay, /static/
    cluster.setup(app)
    app.cleanup_ctx.append(_redact_access_log)
    lifecycle.setup(app)  # restore before other background work starts; save after it stops
    app.cleanup_ctx.append(expiry_task)
    app.cleanup_ctx.append(heartbeat_task)  # the sockets' pings: one timer for all
    runs.setup(app)  # after the snapshot context: runs stop before the final save
    app.on_shutdown.append(_close_sockets)
    return app


async def _redact_access_log(app: web.Application) -> AsyncIterator[None]:
    access_log = logging.getLogger("aiohttp.access")
    token_filter = RedactTokens()
    access_log.addFilter(token_filter)
    yield
    access_log.removeFilter(token_filter)


async def _close_sockets(app: web.Application) -> None:
    """On shutdown, tell every socket why and close it with 1001 (going away), after every
    frame committed before (:meth:`~sessions.web.commit.Commit.later`)."""
    connections: list[Connection] = [*app[CONNECTIONS]]
    commit = app[COMMIT]
    commit.later(partial(_say_goodbye, connections))
    await commit.durable()
    if connections:
        await asyncio.gather(*(conn.shutdown() for conn in connections))


def _say_goodbye(connections: list[Connection]) -> None:
    shutdown = encode(frames.server_shutdown())
    for conn in connections:
        conn.send(shutdown)
        conn.close(WSCloseCode.GOING_AWAY, "server shutting down")
