"""REST for the interview around the code: the problem bank and the session's record."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from sessions.errors import BadRequest
from sessions.interview.problems import suggest_next
from sessions.room.report import build_report
from sessions.web.keys import CLOCK, PROBLEMS
from sessions.web.responses import json_response
from sessions.web.rest import authorize, session_of


async def list_problems(request: web.Request) -> web.Response:
    problems = request.app[PROBLEMS].list(
        difficulty=request.query.get("difficulty"), tag=request.query.get("tag")
    )
    return json_response({"problems": [p.summary() for p in problems], "count": len(problems)})


async def get_problem(request: web.Request) -> web.Response:
    return json_response(request.app[PROBLEMS].get(request.match_info["slug"]).to_json())


async def next_problem(request: web.Request) -> web.Response:
    bank = request.app[PROBLEMS]
    solved = bank.get(request.match_info["slug"])
    suggestion = suggest_next(bank, solved)
    return json_response({"suggestion": suggestion.summary() if suggestion else None})


async def timeline(request: web.Request) -> web.Response:
    """The full record, private notes included: interviewers only."""
    session = session_of(request)
    authorize(request, session)
    record = session.timeline
    return json_response(
        {
            "baseRevision": record.base_revision,
            "events": [event.to_json() for event in record.events],
            "count": len(record.events),
        }
    )


def _parse_at(value: str) -> dict[str, float | int]:
    if value.isdigit():
        return {"revision": int(value)}
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            "query parameter 'at' must be a revision number or an ISO 8601 time"
        ) from None
    if moment.tzinfo is None:
        raise BadRequest("query parameter 'at' needs a time zone, e.g. 2026-11-24T09:00:00Z")
    return {"at": moment.timestamp()}


async def replay(request: web.Request) -> web.Response:
    """The code as it was at ``?at=<revision>`` or ``?at=<ISO time>``."""
    session = session_of(request)
    at = request.query.get("at")
    if at is None:
        raise BadRequest("query parameter 'at' is required (a revision or an ISO 8601 time)")
    point = _parse_at(at)
    state = session.timeline.state_at(
        revision=int(point["revision"]) if "revision" in point else None,
        at=point.get("at"),
    )
    return json_response(state)


async def report(request: web.Request) -> web.Response:
    session = session_of(request)
    return json_response(build_report(session, request.app[CLOCK]()))


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/problems", list_problems)
    router.add_get("/api/problems/{slug}", get_problem)
    router.add_get("/api/problems/{slug}/next", next_problem)
    router.add_get("/api/sessions/{session_id}/timeline", timeline)
    router.add_get("/api/sessions/{session_id}/replay", replay)
    router.add_get("/api/sessions/{session_id}/report", report)
