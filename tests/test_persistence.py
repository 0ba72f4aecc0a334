"""Persistence through the app: what a crash leaves on disk restores exactly, a damaged journal
is dropped (torn tail) or refused (corruption), and a failing disk degrades, never blocks.

A "crash" here is a copy of the snapshot folder taken once the writer reports everything
journaled so far on disk: what ``kill -9`` would leave (tests/test_persistence_e2e.py kills
the real process).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import os
import re
import shutil
import stat
import subprocess
import threading
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.persistence import image, service
from sessions.persistence.image import SessionImage
from sessions.persistence.journal import FileSystem, journal_files
from sessions.persistence.restore import load
from sessions.persistence.snapshot import SnapshotError
from sessions.room.editing import update_settings
from sessions.room.interview import delete_session
from sessions.room.session import Session
from sessions.web.app import create_app
from sessions.web.commit import COMMIT
from sessions.web.keys import STORE
from sessions.web.lifecycle import PERSISTENCE
from tests.helpers import create_session, join, receive, request
from tests.polling import listing, wait_until

Client = TestClient[Any, Any]


@asynccontextmanager
async def running(config: Config, clock: FakeClock | None = None) -> AsyncIterator[Client]:
    client: Client = TestClient(TestServer(create_app(config, clock=clock or FakeClock())))
    try:
        await client.start_server()
        yield client
    finally:
        await client.close()


async def on_disk(client: Client) -> None:
    """Return once everything journaled so far has been written and fsynced."""
    persistence = client.app[PERSISTENCE]
    target = persistence.sync()
    await wait_until(lambda: persistence.durable_seq >= target, "the journal on disk")


async def crash_copy(client: Client, folder: Path, into: Path) -> Path:
    """The snapshot folder as a crash now would leave it."""
    await on_disk(client)
    return copy_files(folder, into)


def copy_files(folder: Path, into: Path) -> Path:
    into.mkdir()
    for name in listing(folder):
        if name.startswith("s.json"):
            shutil.copy2(folder / name, into / name)
    return into / "s.json"


async def interview(client: Client) -> dict[str, Any]:
    """A session with edits, a language change, chat, a note, a rename and a departure."""
    created = await create_session(client, name="Pairing", code="x = 1\n")
    ivan, _ = await join(client, created, "Ivan", role="interviewer")
    cara, _ = await join(client, created, "Cara")
    await receive(ivan)
    for n in range(3):
        change = {"type": "code-change", "code": f"x = {n}\n", "opId": f"op-{n}"}
        assert (await request(cara, change))["type"] == "ack"
        await receive(ivan)
    await request(cara, {"type": "language-change", "language": "rust"})
    await receive(ivan)
    await request(cara, {"type": "chat-message", "text": "is O(n) fine?"})
    await receive(ivan)
    await request(ivan, {"type": "note", "text": "strong start"})
    patched = await client.patch(
        f"/api/sessions/{created['id']}",
        json={"name": "Renamed", "maxCandidates": 3},
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    assert patched.status == 200
    await cara.close()
    await ivan.close()
    return created


async def record_of(client: Client, created: dict[str, Any]) -> dict[str, Any]:
    """Everything the API says about a session, private parts included."""
    auth = {"Authorization": f"Bearer {created['interviewerToken']}"}
    base = f"/api/sessions/{created['id']}"
    timeline = await (await client.get(f"{base}/timeline", headers=auth)).json()
    report = await (await client.get(f"{base}/report")).json()
    session = await (await client.get(base)).json()
    ws, state = await join(client, created, "Olga", role="interviewer")
    await ws.close()
    return {
        "session": session,
        "timeline": timeline,
        "report": {k: v for k, v in report.items() if k != "generatedAt"},
        "chat": state["chat"],
        "notes": state["notes"],
    }


async def test_a_crash_restores_every_change_that_was_on_disk(tmp_path: Path):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as first:
        created = await interview(first)
        gone = await create_session(first)
        deleted = await first.delete(
            f"/api/sessions/{gone['id']}",
            headers={"Authorization": f"Bearer {gone['interviewerToken']}"},
        )
        assert deleted.status == 204
        crashed = await crash_copy(first, tmp_path, tmp_path / "crash")
        before = await record_of(first, created)
    assert [name for name in listing(crashed.parent) if ".journal." in name]  # not a clean save
    async with running(Config(snapshot=str(crashed))) as second:
        after = await record_of(second, created)
        assert (await (await second.get(f"/api/sessions/{gone['id']}")).json())["error"]
        assert (await (await second.get("/health")).json())["sessions"] == 1
    # The visit of record_of itself (Olga joining and leaving) is the only difference.
    assert after["session"] == before["session"]
    assert after["chat"] == before["chat"] and after["notes"] == before["notes"]
    assert after["session"]["name"] == "Renamed" and after["session"]["maxCandidates"] == 3
    assert after["timeline"]["events"][:-2] == before["timeline"]["events"][:-2]
    assert after["report"] == before["report"]


async def test_a_restore_replays_operations_into_the_op_log(tmp_path: Path):
    path = tmp_path / "s.json"
    config = Config(snapshot=str(path), snapshot_interval=3600, durability="always")
    async with running(config) as first:
        created = await create_session(first, code="abc")
        ws, state = await join(first, created, "Cara")
        for n, text in enumerate(("abcd", "abcde")):
            await request(ws, {"type": "code-change", "code": text, "opId": f"op-{n}"})
        crashed = await crash_copy(first, tmp_path, tmp_path / "crash")
        history = state["session"]
        await ws.close()
    async with running(Config(snapshot=str(crashed), durability="always")) as second:
        _, rejoined = await join(second, created, "Cara", revision=history["revision"])
        assert [(m["revision"], m["opId"]) for m in rejoined["missed"]] == [
            (1, "op-0"),
            (2, "op-1"),
        ]
        assert rejoined["session"]["code"] == "abcde"


async def test_a_torn_last_record_is_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as first:
        created = await create_session(first, code="abc")
        ws, _ = await join(first, created, "Cara")
        await request(ws, {"type": "code-change", "code": "abcd"})
        await on_disk(first)
        (_, journal), *_ = journal_files(path)
        good = journal.stat().st_size
        await request(ws, {"type": "code-change", "code": "abcde"})
        crashed = await crash_copy(first, tmp_path, tmp_path / "crash")
        await ws.close()
    (_, torn), *_ = journal_files(crashed)
    with torn.open("r+b") as file:
        file.truncate(good + 5)  # cut inside the last record's header
    async with running(Config(snapshot=str(crashed))) as second:
        session = await (await second.get(f"/api/sessions/{created['id']}")).json()
        assert (session["code"], session["revision"]) == ("abcd", 1)
    assert f"journal {torn}: dropped a torn last record at byte offset {good}" in caplog.text


async def test_a_corrupt_record_before_the_end_refuses_start_up_naming_file_and_offset(
    tmp_path: Path,
):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as first:
        created = await create_session(first, code="abc")
        assert await first.app[PERSISTENCE].compact()  # the base holds it at revision 0
        ws, _ = await join(first, created, "Cara")
        await on_disk(first)
        (_, journal), *_ = journal_files(path)
        middle = journal.stat().st_size
        for text in ("abcd", "abcde"):
            await request(ws, {"type": "code-change", "code": text})
        crashed = await crash_copy(first, tmp_path, tmp_path / "crash")
        await ws.close()
    (_, damaged), *_ = journal_files(crashed)
    data = bytearray(damaged.read_bytes())
    data[middle + 20] ^= 0xFF  # inside the payload of the first edit's record
    damaged.write_bytes(bytes(data))
    with pytest.raises(SnapshotError) as refused:
        async with running(Config(snapshot=str(crashed))):
            pass
    assert str(damaged) in str(refused.value)
    assert f"a frame with a wrong checksum at byte offset {middle}" in str(refused.value)
    assert damaged.read_bytes() == bytes(data)  # left as it was
    config = Config(snapshot=str(crashed), snapshot_move_aside=True)
    async with running(config) as third:  # the journal moved aside: the base alone
        session = await (await third.get(f"/api/sessions/{created['id']}")).json()
        assert session["revision"] == 0
    assert [name for name in listing(crashed.parent) if ".corrupt-" in name]


class FailingDisk(FileSystem):
    """Writes fail with ``error`` while ``failing`` is set."""

    def __init__(self, error: int) -> None:
        self.error = error
        self.failing = False

    def _check(self) -> None:
        if self.failing:
            raise OSError(self.error, os.strerror(self.error))

    def write(self, fd: int, data: bytes) -> None:
        self._check()
        super().write(fd, data)

    def open_append(self, path: Path) -> int:
        self._check()
        return super().open_append(path)

    def open_new(self, path: Path) -> int:
        self._check()
        return super().open_new(path)


@pytest.mark.parametrize(
    ("error", "cause"),
    [(errno.ENOSPC, "ENOSPC"), (errno.EROFS, "EROFS"), (errno.EACCES, "EACCES")],
)
@pytest.mark.parametrize("durability", ["interval", "always"])
async def test_a_failing_disk_degrades_health_and_persistence_resumes_when_it_recovers(
    tmp_path: Path, error: int, cause: str, durability: str, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "s.json"
    config = Config(snapshot=str(path), snapshot_interval=3600, durability=durability)
    async with running(config) as client:
        persistence = client.app[PERSISTENCE]
        disk = FailingDisk(error)
        persistence.writer.fs = disk
        created = await create_session(client, code="abc")
        ws, _ = await join(client, created, "Cara")
        disk.failing = True
        # Acknowledged, not held: a failing disk never blocks a socket.
        for text in ("abcd", "abcde", "abcdef"):
            assert (await request(ws, {"type": "code-change", "code": text}))["type"] == "ack"
        await wait_until(lambda: persistence.cause is not None, "the writer's failure")
        health = await (await client.get("/health")).json()
        assert health["status"] == "degraded"
        assert health["persistence"]["cause"].startswith(cause)
        assert not await persistence.compact()  # retried: still failing, logged once
        metrics = await (await client.get("/metrics")).text()
        (count,) = re.findall(
            rf'^interview_persistence_errors_total{{cause="{cause}"}} (\d+)$', metrics, re.M
        )
        assert int(count) >= 2
        assert caplog.text.count("persistence is degraded") == 1
        disk.failing = False
        assert await persistence.compact()
        assert (await (await client.get("/health")).json())["status"] == "ok"
        await request(ws, {"type": "code-change", "code": "abcdefg"})
        crashed = await crash_copy(client, tmp_path, tmp_path / "crash")
        await ws.close()
    async with running(Config(snapshot=str(crashed))) as again:
        session = await (await again.get(f"/api/sessions/{created['id']}")).json()
        assert (session["code"], session["revision"]) == ("abcdefg", 4)


@contextlib.contextmanager
def switchable_folder(folder: Path) -> Iterator[Callable[[bool], None]]:
    """A folder that can be made read-only and writable again; yields the switch.

    Root writes through a folder's permission bits, so for root the folder is made immutable
    (``chattr +i``: nothing can be created, renamed or removed in it, even by root, while
    files already open stay writable, as with the permission bits); any other user gets the
    permission bits.
    """
    folder.mkdir()
    if os.geteuid() != 0:
        yield lambda read_only: folder.chmod(
            stat.S_IRUSR | stat.S_IXUSR if read_only else stat.S_IRWXU
        )
        folder.chmod(stat.S_IRWXU)
        return
    chattr = shutil.which("chattr") or "/usr/bin/chattr"

    def switch(read_only: bool) -> None:
        subprocess.run([chattr, "+i" if read_only else "-i", str(folder)], check=True)

    try:
        yield switch
    finally:
        switch(False)


async def test_a_read_only_folder_degrades_and_recovers(tmp_path: Path):
    folder = tmp_path / "data"
    path = folder / "s.json"
    with switchable_folder(folder) as make_read_only:
        async with running(Config(snapshot=str(path), snapshot_interval=3600)) as client:
            created = await create_session(client, code="abc")
            ws, _ = await join(client, created, "Ada")
            make_read_only(True)
            try:
                assert not await client.app[PERSISTENCE].compact()
                health = await (await client.get("/health")).json()
                assert health["status"] == "degraded"
                # The socket is never blocked: edits are still acknowledged meanwhile.
                change = {"type": "code-change", "code": "abcd"}
                assert await request(ws, change) == {"type": "ack", "revision": 1}
            finally:
                make_read_only(False)
            assert await client.app[PERSISTENCE].compact()
            assert (await (await client.get("/health")).json())["status"] == "ok"
            assert created["id"] in path.read_text(encoding="utf-8")
            await ws.close()


async def test_journal_and_snapshot_files_are_readable_by_their_owner_only(tmp_path: Path):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as client:
        await create_session(client)
        assert await client.app[PERSISTENCE].compact()
        await on_disk(client)
        modes = file_modes(tmp_path)
    assert len(modes) == 2 and set(modes.values()) == {0o600}


def file_modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}


async def churn(client: Client, sessions: int, *, delete: bool = True) -> None:
    """Sessions created, edited and (by default) deleted, then a base snapshot and an fsync."""
    created = [await create_session(client, code="x") for _ in range(sessions)]
    for item in created:
        ws, _ = await join(client, item, "Cara")
        for n in range(5):
            await request(ws, {"type": "code-change", "code": f"x{n}"})
        await request(ws, {"type": "chat-message", "text": "hi"})
        await ws.close()
    for item in created if delete else ():
        auth = {"Authorization": f"Bearer {item['interviewerToken']}"}
        assert (await client.delete(f"/api/sessions/{item['id']}", headers=auth)).status == 204
    assert await client.app[PERSISTENCE].compact()
    await on_disk(client)


SESSIONS_CODE = str(Path(__file__).resolve().parent.parent / "sessions") + "/*"


async def allocated_by_the_server(step: Awaitable[None]) -> int:
    """Bytes still allocated after ``step`` by calls through the server's own code (the HTTP
    client's and aiohttp's buffers of sockets still closing are not the server's state)."""
    gc.collect()
    tracemalloc.start(25)
    try:
        await step
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ours = snapshot.filter_traces([tracemalloc.Filter(True, SESSIONS_CODE, all_frames=True)])
    return sum(stat.size for stat in ours.statistics("filename"))


