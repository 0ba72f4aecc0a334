"""The room in real Chromium through a real cluster: nginx in front of three workers kept by
supervisord (``python -m deploy.cluster up``, what ``make cluster`` runs).

Every request of the pages goes to nginx's port: the landing of the room (``/s/{id}``, routed
to the session's owner), ``/static/…`` and ``/api/…`` (any worker) and the WebSocket. The
session is created and read back through nginx too, so the page's origin is nginx's
``host:port``, as a person's browser sees it (the workers' same-origin check gets nginx's
``Host``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from tests.browser.callkit import call_between_two_pages, call_browser
from tests.browser.test_room import TYPING_TIMEOUT, two_people_typing_at_once
from tests.clusterkit import ID, LocalCluster, nginx_or_skip

__all__ = ["call_browser"]


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


@pytest.mark.timeout(TYPING_TIMEOUT)
async def test_two_people_typing_at_once_through_nginx_end_with_the_owners_text(
    browser: Any, cluster: LocalCluster
):
    session, final = await two_people_typing_at_once(browser, cluster.url)

    shard = ID.fullmatch(session["id"])
    assert shard is not None, session["id"]  # created by a worker of the cluster
    owner = f"{cluster.worker_urls[shard.group(1)]}/api/sessions/{session['id']}"
    async with aiohttp.ClientSession() as http, http.get(owner) as response:
        assert (await response.json())["code"] == final  # nginx answered with the owner's text


@pytest.mark.timeout(TYPING_TIMEOUT)
async def test_a_call_through_nginx_connects_two_pages_with_media_both_ways(
    call_browser: Any, cluster: LocalCluster
):
    await call_between_two_pages(call_browser, cluster.url)
