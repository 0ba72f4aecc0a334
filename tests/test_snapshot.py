"""Snapshots: sessions survive a restart, the file is written atomically, and a snapshot that
cannot be read stops start-up instead of being overwritten."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from sessions.clock import FakeClock, iso
from sessions.config import Config
from sessions.interview.problems import load_bank
from sessions.persistence import image, snapshot
from sessions.persistence.base import write_base
from sessions.persistence.journal import FileSystem
from sessions.persistence.restore import restore
from sessions.persistence.snapshot import SnapshotError, SnapshotPathError
from sessions.room.store import SessionStore
from sessions.web.app import create_app
from sessions.web.keys import STORE
from sessions.web.lifecycle import PERSISTENCE
from tests.helpers import create_session, join, receive, request
from tests.polling import listing, wait_until

Client = TestClient[Any, Any]


@asynccontextmanager
async def running(config: Config, clock: FakeClock) -> AsyncIterator[Client]:
    """One server lifetime: start-up restores, leaving saves (like a SIGTERM would)."""
    client: Client = TestClient(TestServer(create_app(config, clock=clock)))
    try:
        await client.start_server()
        yield client
    finally:
        await client.close()


def read_or_empty(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def snapshot_config(path: Path, **settings: Any) -> Config:
    return Config(snapshot=str(path), **settings)


async def build_interview(client: Client) -> dict[str, Any]:
    """A session with edits, a language change, chat, a note and a departed member."""
    created = await create_session(client, name="Pairing", code="x = 1\n")
    ivan, _ = await join(client, created, "Ivan", role="interviewer")
    cara, _ = await join(client, created, "Cara")
    await receive(ivan)  # users-update
    assert (await request(cara, {"type": "code-change", "code": "x = 2\n"}))["type"] == "ack"
    await receive(ivan)
    await request(cara, {"type": "language-change", "language": "rust"})
    await receive(ivan)
    await cara.send_json({"type": "chat-message", "text": "is O(n) fine?"})
    await receive(cara)
    await receive(ivan)
    await ivan.send_json({"type": "note", "text": "strong start"})
    await receive(ivan)
    await cara.close()
    await ivan.close()
    return created


async def timeline_of(client: Client, created: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/sessions/{created['id']}/timeline",
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    events: list[dict[str, Any]] = (await response.json())["events"]
    return events


async def joined_state(client: Client, created: dict[str, Any]) -> dict[str, Any]:
    """What an interviewer joining now is told; waits until the visit has left presence."""
    ws, state = await join(client, created, "Olga", role="interviewer")
    await ws.close()

    async def nobody_left() -> bool:
        users: dict[str, Any] = await (
            await client.get(f"/api/sessions/{created['id']}/users")
        ).json()
        return bool(users["count"] == 0)

    await wait_until(nobody_left, "the visitor left presence")
    return {"session": state["session"], "chat": state["chat"], "notes": state.get("notes")}


async def test_sessions_chat_and_timeline_survive_a_restart(tmp_path: Path):
    path = tmp_path / "sessions.json"
    config, clock = snapshot_config(path), FakeClock()
    async with running(config, clock) as first:
        created = await build_interview(first)
        other = await create_session(first, name="Second", code="y")
        before = await joined_state(first, created)
        before_timeline = await timeline_of(first, created)
    assert path.exists()
    async with running(config, clock) as second:
        assert await timeline_of(second, created) == before_timeline
        assert await joined_state(second, created) == before
        assert before["chat"][0]["text"] == "is O(n) fine?"
        assert before["notes"][0]["text"] == "strong start"
        assert before["session"]["revision"] == 1
        assert before["session"]["language"] == "rust"
        assert (await second.get(f"/api/sessions/{other['id']}")).status == 200
        # The tokens came back too: the interviewer can still patch.
        patched = await second.patch(
            f"/api/sessions/{created['id']}",
            json={"name": "Renamed"},
            headers={"Authorization": f"Bearer {created['interviewerToken']}"},
        )
        assert patched.status == 200


async def test_after_a_restore_revisions_continue_and_older_clients_resync(tmp_path: Path):
    path = tmp_path / "sessions.json"
    config, clock = snapshot_config(path), FakeClock()
    async with running(config, clock) as first:
        created = await create_session(first, code="abc")
        ws, _ = await join(first, created, "Cara")
        for text in ("abcd", "abcde"):
            await request(ws, {"type": "code-change", "code": text})
        await ws.close()
    async with running(config, clock) as second:
        stale, state = await join(second, created, "Cara", revision=1)
        assert "missed" not in state  # the op log is not kept: resync from the snapshot
        assert (state["session"]["code"], state["session"]["revision"]) == ("abcde", 2)
        ack = await request(stale, {"type": "code-change", "revision": 2, "ops": [5, "!"]})
        assert ack == {"type": "ack", "revision": 3}
        await stale.close()


async def test_a_missing_snapshot_starts_empty_and_is_written_at_shutdown(tmp_path: Path):
    path = tmp_path / "new.json"
    async with running(snapshot_config(path), FakeClock()) as client:
        assert (await (await client.get("/health")).json())["sessions"] == 0
        await create_session(client)
    envelope = json.loads(path.read_text(encoding="utf-8"))
    assert envelope["version"] == 2
    assert len(envelope["sessions"]) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds tokens
    assert listing(tmp_path) == ["new.json"]  # no temp file left


async def test_snapshots_are_written_periodically_while_running(tmp_path: Path):
    path = tmp_path / "s.json"
    config = snapshot_config(path, snapshot_interval=0.05)
    async with running(config, FakeClock()) as client:
        created = await create_session(client)
        await wait_until(lambda: created["id"] in read_or_empty(path), "a periodic snapshot")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"version":1,"sessions":[', "Expecting value"),
        (b"", "Expecting value"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b'{"version":99,"sessions":[]}', "unsupported snapshot version 99"),
        (b'{"version":1,"sessions":[{"id":"x"}]}', "sessions[0]: field 'code' must be str"),
        (b"[" * 5000 + b"]" * 5000, "JSON nested too deeply"),
    ],
)
async def test_an_unreadable_snapshot_stops_start_up_and_is_left_untouched(
    tmp_path: Path, content: bytes, reason: str
):
    path = tmp_path / "s.json"
    path.write_bytes(content)
    with pytest.raises(SnapshotError) as refused:
        async with running(snapshot_config(path), FakeClock()):
            pass
    assert str(path) in str(refused.value)
    assert reason in str(refused.value)
    assert path.read_bytes() == content
    assert listing(tmp_path) == ["s.json"]


async def test_move_aside_renames_an_unreadable_snapshot_and_starts_empty(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_bytes(b"garbage")
    config = snapshot_config(path, snapshot_move_aside=True)
    async with running(config, FakeClock()) as client:
        assert (await (await client.get("/health")).json())["sessions"] == 0
        (moved,) = [name for name in listing(tmp_path) if name.startswith("s.json.corrupt-")]
        assert (tmp_path / moved).read_bytes() == b"garbage"
    assert json.loads(path.read_text(encoding="utf-8"))["sessions"] == []


async def test_a_snapshot_in_a_missing_folder_stops_start_up(tmp_path: Path):
    path = tmp_path / "no" / "such" / "folder" / "s.json"
    with pytest.raises(SnapshotPathError, match="does not exist"):
        async with running(snapshot_config(path), FakeClock()):
            pass


async def test_a_failed_write_keeps_the_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "s.json"
    async with running(snapshot_config(path), FakeClock()) as client:
        await create_session(client)
        assert await client.app[PERSISTENCE].compact()
        good = path.read_bytes()
        await create_session(client)

        def full_disk(src: object, dst: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", full_disk)
        assert not await client.app[PERSISTENCE].compact()
        assert path.read_bytes() == good
        # No temporary file left; the journals the previous snapshot needs are kept.
        assert listing(tmp_path) == ["s.json", "s.json.journal.000002", "s.json.journal.000003"]
        assert "could not write snapshot" in caplog.text
        monkeypatch.undo()


def written_base(store: SessionStore, clock: FakeClock, path: Path, *, clean: bool) -> Any:
    """The base snapshot of every session in ``store`` as the server writes it, read back."""
    envelope = {"version": snapshot.VERSION, "savedAt": iso(clock()), "clean": clean}
    trailer = {"version": 1, "generation": 1, "durability": "interval", "records": {}, "skip": []}
    write_base(path, envelope, trailer, [(image.capture(s), 0) for s in store], FileSystem())
    return json.loads(path.read_text(encoding="utf-8"))


def test_snapshot_envelope_round_trips_through_json(tmp_path: Path):
    config, clock = Config(), FakeClock()
    store = SessionStore(config, clock)
    first = store.create("One", "python", "print(1)")
    second = store.create("Two", "go", "")
    second.blocked_addresses |= {"203.0.113.9"}
    envelope = written_base(store, clock, tmp_path / "base.json", clean=True)
    restored = snapshot.sessions_from_json(envelope, config, load_bank([]))
    assert [s.public() for s in restored] == [first.public(), second.public()]
    assert [snapshot.session_to_json(s) for s in restored] == envelope["sessions"]
    assert restored[1].blocked_addresses == {"203.0.113.9"}


def test_a_clean_snapshot_keeps_history_ids_and_any_other_gets_new_ones(tmp_path: Path):
    config, clock = Config(), FakeClock()
    store = SessionStore(config, clock)
    session = store.create("One", "python", "print(1)")
    clean = written_base(store, clock, tmp_path / "clean.json", clean=True)
    unclean = written_base(store, clock, tmp_path / "unclean.json", clean=False)
    assert clean["clean"] is True
    assert unclean["clean"] is False
    restored = {}
    for name, envelope in (("clean", clean), ("unclean", unclean)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(envelope), encoding="utf-8")
        restored[name] = restore(path, config, None).sessions[0].history_id
    assert restored["clean"] == session.history_id
    assert restored["unclean"] != session.history_id


async def test_a_start_from_a_clean_snapshot_marks_the_file_unclean_at_once(tmp_path: Path):
    path = tmp_path / "s.json"
    config, clock = snapshot_config(path), FakeClock()
    async with running(config, clock) as first:
        await create_session(first)
    assert json.loads(path.read_text(encoding="utf-8"))["clean"] is True
    async with running(config, clock):
        # A crash now must not find a file that vouches for edits made after this start.
        assert json.loads(path.read_text(encoding="utf-8"))["clean"] is False


@given(
    name=st.text(min_size=1, max_size=20),
    code=st.text(max_size=200),
    revision=st.integers(min_value=0, max_value=10**9),
)
def test_session_to_json_and_back_is_the_identity(name: str, code: str, revision: int):
    config, clock = Config(), FakeClock()
    session = SessionStore(config, clock).create(name, "python", code)
    data = snapshot.session_to_json(session)
    data["revision"] = revision
    restored = snapshot.session_from_json(data, config)
    assert snapshot.session_to_json(restored) == data
    assert restored.document.revision == revision
    assert restored.document.oldest_reachable_revision() == revision


async def test_restored_sessions_are_in_the_store(tmp_path: Path):
    path = tmp_path / "s.json"
    config, clock = snapshot_config(path), FakeClock()
    async with running(config, clock) as first:
        ids = {(await create_session(first))["id"] for _ in range(3)}
    async with running(config, clock) as second:
        assert {s.id for s in second.app[STORE]} == ids