async def test_memory_returns_to_its_baseline_once_every_session_is_deleted(tmp_path: Path):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as client:
        await churn(client, 8)  # first use: caches, pools, lazily made objects
        kept = await allocated_by_the_server(churn(client, 8, delete=False))
        await churn(client, 0)  # the kept ones are not the baseline's business
        for session in list(client.app[STORE]):
            client.app[STORE].remove(session.id)
            client.app[COMMIT].outcome(delete_session(session))
        left = await allocated_by_the_server(churn(client, 8))
        persistence = client.app[PERSISTENCE]
        assert len(persistence.numbering) == 0
    assert kept > 24 * 1024, kept  # what 8 sessions and their records hold: measurable
    assert left < 32 * 1024, left  # all of it given back (a pool of random text remains)


def test_durability_and_fsync_interval_come_from_flags_or_the_environment():
    assert (Config().durability, Config().fsync_interval) == ("interval", 1.0)
    config = Config.from_args(["--fsync-interval", "0.25"], {"INTERVIEW_DURABILITY": "always"})
    assert (config.durability, config.fsync_interval) == ("always", 0.25)


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--durability", "sometimes"], {}),
        ([], {"INTERVIEW_DURABILITY": ""}),
        (["--fsync-interval", "0"], {}),
        ([], {"INTERVIEW_FSYNC_INTERVAL": "-1"}),
        ([], {"INTERVIEW_FSYNC_INTERVAL": "soon"}),
    ],
)
def test_bad_durability_settings_stop_with_a_usage_error(argv: list[str], env: dict[str, str]):
    with pytest.raises(SystemExit) as exited:
        Config.from_args(argv, env)
    assert exited.value.code == 2


