"""Running code over the socket: the events, the refusals, the queue, cancel, the record.

The containment itself is proved in ``test_exec_containment.py``; here the server runs with
small limits (5 s) and, where it matters, against each isolation level the machine has.
"""

from __future__ import annotations

import resource
import time
import uuid
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.languages import LANGUAGES
from sessions.web.app import create_app
from tests.helpers import Json, create_session, join, receive, request
from tests.sandboxes import LEVELS, capabilities_for, need_process_limit, processes_with

pytestmark = pytest.mark.timeout(60)
Client = TestClient[Any, Any]
SLEEPER = "import time\ntime.sleep(30)\n"
"""A run that lasts and prints nothing, so the next frame a test reads is the one it expects."""
MiB = 1024 * 1024


def exec_config(level: str = "auto", **overrides: Any) -> Config:
    settings: dict[str, Any] = {
        "enable_exec": True,
        "exec_isolation": level,
        "exec_timeout_seconds": 5.0,
        "exec_max_concurrent": 2,
    }
    settings.update(overrides)
    return Config(**settings)


@pytest.fixture
async def runner(aiohttp_client: AiohttpClient, clock: FakeClock) -> Client:
    """A server with execution on, in the strongest isolation this machine has."""
    return await aiohttp_client(create_app(exec_config(), clock=clock))


@pytest.fixture(params=LEVELS)
async def level_runner(
    request: pytest.FixtureRequest, aiohttp_client: AiohttpClient, clock: FakeClock
) -> Client:
    """A server with execution on, once per isolation level this machine has."""
    capabilities_for(request.param)
    return await aiohttp_client(create_app(exec_config(request.param), clock=clock))


async def session_with(client: Client, code: str, **body: Any) -> Json:
    session = await create_session(client, code=code, **body)
    return session


async def until(ws: ClientWebSocketResponse, kind: str) -> tuple[Json, list[Json]]:
    """Read frames up to the first of type ``kind``; returns it and the frames before it."""
    seen: list[Json] = []
    for _ in range(10_000):
        frame = await receive(ws)
        if frame["type"] == kind:
            return frame, seen
        seen.append(frame)
    raise AssertionError(f"no {kind} in 10,000 frames")


def output_of(frames: list[Json], stream: str = "stdout") -> str:
    return "".join(f["data"] for f in frames if f["type"] == "run-output" and f["stream"] == stream)


async def test_run_code_is_refused_when_the_server_runs_without_exec(client: Client):
    session = await create_session(client, code="print(1)")
    ws, _ = await join(client, session, "Cara")
    reply = await request(ws, {"type": "run-code", "ref": 1})
    assert reply == {
        "type": "error",
        "code": "exec-disabled",
        "message": "this server was started without --enable-exec: code cannot run",
        "ref": 1,
    }


async def test_health_and_languages_say_what_runs_and_inside_what(runner: Client):
    health = await (await runner.get("/health")).json()
    languages = await (await runner.get("/api/languages")).json()
    execution = health["execution"]
    assert execution["enabled"] is True
    assert execution["isolation"] in ("bubblewrap", "namespaces", "rlimits")
    assert "python" in execution["runnable"]
    assert languages["runnable"] == {lang: lang in execution["runnable"] for lang in LANGUAGES}
    assert languages["runnable"]["swift"] is False


async def test_observers_may_not_run_code(runner: Client):
    session = await create_session(runner, code="print(1)")
    ws, _ = await join(runner, session, "Otto", role="observer", token=session["observerToken"])
    reply = await request(ws, {"type": "run-code", "ref": "r"})
    assert reply == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'observer' may not run code",
        "action": "run-code",
        "ref": "r",
    }
    reply = await request(ws, {"type": "cancel-run", "ref": "c"})
    assert (reply["code"], reply["action"]) == ("forbidden", "run-code")


