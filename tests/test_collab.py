"""Concurrent editing through real sockets: convergence, exactly-once, resync, cursors."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sessions.config import Config
from tests.helpers import assert_no_frame, create_session, join, receive, request
from tests.wsclient import InterviewClient, Mode

Client = TestClient[Any, Any]
# A token starts and ends with a code point no other token uses: a prefix/suffix diff of a
# full-text change then can't slide an insert or delete across a token boundary (with "[x]"
# tokens, inserting "[d7]" before "[a2]" diffs as inserting "d7][" after the first "[").
TOKEN = re.compile(r"[\u4e00-\u5fff][a-z]\d+😀[\uac00-\ud7a3]")


def make_token(peer_index: int, edit: int) -> str:
    unique = peer_index * 1000 + edit
    return f"{chr(0x4E00 + unique)}{'abcd'[peer_index]}{edit}😀{chr(0xAC00 + unique)}"


def make_client(
    client: Client, session: dict[str, Any], name: str, mode: Mode = "ops", **kwargs: Any
) -> InterviewClient:
    return InterviewClient(
        lambda: client.ws_connect("/ws"), session["id"], name, mode=mode, **kwargs
    )


def append_x(length: int) -> list[int | str]:
    """The op that appends "x" to a document of ``length`` characters."""
    return [length, "x"] if length else ["x"]


async def server_state(client: Client, session: dict[str, Any]) -> tuple[str, int]:
    body = await (await client.get(f"/api/sessions/{session['id']}")).json()
    return body["code"], body["revision"]


async def settle(client: Client, session: dict[str, Any], peers: list[InterviewClient]) -> str:
    """Wait until nothing is in flight anywhere and everyone is at the server's revision."""
    for peer in peers:
        await peer.wait_for(lambda: all(p.synchronized for p in peers))
    code, revision = await server_state(client, session)
    for peer in peers:
        await peer.wait_revision(revision)
    return code


async def _type_randomly(
    peer: InterviewClient,
    index: int,
    rng: random.Random,
    edits: int,
    inserted: list[str],
    deleted: set[str],
) -> None:
    for i in range(edits):
        await asyncio.sleep(rng.uniform(0, 0.003))
        text = peer.text
        tokens = TOKEN.findall(text)
        if tokens and rng.random() < 0.25:
            victim = rng.choice(tokens)
            start = text.index(victim)
            new_text = text[:start] + text[start + len(victim) :]
            if await peer.replace_text(new_text):
                deleted.add(victim)
            continue
        token = make_token(index, i)
        # Insert only between tokens, never inside one, so a token is whole or deleted.
        boundaries = [0, len(text), *(m.end() for m in TOKEN.finditer(text))]
        at = rng.choice(boundaries)
        if await peer.replace_text(text[:at] + token + text[at:]):
            inserted.append(token)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_concurrent_edits_converge_and_keep_every_token(client: Client, seed: int):
    session = await create_session(client, code="start\r\n漢字 e\u0301 ")
    modes: list[tuple[str, Mode, bool]] = [
        ("alice", "ops", True),
        ("bob", "ops", False),
        ("carol", "text", True),
        ("dave", "text", True),
    ]
    peers = [make_client(client, session, name, mode, full_code=full) for name, mode, full in modes]
    for peer in peers:
        await peer.join()
    rng = random.Random(seed)
    inserted: list[str] = []
    deleted: set[str] = set()
    await asyncio.gather(
        *(
            _type_randomly(p, i, random.Random(rng.random()), 70, inserted, deleted)
            for i, p in enumerate(peers)
        )
    )
    final = await settle(client, session, peers)
    assert [peer.text for peer in peers] == [final] * len(peers)
    assert len(inserted) > 150
    for token in inserted:
        expected = 0 if token in deleted else 1
        assert final.count(token) == expected, token
    assert TOKEN.sub("", final) == "start\r\n漢字 e\u0301 "
    assert all(peer.errors == [] for peer in peers)
    for peer in peers:
        await peer.close()


