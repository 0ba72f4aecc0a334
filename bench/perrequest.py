"""Per-request CPU of ``POST /api/sessions`` in one process, no sockets: ours against the floor.

``python -m bench perrequest [requests]`` (default 3,000; ``--quick`` 300) builds each app
and hands it the same requests (``{"name":"bench","language":"python"}``) through
``Application._handle``: the router, the middleware, the handler and the response object,
everything but aiohttp's HTTP parser and writer and the kernel, which cost both servers the
same. It prints µs per request, the best of a few rounds, with the garbage collector paused
while a round is timed (the mocked requests would otherwise make its work unrepresentative;
what the collector costs in the running server is in docs/benchmarks.md). Every response is
checked to be a 201.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any
from unittest import mock

from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request

from bench import floor_server
from sessions.config import Config
from sessions.web.app import create_app

BODY = b'{"name":"bench","language":"python"}'
ROUNDS = 5


def _peer(name: str, default: Any = None) -> Any:
    return ("127.0.0.1", 40000) if name == "peername" else default


def post(app: web.Application) -> web.Request:
    """A ``POST /api/sessions`` with the body already received, from 127.0.0.1."""
    protocol = mock.Mock(_reading_paused=False)
    payload = streams.StreamReader(protocol, 2**16, loop=asyncio.get_running_loop())
    payload.feed_data(BODY)
    payload.feed_eof()
    transport = mock.Mock()
    transport.get_extra_info.side_effect = _peer
    headers = {
        "Host": "127.0.0.1",
        "Content-Type": "application/json",
        "Content-Length": str(len(BODY)),
    }
    return make_mocked_request(
        "POST", "/api/sessions", headers=headers, payload=payload, app=app, transport=transport
    )


async def per_request(app: web.Application, count: int) -> float:
    """The best round's CPU µs per request."""
    app.freeze()
    best = float("inf")
    for _ in range(ROUNDS):
        requests = [post(app) for _ in range(count)]
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            for request in requests:
                response = await app._handle(request)
                assert response.status == 201, response.status
            best = min(best, (time.process_time() - started) / count * 1e6)
        finally:
            gc.enable()
    return best


async def measure(count: int) -> dict[str, float]:
    ours = create_app(Config(max_sessions=10**9, session_creates_per_minute=10**9))
    floor = floor_server.create_app("orjson")
    return {"floor": await per_request(floor, count), "ours": await per_request(ours, count)}


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("requests", type=int, nargs="?", help="how many (3,000; --quick 300)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    count = args.requests or (300 if args.quick else 3000)
    result = asyncio.run(measure(count))
    print(f"floor: {result['floor']:.1f} µs per POST (router, handler, response; no sockets)")
    print(f"ours:  {result['ours']:.1f} µs per POST (the same, with our middleware)")
    return 0
