"""REST for the interview around the code: the problem bank and the session's record."""

from __future__ import annotations

from aiohttp import web

from sessions.clock import iso
from sessions.interview.problems import DIFFICULTIES, suggest_next
from sessions.protocol.fields import MAX_SAFE_INTEGER
from sessions.protocol.inputs import AnyOf, Choice, Field, Integer, Moment, Query, Text
from sessions.room.report import build_report
from sessions.web.keys import CLOCK, PROBLEMS
from sessions.web.responses import json_response
from sessions.web.rest import authorize, session_of

DIFFICULTY = Field("difficulty", Choice(DIFFICULTIES), "only problems of this difficulty")
TAG = Field("tag", Text(), "only problems with this tag")
PROBLEM_FILTERS = Query((DIFFICULTY, TAG))
"""``GET /api/problems``: an empty ``difficulty`` is refused like any other unknown one."""

AT = Field(
    "at",
    AnyOf(
        (Integer(0, MAX_SAFE_INTEGER), Moment()),
        "a revision number or an ISO 8601 time",
    ),
    "a revision number, or an ISO 8601 (RFC 3339) time with its offset from UTC",
    required=True,
)
REPLAY_POINT = Query((AT,))


async def list_problems(request: web.Request) -> web.Response:
    filters = PROBLEM_FILTERS.read(request.query)
    problems = request.app[PROBLEMS].list(difficulty=filters.get(DIFFICULTY), tag=filters.get(TAG))
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
            "base": {
                "code": record.base_text,
                "language": record.base_language,
                "at": iso(record.base_at),
            },
            "events": [event.to_json() for event in record.events],
            "count": len(record.events),
        }
    )


async def replay(request: web.Request) -> web.Response:
    """The code as it was at ``?at=<revision>`` or ``?at=<ISO time>``."""
    session = session_of(request)
    point = REPLAY_POINT.read(request.query).get(AT)
    if isinstance(point, int):  # a revision; a moment is a float (seconds since the epoch)
        return json_response(session.timeline.state_at(revision=point))
    return json_response(session.timeline.state_at(at=point))


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
