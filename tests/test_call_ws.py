"""The call over the socket: who may join, what is relayed to whom, what is refused, and
what the record keeps. The server relays signalling only; these tests are its whole side."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient

from sessions.clock import FakeClock
from sessions.config import Config
from tests.callkit import answer, candidate, offer, sdp
from tests.helpers import assert_no_frame, create_session, join, receive, request

Client = TestClient[Any, Any]
Json = dict[str, Any]
START = "2026-05-28T20:26:40.000Z"


def member(state: Json, *, listen_only: bool = False, muted: bool = False) -> Json:
    you = state["you"]
    return {
        "userId": you["userId"],
        "name": you["name"],
        "role": you["role"],
        "joinedAt": START,
        "listenOnly": listen_only,
        "muted": muted,
        "cameraOff": False,
    }


async def drain(ws: ClientWebSocketResponse, frame_type: str) -> Json:
    """Frames up to and including the next one of ``frame_type``."""
    while (frame := await receive(ws))["type"] != frame_type:
        pass
    return frame


async def in_call(ws: ClientWebSocketResponse, ref: str = "c") -> Json:
    """Join the call; the ``call-joined`` reply (after any update already queued)."""
    await ws.send_json({"type": "call-join", "ref": ref})
    while (joined := await receive(ws))["type"] == "call-update":
        pass
    assert joined["type"] == "call-joined", joined
    return joined


async def two_in_a_call(client: Client) -> tuple[Json, Any, Json, Any, Json]:
    """Ivan (interviewer) and Cara (candidate) in one session's call, nothing left to read."""
    session = await create_session(client)
    ivan, ivan_state = await join(client, session, "Ivan", role="interviewer")
    cara, cara_state = await join(client, session, "Cara")
    await drain(ivan, "users-update")
    await in_call(ivan)
    await drain(cara, "call-update")
    await in_call(cara)
    await drain(ivan, "call-update")
    return session, ivan, ivan_state, cara, cara_state


async def test_joining_the_call_replies_with_ice_servers_and_tells_the_others(client: Client):
    session = await create_session(client)
    ivan, ivan_state = await join(client, session, "Ivan", role="interviewer")
    cara, _ = await join(client, session, "Cara")
    await drain(ivan, "users-update")

    joined = await in_call(ivan, "r1")
    assert joined == {
        "type": "call-joined",
        "iceServers": [],
        "iceTransportPolicy": "all",
        "call": {"startedAt": START, "members": [member(ivan_state)]},
        "ref": "r1",
    }
    update = {"type": "call-update", "call": {"startedAt": START, "members": [member(ivan_state)]}}
    assert await receive(cara) == update
    await assert_no_frame(ivan)


async def test_a_session_joined_during_a_call_is_told_who_is_in_it(client: Client):
    session = await create_session(client)
    ivan, ivan_state = await join(client, session, "Ivan", role="interviewer")
    await in_call(ivan)
    late = await client.ws_connect("/ws")
    await late.send_json({"type": "join-session", "sessionId": session["id"], "name": "Late"})
    assert (await receive(late))["type"] == "session-state"
    assert await receive(late) == {
        "type": "call-update",
        "call": {"startedAt": START, "members": [member(ivan_state)]},
    }


async def test_an_offer_reaches_only_the_member_it_names(client: Client):
    session, ivan, ivan_state, cara, cara_state = await two_in_a_call(client)
    olga, _ = await join(client, session, "Olga", role="observer", token=session["observerToken"])
    await in_call(olga)
    await drain(ivan, "call-update")
    await drain(cara, "call-update")

    await ivan.send_json(offer(cara_state["you"]["userId"]))
    assert await receive(cara) == {
        "type": "call-signal",
        "from": ivan_state["you"]["userId"],
        "description": {"type": "offer", "sdp": sdp()},
    }
    await cara.send_json(candidate(ivan_state["you"]["userId"]))
    relayed = await receive(ivan)
    assert relayed["from"] == cara_state["you"]["userId"]
    assert relayed["candidate"] == candidate("")["candidate"]
    for ws in (ivan, cara, olga):
        await assert_no_frame(ws)  # no ack to the author, nothing to the third member


