"""``--shard``: a worker of a cluster puts its name in the ids it creates, and says where a
session it does not hold lives."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config, ConfigError
from sessions.errors import SessionNotFound, WrongShard
from sessions.room.store import SessionStore, shard_of
from sessions.web.app import create_app

Client = TestClient[Any, Any]


@pytest.mark.parametrize("name", ["w1", "a", "eu3", "0123456789abcdef"])
def test_shard_flag_accepts_short_lowercase_names(name: str):
    assert Config.from_args(["--shard", name], {}).shard == name


def test_shard_comes_from_the_environment():
    assert Config.from_args([], {"INTERVIEW_SHARD": "w7"}).shard == "w7"


@pytest.mark.parametrize("name", ["W1", "w-1", "w.1", "w_1", "w 1", "0123456789abcdefg", "é"])
def test_shard_flag_refuses_anything_but_up_to_16_lowercase_letters_and_digits(name: str):
    with pytest.raises(ConfigError) as exited:
        Config.from_args(["--shard", name], {})
    assert exited.value.code == 2
    assert "--shard: must be 1-16 lowercase letters and digits" in str(exited.value)


def test_shard_from_the_environment_is_checked_too():
    with pytest.raises(ConfigError) as refused:
        Config.from_args([], {"INTERVIEW_SHARD": "Bad!"})
    assert "INTERVIEW_SHARD: must be 1-16 lowercase letters and digits" in str(refused.value)


def test_peers_flag_takes_name_equals_url_pairs():
    config = Config.from_args(["--peers", "w1=http://127.0.0.1:8101, w2=http://10.0.0.2:8102"], {})
    assert config.peers == ("w1=http://127.0.0.1:8101", "w2=http://10.0.0.2:8102")


@pytest.mark.parametrize("peers", ["w1", "w1=127.0.0.1:8101", "=http://x:1", "W1=http://x:1"])
def test_peers_flag_refuses_entries_without_a_shard_name_and_an_http_url(peers: str):
    with pytest.raises(SystemExit):
        Config.from_args(["--peers", peers], {})


def test_ids_start_with_the_shard_name_and_a_dot_then_128_random_bits():
    store = SessionStore(Config(shard="w1"), FakeClock())
    ids = {store.create("Pairing", "python").id for _ in range(200)}
    assert len(ids) == 200
    for session_id in ids:
        assert re.fullmatch(r"w1\.[A-Za-z0-9_-]{22}", session_id), session_id
        assert shard_of(session_id) == "w1"


def test_ids_without_a_shard_are_22_url_safe_characters_as_before():
    store = SessionStore(Config(), FakeClock())
    session_id = store.create("Pairing", "python").id
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", session_id)
    assert shard_of(session_id) == ""


@pytest.mark.parametrize(
    ("session_id", "shard"),
    [("w2.abc", "w2"), ("abc", ""), ("W2.abc", ""), ("", ""), (".abc", ""), ("a-b.c", "")],
)
def test_shard_of_reads_only_a_valid_shard_name_before_the_first_dot(session_id: str, shard: str):
    assert shard_of(session_id) == shard


def test_an_id_of_another_shard_is_wrong_shard_naming_the_url_to_join():
    store = SessionStore(Config(shard="w1"), FakeClock())
    with pytest.raises(WrongShard) as raised:
        store.get("w2.AAAAAAAAAAAAAAAAAAAAAA")
    assert raised.value.extra == {"url": "/ws/w2.AAAAAAAAAAAAAAAAAAAAAA"}
    assert raised.value.message == (
        "session 'w2.AAAAAAAAAAAAAAAAAAAAAA' is held by worker 'w2', not this one ('w1'): "
        "join it at /ws/w2.AAAAAAAAAAAAAAAAAAAAAA, which the proxy routes to its worker"
    )


@pytest.mark.parametrize("session_id", ["w1.AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA"])
def test_an_unknown_id_of_this_shard_or_of_none_is_plain_session_not_found(session_id: str):
    store = SessionStore(Config(shard="w1"), FakeClock())
    with pytest.raises(SessionNotFound) as raised:
        store.get(session_id)
    assert type(raised.value) is SessionNotFound


def test_a_standalone_server_never_says_wrong_shard():
    store = SessionStore(Config(), FakeClock())
    with pytest.raises(SessionNotFound) as raised:
        store.get("w2.AAAAAAAAAAAAAAAAAAAAAA")
    assert type(raised.value) is SessionNotFound


@pytest.fixture
async def w1(aiohttp_client: AiohttpClient) -> Client:
    return await aiohttp_client(create_app(Config(shard="w1"), clock=FakeClock()))


async def test_post_api_sessions_on_a_shard_returns_an_id_and_location_with_its_name(w1: Client):
    response = await w1.post("/api/sessions", json={"name": "Pairing"})
    assert response.status == 201
    body = await response.json()
    assert re.fullmatch(r"w1\.[A-Za-z0-9_-]{22}", body["id"])
    assert response.headers["Location"] == f"/api/sessions/{body['id']}"
    fetched = await w1.get(f"/api/sessions/{body['id']}")
    assert (await fetched.json())["id"] == body["id"]


async def test_join_by_frame_for_another_shards_session_is_told_the_url_to_use(w1: Client):
    ws = await w1.ws_connect("/ws")
    await ws.send_json(
        {"type": "join-session", "sessionId": "w2.AAAAAAAAAAAAAAAAAAAAAA", "name": "Ada"}
    )
    frame = await ws.receive_json(timeout=5)
    assert frame == {
        "type": "error",
        "code": "wrong-shard",
        "message": "session 'w2.AAAAAAAAAAAAAAAAAAAAAA' is held by worker 'w2', not this one "
        "('w1'): join it at /ws/w2.AAAAAAAAAAAAAAAAAAAAAA, which the proxy routes to its worker",
        "url": "/ws/w2.AAAAAAAAAAAAAAAAAAAAAA",
    }
    await ws.send_json({"type": "ping"})
    assert await ws.receive_json(timeout=5) == {"type": "pong"}
    await ws.close()


async def test_rest_for_another_shards_session_is_404_naming_its_worker(w1: Client):
    response = await w1.get("/api/sessions/w2.AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status == 404
    error = (await response.json())["error"]
    assert error["code"] == "not-found"
    assert "held by worker 'w2'" in error["message"]
