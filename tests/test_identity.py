"""Client identity over real sockets: ``clientId`` replaces a stale member, ``opId`` travels
with every copy of a change, ``historyId`` guards a rejoin, and a refused join changes
nothing about where the socket is."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from tests.helpers import assert_no_frame, create_session, join, receive, request
from tests.rawws import OP_TEXT, RawWebSocket, masked_frame

Client = TestClient[Any, Any]
CLIENT_ID = "Q2xpZW50LWlkLW9mLUFkYTEy"  # 24 characters of base64url
OTHER_CLIENT_ID = "T3RoZXItY2xpZW50LWlkLTk5"


def join_frame(session: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "join-session", "sessionId": session["id"], "name": "Ada", **extra}


async def raw_join(client: Client, session: dict[str, Any], **extra: Any) -> RawWebSocket:
    port = client.server.port
    assert port is not None
    raw = await RawWebSocket.connect(port, "/ws")
    await raw.send_json(join_frame(session, **extra))
    assert (await raw.receive_json())["type"] == "session-state"
    return raw


# --- clientId: a stale member is replaced ------------------------------------------------------


async def test_a_frame_stuck_on_a_replaced_socket_is_never_applied(client: Client):
    session = await create_session(client, maxCandidates=1)
    old = await raw_join(client, session, clientId=CLIENT_ID)
    change = {"type": "code-change", "revision": 0, "ops": ["typed once"], "opId": "ada:1"}
    stuck = masked_frame(OP_TEXT, json.dumps(change).encode("utf-8"))
    await old.write(stuck[:10])  # the rest is held up in the network
    new, state = await join(client, session, "Ada", clientId=CLIENT_ID, revision=0)
    assert [user["userId"] for user in state["users"]] == [state["you"]["userId"]]
    assert await old.receive_json() == {"type": "replaced"}
    assert await old.receive_close() == 4002
    with contextlib.suppress(ConnectionError):  # the server may have hung up already
        await old.write(stuck[10:])  # arrives after the new join
        await old.send_close()
    await old.wait_gone()  # the server will read nothing more from the old socket
    await assert_no_frame(new)  # no code-update of its own op under the old member's name
    assert (await (await client.get(f"/api/sessions/{session['id']}")).json())["revision"] == 0
    assert await request(new, change) == {"type": "ack", "revision": 1}
    body = await (await client.get(f"/api/sessions/{session['id']}")).json()
    assert (body["code"], body["revision"]) == ("typed once", 1)
    await new.close()


async def test_a_reconnecting_candidate_gets_the_seat_its_half_open_socket_held(client: Client):
    session = await create_session(client, maxCandidates=1)
    old = await raw_join(client, session, clientId=CLIENT_ID)
    new, state = await join(client, session, "Ada", clientId=CLIENT_ID)
    assert [(u["userId"], u["role"]) for u in state["users"]] == [
        (state["you"]["userId"], "candidate")
    ]
    assert await old.receive_json() == {"type": "replaced"}
    assert await old.receive_close() == 4002
    users = await (await client.get(f"/api/sessions/{session['id']}/users")).json()
    assert (users["count"], users["roles"]["candidate"]) == (1, 1)
    old.abort()
    await new.close()


async def test_others_see_the_replaced_member_come_back_as_the_same_person_in_one_update(
    client: Client,
):
    session = await create_session(client)
    interviewer, _ = await join(client, session, "Ivan", role="interviewer")
    old, old_state = await join(client, session, "Ada", clientId=CLIENT_ID)
    assert (await receive(interviewer))["count"] == 2
    new, new_state = await join(client, session, "Ada", clientId=CLIENT_ID)
    update = await receive(interviewer)
    assert update["type"] == "users-update"
    assert [u["userId"] for u in update["users"]] == [
        new_state["users"][0]["userId"],
        old_state["you"]["userId"],
    ]
    assert new_state["you"]["userId"] == old_state["you"]["userId"]
    assert await receive(old) == {"type": "replaced"}
    closing = await old.receive()
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 4002)
    await assert_no_frame(interviewer)
    for ws in (interviewer, new):
        await ws.close()


async def test_a_client_id_grants_nothing_without_the_roles_token(client: Client):
    session = await create_session(client)
    interviewer, _ = await join(client, session, "Ivan", role="interviewer", clientId=CLIENT_ID)
    intruder = await client.ws_connect("/ws")
    frame = join_frame(session, role="interviewer", token="wrong", clientId=CLIENT_ID)
    refused = await request(intruder, frame)
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    assert await request(interviewer, {"type": "ping"}) == {"type": "pong"}  # still joined
    users = await (await client.get(f"/api/sessions/{session['id']}/users")).json()
    assert users["roles"]["interviewer"] == 1
    await intruder.close()
    await interviewer.close()


async def test_replacing_needs_the_same_role(client: Client):
    session = await create_session(client)
    candidate, _ = await join(client, session, "Ada", clientId=CLIENT_ID)
    other = await client.ws_connect("/ws")
    frame = join_frame(
        session, role="interviewer", token=session["interviewerToken"], clientId=CLIENT_ID
    )
    refused = await request(other, frame)
    assert refused == {
        "type": "error",
        "code": "forbidden",
        "message": "this clientId is in the session as candidate: a join that replaces it "
        "must ask for the same role, not interviewer",
    }
    await assert_no_frame(candidate)
    await other.close()
    await candidate.close()


@pytest.mark.parametrize(
    ("client_id", "says"),
    [
        ("short", "field 'clientId' must be 22 to 64 characters"),
        ("x" * 65, "field 'clientId' must be 22 to 64 characters"),
        ("has spaces in it and more!!", "field 'clientId' must be 22 to 64 characters"),
        (42, "field 'clientId' must be a string"),
    ],
)
async def test_a_malformed_client_id_is_refused(client: Client, client_id: object, says: str):
    session = await create_session(client)
    ws = await client.ws_connect("/ws")
    refused = await request(ws, join_frame(session, clientId=client_id))
    assert (refused["type"], refused["code"]) == ("error", "invalid-message")
    assert refused["message"].startswith(says)
    await ws.close()


async def test_joins_without_a_client_id_never_replace_anyone(client: Client):
    session = await create_session(client)
    first, _ = await join(client, session, "Ada")
    second, state = await join(client, session, "Ada")
    assert len(state["users"]) == 2
    assert (await receive(first))["count"] == 2
    await first.close()
    await second.close()


async def test_a_url_join_with_a_client_id_replaces_the_member(client: Client):
    session = await create_session(client)
    old, _ = await join(client, session, "Ada", clientId=CLIENT_ID)
    new = await client.ws_connect(f"/ws/{session['id']}?name=Ada&clientId={CLIENT_ID}")
    state = await receive(new)
    assert len(state["users"]) == 1
    assert await receive(old) == {"type": "replaced"}
    bad = await client.get(f"/ws/{session['id']}?name=Ada&clientId=nope")
    assert bad.status == 400
    assert "query parameter 'clientId' must be 22 to 64" in (await bad.json())["error"]["message"]
    await new.close()


# --- opId ------------------------------------------------------------------------------------


async def test_every_copy_of_a_change_carries_its_op_id(client: Client):
    session = await create_session(client)
    author, author_state = await join(client, session, "Ada")
    full, _ = await join(client, session, "Ivan", role="interviewer")
    lean, _ = await join(client, session, "Olga", role="observer", fullCode=False)
    for _ in range(2):
        await receive(author)
    await receive(full)
    change = {"type": "code-change", "revision": 0, "ops": ["x"], "opId": "ada:1"}
    assert await request(author, change) == {"type": "ack", "revision": 1}
    update = {
        "type": "code-update",
        "revision": 1,
        "ops": ["x"],
        "userId": author_state["you"]["userId"],
    }
    assert await receive(full) == {**update, "opId": "ada:1", "code": "x"}
    assert await receive(lean) == {**update, "opId": "ada:1"}
    without = {"type": "code-change", "revision": 1, "ops": [1, "y"]}
    assert await request(author, without) == {"type": "ack", "revision": 2}
    assert "opId" not in await receive(lean)
    rejoined, state = await join(client, session, "Ada", revision=0)
    assert [entry["opId"] for entry in state["missed"]] == ["ada:1", None]
    for ws in (author, full, lean, rejoined):
        await ws.close()


# --- historyId -------------------------------------------------------------------------------


async def test_session_state_names_the_history_and_a_rejoin_in_it_gets_missed_ops(
    client: Client,
):
    session = await create_session(client)
    author, state = await join(client, session, "Ada")
    history = state["historyId"]
    assert isinstance(history, str) and len(history) == 12
    await request(author, {"type": "code-change", "revision": 0, "ops": ["hi"]})
    again, rejoined = await join(client, session, "Ada", revision=0, historyId=history)
    assert rejoined["historyId"] == history
    assert [entry["ops"] for entry in rejoined["missed"]] == [["hi"]]
    assert "reset" not in rejoined
    await author.close()
    await again.close()


async def test_a_rejoin_from_another_history_is_reset_never_sent_missed_ops(client: Client):
    session = await create_session(client)
    author, state = await join(client, session, "Ada")
    await request(author, {"type": "code-change", "revision": 0, "ops": ["hi"]})
    again, rejoined = await join(client, session, "Ada", revision=1, historyId="another-one")
    assert rejoined["reset"] is True
    assert "missed" not in rejoined
    assert (rejoined["session"]["code"], rejoined["session"]["revision"]) == ("hi", 1)
    assert rejoined["historyId"] == state["historyId"]
    await author.close()
    await again.close()


async def test_a_rejoin_older_than_the_log_is_told_to_reset(client: Client):
    session = await create_session(client)
    author, _ = await join(client, session, "Ada")
    again, rejoined = await join(client, session, "Ada", revision=5)  # ahead: not this history
    assert (rejoined["reset"], "missed" in rejoined) == (True, False)
    await author.close()
    await again.close()


# --- a refused join leaves the socket where it was ------------------------------------------


async def test_a_refused_join_leaves_the_socket_in_its_session_and_says_so(client: Client):
    session = await create_session(client)
    candidate, state = await join(client, session, "Ada")
    me = state["you"]["userId"]
    refused = await request(
        candidate, join_frame(session, role="interviewer", token="wrong", ref="j2")
    )
    assert refused == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'interviewer' needs the session's interviewer token (this socket is "
        f"still in session {session['id']} as candidate)",
        "joined": {"sessionId": session["id"], "userId": me, "role": "candidate"},
        "ref": "j2",
    }
    change = {"type": "code-change", "code": "still here"}
    assert await request(candidate, change) == {"type": "ack", "revision": 1}
    users = await (await client.get(f"/api/sessions/{session['id']}/users")).json()
    assert [u["userId"] for u in users["users"]] == [me]
    await candidate.close()


async def test_a_join_to_a_missing_session_says_the_socket_stays_in_its_own(client: Client):
    session = await create_session(client)
    candidate, state = await join(client, session, "Ada")
    me = state["you"]["userId"]
    frame = {"type": "join-session", "sessionId": "no-such-session", "name": "Ada", "ref": "j3"}
    assert await request(candidate, frame) == {
        "type": "error",
        "code": "session-not-found",
        "message": "no session with id 'no-such-session' (this socket is still in session "
        f"{session['id']} as candidate)",
        "joined": {"sessionId": session["id"], "userId": me, "role": "candidate"},
        "ref": "j3",
    }
    change = {"type": "code-change", "code": "still here"}
    assert await request(candidate, change) == {"type": "ack", "revision": 1}
    await candidate.close()


async def test_a_join_refused_by_another_full_session_keeps_the_first(client: Client):
    first = await create_session(client)
    full = await create_session(client, maxCandidates=1)
    holder, _ = await join(client, full, "Bo")
    ws, _ = await join(client, first, "Ada")
    refused = await request(ws, join_frame(full))
    assert (refused["code"], refused["joined"]["sessionId"]) == ("session-full", first["id"])
    assert await request(ws, {"type": "code-change", "code": "x"}) == {"type": "ack", "revision": 1}
    await ws.close()
    await holder.close()


async def test_a_refused_join_on_a_fresh_socket_says_nothing_about_a_session(client: Client):
    session = await create_session(client)
    ws = await client.ws_connect("/ws")
    refused = await request(ws, join_frame(session, role="interviewer"))
    assert refused == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'interviewer' needs the session's interviewer token",
    }
    await ws.close()


async def test_a_refused_token_is_logged_with_address_and_session_never_the_token(
    client: Client, caplog: pytest.LogCaptureFixture
):
    session = await create_session(client)
    ws = await client.ws_connect("/ws")
    with caplog.at_level(logging.INFO, logger="interview"):
        await request(ws, join_frame(session, role="observer", token="guess-Zq9k2"))
        url = f"/ws/{session['id']}?name=X&role=interviewer&token=guess-Zq9k2"
        assert (await client.get(url)).status == 403
        auth = {"Authorization": "Bearer guess-Zq9k2"}
        assert (await client.delete(f"/api/sessions/{session['id']}", headers=auth)).status == 403
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused a")]
    assert [r.levelno for r in refusals] == [logging.WARNING] * 3
    for record in refusals:
        assert f"session {session['id']}" in record.getMessage()
        assert "127.0.0.1" in record.getMessage()
    assert "guess-Zq9k2" not in caplog.text
    await ws.close()


async def test_a_url_join_gives_its_revision_and_history_in_the_query(client: Client):
    session = await create_session(client)
    author, state = await join(client, session, "Ada")
    await request(author, {"type": "code-change", "revision": 0, "ops": ["hi"]})
    history = state["historyId"]
    same = await client.ws_connect(f"/ws/{session['id']}?name=B&revision=0&historyId={history}")
    assert [entry["ops"] for entry in (await receive(same))["missed"]] == [["hi"]]
    other = await client.ws_connect(f"/ws/{session['id']}?name=C&revision=0&historyId=old")
    assert (await receive(other))["reset"] is True
    for ws in (author, same, other):
        await ws.close()


@pytest.mark.parametrize("history_id", [12, ["h"], "h" * 65])
async def test_a_malformed_history_id_is_refused_and_the_socket_stays_usable(
    client: Client, history_id: object
):
    session = await create_session(client)
    ws = await client.ws_connect("/ws")
    refused = await request(ws, join_frame(session, revision=0, historyId=history_id))
    assert (refused["type"], refused["code"]) == ("error", "invalid-message")
    assert "'historyId'" in refused["message"]
    assert (await request(ws, join_frame(session)))["type"] == "session-state"
    long = await client.get(f"/ws/{session['id']}?name=A&revision=0&historyId={'h' * 65}")
    assert long.status == 400
    assert (await (await client.get("/health")).json())["status"] == "ok"
    await ws.close()
