"""``GET /cluster/health``: one view of a cluster, from any of its workers.

A worker started with ``--peers NAME=URL,...`` (every worker of the cluster, itself included)
asks each peer's ``GET /health`` at once, each within ``--peer-timeout-seconds``, and answers
the list: each worker's shard, URL, status (``ok``, or ``down`` with the reason) and counts,
and the totals. It answers itself from memory. Without ``--peers`` the cluster is this one
process. The status is ``200`` when every worker is up and ``503`` when one is not, so a
monitor can watch the one URL; the body is the same either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from sessions.web.keys import CONFIG
from sessions.web.responses import json_response
from sessions.web.rest import health_body

PEERS_HTTP = web.AppKey("peers_http", aiohttp.ClientSession)
Worker = dict[str, Any]


def peer_urls(peers: tuple[str, ...]) -> list[tuple[str, str]]:
    """``("w1=http://h:1", ...)`` as ``[("w1", "http://h:1"), ...]`` (``--peers`` is checked
    when parsed)."""
    pairs = [peer.partition("=") for peer in peers]
    return [(name, url.rstrip("/")) for name, _, url in pairs]


async def peers_http(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: one client session for asking peers, closed at shutdown."""
    timeout = aiohttp.ClientTimeout(total=app[CONFIG].peer_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as http:
        app[PEERS_HTTP] = http
        yield


async def cluster_health(request: web.Request) -> web.Response:
    app = request.app
    config = app[CONFIG]
    peers = peer_urls(config.peers)
    if peers:
        workers = list(await asyncio.gather(*(_ask(app, name, url) for name, url in peers)))
    else:
        workers = [_myself(app, config.shard, None)]
    up = [worker for worker in workers if worker["status"] == "ok"]
    healthy = len(up) == len(workers)
    return json_response(
        {
            "status": "ok" if healthy else "degraded",
            "workers": workers,
            "up": len(up),
            "sessions": sum(worker["sessions"] for worker in up),
            "connections": sum(worker["connections"] for worker in up),
        },
        status=200 if healthy else 503,
    )


def _myself(app: web.Application, name: str, url: str | None) -> Worker:
    body = health_body(app)
    return _worker(name or None, url, body)


async def _ask(app: web.Application, name: str, url: str) -> Worker:
    if name == app[CONFIG].shard:
        return _myself(app, name, url)
    try:
        async with app[PEERS_HTTP].get(f"{url}/health") as response:
            if response.status != 200:
                return _down(name, url, f"/health answered HTTP {response.status}")
            body = await response.json()
    except TimeoutError:
        return _down(name, url, "no answer in time")
    except (aiohttp.ClientError, ValueError) as exc:
        return _down(name, url, f"{type(exc).__name__}: {exc}"[:200])
    if not isinstance(body, dict) or body.get("status") != "ok":
        return _down(name, url, "/health did not say ok")
    if body.get("shard") != name:
        return _down(name, url, f"the worker there is shard {body.get('shard')!r}")
    return _worker(name, url, body)


def _worker(name: str | None, url: str | None, body: dict[str, Any]) -> Worker:
    return {
        "shard": name,
        "url": url,
        "status": "ok",
        "sessions": body.get("sessions", 0),
        "connections": body.get("connections", 0),
        "uptimeSeconds": body.get("uptimeSeconds"),
        "version": body.get("version"),
    }


def _down(name: str, url: str, reason: str) -> Worker:
    return {
        "shard": name,
        "url": url,
        "status": "down",
        "sessions": None,
        "connections": None,
        "error": reason,
    }


def setup(app: web.Application) -> None:
    """The route, and the client session when there are peers to ask."""
    app.router.add_get("/cluster/health", cluster_health)
    if app[CONFIG].peers:
        app.cleanup_ctx.append(peers_http)
