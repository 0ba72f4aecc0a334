"""The whiteboard in real Chromium through a real cluster: nginx in front of three workers
(``python -m deploy.cluster up``), the pages' every request and socket going through nginx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from tests.browser.test_board import BOARD_TIMEOUT, two_people_drawing_at_once
from tests.clusterkit import ID, LocalCluster, nginx_or_skip


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    nginx_or_skip()
    local = LocalCluster(tmp_path_factory.mktemp("cluster"), 3)
    try:
        local.start()
        yield local
        assert local.stop() == 0, local.output()
    finally:
        local.kill()


@pytest.mark.timeout(BOARD_TIMEOUT)
async def test_two_people_drawing_at_once_through_nginx_end_with_the_owners_board(
    browser: Any, cluster: LocalCluster
):
    session, final = await two_people_drawing_at_once(browser, cluster.url)

    shard = ID.fullmatch(session["id"])
    assert shard is not None, session["id"]
    owner = f"{cluster.worker_urls[shard.group(1)]}/api/sessions/{session['id']}/board"
    headers = {"Authorization": f"Bearer {session['interviewerToken']}"}
    async with aiohttp.ClientSession() as http, http.get(owner, headers=headers) as response:
        elements = (await response.json())["elements"]
    assert (
        sorted(
            (e["id"], e["version"], e["versionNonce"], round(e["x"]), round(e["y"]), e["type"])
            for e in elements
        )
        == final
    )  # nginx answered with the owner's board
