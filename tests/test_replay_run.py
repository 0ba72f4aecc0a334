"""The replay's "Run this moment's code": ``POST /api/sessions/{id}/replay/run`` runs the code
of a past revision against the problem of that moment, for the interviewer alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from bench.common import free_port
from sessions.clock import FakeClock
from sessions.config import Config
from sessions.room.session import Session
from sessions.web.app import create_app
from sessions.web.keys import STORE
from sessions.web.runs import RUNS
from tests.helpers import Json, assert_no_frame, create_session, join, receive, request
from tests.needs import need
from tests.test_languages_ws import runnable

pytestmark = pytest.mark.timeout(120)
Client = TestClient[Any, Any]

TWO_SUM = (
    "def two_sum(nums, target):\n"
    "    seen = {}\n"
    "    for i, n in enumerate(nums):\n"
    "        if target - n in seen:\n"
    "            return [seen[target - n], i]\n"
    "        seen[n] = i\n"
)


@pytest.fixture
async def runner(aiohttp_client: AiohttpClient, clock: FakeClock) -> Client:
    config = Config(enable_exec=True, exec_timeout_seconds=10.0, exec_max_concurrent=1)
    client = await aiohttp_client(create_app(config, clock=clock))
    await runnable(client, "python")
    return client


def auth(session: Json, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or session['interviewerToken']}"}


async def interview_over_two_problems(client: Client) -> tuple[Json, Any, Any]:
    """two-sum's starter (revision 1), a solution (2), then valid-parentheses' starter (3);
    the interviewer's and the candidate's sockets."""
    session = await create_session(client, problem="two-sum")
    host, _ = await join(client, session, "Ida", role="interviewer")
    cara, _ = await join(client, session, "Cara")
    await receive(host)  # users-update: Cara joined
    ack = await request(cara, {"type": "code-change", "code": TWO_SUM})
    assert (ack["type"], ack["revision"]) == ("ack", 2)
    await receive(host)  # code-update
    await host.send_json({"type": "set-problem", "slug": "valid-parentheses"})
    await settle(host)
    await settle(cara)
    return session, host, cara


async def settle(ws: Any) -> None:
    """Read what the socket was sent, up to the answer to a ping sent now."""
    await ws.send_json({"type": "ping", "ref": "settle"})
    while await receive(ws) != {"type": "pong", "ref": "settle"}:
        pass


async def run_moment(client: Client, session: Json, body: Json, **headers: str) -> Any:
    return await client.post(
        f"/api/sessions/{session['id']}/replay/run",
        json=body,
        headers=headers or auth(session),
    )


async def test_a_past_revision_runs_against_the_problem_it_was_written_for(runner: Client):
    session, host, cara = await interview_over_two_problems(runner)
    solved = await run_moment(runner, session, {"revision": 2})
    assert solved.status == 200
    body = await solved.json()
    assert (body["revision"], body["language"], body["problem"]) == (2, "python", "two-sum")
    result = body["result"]
    assert (result["status"], result["passed"], result["total"]) == ("ok", 6, 6)
    assert "code" not in body
    starter = await (await run_moment(runner, session, {"revision": 3})).json()
    assert (starter["problem"], starter["result"]["passed"]) == ("valid-parentheses", 0)
    await host.close()
    await cara.close()


async def test_a_moment_run_reaches_nobody_in_the_room_nor_the_timeline(runner: Client):
    session, host, cara = await interview_over_two_problems(runner)
    before = await (
        await runner.get(f"/api/sessions/{session['id']}/timeline", headers=auth(session))
    ).json()
    response = await run_moment(runner, session, {"revision": 2})
    assert response.status == 200
    await assert_no_frame(host)
    await assert_no_frame(cara)
    after = await (
        await runner.get(f"/api/sessions/{session['id']}/timeline", headers=auth(session))
    ).json()
    assert after["events"] == before["events"]
    await host.close()
    await cara.close()


async def test_stdin_and_the_whole_output_come_back(runner: Client):
    code = "import sys\nprint(sys.stdin.read().upper())\nprint('x' * 5000)\n"
    session = await create_session(runner, code=code)
    body = await (await run_moment(runner, session, {"revision": 0, "stdin": "abc"})).json()
    assert (body["problem"], body["result"]["status"]) == (None, "ok")
    assert body["result"]["output"] == "ABC\n" + "x" * 5000 + "\n"  # past the room's 4,000


async def test_an_ended_interview_still_runs_its_moments(runner: Client):
    session, host, cara = await interview_over_two_problems(runner)
    assert (await request(host, {"type": "end-session"}))["type"] == "ack"
    state = await (await runner.get(f"/api/sessions/{session['id']}")).json()
    assert state["status"] == "ended"
    body = await (await run_moment(runner, session, {"revision": 2})).json()
    assert body["result"]["passed"] == 6
    await host.close()
    await cara.close()


async def test_only_the_interviewer_may_run_a_moment(runner: Client):
    session = await create_session(runner, code="print(1)\n")
    none = await runner.post(f"/api/sessions/{session['id']}/replay/run", json={"revision": 0})
    wrong = await run_moment(runner, session, {"revision": 0}, Authorization="Bearer nope")
    assert (none.status, wrong.status) == (401, 403)
    assert (await wrong.json())["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "field 'revision' is required"),
        ({"revision": -1}, 400, "field 'revision' must be an integer from 0 to 9007199254740991"),
        ({"revision": 0, "code": "x"}, 400, "unknown field(s) 'code'; allowed: revision, stdin"),
        ({"revision": 5}, 404, "revision 5 does not exist yet (latest: 0)"),
    ],
)
async def test_a_bad_moment_is_refused_with_its_reason(
    runner: Client, body: Json, status: int, message: str
):
    session = await create_session(runner, code="print(1)\n")
    response = await run_moment(runner, session, body)
    assert (response.status, (await response.json())["error"]["message"]) == (status, message)


async def test_a_language_that_does_not_run_here_is_refused(runner: Client):
    session = await create_session(runner, code="print(1)", language="swift")
    response = await run_moment(runner, session, {"revision": 0})
    assert (response.status, (await response.json())["error"]["message"]) == (
        400,
        "swift code cannot run on this server",
    )


async def test_without_exec_a_moment_run_is_refused(aiohttp_client: AiohttpClient):
    client = await aiohttp_client(create_app(Config()))
    session = await create_session(client, code="print(1)\n")
    response = await run_moment(client, session, {"revision": 0})
    assert (response.status, (await response.json())["error"]["message"]) == (
        403,
        "this server was started without --enable-exec: code cannot run",
    )


@pytest.fixture
async def served() -> AsyncIterator[tuple[web.Application, str]]:
    """The app served as server.py serves it (aiohttp does not cancel a handler whose client
    went away, unlike its test server), and its URL."""
    config = Config(enable_exec=True, exec_timeout_seconds=60.0, exec_max_concurrent=1)
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def leave_after(url: str, session: Json, seconds: float) -> None:
    """Ask for a moment run, and go away after ``seconds``."""
    async with aiohttp.ClientSession() as client:
        with contextlib.suppress(TimeoutError):
            await client.post(
                f"{url}/api/sessions/{session['id']}/replay/run",
                json={"revision": 0},
                headers=auth(session),
                timeout=aiohttp.ClientTimeout(total=seconds),
            )


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)


async def leave_while(
    url: str, session: Session, held: Callable[[], set[Any] | deque[Any]]
) -> list[str]:
    """Ask for a moment run of ``session`` and go away after 1 s: the sessions of the runs
    ``held`` gave while the request was there; returns once ``held`` is empty again."""
    leaving = asyncio.ensure_future(leave_after(url, public_of(session), 1.0))
    await until(lambda: bool(held()))
    seen = [run.session.id for run in held()]
    await leaving
    await until(lambda: not held())
    return seen


async def test_an_interviewer_who_leaves_takes_the_queued_run_out_of_the_queue(
    served: tuple[web.Application, str],
):
    app, url = served
    runs = app[RUNS]
    need("exec-python", runs.runnable()["python"], "python does not run here")
    sleeper = app[STORE].create("Busy", "python", "import time\ntime.sleep(60)\n")
    hold = asyncio.ensure_future(leave_after(url, public_of(sleeper), 30))
    await until(lambda: bool(runs.running))  # the only slot (exec_max_concurrent=1) is taken
    session = app[STORE].create("Waiting", "python", "print(1)\n")
    queued = await leave_while(url, session, lambda: runs.waiting)
    assert (queued, list(runs.waiting)) == ([session.id], [])
    hold.cancel()


async def test_an_interviewer_who_leaves_stops_the_running_run(
    served: tuple[web.Application, str],
):
    app, url = served
    runs = app[RUNS]
    need("exec-python", runs.runnable()["python"], "python does not run here")
    session = app[STORE].create("Sleeps", "python", "import time\ntime.sleep(60)\n")
    running = await leave_while(url, session, lambda: runs.running)  # killed, not after 60 s
    assert (running, list(runs.running)) == ([session.id], [])


def public_of(session: Session) -> Json:
    return {"id": session.id, "interviewerToken": session.interviewer_token}