async def test_reconnect_after_a_lost_ack_applies_the_op_exactly_once(client: Client):
    session = await create_session(client, code="abc")
    typist = make_client(client, session, "typist")
    other = make_client(client, session, "other")
    await typist.join()
    await other.join()
    typist.deaf = True  # the ack for the next op will be lost
    await typist.edit([3, "X"])
    await other.wait_for(lambda: other.text == "abcX")
    await typist.drop()
    await other.edit(["<", 4])
    await other.wait_revision(2)
    await typist.edit([4, "Y"])  # typed while offline: buffered behind the unacked op
    await typist.join()
    final = await settle(client, session, [typist, other])
    assert final == "<abcXY"
    assert (typist.text, other.text) == (final, final)
    assert final.count("X") == 1
    assert await server_state(client, session) == ("<abcXY", 3)
    await typist.close()
    await other.close()


async def test_reconnect_resends_an_op_the_server_never_got(client: Client):
    session = await create_session(client, code="abc")
    typist = make_client(client, session, "typist")
    other = make_client(client, session, "other")
    await typist.join()
    await other.join()
    typist.offline = True  # the next frame is lost in transit
    await typist.edit([3, "X"])
    await typist.edit([4, "Y"])
    await typist.drop()
    await other.edit(["<", 3])
    await other.wait_revision(1)
    await typist.join()
    final = await settle(client, session, [typist, other])
    assert final == "<abcXY"
    assert (typist.text, other.text) == (final, final)
    assert await server_state(client, session) == ("<abcXY", 3)
    await typist.close()
    await other.close()


async def test_one_character_edit_to_a_200kb_document_sends_a_small_frame_to_op_clients(
    client: Client,
):
    session = await create_session(client, code="x" * 200_000)
    author, _ = await join(client, session, "author")
    lean, lean_state = await join(client, session, "lean", fullCode=False)
    await receive(author)  # users-update
    await author.send_json({"type": "code-change", "revision": 0, "ops": [100_000, "y", 100_000]})
    assert await receive(author) == {"type": "ack", "revision": 1}
    frame = await lean.receive()
    assert len(frame.data.encode("utf-8")) < 200
    assert frame.json() == {
        "type": "code-update",
        "revision": 1,
        "ops": [100_000, "y", 100_000],
        "userId": (await receive_you(author, lean_state)),
    }
    await author.close()
    await lean.close()


async def receive_you(author_ws: Any, lean_state: dict[str, Any]) -> str:
    users: dict[str, str] = {u["name"]: u["userId"] for u in lean_state["users"]}
    return users["author"]


async def test_a_resubmitted_op_id_is_acked_with_its_original_revision_and_not_reapplied(
    client: Client,
):
    session = await create_session(client, code="ab")
    ws, _ = await join(client, session, "Cara")
    watcher, _ = await join(client, session, "Ivan", role="interviewer")
    await receive(ws)
    frame = {"type": "code-change", "revision": 0, "ops": [2, "!"], "opId": "c:1"}
    assert await request(ws, frame) == {"type": "ack", "revision": 1}
    assert (await receive(watcher))["revision"] == 1
    assert await request(ws, {**frame, "ref": "again"}) == {
        "type": "ack",
        "revision": 1,
        "ref": "again",
    }
    await assert_no_frame(watcher)
    assert await server_state(client, session) == ("ab!", 1)
    await ws.close()
    await watcher.close()


async def test_ops_based_on_an_old_revision_are_transformed_over_later_ones(client: Client):
    session = await create_session(client, code="hello")
    a, _ = await join(client, session, "A")
    b, _ = await join(client, session, "B", fullCode=False)
    await receive(a)
    assert await request(a, {"type": "code-change", "revision": 0, "ops": ["> ", 5]}) == {
        "type": "ack",
        "revision": 1,
    }
    await receive(b)
    # B typed at revision 0, concurrently with A's edit: it lands after it, shifted.
    assert await request(b, {"type": "code-change", "revision": 0, "ops": [5, "!"]}) == {
        "type": "ack",
        "revision": 2,
    }
    update = await receive(a)
    assert (update["ops"], update["code"]) == ([7, "!"], "> hello!")


