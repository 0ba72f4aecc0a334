"""A crash rewinds a session's history: after ``kill -9`` and a restart from the last save,
the lost revision numbers are handed out again, for other edits. A client that comes back
with its pre-crash revision must be reset, never sent ``missed`` ops of another history.
Run on the real ``server.py`` process."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.test_shutdown_e2e import Server, served
from tests.wsclient import InterviewClient


def typing_client(
    http: aiohttp.ClientSession, server: list[Server], session_id: str, name: str
) -> InterviewClient:
    """A client that always connects to the server running now (``server[0]``)."""

    async def connect() -> aiohttp.ClientWebSocketResponse:
        return await http.ws_connect(f"{server[0].url}/ws")

    return InterviewClient(connect, session_id, name, role="candidate")


async def session_of(http: aiohttp.ClientSession, server: Server, session_id: str) -> Any:
    async with http.get(f"{server.url}/api/sessions/{session_id}") as response:
        return await response.json()


def lose_the_journal(snapshot: Path) -> None:
    """The journal beside the snapshot (docs/persistence.md) keeps what ``kill -9`` would
    lose; removing it leaves what a power cut before an fsync could: the snapshot alone."""
    for journal in snapshot.parent.glob(f"{snapshot.name}.journal.*"):
        journal.unlink()


@pytest.mark.timeout(120)
async def test_a_client_back_from_before_a_crash_is_reset_and_ends_equal(tmp_path: Path):
    snapshot = tmp_path / "sessions.json"
    flags = ("--snapshot", str(snapshot), "--snapshot-interval", "3600")
    async with aiohttp.ClientSession() as http:
        async with served(tmp_path, *flags) as first:
            async with http.post(
                f"{first.url}/api/sessions", json={"code": "base", "maxCandidates": 5}
            ) as response:
                session_id = (await response.json())["id"]
            first.signal(signal.SIGTERM)  # a clean save at revision 0
            assert await first.wait_exit() == 0

        running = [Server(*flags, port=first.port)]  # the same URL: clients come back to it
        running[0].start(tmp_path / "second.log")
        try:
            await running[0].wait_healthy()
            ada = typing_client(http, running, session_id, "Ada")
            state = await ada.join()
            before_crash = state["historyId"]
            for text in ("base + ada 1", "base + ada 1 + ada 2"):
                await ada.replace_text(text)
                await ada.wait_for(lambda: ada.synchronized)
            assert ada.ot.revision == 2  # acknowledged, but never saved
            running[0].signal(signal.SIGKILL)
            assert await running[0].wait_exit() == -signal.SIGKILL
            lose_the_journal(snapshot)  # as a machine crash before its fsync could
            await ada.drop()
        finally:
            running[0].ensure_stopped()

        running[0] = Server(*flags, port=first.port)
        running[0].start(tmp_path / "third.log")
        try:
            await running[0].wait_healthy()
            bo = typing_client(http, running, session_id, "Bo")
            bo_state = await bo.join()
            assert bo_state["session"]["revision"] == 0  # the crash lost revisions 1 and 2
            assert bo_state["historyId"] != before_crash
            for text in ("base + bo 1", "base + bo 1 + bo 2"):  # revisions 1 and 2 again
                await bo.replace_text(text)
                await bo.wait_for(lambda: bo.synchronized)
            back = await ada.join()  # revision 2 of the history before the crash
            assert back["reset"] is True
            assert "missed" not in back
            assert ada.resets == 1
            server_now = await session_of(http, running[0], session_id)
            assert (ada.text, ada.ot.revision) == (server_now["code"], server_now["revision"])
            assert ada.text == "base + bo 1 + bo 2"
            await ada.replace_text(ada.text + " + ada again")
            await ada.wait_for(lambda: ada.synchronized)
            await bo.wait_revision(3)
            final = await session_of(http, running[0], session_id)
            assert ada.text == bo.text == final["code"] == "base + bo 1 + bo 2 + ada again"
            await ada.close()
            await bo.close()
        finally:
            running[0].ensure_stopped()
