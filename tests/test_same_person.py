"""A rejoin with the same ``clientId`` is the same person: the same user id, colour, place
in the list and counts, across reconnects and a server restart; the report counts people,
not sockets (issue 19, defect 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from sessions.config import Config
from tests.helpers import create_session, join, receive, request
from tests.test_persistence import on_disk, running

Client = TestClient[Any, Any]
CARA = "Q2FyYS1jbGllbnQtaWQtMTIzNDU2"
OTHER = "T3RoZXItY2xpZW50LWlkLTk4NzY1"


async def edit(ws: Any, text: str, op_id: str) -> None:
    """Send a change and wait for its ack, passing over the presence updates before it."""
    reply = await request(ws, {"type": "code-change", "code": text, "opId": op_id})
    for _ in range(5):
        if reply["type"] != "users-update":
            break
        reply = await receive(ws)
    assert reply["type"] == "ack", reply


async def report(client: Client, session: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = await (await client.get(f"/api/sessions/{session['id']}/report")).json()
    return body


async def test_a_reconnect_with_the_same_client_id_is_the_same_person(client: Client):
    session = await create_session(client)
    cara, first = await join(client, session, "Cara", clientId=CARA)
    ivan, _ = await join(client, session, "Ivan", role="interviewer")
    await edit(cara, "a", "c1")
    assert (await receive(ivan))["type"] == "code-update"
    await cara.close()
    assert [u["name"] for u in (await receive(ivan))["users"]] == ["Ivan"]
    cara, again = await join(client, session, "Cara", clientId=CARA)
    assert again["you"] == first["you"]
    assert [u["name"] for u in again["users"]] == ["Cara", "Ivan"]  # her place, not the bottom
    await edit(cara, "ab", "c2")
    body = await report(client, session)
    people = [(p["name"], p["edits"], p["leftAt"]) for p in body["participants"]]
    assert people == [("Cara", 2, None), ("Ivan", 0, None)]
    assert body["editsByParticipant"] == {first["you"]["userId"]: 2, ivan_id(body): 0}
    for ws in (cara, ivan):
        await ws.close()


def ivan_id(body: dict[str, Any]) -> str:
    return str(next(p["userId"] for p in body["participants"] if p["name"] == "Ivan"))


async def test_another_client_id_is_another_person_with_another_colour(client: Client):
    session = await create_session(client, maxCandidates=2)
    cara, first = await join(client, session, "Cara", clientId=CARA)
    other, second = await join(client, session, "Cara", clientId=OTHER)
    assert first["you"]["userId"] != second["you"]["userId"]
    assert (first["you"]["colour"], second["you"]["colour"]) == (0, 1)
    assert len((await report(client, session))["participants"]) == 2
    for ws in (cara, other):
        await ws.close()


async def test_a_colour_left_behind_is_not_given_to_a_newcomer(client: Client):
    session = await create_session(client, maxCandidates=2)
    cara, first = await join(client, session, "Cara", clientId=CARA)
    await cara.close()
    other, second = await join(client, session, "Olly", clientId=OTHER)
    cara, again = await join(client, session, "Cara", clientId=CARA)
    assert (again["you"]["colour"], second["you"]["colour"]) == (first["you"]["colour"], 1)
    for ws in (cara, other):
        await ws.close()


async def test_the_same_client_id_under_another_role_is_not_that_person(client: Client):
    session = await create_session(client)
    cara, first = await join(client, session, "Cara", clientId=CARA)
    await cara.close()
    token = session["observerToken"]
    olga, state = await join(client, session, "Cara", role="observer", token=token, clientId=CARA)
    assert state["you"]["userId"] != first["you"]["userId"]
    await olga.close()


async def test_a_rejoin_after_a_restart_is_the_same_person(tmp_path: Path):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as first:
        session = await create_session(first)
        cara, before = await join(first, session, "Cara", clientId=CARA)
        await edit(cara, "a", "c1")
        await cara.close()
        await on_disk(first)
    async with running(Config(snapshot=str(path))) as second:
        cara, after = await join(second, session, "Cara", clientId=CARA, revision=1)
        assert after["you"] == before["you"]
        await edit(cara, "ab", "c2")
        body = await report(second, session)
        assert [(p["userId"], p["edits"]) for p in body["participants"]] == [
            (before["you"]["userId"], 2)
        ]
        await cara.close()
