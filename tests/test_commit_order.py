"""One commit path: whatever brings a change (a socket frame, a REST call, a leave, a run),
every socket receives the frames in commit order, with or without ``--durability always``,
and across a disk error."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient, TestServer

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.persistence.journal import FileSystem
from sessions.protocol.messages import MESSAGES
from sessions.web.actions import HANDLERS
from sessions.web.app import create_app
from sessions.web.lifecycle import PERSISTENCE
from tests.helpers import create_session, join, receive
from tests.polling import wait_until

Client = TestClient[Any, Any]
ROUNDS = 200


@asynccontextmanager
async def running(config: Config) -> AsyncIterator[Client]:
    client: Client = TestClient(TestServer(create_app(config, clock=FakeClock())))
    try:
        await client.start_server()
        yield client
    finally:
        await client.close()


async def code_updates(ws: ClientWebSocketResponse, count: int) -> list[int]:
    """The revisions of the next ``count`` code-updates, in the order they arrived."""
    revisions: list[int] = []
    while len(revisions) < count:
        frame = await receive(ws)
        if frame["type"] == "code-update":
            revisions.append(frame["revision"])
    return revisions


async def interleave_edits_and_patches(client: Client, created: dict[str, Any]) -> list[int]:
    """The reproduction of the ordering bug: ``ROUNDS`` times a socket edit and, without
    waiting, a REST patch of the code; what an observer saw."""
    candidate, _ = await join(client, created, "Cara")
    observer, _ = await join(client, created, "Olga", role="observer")
    auth = {"Authorization": f"Bearer {created['interviewerToken']}"}
    url = f"/api/sessions/{created['id']}"
    patches = []
    for n in range(ROUNDS):
        await candidate.send_json({"type": "code-change", "code": f"socket {n}\n"})
        patches.append(
            asyncio.ensure_future(client.patch(url, json={"code": f"rest {n}\n"}, headers=auth))
        )
    for response in await asyncio.gather(*patches):
        assert response.status == 200
    seen = await code_updates(observer, 2 * ROUNDS)
    await candidate.close()
    await observer.close()
    return seen


@pytest.mark.parametrize("durability", ["always", "interval"])
async def test_socket_edits_and_rest_patches_reach_a_watcher_in_revision_order(
    tmp_path: Path, durability: str
):
    config = Config(snapshot=str(tmp_path / "s.json"), durability=durability)
    async with running(config) as client:
        created = await create_session(client, code="")
        seen = await interleave_edits_and_patches(client, created)
    assert seen == list(range(1, 2 * ROUNDS + 1))


async def test_socket_edits_and_rest_patches_are_in_order_without_persistence():
    async with running(Config()) as client:
        created = await create_session(client, code="")
        seen = await interleave_edits_and_patches(client, created)
    assert seen == list(range(1, 2 * ROUNDS + 1))


class BreakingDisk(FileSystem):
    """fsync waits for the gate, then fails (ENOSPC) while ``failing`` is set."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.failing = True

    def fsync(self, fd: int) -> None:
        self.entered.set()
        self.gate.wait(30)
        if self.failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        super().fsync(fd)


async def test_outcomes_held_for_a_failing_disk_are_released_in_commit_order(tmp_path: Path):
    config = Config(snapshot=str(tmp_path / "s.json"), durability="always")
    async with running(config) as client:
        persistence = client.app[PERSISTENCE]
        created = await create_session(client, code="")
        candidate, _ = await join(client, created, "Cara")
        observer, _ = await join(client, created, "Olga", role="observer")
        await receive(candidate)  # users-update for Olga
        disk = BreakingDisk()
        persistence.writer.fs = disk
        auth = {"Authorization": f"Bearer {created['interviewerToken']}"}
        url = f"/api/sessions/{created['id']}"
        await candidate.send_json({"type": "code-change", "code": "one\n", "ref": 1})
        await asyncio.to_thread(disk.entered.wait, 10)  # the writer is in its (doomed) fsync
        held = persistence._waiters
        patch = asyncio.ensure_future(client.patch(url, json={"code": "two\n"}, headers=auth))
        await wait_until(lambda: len(held) == 3, "the patch held (its frames and its answer)")
        await candidate.send_json({"type": "code-change", "code": "three\n", "ref": 3})
        await wait_until(lambda: len(held) == 4, "the second edit held")
        disk.gate.set()
        assert (await patch).status == 200
        assert await code_updates(observer, 3) == [1, 2, 3]
        acks = [await receive(candidate) for _ in range(3)]
        assert [(f["type"], f.get("ref"), f.get("revision")) for f in acks] == [
            ("ack", 1, 1),
            ("code-update", None, 2),
            ("ack", 3, 3),
        ]
        assert persistence.cause is not None  # the disk error was seen, and held nothing
        await candidate.close()
        await observer.close()


def test_every_client_message_has_exactly_one_handler():
    assert set(HANDLERS) == set(MESSAGES.values())