@pytest.mark.parametrize(("durability", "kept"), [("interval", False), ("always", True)])
async def test_a_crash_keeps_history_ids_only_when_nothing_acknowledged_can_be_missing(
    tmp_path: Path, durability: str, kept: bool
):
    path = tmp_path / "s.json"
    config = Config(snapshot=str(path), snapshot_interval=3600, durability=durability)
    async with running(config) as first:
        created = await create_session(first, code="abc")
        ws, _ = await join(first, created, "Cara")
        await request(ws, {"type": "code-change", "code": "abcd"})
        history = first.app[STORE].get(created["id"]).history_id
        crashed = await crash_copy(first, tmp_path, tmp_path / "crash")
        await ws.close()
    async with running(Config(snapshot=str(crashed), durability=durability)) as second:
        restored = second.app[STORE].get(created["id"])
        assert restored.document.text == "abcd"
        assert (restored.history_id == history) is kept


async def test_a_journal_past_its_size_limit_starts_a_new_base_before_the_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(service, "JOURNAL_COMPACT_BYTES", 2_000)
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as client:
        created = await create_session(client, code="")
        ws, _ = await join(client, created, "Cara")
        for n in range(20):
            await request(ws, {"type": "code-change", "code": f"edit number {n}"})
        # Only the size can have triggered it: the interval is an hour away.
        await wait_until(lambda: "edit number" in text_of(path), "a base")
        await ws.close()


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def test_a_new_base_encodes_only_the_sessions_changed_since_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as client:
        quiet = await create_session(client, code="still")
        busy = await create_session(client, code="a")
        persistence = client.app[PERSISTENCE]
        assert await persistence.compact()
        encoded: list[str] = []

        def counting(session: Session) -> SessionImage:
            encoded.append(session.id)
            return image.capture(session)

        monkeypatch.setattr(service, "capture", counting)
        ws, _ = await join(client, busy, "Cara")
        await request(ws, {"type": "code-change", "code": "ab"})
        await ws.close()
        assert await persistence.compact()
        assert encoded == [busy["id"]]  # the quiet one's bytes were copied
    async with running(Config(snapshot=str(path))) as again:
        for created, code in ((quiet, "still"), (busy, "ab")):
            session = await (await again.get(f"/api/sessions/{created['id']}")).json()
            assert session["code"] == code


