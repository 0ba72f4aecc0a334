"""End to end: ``kill -9`` the real ``server.py`` while people type, start it again, and check
that what was acknowledged came back and nothing else did.

Each session has one typist appending numbered tokens as operations, waiting for each ack,
so the text at revision ``r`` is the first ``r`` tokens and at most one edit per typist is
ever in flight. Base snapshots are written every half second, so kills land before, during
and after them too. Nothing sleeps to synchronise: typists run until their socket dies.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.polling import wait_until
from tests.test_shutdown_e2e import receive, served

FSYNC_INTERVAL = 0.3
SESSIONS = 3
FLAGS = (
    *("--snapshot-interval", "0.5", "--fsync-interval", str(FSYNC_INTERVAL)),
    *("--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"),
)


def token(n: int) -> str:
    return f"{n};"


@dataclass
class Typist:
    """One session's typist and what it was told."""

    created: dict[str, Any]
    acks: list[tuple[float, int]] = field(default_factory=list)
    sent: int = 0

    def acked_by(self, moment: float) -> int:
        """The highest revision acknowledged at or before ``moment`` (monotonic time)."""
        return max((revision for at, revision in self.acks if at <= moment), default=0)

    async def type(self, ws: aiohttp.ClientWebSocketResponse, limit: int) -> None:
        text = ""
        for n in range(limit):
            piece = token(n)
            ops: list[int | str] = [len(text), piece] if text else [piece]
            self.sent += 1
            try:
                await ws.send_json({"type": "code-change", "revision": n, "ops": ops})
                ack = await receive(ws)
            except (ConnectionError, aiohttp.ClientError, AssertionError, TimeoutError):
                return  # the server was killed
            assert ack == {"type": "ack", "revision": n + 1}, ack
            self.acks.append((time.monotonic(), n + 1))
            text += piece


async def start_typing(
    http: aiohttp.ClientSession, url: str
) -> tuple[list[Typist], list[asyncio.Task[None]]]:
    typists, tasks = [], []
    for i in range(SESSIONS):
        async with http.post(f"{url}/api/sessions", json={"name": f"s{i}"}) as response:
            typist = Typist(await response.json())
        ws = await http.ws_connect(f"{url}/ws")
        join = {"type": "join-session", "sessionId": typist.created["id"], "name": f"T{i}"}
        await ws.send_json(join)
        assert (await receive(ws))["type"] == "session-state"
        typists.append(typist)
        tasks.append(asyncio.ensure_future(typist.type(ws, 100_000)))
    return typists, tasks


async def restored_code(http: aiohttp.ClientSession, url: str, typist: Typist) -> dict[str, Any]:
    async with http.get(f"{url}/api/sessions/{typist.created['id']}") as response:
        assert response.status == 200
        session: dict[str, Any] = await response.json()
        return session


def expected_text(revision: int) -> str:
    return "".join(token(n) for n in range(revision))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kill_9_while_typing_restores_what_was_acknowledged_and_nothing_else(
    tmp_path: Path, seed: int
):
    rng = random.Random(seed)
    flags = ("--snapshot", str(tmp_path / "s.json"), *FLAGS)
    async with aiohttp.ClientSession() as http:
        async with served(tmp_path, *flags) as server:
            typists, tasks = await start_typing(http, server.url)
            await wait_for_acks(typists, rng.randint(20, 400))
            killed_at = time.monotonic()
            server.signal(signal.SIGKILL)
            assert await server.wait_exit() == -signal.SIGKILL
            await asyncio.gather(*tasks)
        async with served(tmp_path, *flags) as again:
            for typist in typists:
                session = await restored_code(http, again.url, typist)
                revision = session["revision"]
                assert session["code"] == expected_text(revision)
                # Every edit acknowledged an fsync interval before the kill is back...
                assert revision >= typist.acked_by(killed_at - FSYNC_INTERVAL)
                # ...and nothing that was never sent: at most the one edit in flight.
                assert revision <= typist.acked_by(killed_at) + 1
                assert revision <= typist.sent


async def wait_for_acks(typists: list[Typist], count: int) -> None:
    """Until every typist has ``count`` acks."""
    await wait_until(
        lambda: min(len(typist.acks) for typist in typists) >= count, f"{count} acks", within=60
    )


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [4, 5])
async def test_with_durability_always_kill_9_right_after_an_ack_loses_nothing(
    tmp_path: Path, seed: int
):
    rng = random.Random(seed)
    flags = ("--snapshot", str(tmp_path / "s.json"), "--durability", "always", *FLAGS)
    async with aiohttp.ClientSession() as http:
        async with served(tmp_path, *flags) as server:
            typists, tasks = await start_typing(http, server.url)
            await wait_for_acks(typists, rng.randint(20, 200))
            server.signal(signal.SIGKILL)  # as soon as the ack is in: no time to fsync after
            acked = [typist.acked_by(time.monotonic()) for typist in typists]
            assert await server.wait_exit() == -signal.SIGKILL
            await asyncio.gather(*tasks)
        async with served(tmp_path, *flags) as again:
            for typist, revision_acked in zip(typists, acked, strict=True):
                session = await restored_code(http, again.url, typist)
                assert session["revision"] >= revision_acked
                assert session["revision"] <= revision_acked + 1
                assert session["code"] == expected_text(session["revision"])
