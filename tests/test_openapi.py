"""The OpenAPI description stays true: it matches the routes, and schemathesis finds no 5xx and
no response that breaks it, against a live server."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sessions.config import Config
from sessions.web.app import create_app
from sessions.web.openapi import build_spec, render

Client = TestClient[Any, Any]
ROOT = Path(__file__).resolve().parent.parent
IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

# Limits high enough that fuzzing explores the API rather than the rate limiter.
FUZZ_CONFIG = Config(session_creates_per_minute=100_000, max_sessions=5_000)
schema = schemathesis.openapi.from_dict(build_spec(FUZZ_CONFIG))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def described_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_docs_openapi_json_is_the_description_with_default_settings():
    stored = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert stored == render(build_spec(Config())), (
        "regenerate it: python -m sessions.web.openapi > docs/openapi.json"
    )


def test_the_description_covers_exactly_the_apps_routes():
    app = create_app(Config())
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method not in IGNORED_METHODS and route.resource is not None
    }
    assert described_operations(build_spec(Config())) == routes


async def test_openapi_json_is_served_for_the_running_config(client: Client):
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == json.loads(render(build_spec(Config())))


@pytest.mark.parametrize("config", [Config(max_name_length=7)])
async def test_openapi_json_states_the_configured_limits(client: Client):
    spec = await (await client.get("/openapi.json")).json()
    assert spec["components"]["schemas"]["CreateSession"]["properties"]["name"]["maxLength"] == 7


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


_turns = itertools.count()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_fuzzing_finds_no_server_error_and_no_schema_violation(
    case: schemathesis.Case[Any], live: str
):
    headers = {}
    if next(_turns) % 2 == 0 and case.path_parameters and "session_id" in case.path_parameters:
        # Every other case aims at a real session, with its token, so that fuzzed bodies and
        # queries reach the code behind the 404.
        real = requests.post(f"{live}/api/sessions", json={"code": "x = 1"}, timeout=5).json()
        case.path_parameters = {**case.path_parameters, "session_id": real["id"]}
        headers["Authorization"] = f"Bearer {real['interviewerToken']}"
    case.call_and_validate(base_url=live, headers=headers, checks=CHECKS, timeout=10)
