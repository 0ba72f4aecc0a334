"""The interview timer over real sockets: the interviewer sets the planned length, everyone is
told, a later join gets it in its session-state, and it survives a restore."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sessions.config import Config
from sessions.persistence.snapshot import session_from_json, session_to_json
from sessions.web.keys import STORE
from tests.helpers import create_session, join, receive, request

Client = TestClient[Any, Any]


async def test_the_interviewer_sets_the_planned_length_and_everyone_gets_the_timer(
    client: Client,
):
    session = await create_session(client)
    cara, cara_state = await join(client, session, "Cara")
    ivan, ivan_state = await join(client, session, "Ivan", role="interviewer")
    await receive(cara)  # users-update: Ivan joined
    assert cara_state["timer"] == {
        "startedAt": session["createdAt"],
        "endedAt": None,
        "plannedSeconds": None,
    }

    reply = await request(ivan, {"type": "set-timer", "plannedSeconds": 2700, "ref": "t"})

    assert reply == {"type": "ack", "revision": 0, "ref": "t"}
    update = {
        "type": "timer-update",
        "timer": {"startedAt": session["createdAt"], "endedAt": None, "plannedSeconds": 2700},
        "userId": ivan_state["you"]["userId"],
    }
    assert await receive(ivan) == update
    assert await receive(cara) == update
    _, later = await join(client, session, "Olga", role="observer")
    assert later["timer"]["plannedSeconds"] == 2700
    assert (await receive(ivan))["type"] == "users-update"

    await request(ivan, {"type": "set-timer", "plannedSeconds": None})
    cleared = await receive(ivan)
    assert cleared["timer"]["plannedSeconds"] is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (59, "field 'plannedSeconds' must be between 60 and 86400"),
        (86401, "field 'plannedSeconds' must be between 60 and 86400"),
        ("45", "field 'plannedSeconds' must be a number of seconds or null"),
        (True, "field 'plannedSeconds' must be a number of seconds or null"),
    ],
)
async def test_a_planned_length_out_of_range_is_refused(client: Client, value: Any, message: str):
    session = await create_session(client)
    ivan, _ = await join(client, session, "Ivan", role="interviewer")
    reply = await request(ivan, {"type": "set-timer", "plannedSeconds": value})
    assert reply == {"type": "error", "code": "invalid-message", "message": message}


async def test_a_timer_without_its_field_is_refused_and_an_ended_session_keeps_its_timer(
    client: Client,
):
    session = await create_session(client)
    ivan, _ = await join(client, session, "Ivan", role="interviewer")
    reply = await request(ivan, {"type": "set-timer"})
    assert reply["message"] == "field 'plannedSeconds' is required (a number or null)"
    await request(ivan, {"type": "end-session"})
    await receive(ivan)  # session-ended
    reply = await request(ivan, {"type": "set-timer", "plannedSeconds": 600})
    assert reply["code"] == "session-ended"


async def test_the_planned_length_survives_a_snapshot_and_an_old_file_without_it_has_none(
    client: Client,
):
    session = await create_session(client)
    ivan, _ = await join(client, session, "Ivan", role="interviewer")
    await request(ivan, {"type": "set-timer", "plannedSeconds": 1800})
    live = client.app[STORE].get(session["id"])
    data = session_to_json(live)
    assert data["plannedSeconds"] == 1800
    assert session_from_json(data, Config()).planned_seconds == 1800
    del data["plannedSeconds"]
    assert session_from_json(data, Config()).planned_seconds is None