async def test_a_run_is_started_streamed_and_its_result_sent_to_everyone(runner: Client):
    session = await create_session(runner, code="print('hello')\n")
    interviewer, _ = await join(runner, session, "Ivan", role="interviewer")
    candidate, state = await join(runner, session, "Cara")
    await receive(interviewer)  # users-update
    started = await request(candidate, {"type": "run-code", "ref": "go"})
    run_id = started["runId"]
    assert started == {
        "type": "run-started",
        "runId": run_id,
        "revision": 0,
        "language": "python",
        "userId": state["you"]["userId"],
        "name": "Cara",
        "ref": "go",
    }
    seen_started = await receive(interviewer)
    assert seen_started == {key: value for key, value in started.items() if key != "ref"}
    for ws in (candidate, interviewer):
        result, before = await until(ws, "run-result")
        assert output_of(before) == "hello\n"
        assert {f["runId"] for f in before} == {run_id}
        assert result["status"] == "ok"
        assert (result["runId"], result["exitCode"], result["tests"]) == (run_id, 0, None)
        assert (result["passed"], result["total"]) == (None, None)
        assert isinstance(result["wallSeconds"], float)


async def test_output_arrives_before_the_result_of_a_program_that_prints_then_sleeps(
    runner: Client,
):
    code = "import time\nprint('early', flush=True)\ntime.sleep(0.5)\nprint('late')\n"
    session = await create_session(runner, code=code)
    ws, _ = await join(runner, session, "Cara")
    await request(ws, {"type": "run-code"})
    first = await receive(ws)
    assert first["type"] == "run-output" and first["data"].startswith("early")
    result, rest = await until(ws, "run-result")
    assert output_of([first, *rest]) == "early\nlate\n"
    assert result["status"] == "ok"


async def test_a_second_run_code_while_one_runs_is_run_in_progress(runner: Client):
    session = await create_session(runner, code=SLEEPER)
    ws, _ = await join(runner, session, "Cara")
    started = await request(ws, {"type": "run-code"})
    reply = await request(ws, {"type": "run-code", "ref": 2})
    assert reply == {
        "type": "error",
        "code": "run-in-progress",
        "message": "a run is already in progress in this session",
        "runId": started["runId"],
        "ref": 2,
    }
    ack = await request(ws, {"type": "cancel-run", "ref": "stop"})
    assert ack == {"type": "ack", "ref": "stop"}
    result, _ = await until(ws, "run-result")
    assert (result["status"], result["exitCode"]) == ("killed", None)


async def test_cancel_run_without_a_run_is_acknowledged(runner: Client):
    session = await create_session(runner, code="print(1)")
    ws, _ = await join(runner, session, "Cara")
    assert await request(ws, {"type": "cancel-run", "ref": 7}) == {"type": "ack", "ref": 7}


async def test_a_language_this_server_cannot_run_is_refused(runner: Client):
    session = await create_session(runner, code="fmt.Println(1)", language="go")
    ws, _ = await join(runner, session, "Cara")
    reply = await request(ws, {"type": "run-code"})
    assert reply == {
        "type": "error",
        "code": "language-not-runnable",
        "message": "go code cannot run on this server",
        "language": "go",
    }


