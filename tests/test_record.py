"""Problems in sessions, idle expiry, and the record: timeline, replay, report."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock, iso
from sessions.collab import ot
from sessions.config import Config
from sessions.interview.problems import ProblemBankError, load_bank, starter_for
from sessions.interview.record import Timeline
from sessions.web.app import create_app
from sessions.web.expiry import sweep
from tests.helpers import create_session, join, receive, request

Client = TestClient[Any, Any]
BANK = load_bank()
TWO_SUM_PY = starter_for(BANK.get("two-sum"), "python")
TWO_SUM_JS = starter_for(BANK.get("two-sum"), "javascript")


def auth(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['interviewerToken']}"}


# --- problem bank over REST -------------------------------------------------------------------


async def test_problems_are_listed_with_summaries_and_filters(client: Client):
    everything = await (await client.get("/api/problems")).json()
    assert everything["count"] == len(BANK) >= 8
    assert everything["problems"][0] == BANK.list()[0].summary()
    easy = await (await client.get("/api/problems?difficulty=easy")).json()
    assert {p["difficulty"] for p in easy["problems"]} == {"easy"}
    tagged = await (await client.get("/api/problems?tag=hash-map")).json()
    assert all("hash-map" in p["tags"] for p in tagged["problems"])
    assert [p["slug"] for p in tagged["problems"]] == [p.slug for p in BANK.list(tag="hash-map")]


async def test_a_problem_is_served_whole_and_an_unknown_one_is_404(client: Client):
    response = await client.get("/api/problems/two-sum")
    assert await response.json() == BANK.get("two-sum").to_json()
    missing = await client.get("/api/problems/nope")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not-found"


async def test_an_invalid_difficulty_filter_is_400(client: Client):
    response = await client.get("/api/problems?difficulty=trivial")
    assert response.status == 400
    assert "difficulty" in (await response.json())["error"]["message"]


async def test_the_next_problem_is_suggested(client: Client):
    body = await (await client.get("/api/problems/two-sum/next")).json()
    suggestion = body["suggestion"]
    assert suggestion["difficulty"] == "medium"
    assert set(suggestion["tags"]) & {"arrays", "hash-map"}


def write_bank(tmp_path: Path, problem: dict[str, Any]) -> Path:
    path = tmp_path / f"{problem['slug']}.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    return path


CUSTOM = {
    "slug": "fizz-buzz",
    "title": "Fizz Buzz",
    "difficulty": "easy",
    "tags": ["strings"],
    "description": "Print fizz and buzz.",
    "starterCode": {"python": "def fizz_buzz(n):\n    pass\n", "javascript": "function f(n) {}\n"},
    "tests": [
        {"input": [3], "expected": "Fizz"},
        {"input": [5], "expected": "Buzz"},
        {"input": [15], "expected": "FizzBuzz"},
    ],
}


async def test_a_custom_bank_is_loaded_in_addition_or_instead(
    aiohttp_client: AiohttpClient, tmp_path: Path
):
    path = str(write_bank(tmp_path, CUSTOM))
    both = await aiohttp_client(create_app(Config(problems=(path,))))
    listed = await (await both.get("/api/problems")).json()
    assert listed["count"] == len(BANK) + 1
    only = await aiohttp_client(create_app(Config(problems=(path,), default_problems=False)))
    listed = await (await only.get("/api/problems")).json()
    assert [p["slug"] for p in listed["problems"]] == ["fizz-buzz"]


def test_a_broken_bank_stops_start_up_naming_the_file_and_field(tmp_path: Path):
    path = write_bank(tmp_path, {**CUSTOM, "difficulty": "trivial"})
    with pytest.raises(ProblemBankError) as caught:
        create_app(Config(problems=(str(path),)))
    assert str(path) in str(caught.value)
    assert caught.value.field == "difficulty"


def test_server_exits_with_a_message_on_a_broken_bank(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    import server

    path = write_bank(tmp_path, {**CUSTOM, "tags": "strings"})
    with pytest.raises(SystemExit) as exited:
        server.main(["--problems", str(path), "--port", "0"])
    assert exited.value.code == 2
    assert f"{path}: field 'tags'" in caplog.text


# --- problems in a session ----------------------------------------------------------------------


async def test_creating_with_a_problem_loads_its_starter_code_as_one_op(client: Client):
    session = await create_session(client, problem="two-sum")
    assert (session["problem"], session["code"], session["revision"]) == ("two-sum", TWO_SUM_PY, 1)
    _, state = await join(client, session, "Cara")
    assert state["problem"] == BANK.get("two-sum").to_json()


async def test_creating_with_an_unknown_problem_or_with_code_too_is_400(client: Client):
    unknown = await client.post("/api/sessions", json={"problem": "nope"})
    assert (unknown.status, (await unknown.json())["error"]["message"]) == (
        400,
        "field 'problem': no problem 'nope' in the bank",
    )
    both = await client.post("/api/sessions", json={"problem": "two-sum", "code": "x"})
    assert both.status == 400


async def test_set_problem_updates_everyone_and_can_be_undone_by_its_op(client: Client):
    session = await create_session(client, code="# scratch\n")
    ivan, ivan_state = await join(
        client, session, "Ivan", role="interviewer", token=session["interviewerToken"]
    )
    cara, _ = await join(client, session, "Cara")
    await receive(ivan)
    assert await request(ivan, {"type": "set-problem", "slug": "two-sum", "ref": 1}) == {
        "type": "ack",
        "revision": 1,
        "ref": 1,
    }
    problem_update = {
        "type": "problem-update",
        "problem": BANK.get("two-sum").to_json(),
        "userId": ivan_state["you"]["userId"],
    }
    for ws in (ivan, cara):
        assert await receive(ws) == problem_update
        update = await receive(ws)
        assert (update["type"], update["revision"], update["code"]) == (
            "code-update",
            1,
            TWO_SUM_PY,
        )
    undo = ot.invert(update["ops"], "# scratch\n")
    await request(cara, {"type": "code-change", "revision": 1, "ops": undo})
    body = await (await client.get(f"/api/sessions/{session['id']}")).json()
    assert (body["code"], body["revision"], body["problem"]) == ("# scratch\n", 2, "two-sum")


async def test_set_problem_with_an_unknown_slug_is_an_error(client: Client):
    session = await create_session(client)
    ivan, _ = await join(
        client, session, "Ivan", role="interviewer", token=session["interviewerToken"]
    )
    reply = await request(ivan, {"type": "set-problem", "slug": "nope"})
    assert (reply["type"], reply["code"]) == ("error", "problem-not-found")


async def test_changing_language_swaps_an_untouched_starter(client: Client):
    session = await create_session(client, problem="two-sum")
    cara, _ = await join(client, session, "Cara")
    assert await request(cara, {"type": "language-change", "language": "javascript"}) == {
        "type": "ack",
        "revision": 1,
    }
    update = await receive(cara)
    assert (update["type"], update["revision"], update["code"]) == ("code-update", 2, TWO_SUM_JS)


async def test_changing_language_keeps_edited_code(client: Client):
    session = await create_session(client, problem="two-sum")
    cara, _ = await join(client, session, "Cara")
    await request(
        cara, {"type": "code-change", "revision": 1, "ops": ["# mine\n", len(TWO_SUM_PY)]}
    )
    await request(cara, {"type": "language-change", "language": "javascript"})
    body = await (await client.get(f"/api/sessions/{session['id']}")).json()
    assert (body["language"], body["code"]) == ("javascript", "# mine\n" + TWO_SUM_PY)


# --- idle expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize("config", [Config(session_ttl_seconds=100)])
async def test_idle_sessions_expire_and_busy_ones_stay(client: Client, clock: FakeClock):
    idle = await create_session(client)
    busy = await create_session(client)
    ws, _ = await join(client, busy, "Cara")
    clock.advance(99)
    assert sweep(client.app) == []
    clock.advance(1)
    assert sweep(client.app) == [idle["id"]]
    assert (await client.get(f"/api/sessions/{idle['id']}")).status == 404
    await ws.close()
    left = await (await client.get(f"/api/sessions/{busy['id']}/users")).json()
    assert left["count"] == 0
    clock.advance(99)
    assert sweep(client.app) == []
    clock.advance(1)
    assert sweep(client.app) == [busy["id"]]


async def test_the_cleanup_task_runs_with_the_app(aiohttp_client: AiohttpClient):
    clock = FakeClock()
    config = Config(session_ttl_seconds=10, cleanup_interval_seconds=0.01)
    client = await aiohttp_client(create_app(config, clock=clock))
    created = await create_session(client)
    clock.advance(10)
    # The sweep is timer-driven: wait (bounded) for the task to notice.
    for _ in range(500):
        if (await client.get(f"/api/sessions/{created['id']}")).status == 404:
            break
        await asyncio.sleep(0.01)
    assert (await client.get(f"/api/sessions/{created['id']}")).status == 404


# --- the record -------------------------------------------------------------------------------


async def test_timeline_needs_the_interviewer_token(client: Client):
    session = await create_session(client)
    url = f"/api/sessions/{session['id']}/timeline"
    assert (await client.get(url)).status == 401
    assert (await client.get(url, headers={"Authorization": "Bearer x"})).status == 403


async def test_timeline_records_every_kind_of_event_in_order(client: Client, clock: FakeClock):
    session = await create_session(client)
    ivan, ivan_state = await join(
        client, session, "Ivan", role="interviewer", token=session["interviewerToken"]
    )
    cara, cara_state = await join(client, session, "Cara")
    await receive(ivan)
    clock.advance(5)
    await request(cara, {"type": "code-change", "revision": 0, "ops": ["a"]})
    await request(cara, {"type": "language-change", "language": "go"})
    await request(cara, {"type": "chat-message", "text": "done?"})
    await request(ivan, {"type": "note", "text": "quick"})
    await cara.close()
    await receive(ivan)  # code-update
    await receive(ivan)  # language-change
    await receive(ivan)  # chat
    assert (await receive(ivan))["type"] == "users-update"
    body = await (
        await client.get(f"/api/sessions/{session['id']}/timeline", headers=auth(session))
    ).json()
    cara_id, ivan_id = cara_state["you"]["userId"], ivan_state["you"]["userId"]
    later = iso(clock.now)
    assert body["events"] == [
        {
            "seq": 1,
            "at": iso(clock.now - 5),
            "type": "join",
            "userId": ivan_id,
            "name": "Ivan",
            "role": "interviewer",
        },
        {
            "seq": 2,
            "at": iso(clock.now - 5),
            "type": "join",
            "userId": cara_id,
            "name": "Cara",
            "role": "candidate",
        },
        {
            "seq": 3,
            "at": later,
            "type": "code-change",
            "userId": cara_id,
            "name": "Cara",
            "revision": 1,
            "ops": ["a"],
        },
        {
            "seq": 4,
            "at": later,
            "type": "language-change",
            "userId": cara_id,
            "name": "Cara",
            "language": "go",
        },
        {
            "seq": 5,
            "at": later,
            "type": "chat-message",
            "userId": cara_id,
            "name": "Cara",
            "id": "m1",
            "text": "done?",
            "kind": "message",
            "replyTo": None,
        },
        {
            "seq": 6,
            "at": later,
            "type": "note",
            "userId": ivan_id,
            "name": "Ivan",
            "id": "n1",
            "text": "quick",
        },
        {"seq": 7, "at": later, "type": "leave", "userId": cara_id, "name": "Cara"},
    ]
    assert (body["count"], body["baseRevision"]) == (7, 0)


async def test_replay_returns_the_code_each_client_saw(client: Client, clock: FakeClock):
    session = await create_session(client, code="start")
    cara, _ = await join(client, session, "Cara")
    ivan, _ = await join(
        client, session, "Ivan", role="interviewer", token=session["interviewerToken"]
    )
    await receive(cara)
    seen: dict[int, tuple[str, str]] = {0: ("start", iso(clock.now))}
    edits = [[5, "!"], ["> ", 6], [8, "?"]]
    for revision, ops in enumerate(edits):
        clock.advance(10)
        await request(cara, {"type": "code-change", "revision": revision, "ops": ops})
        update = await receive(ivan)
        seen[update["revision"]] = (update["code"], iso(clock.now))
    for revision, (code, at) in seen.items():
        by_revision = await (
            await client.get(f"/api/sessions/{session['id']}/replay?at={revision}")
        ).json()
        assert by_revision == {"revision": revision, "at": at, "code": code, "language": "python"}
        by_time = await (
            await client.get(f"/api/sessions/{session['id']}/replay", params={"at": at})
        ).json()
        assert (by_time["revision"], by_time["code"]) == (revision, code)


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("yesterday", "query parameter 'at' must be a revision number or an ISO 8601 time"),
        (
            "2026-05-28T20:26:40",
            "query parameter 'at' needs a time zone, e.g. 2026-11-24T09:00:00Z",
        ),
        ("²", "query parameter 'at' must be a revision number or an ISO 8601 time"),
        ("20260528T202640Z", "query parameter 'at' must be a revision number or an ISO 8601 time"),
        (
            "2026-02-30T00:00:00Z",
            "query parameter 'at' is not a valid time: '2026-02-30T00:00:00Z'",
        ),
        ("9" * 5000, "query parameter 'at' must be an integer from 0 to 9007199254740991"),
    ],
)
async def test_replay_rejects_bad_points(client: Client, at: str, message: str):
    session = await create_session(client)
    response = await client.get(f"/api/sessions/{session['id']}/replay", params={"at": at})
    assert response.status == 400
    assert await response.json() == {"error": {"code": "bad-request", "message": message}}


async def test_replay_of_a_revision_not_reached_yet_is_404(client: Client):
    session = await create_session(client)
    response = await client.get(f"/api/sessions/{session['id']}/replay?at=7")
    assert response.status == 404
    assert await response.json() == {
        "error": {"code": "not-found", "message": "revision 7 does not exist yet (latest: 0)"}
    }


async def test_replay_reads_any_rfc_3339_time_lowercase_and_leap_second_included(client: Client):
    session = await create_session(client)
    for at in ("2026-05-28t20:26:40.5z", "2026-05-28T23:59:60Z", "0000-01-01T00:00:00+01:00"):
        response = await client.get(f"/api/sessions/{session['id']}/replay", params={"at": at})
        assert (response.status, (await response.json())["revision"]) == (200, 0)


@pytest.mark.parametrize("config", [Config(timeline_size=3)])
async def test_a_full_timeline_folds_old_edits_and_keeps_replay_exact(client: Client):
    session = await create_session(client)
    cara, _ = await join(client, session, "Cara")
    for revision in range(6):
        ops = [revision, str(revision)] if revision else ["0"]
        await request(cara, {"type": "code-change", "revision": revision, "ops": ops})
    replay = await (await client.get(f"/api/sessions/{session['id']}/replay?at=5")).json()
    assert replay["code"] == "01234"
    latest = await (await client.get(f"/api/sessions/{session['id']}/replay?at=6")).json()
    assert latest["code"] == "012345"
    old = await client.get(f"/api/sessions/{session['id']}/replay?at=1")
    assert (old.status, (await old.json())["error"]["message"]) == (
        409,
        "revision 1 is older than the record keeps (oldest: 3)",
    )


async def test_report_summarises_the_interview(client: Client, clock: FakeClock):
    session = await create_session(client, problem="two-sum")
    ivan, ivan_state = await join(
        client, session, "Ivan", role="interviewer", token=session["interviewerToken"]
    )
    cara, cara_state = await join(client, session, "Cara")
    clock.advance(30)
    await request(cara, {"type": "code-change", "revision": 1, "ops": [len(TWO_SUM_PY), "#"]})
    await request(cara, {"type": "language-change", "language": "javascript"})
    await request(cara, {"type": "chat-message", "text": "hi"})
    clock.advance(30)
    await request(ivan, {"type": "end-session"})
    report = await (await client.get(f"/api/sessions/{session['id']}/report")).json()
    start = iso(clock.now - 60)
    cara_id, ivan_id = cara_state["you"]["userId"], ivan_state["you"]["userId"]
    assert report == {
        "sessionId": session["id"],
        "name": "Untitled interview",
        "status": "ended",
        "createdAt": start,
        "endedAt": iso(clock.now),
        "durationSeconds": 60.0,
        "participants": [
            {
                "userId": ivan_id,
                "name": "Ivan",
                "role": "interviewer",
                "joinedAt": start,
                "leftAt": None,
                "edits": 0,
                "chatMessages": 0,
                "colour": 0,
            },
            {
                "userId": cara_id,
                "name": "Cara",
                "role": "candidate",
                "joinedAt": start,
                "leftAt": None,
                "edits": 1,
                "chatMessages": 1,
                "colour": 1,
                "signals": {
                    "pastes": 0,
                    "pastedChars": 0,
                    "pastesFromOutside": 0,
                    "focusLosses": 0,
                    "awaySeconds": 0.0,
                },
            },
        ],
        "editsByParticipant": {ivan_id: 0, cara_id: 1},
        "timeToFirstEditSeconds": 30.0,
        "languagesUsed": ["python", "javascript"],
        "problems": ["two-sum"],
        "finalCode": TWO_SUM_PY + "#",
        "finalLanguage": "javascript",
        "revision": 2,
        "chatMessages": 1,
        "runResults": [],
        "board": {"used": False, "elements": 0},
    }


def test_short_event_payloads_are_one_shared_copy():
    first = Timeline("", "python", 0.0, 10)
    second = Timeline("", "python", 0.0, 10)
    a = first.append(1.0, "join", "u-1", "Ada", role="observer")
    b = second.append(2.0, "join", "u-2", "Bo", role="observer")
    assert a[5] == '{"role":"observer"}'
    assert a[5] is b[5]
    assert [e.data for e in first.events] == [{"role": "observer"}]