async def test_full_text_at_an_old_revision_keeps_a_concurrent_op(client: Client):
    session = await create_session(client, code="def f():\n    pass\n")
    op_client, _ = await join(client, session, "ops")
    text_client, _ = await join(client, session, "text")
    await receive(op_client)
    await request(op_client, {"type": "code-change", "revision": 0, "ops": ["# hi\n", 18]})
    await receive(text_client)
    ack = await request(
        text_client,
        {"type": "code-change", "revision": 0, "code": "def f():\n    return 1\n"},
    )
    assert ack == {"type": "ack", "revision": 2}
    assert await server_state(client, session) == ("# hi\ndef f():\n    return 1\n", 2)


async def test_full_text_without_revision_replaces_at_the_head(client: Client):
    session = await create_session(client, code="old")
    ws, _ = await join(client, session, "A")
    await request(ws, {"type": "code-change", "revision": 0, "ops": [3, "er"]})
    assert await request(ws, {"type": "code-change", "code": "new"}) == {
        "type": "ack",
        "revision": 2,
    }
    assert await server_state(client, session) == ("new", 2)


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([5, "x"], "the operation applies to 5 characters but the document had 3 at revision 0"),
        ([2, True, 1], "item 1 is a boolean; expected a nonzero integer or a non-empty string"),
        ("insert", "an operation must be an array, got a str"),
        ([1, 0, 2], "item 1 is 0; expected a nonzero integer or a non-empty string"),
    ],
)
async def test_invalid_operations_are_refused_and_change_nothing(
    client: Client, ops: Any, message: str
):
    session = await create_session(client, code="abc")
    ws, _ = await join(client, session, "A")
    reply = await request(ws, {"type": "code-change", "revision": 0, "ops": ops})
    assert reply == {"type": "error", "code": "invalid-operation", "message": message}
    assert await server_state(client, session) == ("abc", 0)
    await ws.close()


async def test_a_revision_ahead_of_the_server_is_refused(client: Client):
    session = await create_session(client, code="abc")
    ws, _ = await join(client, session, "A")
    reply = await request(ws, {"type": "code-change", "revision": 9, "ops": [3, "x"]})
    assert (reply["type"], reply["code"]) == ("error", "invalid-revision")
    await ws.close()


@pytest.mark.parametrize("config", [Config(op_log_size=2)])
async def test_a_revision_older_than_the_log_is_refused_with_the_current_revision(
    client: Client,
):
    session = await create_session(client, code="")
    ws, _ = await join(client, session, "A")
    for revision in range(3):
        await request(ws, {"type": "code-change", "revision": revision, "ops": append_x(revision)})
    reply = await request(ws, {"type": "code-change", "revision": 0, "ops": ["y"], "ref": 4})
    assert reply == {
        "type": "error",
        "code": "revision-too-old",
        "message": reply["message"],
        "revision": 3,
        "ref": 4,
    }
    await ws.close()


async def test_rejoin_with_a_revision_in_the_log_gets_the_missed_ops(client: Client):
    session = await create_session(client, code="")
    ws, state = await join(client, session, "A")
    user_id = state["you"]["userId"]
    await request(ws, {"type": "code-change", "revision": 0, "ops": ["a"], "opId": "k:1"})
    await request(ws, {"type": "code-change", "revision": 1, "ops": [1, "b"], "opId": "k:2"})
    other = await client.ws_connect("/ws")
    state = await request(
        other, {"type": "join-session", "sessionId": session["id"], "name": "B", "revision": 1}
    )
    assert state["missed"] == [{"revision": 2, "ops": [1, "b"], "userId": user_id, "opId": "k:2"}]
    assert (state["session"]["code"], state["session"]["revision"]) == ("ab", 2)
    up_to_date = await client.ws_connect("/ws")
    state = await request(
        up_to_date, {"type": "join-session", "sessionId": session["id"], "name": "C", "revision": 2}
    )
    assert state["missed"] == []


