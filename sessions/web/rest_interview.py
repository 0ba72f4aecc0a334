"""REST for the interview around the code: the problem bank and the session's record."""

from __future__ import annotations

import asyncio

from aiohttp import web

from sessions.clock import iso
from sessions.interview.problems import DIFFICULTIES, suggest_next
from sessions.protocol.fields import MAX_SAFE_INTEGER
from sessions.protocol.inputs import AnyOf, Body, Choice, Field, Integer, Moment, Query, Text
from sessions.protocol.messages import MAX_STDIN_CHARS
from sessions.room.report import build_report
from sessions.web.keys import CLOCK, PROBLEMS
from sessions.web.responses import json_response
from sessions.web.rest import authorize, read_json_body, session_of
from sessions.web.runs import RUNS

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
REVISION = Field(
    "revision", Integer(0, MAX_SAFE_INTEGER), "the revision whose code runs", required=True
)
STDIN = Field("stdin", Text(max_length=MAX_STDIN_CHARS), "the program's standard input")
MOMENT_RUN = Body((REVISION, STDIN))
"""``POST /api/sessions/{id}/replay/run``: the replay's "Run this moment's code"."""
GONE_POLL_SECONDS = 0.25
"""How often a moment's run checks that the interviewer who asked is still connected."""


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
        state = session.timeline.state_at(revision=point)
    else:
        state = session.timeline.state_at(at=point)
    del state["problem"]  # the published answer: revision, at, code, language
    return json_response(state)


async def run_moment(request: web.Request) -> web.Response:
    """Run the code as it was at a revision, against that moment's problem (the replay's
    "Run this moment's code"): interviewers only, ended sessions too. The answer is the
    result with the whole output; the room and the timeline see nothing of it."""
    session = session_of(request)
    authorize(request, session)
    body = MOMENT_RUN.read(await read_json_body(request))
    now = session.problem
    moment = session.timeline.state_at(
        revision=body.get(REVISION), problem=now.slug if now else None
    )
    slug = moment["problem"]
    problem = now if now and now.slug == slug else None
    if slug is not None and problem is None:
        problem = request.app[PROBLEMS].get(slug)
    running = asyncio.ensure_future(
        request.app[RUNS].run_moment(session, moment, problem, body.get(STDIN))
    )
    gone = asyncio.ensure_future(_until_gone(request))
    try:
        await asyncio.wait((running, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not running.done():  # the interviewer went away (or the server is stopping)
            running.cancel()
    result, output = await running
    moment.pop("code")
    return json_response({**moment, "result": {**result.to_json(), "output": output}})


async def report(request: web.Request) -> web.Response:
    session = session_of(request)
    return json_response(build_report(session, request.app[CLOCK]()))


async def _until_gone(request: web.Request) -> None:
    """Returns once the client's connection is closed. The server does not cancel handlers
    when a client goes away (aiohttp's default), and a run should not outlive its asker;
    aiohttp offers no event for it, hence the polling."""
    while request.transport is not None and not request.transport.is_closing():  # noqa: ASYNC110
        await asyncio.sleep(GONE_POLL_SECONDS)


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/problems", list_problems)
    router.add_get("/api/problems/{slug}", get_problem)
    router.add_get("/api/problems/{slug}/next", next_problem)
    router.add_get("/api/sessions/{session_id}/timeline", timeline)
    router.add_get("/api/sessions/{session_id}/replay", replay)
    router.add_post("/api/sessions/{session_id}/replay/run", run_moment)
    router.add_get("/api/sessions/{session_id}/report", report)
