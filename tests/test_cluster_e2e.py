"""End to end: three workers behind a real nginx, kept by a real supervisord
(``python -m deploy.cluster up``, what ``make cluster`` runs).

One cluster serves the module; a test that kills or restarts a worker waits until the
cluster is whole again before it ends. Each test's clients come from a 127.0.0.x address of
their own, so the workers' per-address limit (4 sockets) tells them apart.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.clusterkit import (
    ID,
    LocalCluster,
    RoutedClient,
    append,
    converged,
    create,
    disconnected,
    http_from,
    insert_at_end,
    nginx_or_skip,
    one_per_worker,
    synchronized,
)
from tests.polling import wait_until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    nginx_or_skip()
    local = LocalCluster(
        tmp_path_factory.mktemp("cluster"), 3, worker_args=("--max-sockets-per-address", "4")
    )
    try:
        local.start()
        yield local
        assert local.stop() == 0, local.output()
    finally:
        local.kill()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with http_from("127.0.0.1") as session:
        yield session


async def type_markers(client: RoutedClient, prefix: str, stop: asyncio.Event) -> list[str]:
    """Type ``[prefix-n]`` markers at the end until ``stop``; returns the acknowledged ones
    (typed before a moment the client was synchronized: every op it sent was acked)."""
    typed: list[str] = []
    acked: list[str] = []
    count = 0
    while not stop.is_set() and count < 2000:
        if client.synchronized:
            acked = list(typed)
        if client.connected or client.offline:
            count += 1
            marker = f"[{prefix}-{count}]"
            await client.edit(insert_at_end(client, marker))
            typed.append(marker)
        await asyncio.sleep(0.02)  # a typist's pace
    return acked


def test_start_up_leaves_nginx_no_failed_connect_to_a_worker(cluster: LocalCluster):
    """``up`` polls each worker's own /health and starts nginx only once all answer, so
    nginx never tries a worker that does not listen yet (each try used to be a
    ``connect() failed`` line, then ``no live upstreams`` for every later poll)."""
    assert "connect() failed" not in cluster.error_log_at_start
    assert cluster.error_log_at_start == ""  # nothing at warn or above: no retries, no 502s


async def test_sessions_created_through_nginx_land_on_every_worker_and_rest_reaches_the_owner(
    cluster: LocalCluster, http: aiohttp.ClientSession
):
    sessions = await one_per_worker(http, cluster)
    for shard, session in sessions.items():
        sid, token = session["id"], session["interviewerToken"]
        patched = await http.patch(
            f"{cluster.url}/api/sessions/{sid}",
            json={"code": f"# on {shard}\n"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert patched.status == 200
        async with http.get(f"{cluster.worker_urls[shard]}/api/sessions/{sid}") as direct:
            assert (await direct.json())["code"] == f"# on {shard}\n"  # the owner has it
        async with http.get(f"{cluster.url}/api/sessions/{sid}/users") as users:
            assert users.status == 200
        other = next(s for s in cluster.shards if s != shard)
        async with http.get(f"{cluster.worker_urls[other]}/api/sessions/{sid}") as elsewhere:
            assert elsewhere.status == 404
    async with http.get(f"{cluster.url}/cluster/health") as response:
        health = await response.json()
    assert response.status == 200
    assert [(w["shard"], w["status"]) for w in health["workers"]] == [
        ("w1", "ok"),
        ("w2", "ok"),
        ("w3", "ok"),
    ]
    assert health["sessions"] >= 3
    for shard in cluster.shards:
        async with http.get(f"{cluster.url}/_worker/{shard}/metrics") as metrics:
            assert metrics.status == 200
            assert "interview_connections" in await metrics.text()


async def test_clients_joined_through_nginx_converge_with_the_owners_state(
    cluster: LocalCluster,
):
    async with http_from("127.0.0.11") as http:
        sessions = await one_per_worker(http, cluster)
        clients: dict[str, list[RoutedClient]] = {}
        for shard, session in sessions.items():
            interviewer = RoutedClient(
                http,
                cluster.ws_url,
                session["id"],
                "Ivan",
                role="interviewer",
                token=session["interviewerToken"],
                token_in_url=shard == "w1",  # the access log must not show it
            )
            candidate = RoutedClient(http, cluster.ws_url, session["id"], "Ada")
            clients[shard] = [interviewer, candidate]
        everyone = [c for pair in clients.values() for c in pair]
        await asyncio.gather(*(c.join() for c in everyone))
        for round_ in range(15):
            await asyncio.gather(*(append(c, f"<{c.name}{round_}>") for c in everyone))
        for shard, session in sessions.items():
            url = f"{cluster.worker_urls[shard]}/api/sessions/{session['id']}"
            text = await converged(clients[shard], http, url)
            assert text.count("<Ivan") == text.count("<Ada") == 15
        assert all(not c.errors for c in everyone), [c.errors for c in everyone]
        await asyncio.gather(*(c.close() for c in everyone))
    access_log = cluster.directory / "logs" / "nginx-access.log"
    line = f'"GET /ws/{sessions["w1"]["id"]} HTTP/1.1" 101'  # written once the socket ends
    await wait_until(lambda: line in access_log.read_text(), "the socket logged", within=10)
    log = access_log.read_text()
    for session in sessions.values():
        assert session["interviewerToken"] not in log
        assert session["observerToken"] not in log


async def test_a_join_by_frame_on_plain_ws_names_the_url_of_the_owner(cluster: LocalCluster):
    async with http_from("127.0.0.14") as http:
        sessions = await one_per_worker(http, cluster)
        ws = await http.ws_connect(f"{cluster.ws_url}/ws")
        replies = []
        for session in sessions.values():
            await ws.send_json({"type": "join-session", "sessionId": session["id"], "name": "Ada"})
            replies.append(await ws.receive_json(timeout=5))
        await ws.close()
    joined = [r for r in replies if r["type"] == "session-state"]
    refused = [r for r in replies if r["type"] == "error"]
    assert len(joined) == 1, replies  # the worker nginx picked holds one of the three
    assert len(refused) == 2
    for reply in refused:
        assert reply["code"] == "wrong-shard"
        assert reply["url"] in {f"/ws/{s['id']}" for s in sessions.values()}
        assert f"join it at {reply['url']}" in reply["message"]


async def start_typing(
    cluster: LocalCluster, http: aiohttp.ClientSession
) -> tuple[dict[str, Any], dict[str, list[RoutedClient]]]:
    sessions = await one_per_worker(http, cluster)
    clients = {
        shard: [
            RoutedClient(
                http,
                cluster.ws_url,
                s["id"],
                "Ivan",
                role="interviewer",
                token=s["interviewerToken"],
            ),
            RoutedClient(http, cluster.ws_url, s["id"], "Ada"),
        ]
        for shard, s in sessions.items()
    }
    await asyncio.gather(*(c.join() for pair in clients.values() for c in pair))
    return sessions, clients


async def test_a_worker_killed_under_load_comes_back_with_its_sessions_and_others_see_nothing(
    cluster: LocalCluster,
):
    async with http_from("127.0.0.12") as http:
        sessions, clients = await start_typing(cluster, http)
        victim = "w2"
        snapshot = cluster.directory / "data" / f"{victim}.json"
        await wait_until(
            lambda: snapshot.exists() and sessions[victim]["id"] in snapshot.read_text(),
            "the session saved",
            within=10,
        )
        stop = asyncio.Event()
        everyone = [c for pair in clients.values() for c in pair]
        typing = [
            asyncio.create_task(type_markers(c, f"{c.name}{i}", stop))
            for i, c in enumerate(everyone)
        ]
        await wait_until(lambda: all(len(c.text) > 20 for c in everyone), "typing", within=10)
        old_pid = cluster.signal_worker(victim, signal.SIGKILL)
        dropped = clients[victim]
        await wait_until(lambda: not any(c.connected for c in dropped), "the drop", within=10)
        await asyncio.gather(*(c.rejoin() for c in dropped))  # through nginx, once it is back
        assert cluster.pid(victim) != old_pid
        await wait_until(lambda: all(c.joins == 2 for c in dropped), "rejoined", within=10)
        stop.set()
        await asyncio.gather(*typing)
        for shard, session in sessions.items():
            url = f"{cluster.worker_urls[shard]}/api/sessions/{session['id']}"
            await converged(clients[shard], http, url)
        for shard in ("w1", "w3"):
            for client in clients[shard]:
                assert client.joins == 1 and client.connected and client.closes == []
                assert client.errors == [] and not any(
                    f["type"] == "server-shutdown" for f in client.frames
                )
        await asyncio.gather(*(c.close() for c in everyone))
    health = cluster.wait_healthy()
    assert health["up"] == 3


async def test_a_rolling_restart_under_typing_loses_no_acknowledged_change(cluster: LocalCluster):
    async with http_from("127.0.0.13") as http:
        sessions, clients = await start_typing(cluster, http)
        stop = asyncio.Event()
        everyone = [c for pair in clients.values() for c in pair]
        typing = [
            asyncio.create_task(type_markers(c, f"{c.name}{i}", stop))
            for i, c in enumerate(everyone)
        ]

        async def restarted(shard: str) -> None:
            old_pid = cluster.signal_worker(shard, signal.SIGTERM)
            await wait_until(
                lambda: not any(c.connected for c in clients[shard]), "closed", within=15
            )
            await asyncio.gather(*(c.rejoin() for c in clients[shard]))
            assert cluster.pid(shard) != old_pid

        for shard in cluster.shards:
            await wait_until(lambda: all(len(c.text) > 40 for c in everyone), "typing")
            await restarted(shard)
        stop.set()
        acked = await asyncio.gather(*typing)
        for shard, session in sessions.items():
            url = f"{cluster.worker_urls[shard]}/api/sessions/{session['id']}"
            final = await converged(clients[shard], http, url)
            for client in clients[shard]:
                markers = acked[everyone.index(client)]
                assert markers, "nothing was acknowledged"
                lost = [marker for marker in markers if marker not in final]
                assert lost == [], f"acknowledged but lost on {shard}: {lost}"
                assert client.joins == 2
                assert client.closes == [1001]  # server-shutdown, then going away
                assert any(f["type"] == "server-shutdown" for f in client.frames)
        await asyncio.gather(*(c.close() for c in everyone))
    cluster.wait_healthy()


async def test_per_address_limits_see_the_real_client_behind_nginx_not_a_forged_header(
    cluster: LocalCluster,
):
    async with http_from("127.0.0.1") as setup:
        session = await create(setup, cluster.url, maxCandidates=10)
    sid = session["id"]
    owner = cluster.worker_urls[ID.fullmatch(sid).group(1)]  # type: ignore[union-attr]
    spoof = {"X-Forwarded-For": "10.9.9.9"}
    async with http_from("127.0.0.5") as five, http_from("127.0.0.6") as six:
        sockets = [
            await five.ws_connect(f"{cluster.ws_url}/ws/{sid}?name=P{i}", headers=spoof)
            for i in range(4)
        ]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await five.ws_connect(f"{cluster.ws_url}/ws/{sid}?name=P5", headers=spoof)
        assert refused.value.status == 429
        with pytest.raises(aiohttp.WSServerHandshakeError) as direct:
            # straight to the worker, not from nginx: the header is not believed either
            await five.ws_connect(
                f"{owner}/ws/{sid}?name=P6", headers={"X-Forwarded-For": "10.1.1.1"}
            )
        assert direct.value.status == 429
        other = await six.ws_connect(f"{cluster.ws_url}/ws/{sid}?name=Six")
        assert (await other.receive_json(timeout=5))["type"] == "session-state"
        for ws in [*sockets, other]:
            await ws.close()


async def test_workers_on_two_hosts_behind_one_nginx_stop_in_order_on_ctrl_c(
    tmp_path: Path,
):
    # Two "machines": the workers listen on 127.0.0.2 and 127.0.0.3 only.
    nginx_or_skip()
    local = LocalCluster(tmp_path / "hosts", 2, hosts=("127.0.0.2", "127.0.0.3"))
    try:
        local.start()
        assert local.worker_urls == {
            "w1": f"http://127.0.0.2:{local.port + 1}",
            "w2": f"http://127.0.0.3:{local.port + 2}",
        }
        async with http_from("127.0.0.1") as http:
            sessions: dict[str, dict[str, Any]] = {}
            clients: list[RoutedClient] = []
            for _ in range(30):
                created = await create(http, local.url)
                sessions.setdefault(created["id"].split(".")[0], created)
                if len(sessions) == 2:
                    break
            assert sorted(sessions) == ["w1", "w2"]
            for session in sessions.values():
                client = RoutedClient(http, local.ws_url, session["id"], "Ada")
                await client.join()
                await append(client, f"saved on {session['id'][:2]}")
                await client.wait_for(synchronized(client))
                clients.append(client)
            code = await asyncio.to_thread(local.stop)  # Ctrl-C
            assert code == 0, local.output()
            for client in clients:
                # nginx kept the open sockets while the workers said goodbye through it
                await client.wait_for(disconnected(client))
                assert any(f["type"] == "server-shutdown" for f in client.frames)
                assert client.closes == [1001]
        out = local.output_path.read_text()
        assert out.index("nginx accepts no new connections") < out.index("workers shut down")
        for shard, session in sessions.items():
            saved = json.loads((local.directory / "data" / f"{shard}.json").read_text())
            assert saved["clean"] is True
            kept = {entry["id"]: entry["code"] for entry in saved["sessions"]}
            assert kept[session["id"]] == f"saved on {shard}"  # (creation may have made more)
    finally:
        local.kill()


async def test_a_stopped_worker_s_sessions_get_a_json_503_and_creation_goes_elsewhere(
    cluster: LocalCluster,
):
    async with http_from("127.0.0.15") as http:
        sessions = await one_per_worker(http, cluster)
        assert cluster.supervisorctl("stop", "workers:w3").endswith("stopped")
        try:
            async with http.get(f"{cluster.url}/api/sessions/{sessions['w3']['id']}") as down:
                assert down.status == 503
                assert down.headers["Retry-After"] == "1"
                assert (await down.json())["error"]["code"] == "worker-unavailable"
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{cluster.ws_url}/ws/{sessions['w3']['id']}?name=Ada")
            assert refused.value.status == 503
            for _ in range(6):
                created = await create(http, cluster.url)
                assert not created["id"].startswith("w3.")
            async with http.get(f"{cluster.url}/api/sessions/{sessions['w1']['id']}") as up:
                assert up.status == 200
        finally:
            cluster.supervisorctl("start", "workers:w3")
        body = cluster.wait_healthy()
        assert body["up"] == 3
        async with http.get(f"{cluster.url}/api/sessions/{sessions['w3']['id']}") as back:
            assert back.status == 200  # restored from its snapshot
