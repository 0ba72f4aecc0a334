"""Signals from the candidate's page (issue 19): they reach interviewers and observers only,
never a candidate; they are kept in the timeline and counted in the report; only candidates
send them."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import assert_no_frame, create_session, join, receive, request

Client = TestClient[Any, Any]
START = "2026-05-28T20:26:40.000Z"
PASTE = {"type": "signal", "kind": "paste", "chars": 310, "lines": 9, "fromRoom": False}


async def room(client: Client) -> tuple[dict[str, Any], Any, Any, Any, Any, str]:
    """An interviewer, an observer and two candidates, every join already seen by all."""
    session = await create_session(client, maxCandidates=2)
    ivan, _ = await join(client, session, "Ivan", role="interviewer")
    olga, _ = await join(client, session, "Olga", role="observer", token=session["observerToken"])
    cara, state = await join(client, session, "Cara")
    dan, _ = await join(client, session, "Dan")
    for ws, updates in ((ivan, 3), (olga, 2), (cara, 1)):
        for _ in range(updates):
            assert (await receive(ws))["type"] == "users-update"
    return session, ivan, olga, cara, dan, state["you"]["userId"]


async def test_a_paste_reaches_interviewers_and_observers_and_no_candidate(client: Client):
    _, ivan, olga, cara, dan, cara_id = await room(client)
    assert await request(cara, {**PASTE, "ref": 1}) == {"type": "ack", "ref": 1}
    expected = {
        "type": "signal",
        "userId": cara_id,
        "name": "Cara",
        "kind": "paste",
        "at": START,
        "chars": 310,
        "lines": 9,
        "fromRoom": False,
    }
    assert await receive(ivan) == expected
    assert await receive(olga) == expected
    await assert_no_frame(dan)
    await assert_no_frame(cara)


async def test_focus_lost_and_back_are_kept_in_the_timeline_and_counted_in_the_report(
    client: Client,
):
    session, ivan, _, cara, dan, cara_id = await room(client)
    await request(cara, {"type": "signal", "kind": "focus-lost", "hidden": True})
    back = {"type": "signal", "kind": "focus-back", "hidden": True, "seconds": 12.44}
    await request(cara, back)
    await request(cara, {**PASTE, "fromRoom": True, "chars": 5})
    await request(cara, PASTE)
    auth = {"Authorization": f"Bearer {session['interviewerToken']}"}
    timeline = await (
        await client.get(f"/api/sessions/{session['id']}/timeline", headers=auth)
    ).json()
    signals = [
        {k: v for k, v in e.items() if k not in ("seq", "at")}
        for e in timeline["events"]
        if e["type"] == "signal"
    ]
    assert signals == [
        {"type": "signal", "userId": cara_id, "name": "Cara", "kind": "focus-lost", "hidden": True},
        {
            "type": "signal",
            "userId": cara_id,
            "name": "Cara",
            "kind": "focus-back",
            "hidden": True,
            "seconds": 12.4,
        },
        {
            "type": "signal",
            "userId": cara_id,
            "name": "Cara",
            "kind": "paste",
            "chars": 5,
            "lines": 9,
            "fromRoom": True,
        },
        {
            "type": "signal",
            "userId": cara_id,
            "name": "Cara",
            "kind": "paste",
            "chars": 310,
            "lines": 9,
            "fromRoom": False,
        },
    ]
    report = await (await client.get(f"/api/sessions/{session['id']}/report")).json()
    cara_report = next(p for p in report["participants"] if p["userId"] == cara_id)
    assert cara_report["signals"] == {
        "pastes": 2,
        "pastedChars": 315,
        "pastesFromOutside": 1,
        "focusLosses": 1,
        "awaySeconds": 12.4,
    }
    ivan_report = next(p for p in report["participants"] if p["name"] == "Ivan")
    assert "signals" not in ivan_report
    _, late = await join(client, session, "Ines", role="interviewer")
    await dan.close()
    await receive(ivan)
    assert late["signals"][cara_id] == cara_report["signals"]
    _, candidate_state = await join(client, session, "Cy")  # a seat is free after Dan left
    assert "signals" not in candidate_state
    await ivan.close()


@pytest.mark.parametrize("role", ["interviewer", "observer"])
async def test_only_candidates_send_signals(client: Client, role: str):
    session = await create_session(client)
    token = session["interviewerToken" if role == "interviewer" else "observerToken"]
    ws, _ = await join(client, session, "Someone", role=role, token=token)
    reply = await request(ws, {**PASTE, "ref": "s"})
    assert (reply["type"], reply["code"], reply["action"]) == ("error", "forbidden", "send-signals")


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ({"kind": "typing"}, "field 'kind' must be one of focus-lost, focus-back, paste"),
        ({"kind": "paste", "lines": 1}, "field 'chars' is required"),
        ({"kind": "paste", "chars": -1, "lines": 1}, "field 'chars' must not be negative"),
        ({"kind": "paste", "chars": 10**8, "lines": 1}, "field 'chars' must be at most 10000000"),
        ({"kind": "focus-back"}, "field 'seconds' must be a number of seconds"),
        ({"kind": "focus-back", "seconds": True}, "field 'seconds' must be a number of seconds"),
        ({"kind": "focus-back", "seconds": -2}, "field 'seconds' must be between 0 and 604800"),
        ({"kind": "focus-lost", "hidden": "yes"}, "field 'hidden' must be true or false"),
    ],
)
async def test_a_malformed_signal_is_refused_naming_the_field(
    client: Client, frame: dict[str, Any], says: str
):
    session = await create_session(client)
    cara, _ = await join(client, session, "Cara")
    reply = await request(cara, {"type": "signal", **frame, "ref": "s"})
    assert reply == {"type": "error", "code": "invalid-message", "message": says, "ref": "s"}


async def test_no_signal_after_the_end(client: Client):
    session = await create_session(client)
    ivan, _ = await join(client, session, "Ivan", role="interviewer")
    cara, _ = await join(client, session, "Cara")
    await receive(ivan)
    await request(ivan, {"type": "end-session"})
    assert (await receive(ivan))["type"] == "session-ended"
    await receive(cara)
    reply = await request(cara, {**PASTE, "ref": "s"})
    assert (reply["type"], reply["code"]) == ("error", "session-ended")
    await assert_no_frame(ivan)