async def test_signalling_before_joining_the_call_is_refused(client: Client):
    session = await create_session(client)
    ivan, ivan_state = await join(client, session, "Ivan", role="interviewer")
    cara, _ = await join(client, session, "Cara")
    await drain(ivan, "users-update")
    await in_call(ivan)
    await drain(cara, "call-update")
    refused = await request(cara, {**offer(ivan_state["you"]["userId"]), "ref": 1})
    assert refused == {
        "type": "error",
        "code": "not-in-call",
        "message": "join the call (call-join) before signalling",
        "ref": 1,
    }
    await assert_no_frame(ivan)


async def test_signalling_to_a_session_member_outside_the_call_is_refused(client: Client):
    session, ivan, _, _, _ = await two_in_a_call(client)
    outside, outside_state = await join(client, session, "Olga")
    await drain(ivan, "users-update")
    to = outside_state["you"]["userId"]
    assert await request(ivan, offer(to)) == {
        "type": "error",
        "code": "not-in-call",
        "message": f"no member {to!r} in the call",
        "to": to,
    }
    await drain(outside, "call-update")
    await assert_no_frame(outside)


async def test_signalling_to_a_member_of_another_session_is_refused(client: Client):
    _, ivan, _, _, _ = await two_in_a_call(client)
    elsewhere = await create_session(client)
    other, other_state = await join(client, elsewhere, "Oscar", role="interviewer")
    await in_call(other)
    to = other_state["you"]["userId"]
    assert await request(ivan, candidate(to)) == {
        "type": "error",
        "code": "not-in-call",
        "message": f"no member {to!r} in this session's call",
        "to": to,
    }
    await assert_no_frame(other)


async def test_signalling_to_oneself_is_refused(client: Client):
    _, ivan, ivan_state, _, _ = await two_in_a_call(client)
    refused = await request(ivan, offer(ivan_state["you"]["userId"]))
    assert (refused["code"], refused["message"]) == (
        "invalid-message",
        "field 'to' names yourself: signal another member of the call",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"description": {"type": "offer", "sdp": "v=0\r\nnot sdp"}}, "description.sdp"),
        ({"description": {"type": "pranswer", "sdp": sdp()}}, "description.type"),
        (
            {"candidate": {"candidate": "candidate:1 1 udp 1 host", "sdpMid": "0"}},
            "candidate.candidate",
        ),
        ({"candidate": {"candidate": "x" * 5000, "sdpMid": "0"}}, "candidate.candidate"),
        ({}, "candidate"),
    ],
)
async def test_a_malformed_signal_is_refused_with_invalid_signal_and_not_relayed(
    client: Client, payload: Json, field: str
):
    _, ivan, _, cara, cara_state = await two_in_a_call(client)
    frame = {"type": "call-signal", "to": cara_state["you"]["userId"], "ref": "s", **payload}
    refused = await request(ivan, frame)
    assert (refused["type"], refused["code"], refused["field"], refused["ref"]) == (
        "error",
        "invalid-signal",
        field,
        "s",
    )
    await assert_no_frame(cara)


async def test_an_observer_listens_only_and_may_not_offer_to_send(client: Client):
    session, ivan, ivan_state, _, _ = await two_in_a_call(client)
    olga, olga_state = await join(
        client, session, "Olga", role="observer", token=session["observerToken"]
    )
    joined = await in_call(olga)
    assert joined["call"]["members"][-1] == member(olga_state, listen_only=True)
    await drain(ivan, "call-update")
    to = ivan_state["you"]["userId"]
    refused = await request(olga, offer(to, audio="sendrecv", video="recvonly"))
    assert refused == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'observer' may not send audio or video in the call: offer and answer "
        "recvonly (listen-only)",
        "action": "send-media",
    }
    await olga.send_json(answer(to, audio="recvonly", video="recvonly"))
    assert (await receive(ivan))["description"]["type"] == "answer"


