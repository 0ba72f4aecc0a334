"""End to end: ``kill -9`` the real ``server.py`` while people draw on the whiteboard, start
it again, and check the board came back to within the fsync interval, and nothing more.

Each session has one drawer: frame ``n`` adds element ``e<n>`` and moves the shared element
``s`` to version ``n + 1``, waiting for each ``board-ack``; so the board after ``k`` frames
is ``s`` at version ``k`` and ``e0`` ... ``e<k-1>``. Nothing sleeps to synchronise.
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
from tests.test_persistence_e2e import FLAGS, FSYNC_INTERVAL
from tests.test_shutdown_e2e import receive, served

SESSIONS = 2


def element(id_: str, version: int, x: int) -> dict[str, Any]:
    return {
        "id": id_,
        "type": "freedraw",
        "version": version,
        "versionNonce": x,
        "isDeleted": False,
        "x": x,
        "y": 0,
        "points": [[0, 0], [x, x]],
    }


@dataclass
class Drawer:
    created: dict[str, Any]
    acks: list[tuple[float, int]] = field(default_factory=list)
    sent: int = 0

    def acked_by(self, moment: float) -> int:
        return max((frames for at, frames in self.acks if at <= moment), default=0)

    async def draw(self, ws: aiohttp.ClientWebSocketResponse, limit: int) -> None:
        for n in range(limit):
            frame = {
                "type": "board-change",
                "elements": [element(f"e{n}", 1, n), element("s", n + 1, n)],
            }
            self.sent += 1
            try:
                await ws.send_json(frame)
                ack = await receive(ws)
            except (ConnectionError, aiohttp.ClientError, AssertionError, TimeoutError):
                return  # the server was killed
            assert ack == {"type": "board-ack", "applied": 2, "stale": []}, ack
            self.acks.append((time.monotonic(), n + 1))


async def start_drawing(
    http: aiohttp.ClientSession, url: str
) -> tuple[list[Drawer], list[asyncio.Task[None]]]:
    drawers, tasks = [], []
    for i in range(SESSIONS):
        async with http.post(f"{url}/api/sessions", json={"name": f"b{i}"}) as response:
            drawer = Drawer(await response.json())
        ws = await http.ws_connect(f"{url}/ws")
        await ws.send_json(
            {"type": "join-session", "sessionId": drawer.created["id"], "name": f"D{i}"}
        )
        assert (await receive(ws))["type"] == "session-state"
        drawers.append(drawer)
        tasks.append(asyncio.ensure_future(drawer.draw(ws, 100_000)))
    return drawers, tasks


async def restored_board(
    http: aiohttp.ClientSession, url: str, drawer: Drawer
) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {drawer.created['interviewerToken']}"}
    async with http.get(
        f"{url}/api/sessions/{drawer.created['id']}/board", headers=headers
    ) as response:
        assert response.status == 200
        board: dict[str, Any] = await response.json()
        elements: list[dict[str, Any]] = board["elements"]
        return elements


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [1, 2])
async def test_kill_9_while_drawing_restores_the_board_to_within_the_fsync_interval(
    tmp_path: Path, seed: int
):
    rng = random.Random(seed)
    flags = ("--snapshot", str(tmp_path / "s.json"), *FLAGS)
    async with aiohttp.ClientSession() as http:
        async with served(tmp_path, *flags) as server:
            drawers, tasks = await start_drawing(http, server.url)
            count = rng.randint(20, 300)
            await wait_until(
                lambda: min(len(d.acks) for d in drawers) >= count, f"{count} acks", within=60
            )
            killed_at = time.monotonic()
            server.signal(signal.SIGKILL)
            assert await server.wait_exit() == -signal.SIGKILL
            await asyncio.gather(*tasks)
        async with served(tmp_path, *flags) as again:
            for drawer in drawers:
                elements = await restored_board(http, again.url, drawer)
                shared = next(e for e in elements if e["id"] == "s")
                frames = shared["version"]
                # The board is exactly the first `frames` frames: every element once, in order.
                assert elements == [element(f"e{n}", 1, n) for n in range(frames)][:1] + [
                    shared
                ] + [element(f"e{n}", 1, n) for n in range(1, frames)]
                assert shared == element("s", frames, frames - 1)
                assert frames >= drawer.acked_by(killed_at - FSYNC_INTERVAL)
                assert frames <= drawer.acked_by(killed_at) + 1
                assert frames <= drawer.sent
