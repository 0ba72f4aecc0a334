"""REST handlers: read the request, call the domain, commit what it returns.

A change is committed like a socket's (:mod:`sessions.web.commit`) and answered once it is
as durable as the server promises (``--durability always``: on disk), so every socket sees
it in order with the rest."""

from __future__ import annotations

import gc
import logging
from typing import Any

from aiohttp import hdrs, web

from sessions.errors import Forbidden, Unauthorized, UnsupportedMediaType
from sessions.interview.problems import ProblemBank
from sessions.languages import DEFAULT_LANGUAGE, LANGUAGES
from sessions.protocol.validation import create_request, parse_body, patch_request
from sessions.room import editing, frames, interview
from sessions.room.outcome import Change, Outcome
from sessions.room.session import Session
from sessions.version import VERSION
from sessions.web import guards, lifecycle
from sessions.web.commit import COMMIT
from sessions.web.keys import CLOCK, CONFIG, CONNECTIONS, METRICS, PROBLEMS, STARTED_AT, STORE
from sessions.web.responses import json_response
from sessions.web.runs import RUNS

log = logging.getLogger("interview.http")
JSON_TYPES = ("application/json",)
PLAIN_JSON = frozenset(
    {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
)
"""``Content-Type`` values accepted as they are, without parsing the header (the usual)."""


async def read_json_body(request: web.Request) -> dict[str, object]:
    """The body as a JSON object; the content type must be JSON when there is a body."""
    raw = await request.read()
    if request.headers.get(hdrs.CONTENT_TYPE) not in PLAIN_JSON and raw.strip():
        _check_json_content_type(request)
    return parse_body(raw, request.app[CONFIG].max_json_depth)


def _check_json_content_type(request: web.Request) -> None:
    if not _is_json(request.content_type):
        raise UnsupportedMediaType(
            f"send the body as JSON with 'Content-Type: application/json' "
            f"(got {request.content_type!r})"
        )
    guards.check_charset(request)


def _is_json(content_type: str) -> bool:
    return content_type in JSON_TYPES or content_type.endswith("+json")


def problem_slugs(bank: ProblemBank) -> list[str]:
    """The slugs a request may name, in the bank's order (what the OpenAPI document lists)."""
    return [problem.slug for problem in bank.list()]


def session_of(request: web.Request) -> Session:
    """The session named in the URL, or 404."""
    return request.app[STORE].get(request.match_info["session_id"])


def authorize(request: web.Request, session: Session) -> None:
    """Require ``Authorization: Bearer <interviewerToken>``: 401 without it, 403 if wrong."""
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        raise Unauthorized("send 'Authorization: Bearer <interviewerToken>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <interviewerToken>'")
    if not session.is_interviewer_token(token.strip()):
        log.warning(  # the address and the session, never the token
            "refused a token for %s %s of session %s from %s",
            request.method,
            request.path[:200],
            session.id,
            guards.address_of(request) or "?",
        )
        raise Forbidden("the token is not this session's interviewer token")


async def create_session(request: web.Request) -> web.Response:
    app = request.app
    guards.check_create(request)
    bank = app[PROBLEMS]
    spec = create_request(await read_json_body(request), app[CONFIG], problem_slugs(bank))
    problem = bank.get(spec.problem) if spec.problem is not None else None
    session = app[STORE].create(
        spec.name, spec.language, spec.code, max_candidates=spec.max_candidates
    )
    outcome = Outcome(change=Change(session, whole=True))
    if problem is not None:
        outcome.extend(interview.set_problem(session, None, problem, app[CLOCK]()))
    app[COMMIT].outcome(outcome)
    await app[COMMIT].durable()
    log.info("session %s created", session.id)
    location = f"/api/sessions/{session.id}"  # the "session" route; ids are URL-safe already
    return json_response(session.created(), status=201, headers={hdrs.LOCATION: location})


async def get_session(request: web.Request) -> web.Response:
    return json_response(session_of(request).public())


async def patch_session(request: web.Request) -> web.Response:
    session = session_of(request)
    authorize(request, session)
    patch = patch_request(await read_json_body(request), request.app[CONFIG])
    editing.require_active(session)
    now = request.app[CLOCK]()
    outcome = editing.update_settings(
        session, now, name=patch.name, max_candidates=patch.max_candidates
    )
    if patch.code is not None:
        outcome.extend(editing.replace_code(session, None, patch.code, now))
    if patch.language is not None:
        outcome.extend(editing.change_language(session, None, patch.language, now))
    commit = request.app[COMMIT]
    commit.outcome(outcome)
    await commit.durable()
    return json_response(session.public())


async def delete_session(request: web.Request) -> web.Response:
    session = session_of(request)
    authorize(request, session)
    request.app[STORE].remove(session.id)
    commit = request.app[COMMIT]
    commit.outcome(interview.delete_session(session))
    await commit.durable()
    log.info("session %s deleted", session.id)
    return web.Response(status=204)


async def list_users(request: web.Request) -> web.Response:
    update = frames.users_update(session_of(request))
    return json_response({key: update[key] for key in ("users", "count", "roles")})


async def list_languages(request: web.Request) -> web.Response:
    return json_response(
        {
            "languages": list(LANGUAGES),
            "default": DEFAULT_LANGUAGE,
            "runnable": request.app[RUNS].runnable(),
            "reasons": request.app[RUNS].reasons(),
        }
    )


async def health(request: web.Request) -> web.Response:
    return json_response(health_body(request.app))


def health_body(app: web.Application) -> dict[str, Any]:
    """What ``GET /health`` answers: liveness, counts, and a cluster worker's ``--shard``."""
    body: dict[str, Any] = {
        "status": "ok",
        "sessions": len(app[STORE]),
        "sessionsByStatus": app[STORE].count_by_status(),
        "connections": len(app[CONNECTIONS]),
        "uptimeSeconds": round(app[CLOCK]() - app[STARTED_AT], 3),
        "version": VERSION,
        "execution": app[RUNS].health(),
    }
    if app[CONFIG].shard:
        body["shard"] = app[CONFIG].shard
    lifecycle.add_health(app, body)
    return body


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text: gauges looked up now, counters kept by :class:`Metrics`."""
    app = request.app
    connections = app[CONNECTIONS]
    by_status = app[STORE].count_by_status()
    gauges: dict[str, tuple[str, dict[str, float]]] = {
        "interview_connections": ("Open WebSockets.", {"": len(connections)}),
        "interview_sessions": (
            "Sessions by status.",
            {f'{{status="{status}"}}': count for status, count in by_status.items()},
        ),
        "interview_queued_frames": (
            "Frames waiting in slow sockets' queues.",
            {"": sum(conn.queued_frames for conn in connections)},
        ),
        "interview_uptime_seconds": ("Seconds since start.", {"": app[CLOCK]() - app[STARTED_AT]}),
        "interview_gc_frozen_objects": (
            "Objects frozen out of the garbage collector's reach at start-up.",
            {"": gc.get_freeze_count()},
        ),
        "interview_gc_threshold": (
            "The garbage collector's threshold by generation (server.py sets them at start-up).",
            {f'{{generation="{n}"}}': value for n, value in enumerate(gc.get_threshold())},
        ),
        "interview_gc_collections": (
            "Garbage collections since start, by generation (2: full collections).",
            {
                f'{{generation="{n}"}}': stats["collections"]
                for n, stats in enumerate(gc.get_stats())
            },
        ),
    }
    return web.Response(
        text=app[METRICS].render(gauges), content_type="text/plain", charset="utf-8"
    )


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_post("/api/sessions", create_session)
    resource = router.add_resource("/api/sessions/{session_id}", name="session")
    resource.add_route("GET", get_session)
    resource.add_route("PATCH", patch_session)
    resource.add_route("DELETE", delete_session)
    router.add_get("/api/sessions/{session_id}/users", list_users)
    router.add_get("/api/languages", list_languages)
    router.add_get("/health", health)
    router.add_get("/metrics", metrics)
