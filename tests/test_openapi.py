"""The OpenAPI description stays true: it matches the routes, and schemathesis with every check
(``--checks all``: no 5xx, every status, content type, header and body as described, schema-valid
requests accepted and schema-invalid ones refused) finds no disagreement with a live server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sessions.config import Config
from sessions.interview.problems import load_bank
from sessions.protocol.messages import CLIENT_MESSAGE_TYPES
from sessions.room.frames import SERVER_MESSAGE_TYPES
from sessions.web.app import create_app
from sessions.web.openapi import build_spec, default_spec, render
from sessions.web.rest import problem_slugs

Client = TestClient[Any, Any]
ROOT = Path(__file__).resolve().parent.parent
IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

# Limits high enough that fuzzing explores the API rather than the rate limiter.
FUZZ_CONFIG = Config(session_creates_per_minute=100_000, max_sessions=5_000)
SCHEMATHESIS_CONFIG = ROOT / "tests" / "schemathesis.toml"
MAX_EXAMPLES = 15
"""Per operation and phase: about 800 requests, 10 s of CPU (on an idle machine, 15 s)."""


def described_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_docs_openapi_json_is_the_description_with_default_settings():
    stored = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert stored == render(default_spec()), (
        "regenerate it: python -m sessions.web.openapi > docs/openapi.json"
    )


def test_the_description_covers_exactly_the_apps_routes():
    app = create_app(Config())
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method not in IGNORED_METHODS and route.resource is not None
    }
    assert described_operations(default_spec()) == routes


async def test_openapi_json_is_served_for_the_running_config(client: Client):
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == json.loads(render(default_spec()))


@pytest.mark.parametrize("config", [Config(max_name_length=7)])
async def test_openapi_json_states_the_configured_limits(client: Client):
    spec = await (await client.get("/openapi.json")).json()
    assert spec["components"]["schemas"]["CreateSession"]["properties"]["name"]["maxLength"] == 7


def test_the_problem_field_lists_the_slugs_of_the_running_bank():
    bank = load_bank()
    spec = build_spec(Config(), problem_slugs(bank))
    problem = spec["components"]["schemas"]["CreateSession"]["properties"]["problem"]
    assert problem["enum"] == [*(p.slug for p in bank.list()), None]


# --- schemathesis against a live server ---------------------------------------------------------


class LiveServer:
    """The app on 127.0.0.1 in a thread of its own, for a synchronous HTTP client."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(create_app(self.config))
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def __enter__(self) -> LiveServer:
        self.thread.start()
        assert self.ready.wait(10), "the live server did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    with LiveServer(FUZZ_CONFIG) as server:
        yield server.url


@pytest.mark.timeout(600)
def test_schemathesis_with_every_check_finds_no_disagreement(live: str, tmp_path: Path):
    """``schemathesis run URL --checks all``, as a maintainer would type it, with this API's
    settings (tests/schemathesis.toml: 101 is how a WebSocket endpoint succeeds; the hooks aim
    half the cases at a real session with its token). All phases: examples, coverage, fuzzing,
    stateful. The run's seed is in its output, to replay a failure."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(SCHEMATHESIS_CONFIG),
        "--no-color",
        "run",
        f"{live}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
    ]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    run = subprocess.run(  # in tmp_path: its example database and cache stay out of the tree
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=540
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 0, f"after {elapsed:.0f} s:\n{run.stdout[-12_000:]}\n{run.stderr}"


def test_the_socket_operations_name_exactly_the_protocols_message_types():
    spec = default_spec()
    for path in ("/ws", "/ws/{session_id}"):
        operation = spec["paths"][path]["get"]
        assert operation["x-client-messages"] == list(CLIENT_MESSAGE_TYPES)
        assert operation["x-server-messages"] == list(SERVER_MESSAGE_TYPES)