class GatedDisk(FileSystem):
    """fsync waits until the test opens the gate; counts its calls."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fsyncs = 0

    def fsync(self, fd: int) -> None:
        self.entered.set()
        self.gate.wait(30)
        self.fsyncs += 1
        super().fsync(fd)


async def test_with_durability_always_the_ack_and_the_broadcast_wait_for_the_fsync(
    tmp_path: Path,
):
    config = Config(snapshot=str(tmp_path / "s.json"), durability="always")
    async with running(config) as client:
        persistence = client.app[PERSISTENCE]
        created = await create_session(client, code="abc")
        author, _ = await join(client, created, "Cara")
        watcher, _ = await join(client, created, "Wes")
        await receive(author)  # users-update for Wes
        disk = GatedDisk()
        persistence.writer.fs = disk
        await author.send_json({"type": "code-change", "code": "abcd", "ref": "held"})
        await asyncio.to_thread(disk.entered.wait, 10)  # the writer is in its fsync
        assert len(persistence._waiters) == 1  # the outcome is held, not sent
        disk.gate.set()
        assert await receive(author) == {"type": "ack", "revision": 1, "ref": "held"}
        assert (await receive(watcher))["type"] == "code-update"
        await author.close()
        await watcher.close()


async def test_every_record_of_one_loop_turn_shares_one_fsync(tmp_path: Path):
    config = Config(snapshot=str(tmp_path / "s.json"), durability="always")
    async with running(config) as client:
        persistence = client.app[PERSISTENCE]
        sessions = [client.app[STORE].create(f"s{n}", "python") for n in range(20)]
        await persistence.durable()
        disk = GatedDisk()
        disk.gate.set()
        persistence.writer.fs = disk
        for session in sessions:  # one turn of the loop: no await in between
            client.app[COMMIT].outcome(update_settings(session, 0.0, name="renamed"))
        await persistence.durable()
        assert disk.fsyncs == 1


class CountingDisk(FileSystem):
    """Counts the writer's ``write`` calls."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self, fd: int, data: bytes) -> None:
        self.writes += 1
        super().write(fd, data)


