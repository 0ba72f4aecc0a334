from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.web.app import create_app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, config: Config, clock: FakeClock
) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(config, clock=clock))