async def test_runs_beyond_the_server_limit_wait_in_line_and_are_told_their_place(
    aiohttp_client: AiohttpClient, clock: FakeClock
):
    client = await aiohttp_client(
        create_app(exec_config(exec_max_concurrent=1, exec_timeout_seconds=10.0), clock=clock)
    )
    sockets = []
    for name in ("A", "B", "C"):
        session = await create_session(client, code=SLEEPER)
        ws, _ = await join(client, session, name)
        sockets.append(ws)
    a, b, c = sockets
    started_a = await request(a, {"type": "run-code"})
    assert started_a["type"] == "run-started"
    queued_b = await request(b, {"type": "run-code", "ref": "b"})
    assert queued_b == {"type": "run-queued", "runId": queued_b["runId"], "position": 1, "ref": "b"}
    queued_c = await request(c, {"type": "run-code"})
    assert (queued_c["type"], queued_c["position"]) == ("run-queued", 2)
    assert await request(a, {"type": "cancel-run", "ref": 1}) == {"type": "ack", "ref": 1}
    result_a, _ = await until(a, "run-result")
    assert result_a["status"] == "killed"
    started_b = await receive(b)
    assert (started_b["type"], started_b["runId"]) == ("run-started", queued_b["runId"])
    assert await receive(c) == {"type": "run-queued", "runId": queued_c["runId"], "position": 1}
    # A queued run that is cancelled never starts: its result says killed.
    assert await request(c, {"type": "cancel-run", "ref": 2}) == {"type": "ack", "ref": 2}
    result_c = await receive(c)
    assert result_c == {
        "type": "run-result",
        "runId": queued_c["runId"],
        "status": "killed",
        "exitCode": None,
        "wallSeconds": 0.0,
        "cpuSeconds": None,
        "tests": None,
        "passed": None,
        "total": None,
    }
    await request(b, {"type": "cancel-run"})
    result_b, _ = await until(b, "run-result")
    assert result_b["status"] == "killed"


async def test_a_full_queue_is_capacity(aiohttp_client: AiohttpClient, clock: FakeClock):
    config = exec_config(exec_max_concurrent=1, exec_queue_size=1, exec_timeout_seconds=10.0)
    client = await aiohttp_client(create_app(config, clock=clock))
    sockets = []
    for name in ("A", "B", "C"):
        session = await create_session(client, code=SLEEPER)
        ws, _ = await join(client, session, name)
        sockets.append(ws)
    a, b, c = sockets
    assert (await request(a, {"type": "run-code"}))["type"] == "run-started"
    assert (await request(b, {"type": "run-code"}))["type"] == "run-queued"
    reply = await request(c, {"type": "run-code"})
    assert (reply["type"], reply["code"]) == ("error", "capacity")


async def test_with_a_queue_of_zero_a_run_is_capacity_while_every_slot_is_busy(
    aiohttp_client: AiohttpClient, clock: FakeClock
):
    config = Config.from_args(
        ["--enable-exec", "--exec-max-concurrent=1", "--exec-queue-size=0"], {}
    )
    client = await aiohttp_client(create_app(config, clock=clock))
    a, _ = await join(client, await create_session(client, code=SLEEPER), "A")
    b, _ = await join(client, await create_session(client, code=SLEEPER), "B")
    assert (await request(a, {"type": "run-code"}))["type"] == "run-started"
    reply = await request(b, {"type": "run-code"})
    assert (reply["type"], reply["code"]) == ("error", "capacity")


async def test_problem_tests_are_reported_and_recorded_in_the_timeline_and_report(
    runner: Client,
):
    code = "def two_sum(nums, target):\n    return [0, 1]\n"
    session = await create_session(runner, problem="two-sum")
    ws, _ = await join(runner, session, "Cara")
    ack = await request(ws, {"type": "code-change", "code": code})  # over the starter code
    started = await request(ws, {"type": "run-code"})
    assert started["revision"] == ack["revision"]
    result, _ = await until(ws, "run-result")
    assert (result["status"], result["passed"], result["total"]) == ("ok", 2, 6)
    assert result["tests"][0] == {
        "name": "two_sum([2, 7, 11, 15], 9)",
        "passed": True,
        "expected": [0, 1],
        "actual": [0, 1],
        "error": None,
    }
    auth = {"Authorization": f"Bearer {session['interviewerToken']}"}
    report = await (await runner.get(f"/api/sessions/{session['id']}/report", headers=auth)).json()
    [recorded] = report["runResults"]
    expected = {k: v for k, v in result.items() if k not in ("type",)}
    assert {k: recorded[k] for k in expected} == expected
    assert (recorded["revision"], recorded["language"], recorded["name"]) == (
        started["revision"],
        "python",
        "Cara",
    )
    timeline = await (
        await runner.get(f"/api/sessions/{session['id']}/timeline", headers=auth)
    ).json()
    runs = [event for event in timeline["events"] if event["type"] == "run-result"]
    assert [event["runId"] for event in runs] == [result["runId"]]