async def test_in_interval_mode_what_several_turns_journal_goes_to_the_writer_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Long enough that the turns below surely fit in it on a slow machine.
    monkeypatch.setattr(service, "WRITE_DELAY", 0.3)
    config = Config(snapshot=str(tmp_path / "s.json"), snapshot_interval=3600)
    async with running(config) as client:
        persistence = client.app[PERSISTENCE]
        sessions = [client.app[STORE].create(f"s{n}", "python") for n in range(5)]
        await on_disk(client)
        await asyncio.to_thread(persistence.writer.wait_idle)
        disk = CountingDisk()
        persistence.writer.fs = disk
        handed = persistence.writer.appended
        for session in sessions:  # one change per turn of the loop
            client.app[COMMIT].outcome(update_settings(session, 0.0, name="renamed"))
            await asyncio.sleep(0)
        assert persistence.writer.appended == handed  # gathering on the loop, not handed over
        await wait_until(lambda: persistence.writer.appended == handed + 5, "the hand-over")
        await asyncio.to_thread(persistence.writer.wait_idle)
        assert disk.writes == 1  # the writer woke once, for all five


async def test_a_restore_from_journals_alone_says_no_base_had_been_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "s.json"
    async with running(Config(snapshot=str(path), snapshot_interval=3600)) as first:
        await create_session(first)
        crashed = await crash_copy(first, tmp_path, tmp_path / "crashed")
    assert not crashed.exists()  # the crash came before the first base snapshot
    caplog.set_level(logging.INFO, logger="interview.persistence")
    restored = load(crashed, Config(), None, FakeClock())
    assert len(restored.sessions) == 1
    assert (
        f"restored 1 session(s) from {restored.replayed} journal record(s) beside {crashed} "
        "(no base snapshot had been written yet)"
    ) in caplog.messages
