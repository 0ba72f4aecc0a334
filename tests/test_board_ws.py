"""The whiteboard over the socket and REST: sync, catch-up, and hostile frames refused with
an error frame while everyone else carries on."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient

from sessions.config import Config
from tests.helpers import assert_no_frame, create_session, join, receive, request

Client = TestClient[Any, Any]
Json = dict[str, Any]


def element(id_: str = "a", version: int = 1, nonce: int = 0, **extra: Any) -> Json:
    return {
        "id": id_,
        "type": "rectangle",
        "version": version,
        "versionNonce": nonce,
        "isDeleted": False,
        "x": 0,
        "y": 0,
        **extra,
    }


@pytest.fixture
def config() -> Config:
    return Config(board_max_elements=4, board_max_bytes=4000, board_max_element_bytes=1000)


async def board_room(
    client: Client,
) -> tuple[Json, ClientWebSocketResponse, ClientWebSocketResponse]:
    """An interviewer and a candidate, both with the board open (and an empty board)."""
    created = await create_session(client)
    teacher, _ = await join(client, created, "Ivan", role="interviewer")
    pupil, _ = await join(client, created, "Cara")
    assert (await receive(teacher))["type"] == "users-update"
    empty = {"type": "board-state", "whole": True, "elements": [], "missing": []}
    assert await request(teacher, {"type": "board-sync"}) == empty
    assert await request(pupil, {"type": "board-sync"}) == empty
    return created, teacher, pupil


async def test_a_change_is_acked_to_its_author_and_sent_to_the_other(client: Client):
    _, teacher, pupil = await board_room(client)
    change = {"type": "board-change", "elements": [element()], "ref": 1}
    assert await request(teacher, change) == {
        "type": "board-ack",
        "applied": 1,
        "stale": [],
        "ref": 1,
    }
    update = await receive(pupil)
    assert update == {"type": "board-update", "elements": [element()], "userId": update["userId"]}


async def test_a_rejoin_gets_what_it_missed_and_what_the_board_lacks(client: Client):
    created, teacher, pupil = await board_room(client)
    await request(teacher, {"type": "board-change", "elements": [element("a"), element("b")]})
    await pupil.close()
    await request(teacher, {"type": "board-change", "elements": [element("b", 2, x=9)]})
    back, _ = await join(client, created, "Cara")
    sync = {
        "type": "board-sync",
        "known": {"a": [1, 0], "b": [1, 0], "offline": [3, 0]},
        "ref": "s",
    }
    assert await request(back, sync) == {
        "type": "board-state",
        "whole": False,
        "elements": [element("b", 2, x=9)],
        "missing": ["offline"],
        "ref": "s",
    }


async def test_a_socket_that_never_opened_the_board_is_sent_nothing_of_it(client: Client):
    created, teacher, pupil = await board_room(client)
    closed, _ = await join(client, created, "Olga", role="observer")
    await receive(teacher)  # users-update
    await receive(pupil)  # users-update
    await request(teacher, {"type": "board-change", "elements": [element()]})
    await teacher.send_json({"type": "board-pointer", "x": 1, "y": 2.5, "button": "down"})
    assert (await receive(pupil))["type"] == "board-update"
    pointer = await receive(pupil)
    assert pointer == {
        "type": "board-pointer",
        "userId": pointer["userId"],
        "name": "Ivan",
        "x": 1.0,
        "y": 2.5,
        "button": "down",
    }
    await assert_no_frame(closed)


async def test_an_observer_may_watch_and_may_not_draw(client: Client):
    created, _, _ = await board_room(client)
    observer, _ = await join(client, created, "Olga", role="observer")
    await request(observer, {"type": "board-sync"})
    refused = await request(observer, {"type": "board-change", "elements": [element()]})
    assert refused == {
        "type": "error",
        "code": "forbidden",
        "message": "role 'observer' may not draw on the whiteboard",
        "action": "draw",
    }


HOSTILE = [
    (
        {"type": "board-change", "elements": [element(text="x" * 2000)]},
        "invalid-board-element",
        "elements[0] is 2098 bytes; the board takes elements of at most 1000 bytes",
    ),
    (
        {"type": "board-change", "elements": [element(str(n)) for n in range(5)]},
        "invalid-message",
        "field 'elements' holds at most 4 elements per frame",
    ),
    (
        {
            "type": "board-change",
            "elements": [element("b"), element("c"), element("d"), element("e")],
        },
        "board-full",
        "the board holds at most 4 elements and 4000 bytes; this change would make 5 elements "
        "and 440 bytes",
    ),
    (
        {"type": "board-change", "elements": [element("z", type="sparkles")]},
        "invalid-board-element",
        "elements[0]: field 'type' must be one of arrow, diamond, ellipse, frame, freedraw, line, "
        "rectangle, text",
    ),
    (
        {"type": "board-change", "elements": [element("z", type="image", fileId="f")]},
        "invalid-board-element",
        "elements[0]: images are not supported on the board (they would fill the journal); draw "
        "or describe the picture instead",
    ),
    (
        {"type": "board-change", "elements": [element("a", 1)]},
        "board-version-regression",
        "1 element(s) came back with a lower version than you stored; the board's copies are "
        "attached",
    ),
    ({"type": "board-change", "elements": {}}, "invalid-message", None),
    ({"type": "board-sync", "known": {"a": 1}}, "invalid-message", None),
    ({"type": "board-sync", "known": {"a": [1, "0"]}}, "invalid-message", None),
    ({"type": "board-pointer", "x": "1", "y": 0}, "invalid-message", None),
]


@pytest.mark.parametrize(("frame", "code", "message"), HOSTILE)
async def test_a_hostile_board_frame_is_refused_and_harms_no_one(
    client: Client, frame: Json, code: str, message: str | None
):
    _, teacher, pupil = await board_room(client)
    await request(teacher, {"type": "board-change", "elements": [element("a", 2)]})
    await receive(pupil)
    refused = await request(teacher, {**frame, "ref": "bad"})
    assert (refused["type"], refused["code"], refused["ref"]) == ("error", code, "bad")
    if message is not None:
        assert refused["message"] == message
    await assert_no_frame(pupil)
    fine = await request(pupil, {"type": "board-change", "elements": [element("p")]})
    assert fine["applied"] == 1
    assert (await receive(teacher))["elements"] == [element("p")]
    state = await request(teacher, {"type": "board-sync"})
    assert [e["id"] for e in state["elements"]] == ["a", "p"]


async def test_a_frame_that_is_not_json_is_refused_and_the_board_goes_on(client: Client):
    _, teacher, pupil = await board_room(client)
    await teacher.send_str('{"type":"board-change","elements":[{"id":')
    assert (await receive(teacher))["code"] == "invalid-json"
    await teacher.send_str('{"type":"board-pointer","x":1e400,"y":0,"ref":"inf"}')
    assert await receive(teacher) == {
        "type": "error",
        "code": "invalid-message",
        "message": "field 'x' must be a finite number",
        "ref": "inf",
    }
    assert (await request(pupil, {"type": "board-change", "elements": [element()]}))["applied"] == 1


async def test_an_ended_session_refuses_drawing(client: Client):
    _, teacher, _ = await board_room(client)
    assert (await request(teacher, {"type": "end-session"}))["type"] == "ack"
    assert (await receive(teacher))["type"] == "session-ended"
    refused = await request(teacher, {"type": "board-change", "elements": [element()]})
    assert refused["code"] == "session-ended"


async def test_the_board_is_exported_as_an_excalidraw_file_for_the_interviewer(client: Client):
    created, teacher, _ = await board_room(client)
    await request(
        teacher, {"type": "board-change", "elements": [element("a"), element("b", isDeleted=True)]}
    )
    url = f"/api/sessions/{created['id']}/board"
    assert (await client.get(url)).status == 401
    wrong = await client.get(url, headers={"Authorization": f"Bearer {created['observerToken']}"})
    assert wrong.status == 403
    response = await client.get(
        url, headers={"Authorization": f"Bearer {created['interviewerToken']}"}
    )
    assert response.status == 200
    assert await response.json() == {
        "type": "excalidraw",
        "version": 2,
        "source": "interview-server",
        "elements": [element("a")],
        "appState": {"viewBackgroundColor": "#ffffff", "gridSize": None},
        "files": {},
    }