@pytest.mark.parametrize("config", [Config(op_log_size=1)])
async def test_rejoin_with_a_revision_out_of_the_log_gets_only_the_snapshot(client: Client):
    session = await create_session(client, code="")
    ws, _ = await join(client, session, "A")
    for revision in range(3):
        await request(ws, {"type": "code-change", "revision": revision, "ops": append_x(revision)})
    _, state = await join(client, session, "B", revision=0)
    assert "missed" not in state
    assert (state["session"]["code"], state["session"]["revision"]) == ("xxx", 3)
    _, ahead = await join(client, session, "C", revision=99)
    assert "missed" not in ahead


async def test_cursor_updates_are_moved_to_the_current_revision(client: Client):
    session = await create_session(client, code="hello world")
    a, a_state = await join(client, session, "A")
    b, _ = await join(client, session, "B")
    await receive(a)
    await request(b, {"type": "code-change", "revision": 0, "ops": [">> ", 11]})
    assert (await receive(a))["revision"] == 1
    # A selected "world" at revision 0, before B's edit reached it.
    await a.send_json({"type": "cursor", "revision": 0, "ranges": [{"anchor": 6, "head": 11}]})
    assert await receive(b) == {
        "type": "cursor-update",
        "userId": a_state["you"]["userId"],
        "revision": 1,
        "ranges": [{"anchor": 9, "head": 14}],
    }
    await assert_no_frame(a)


async def test_session_state_carries_cursors_moved_by_later_edits(client: Client):
    session = await create_session(client, code="abc")
    a, a_state = await join(client, session, "A")
    await a.send_json({"type": "cursor", "revision": 0, "ranges": [{"anchor": 3, "head": 3}]})
    await assert_no_frame(a)
    await request(a, {"type": "code-change", "revision": 0, "ops": ["__", 3]})
    _, state = await join(client, session, "B")
    assert state["cursors"] == [
        {"userId": a_state["you"]["userId"], "ranges": [{"anchor": 5, "head": 5}]}
    ]


async def test_a_leaving_users_cursor_is_dropped(client: Client):
    session = await create_session(client, code="abc")
    a, a_state = await join(client, session, "A")
    b, _ = await join(client, session, "B")
    await receive(a)
    await b.send_json({"type": "cursor", "revision": 0, "ranges": [{"anchor": 1, "head": 2}]})
    await receive(a)
    await a.send_json({"type": "cursor", "revision": 0, "ranges": [{"anchor": 0, "head": 0}]})
    await receive(b)
    await a.close()
    assert (await receive(b))["type"] == "users-update"
    assert await receive(b) == {
        "type": "cursor-update",
        "userId": a_state["you"]["userId"],
        "revision": 0,
        "ranges": [],
    }
    _, state = await join(client, session, "C")
    assert [c["userId"] for c in state["cursors"]] == [
        next(u["userId"] for u in state["users"] if u["name"] == "B")
    ]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"type": "cursor", "ranges": []}, "field 'revision' is required"),
        ({"type": "cursor", "revision": 0, "ranges": {}}, "field 'ranges' must be a list"),
        (
            {"type": "cursor", "revision": 0, "ranges": [3]},
            "ranges[0] must be an object with 'anchor' and 'head'",
        ),
        (
            {"type": "cursor", "revision": 0, "ranges": [{"anchor": -1, "head": 0}]},
            "field 'anchor' must not be negative",
        ),
    ],
)
async def test_malformed_cursors_are_refused(client: Client, frame: dict[str, Any], message: str):
    session = await create_session(client, code="abc")
    ws, _ = await join(client, session, "A")
    assert await request(ws, frame) == {
        "type": "error",
        "code": "invalid-message",
        "message": message,
    }