@pytest.mark.parametrize("config", [Config(call_max_participants=2)])
async def test_a_full_call_refuses_one_more(client: Client):
    session, *_ = await two_in_a_call(client)
    third, _ = await join(client, session, "Ann", role="interviewer")
    await drain(third, "call-update")
    refused = await request(third, {"type": "call-join"})
    assert (refused["code"], refused["message"]) == (
        "call-full",
        "the call already has 2 people (a full mesh: no more)",
    )


async def test_mute_is_shown_to_the_others(client: Client):
    _, ivan, ivan_state, cara, cara_state = await two_in_a_call(client)
    reply = await request(cara, {"type": "call-media", "muted": True, "ref": 4})
    assert reply == {"type": "ack", "ref": 4}
    update = await receive(ivan)
    assert update["call"]["members"] == [member(ivan_state), member(cara_state, muted=True)]


async def test_hanging_up_tells_the_others_and_the_last_one_ends_the_call(client: Client):
    _, ivan, ivan_state, cara, _ = await two_in_a_call(client)
    assert await request(cara, {"type": "call-leave", "ref": 2}) == {"type": "ack", "ref": 2}
    assert (await receive(ivan))["call"]["members"] == [member(ivan_state)]
    await request(ivan, {"type": "call-leave"})
    assert await receive(cara) == {
        "type": "call-update",
        "call": {"startedAt": None, "members": []},
    }
    again = await request(ivan, {"type": "call-leave"})
    assert (again["code"], again["message"]) == ("not-in-call", "you are not in the call")


async def test_closing_the_socket_leaves_the_call(client: Client):
    _, ivan, _, cara, cara_state = await two_in_a_call(client)
    await cara.close()
    update = await drain(ivan, "call-update")
    assert update["call"]["members"][0]["userId"] != cara_state["you"]["userId"]
    assert len(update["call"]["members"]) == 1


async def test_ending_the_interview_ends_the_call(client: Client):
    _, ivan, _, cara, _ = await two_in_a_call(client)
    await request(ivan, {"type": "end-session", "ref": "e"})
    assert (await receive(cara))["type"] == "session-ended"
    assert await receive(cara) == {
        "type": "call-update",
        "call": {"startedAt": None, "members": []},
    }
    refused = await request(cara, {"type": "call-join"})
    assert refused["code"] == "session-ended"


async def test_the_timeline_records_the_call_but_no_media(client: Client, clock: FakeClock):
    session, ivan, _, cara, _ = await two_in_a_call(client)
    clock.advance(90)
    await request(cara, {"type": "call-leave"})
    await receive(ivan)
    await request(ivan, {"type": "call-leave"})
    headers = {"Authorization": f"Bearer {session['interviewerToken']}"}
    response = await client.get(f"/api/sessions/{session['id']}/timeline", headers=headers)
    events = [e for e in (await response.json())["events"] if e["type"].startswith("call-")]
    assert [(e["type"], e["name"]) for e in events] == [
        ("call-started", "Ivan"),
        ("call-joined", "Ivan"),
        ("call-joined", "Cara"),
        ("call-left", "Cara"),
        ("call-left", "Ivan"),
        ("call-ended", None),
    ]
    assert events[-1]["durationSeconds"] == 90.0
    assert "sdp" not in str(events)


@pytest.mark.parametrize("config", [Config(rate_limit_per_second=1, rate_limit_burst=5)])
async def test_a_flood_of_signals_is_rate_limited(client: Client):
    _, ivan, _, cara, cara_state = await two_in_a_call(client)
    to = cara_state["you"]["userId"]  # Ivan has 3 of his 5 frames left (join, call-join)
    for _ in range(6):
        await ivan.send_json(candidate(to))
    refusals = [await receive(ivan) for _ in range(3)]
    assert [frame["code"] for frame in refusals] == ["rate-limited"] * 3
    relayed = [await receive(cara) for _ in range(3)]
    assert [frame["type"] for frame in relayed] == ["call-signal"] * 3
    await assert_no_frame(cara)