async def test_health_answers_within_a_second_during_a_fork_bomb(level_runner: Client):
    isolation = (await (await level_runner.get("/health")).json())["execution"]["isolation"]
    need_process_limit(capabilities_for(isolation))
    bomb = "import os\nwhile True:\n    os.fork()\n"
    session = await create_session(level_runner, code=bomb)
    ws, _ = await join(level_runner, session, "Cara")
    assert (await request(ws, {"type": "run-code"}))["type"] == "run-started"
    for _ in range(3):
        began = time.monotonic()
        response = await level_runner.get("/health")
        assert response.status == 200
        assert time.monotonic() - began < 1.0
    result, _ = await until(ws, "run-result")
    # Stopped for its processes (error), their memory, or the clock, whichever comes first.
    assert result["status"] in ("error", "memory-limit", "timeout")


async def test_printing_10_mb_is_an_output_limit_and_the_server_stays_flat(runner: Client):
    session = await create_session(runner, code="import sys\nsys.stdout.write('x' * 10_000_000)\n")
    ws, _ = await join(runner, session, "Cara")
    for _warm_up_then_measure in range(2):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        await request(ws, {"type": "run-code"})
        result, frames = await until(ws, "run-result")
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert result["status"] == "output-limit"
        assert output_of(frames) == "x" * 64 * 1024
    assert grown_kib < 8 * 1024, f"the server grew by {grown_kib} KiB while printing 10 MB"


async def test_a_run_cannot_connect_to_the_servers_own_port_where_isolation_says_so(
    level_runner: Client,
):
    port = level_runner.server.port
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('refused')\n"
    )
    isolation = (await (await level_runner.get("/health")).json())["execution"]["isolation"]
    session = await create_session(level_runner, code=code)
    ws, _ = await join(level_runner, session, "Cara")
    await request(ws, {"type": "run-code"})
    result, frames = await until(ws, "run-result")
    assert result["status"] == "ok"
    no_network = isolation in ("bubblewrap", "namespaces")
    assert output_of(frames) == ("refused\n" if no_network else "connected\n")


async def test_shutting_down_kills_the_runs_in_progress(
    aiohttp_client: AiohttpClient, clock: FakeClock
):
    client = await aiohttp_client(create_app(exec_config(exec_timeout_seconds=30.0), clock=clock))
    marker = f"shutdown-{uuid.uuid4().hex}"
    sleeper = "import time; print(chr(33), flush=True); time.sleep(30)"
    code = f"import os, sys\nos.execv(sys.executable, ['python', '-c', '{sleeper}', '{marker}'])\n"
    session = await create_session(client, code=code)
    ws, _ = await join(client, session, "Cara")
    await request(ws, {"type": "run-code"})
    ready = await receive(ws)
    assert ready["type"] == "run-output"
    began = time.monotonic()
    assert len(processes_with(marker)) == 1
    await client.close()
    assert time.monotonic() - began < 10.0
    assert processes_with(marker) == []


async def test_an_ended_session_runs_nothing(runner: Client):
    session = await create_session(runner, code="print(1)")
    ws, _ = await join(runner, session, "Ivan", role="interviewer")
    assert (await request(ws, {"type": "end-session"}))["type"] == "ack"
    await receive(ws)  # session-ended
    reply = await request(ws, {"type": "run-code"})
    assert (reply["type"], reply["code"]) == ("error", "session-ended")


async def test_a_run_goes_on_when_its_author_leaves(runner: Client):
    code = "import time\nprint('one', flush=True)\ntime.sleep(0.3)\nprint('two')\n"
    session = await create_session(runner, code=code)
    watcher, _ = await join(runner, session, "Ivan", role="interviewer")
    author, _ = await join(runner, session, "Cara")
    await receive(watcher)  # users-update
    await request(author, {"type": "run-code"})
    await author.close()
    result, frames = await until(watcher, "run-result")
    assert result["status"] == "ok"
    assert output_of(frames) == "one\ntwo\n"
