"""``GET /cluster/health`` lists every worker named by ``--peers`` with its status and counts."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.version import VERSION
from sessions.web.app import create_app

Client = TestClient[Any, Any]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_health_names_the_workers_shard(aiohttp_client: AiohttpClient):
    client = await aiohttp_client(create_app(Config(shard="w1"), clock=FakeClock()))
    body = await (await client.get("/health")).json()
    assert body["shard"] == "w1"


async def test_health_of_a_standalone_server_names_no_shard(client: Client):
    assert "shard" not in await (await client.get("/health")).json()


async def test_cluster_health_without_peers_is_this_one_process(client: Client):
    await client.post("/api/sessions", json={})
    response = await client.get("/cluster/health")
    assert response.status == 200
    body = await response.json()
    assert body == {
        "status": "ok",
        "up": 1,
        "sessions": 1,
        "connections": 0,
        "workers": [
            {
                "shard": None,
                "url": None,
                "status": "ok",
                "sessions": 1,
                "connections": 0,
                "uptimeSeconds": 0.0,
                "version": VERSION,
            }
        ],
    }


async def start_worker(aiohttp_server: AiohttpServer, shard: str, sessions: int) -> TestServer:
    server = await aiohttp_server(create_app(Config(shard=shard), clock=FakeClock()))
    async with aiohttp.ClientSession() as http:
        for _ in range(sessions):
            async with http.post(server.make_url("/api/sessions"), json={}) as response:
                assert response.status == 201
    return server


async def test_cluster_health_asks_every_peer_and_totals_their_counts(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient
):
    w2 = await start_worker(aiohttp_server, "w2", 2)
    w3 = await start_worker(aiohttp_server, "w3", 3)
    w2_url, w3_url = str(w2.make_url("")).rstrip("/"), str(w3.make_url("")).rstrip("/")
    peers = ("w1=http://127.0.0.1:1", f"w2={w2_url}", f"w3={w3_url}")
    w1 = await aiohttp_client(create_app(Config(shard="w1", peers=peers), clock=FakeClock()))
    response = await w1.get("/cluster/health")
    assert response.status == 200
    body = await response.json()
    assert [(w["shard"], w["url"], w["status"], w["sessions"]) for w in body["workers"]] == [
        ("w1", "http://127.0.0.1:1", "ok", 0),  # itself: answered from memory, never asked
        ("w2", w2_url, "ok", 2),
        ("w3", w3_url, "ok", 3),
    ]
    assert (body["status"], body["up"], body["sessions"]) == ("ok", 3, 5)


async def test_cluster_health_is_503_naming_a_worker_that_does_not_answer(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient
):
    w2 = await start_worker(aiohttp_server, "w2", 1)
    w2_url = str(w2.make_url("")).rstrip("/")
    gone = f"http://127.0.0.1:{closed_port()}"
    peers = ("w1=http://127.0.0.1:1", f"w2={w2_url}", f"w3={gone}")
    w1 = await aiohttp_client(create_app(Config(shard="w1", peers=peers), clock=FakeClock()))
    response = await w1.get("/cluster/health")
    assert response.status == 503
    body = await response.json()
    assert (body["status"], body["up"], body["sessions"]) == ("degraded", 2, 1)
    down = body["workers"][2]
    assert (down["shard"], down["url"], down["status"], down["sessions"]) == (
        "w3",
        gone,
        "down",
        None,
    )
    assert down["error"].startswith("ClientConnectorError")


async def test_cluster_health_reports_a_peer_url_serving_another_shard_as_down(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient
):
    w2 = await start_worker(aiohttp_server, "w2", 0)
    w2_url = str(w2.make_url("")).rstrip("/")
    peers = ("w1=http://127.0.0.1:1", f"w3={w2_url}")
    w1 = await aiohttp_client(create_app(Config(shard="w1", peers=peers), clock=FakeClock()))
    body = await (await w1.get("/cluster/health")).json()
    assert body["workers"][1]["status"] == "down"
    assert body["workers"][1]["error"] == "the worker there is shard 'w2'"
