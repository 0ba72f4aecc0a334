"""The interview flow over real sockets: permissions, candidates, removal, chat, notes, end."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from sessions.config import Config
from sessions.interview.permissions import PERMISSIONS, Action, can, describe
from sessions.protocol.messages import ROLES
from tests.helpers import assert_no_frame, create_session, join, receive, request

Client = TestClient[Any, Any]
START = "2026-05-28T20:26:40.000Z"

# One frame per action that has a socket message; run-code belongs to a later issue.
ACTION_FRAMES: dict[Action, dict[str, Any]] = {
    Action.EDIT_CODE: {"type": "code-change", "code": "x = 1"},
    Action.CHANGE_LANGUAGE: {"type": "language-change", "language": "go"},
    Action.SET_PROBLEM: {"type": "set-problem", "slug": "two-sum"},
    Action.CHAT: {"type": "chat-message", "text": "hello"},
    Action.WRITE_NOTE: {"type": "note", "text": "strong start"},
    Action.END_SESSION: {"type": "end-session"},
    Action.REMOVE_USER: {"type": "remove-user", "userId": "<bystander>"},
    Action.SET_TIMER: {"type": "set-timer", "plannedSeconds": 1800},
    Action.SEND_SIGNALS: {"type": "signal", "kind": "paste", "chars": 3, "lines": 1},
}
SUCCESS_TYPE = {Action.CHAT: "chat-message", Action.WRITE_NOTE: "note"}


async def joined_as(client: Client, session: dict[str, Any], role: str, name: str) -> Any:
    token = {"interviewer": session["interviewerToken"], "observer": session["observerToken"]}
    extra = {"token": token[role]} if role in token else {}
    return await join(client, session, name, role=role, **extra)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTION_FRAMES))
async def test_permission_table_is_enforced_over_the_socket(
    client: Client, role: str, action: Action
):
    session = await create_session(client)
    actor, _ = await joined_as(client, session, role, "actor")
    _, bystander_state = await joined_as(client, session, "candidate", "bystander")
    await receive(actor)  # users-update for the bystander
    frame = dict(ACTION_FRAMES[action], ref="act")
    if action is Action.REMOVE_USER:
        frame["userId"] = bystander_state["you"]["userId"]
    reply = await request(actor, frame)
    if can(role, action):  # type: ignore[arg-type]
        assert reply["type"] == SUCCESS_TYPE.get(action, "ack"), reply
        assert reply["ref"] == "act"
    else:
        assert reply == {
            "type": "error",
            "code": "forbidden",
            "message": f"role '{role}' may not {describe(action)}",
            "action": str(action),
            "ref": "act",
        }


@pytest.mark.parametrize("role", ROLES)
async def test_only_confidants_read_private_notes_in_session_state(client: Client, role: str):
    session = await create_session(client)
    writer, _ = await joined_as(client, session, "interviewer", "Ivan")
    await request(writer, {"type": "note", "text": "asks good questions"})
    _, state = await joined_as(client, session, role, "reader")
    assert ("notes" in state) is can(role, Action.READ_NOTES)  # type: ignore[arg-type]


def test_permission_table_matches_the_issue():
    assert PERMISSIONS["candidate"] == {
        Action.EDIT_CODE,
        Action.CHANGE_LANGUAGE,
        Action.CHAT,
        Action.RUN_CODE,
        Action.SEND_SIGNALS,  # issue 19: only the candidate's page sends signals
        Action.DRAW,  # issue 20: interviewers and candidates draw, observers watch
        Action.JOIN_CALL,
        Action.SEND_MEDIA,
    }
    assert PERMISSIONS["observer"] == {
        Action.CHAT,
        Action.WRITE_NOTE,
        Action.READ_NOTES,
        Action.READ_SIGNALS,
        Action.JOIN_CALL,  # listen-only: no SEND_MEDIA (issue 21)
    }
    assert PERMISSIONS["interviewer"] == set(Action) - {Action.SEND_SIGNALS}


async def test_a_second_candidate_is_refused_until_the_interviewer_allows_more(client: Client):
    response = await client.post("/api/sessions", json={})
    session = await response.json()
    first, _ = await join(client, session, "Cara")
    second = await client.ws_connect("/ws")
    frame = {"type": "join-session", "sessionId": session["id"], "name": "Dan"}
    assert await request(second, frame) == {
        "type": "error",
        "code": "session-full",
        "message": "the session already has 1 candidate(s); "
        "the interviewer can allow more (maxCandidates)",
    }
    allowed = await client.patch(
        f"/api/sessions/{session['id']}",
        json={"maxCandidates": 2},
        headers={"Authorization": f"Bearer {session['interviewerToken']}"},
    )
    assert (await allowed.json())["maxCandidates"] == 2
    state = await request(second, frame)
    assert state["type"] == "session-state"
    assert await receive(first) == {
        "type": "users-update",
        "users": state["users"],
        "count": 2,
        "roles": {"interviewer": 0, "candidate": 2, "observer": 0},
    }


async def test_observers_and_interviewers_do_not_count_against_the_candidate_limit(
    client: Client,
):
    session = await (await client.post("/api/sessions", json={})).json()
    await join(client, session, "Cara")
    await joined_as(client, session, "interviewer", "Ivan")
    _, olga = await joined_as(client, session, "observer", "Olga")
    assert [u["role"] for u in olga["users"]] == ["candidate", "interviewer", "observer"]


async def test_removed_user_is_told_closed_and_optionally_blocked(client: Client):
    session = await create_session(client)
    ivan, ivan_state = await joined_as(client, session, "interviewer", "Ivan")
    cara, cara_state = await join(client, session, "Cara")
    await receive(ivan)
    target = cara_state["you"]["userId"]
    reply = await request(ivan, {"type": "remove-user", "userId": target, "block": True})
    assert reply == {"type": "ack", "revision": 0}
    assert await receive(cara) == {"type": "removed", "by": ivan_state["you"]["userId"]}
    closing = await cara.receive()
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 4001)
    update = await receive(ivan)
    assert (update["type"], update["count"]) == ("users-update", 1)
    again = await client.ws_connect("/ws")
    rejoin = {"type": "join-session", "sessionId": session["id"], "name": "Cara 2"}
    assert await request(again, rejoin) == {
        "type": "error",
        "code": "forbidden",
        "message": "you were removed from this session",
    }
    _, observer_state = await joined_as(client, session, "observer", "Olga")
    assert observer_state["you"]["role"] == "observer"


async def test_remove_user_without_block_lets_them_rejoin(client: Client):
    session = await create_session(client)
    ivan, _ = await joined_as(client, session, "interviewer", "Ivan")
    _, cara_state = await join(client, session, "Cara")
    await receive(ivan)
    await request(ivan, {"type": "remove-user", "userId": cara_state["you"]["userId"]})
    _, again = await join(client, session, "Cara")
    assert again["you"]["name"] == "Cara"


async def test_remove_user_rejects_unknown_users_and_oneself(client: Client):
    session = await create_session(client)
    ivan, ivan_state = await joined_as(client, session, "interviewer", "Ivan")
    assert await request(ivan, {"type": "remove-user", "userId": "u-nobody"}) == {
        "type": "error",
        "code": "invalid-message",
        "message": "no user 'u-nobody' in this session",
    }
    own = {"type": "remove-user", "userId": ivan_state["you"]["userId"]}
    assert (await request(ivan, own))["message"] == (
        "use leave-session to leave; remove-user is for others"
    )


# --- chat and notes ---------------------------------------------------------------------------


async def test_chat_reaches_everyone_and_is_kept_in_history(client: Client):
    session = await create_session(client)
    cara, cara_state = await join(client, session, "Cara")
    ivan, _ = await joined_as(client, session, "interviewer", "Ivan")
    await receive(cara)
    sent = await request(cara, {"type": "chat-message", "text": "Can I use a dict?", "ref": 1})
    expected = {
        "type": "chat-message",
        "id": "m1",
        "userId": cara_state["you"]["userId"],
        "name": "Cara",
        "role": "candidate",
        "text": "Can I use a dict?",
        "at": START,
        "kind": "message",
        "replyTo": None,
    }
    assert sent == {**expected, "ref": 1}
    assert await receive(ivan) == expected
    _, late = await joined_as(client, session, "observer", "Olga")
    assert late["chat"] == [expected]


async def test_questions_and_answers_link_by_reply_to(client: Client):
    session = await create_session(client)
    cara, _ = await join(client, session, "Cara")
    ivan, _ = await joined_as(client, session, "interviewer", "Ivan")
    await receive(cara)
    question = await request(
        cara, {"type": "chat-message", "text": "Is input sorted?", "kind": "question"}
    )
    assert question["kind"] == "question"
    await receive(ivan)
    answer = await request(ivan, {"type": "chat-message", "text": "No.", "replyTo": question["id"]})
    assert (answer["kind"], answer["replyTo"]) == ("message", question["id"])
    assert (await receive(cara))["replyTo"] == question["id"]
    assert await request(ivan, {"type": "chat-message", "text": "x", "replyTo": "m99"}) == {
        "type": "error",
        "code": "message-not-found",
        "message": "no message 'm99' to reply to in the history",
    }


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"type": "chat-message", "text": "   "}, "field 'text' must not be blank"),
        ({"type": "chat-message"}, "field 'text' is required"),
        (
            {"type": "chat-message", "text": "x" * 4001},
            "field 'text' must be at most 4000 characters",
        ),
        (
            {"type": "chat-message", "text": "x", "kind": "shout"},
            "field 'kind' must be one of message, question",
        ),
    ],
)
async def test_bad_chat_messages_are_refused(client: Client, frame: dict[str, Any], message: str):
    session = await create_session(client)
    cara, _ = await join(client, session, "Cara")
    assert await request(cara, frame) == {
        "type": "error",
        "code": "invalid-message",
        "message": message,
    }


@pytest.mark.parametrize("config", [Config(chat_history=2)])
async def test_chat_history_is_bounded(client: Client):
    session = await create_session(client)
    cara, _ = await join(client, session, "Cara")
    for text in ("one", "two", "three"):
        await request(cara, {"type": "chat-message", "text": text})
    _, state = await join(client, session, "Dan")
    assert [(m["id"], m["text"]) for m in state["chat"]] == [("m2", "two"), ("m3", "three")]


async def test_a_candidate_socket_never_receives_a_private_note(client: Client):
    session = await create_session(client)
    cara, _ = await join(client, session, "Cara")
    ivan, ivan_state = await joined_as(client, session, "interviewer", "Ivan")
    olga, _ = await joined_as(client, session, "observer", "Olga")
    await receive(cara)
    await receive(cara)
    await receive(ivan)
    note = await request(ivan, {"type": "note", "text": "Missed the empty case"})
    expected = {
        "type": "note",
        "id": "n1",
        "userId": ivan_state["you"]["userId"],
        "name": "Ivan",
        "role": "interviewer",
        "text": "Missed the empty case",
        "at": START,
    }
    assert note == expected
    assert await receive(olga) == expected
    assert (await request(olga, {"type": "note", "text": "agreed"}))["id"] == "n2"
    assert (await receive(ivan))["text"] == "agreed"
    await assert_no_frame(cara)
    _, candidate_state = await join(client, session, "Dan")
    assert "notes" not in candidate_state
    assert "Missed the empty case" not in str(candidate_state)


# --- lifecycle --------------------------------------------------------------------------------


async def test_end_session_makes_it_read_only_for_everyone(client: Client):
    session = await create_session(client, code="print(1)")
    cara, _ = await join(client, session, "Cara")
    ivan, ivan_state = await joined_as(client, session, "interviewer", "Ivan")
    await receive(cara)
    assert await request(ivan, {"type": "end-session"}) == {"type": "ack", "revision": 0}
    ended = {"type": "session-ended", "userId": ivan_state["you"]["userId"]}
    assert await receive(ivan) == ended
    assert await receive(cara) == ended
    for frame in (
        {"type": "code-change", "code": "x"},
        {"type": "chat-message", "text": "wait"},
        {"type": "language-change", "language": "go"},
    ):
        assert await request(cara, frame) == {
            "type": "error",
            "code": "session-ended",
            "message": "the session has ended: it is read-only",
        }
    body = await (await client.get(f"/api/sessions/{session['id']}")).json()
    assert (body["status"], body["code"]) == ("ended", "print(1)")
    patch = await client.patch(
        f"/api/sessions/{session['id']}",
        json={"code": "y"},
        headers={"Authorization": f"Bearer {session['interviewerToken']}"},
    )
    assert patch.status == 409
    assert await patch.json() == {
        "error": {"code": "conflict", "message": "the session has ended: it is read-only"}
    }
    health = await (await client.get("/health")).json()
    assert health["sessionsByStatus"] == {"active": 0, "ended": 1}
