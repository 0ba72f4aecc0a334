"""Limits: the pure counters with a fake clock, then each limit as a client meets it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import WSMsgType, WSServerHandshakeError
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.errors import InvalidJson
from sessions.limits import (
    AddressCounter,
    FrameLimiter,
    KeyedRateLimiter,
    TokenBucket,
    Verdict,
    client_address,
    json_too_deep,
    nests_deeper,
)
from sessions.protocol.fields import decode_json
from sessions.web.guards import SOCKETS_BY_ADDRESS, origin_allowed
from tests.helpers import create_session, join, receive, request

Client = TestClient[Any, Any]

# --- token bucket -------------------------------------------------------------------------------


def test_token_bucket_allows_a_burst_then_refuses_until_time_refills_it():
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, capacity=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.retry_after() == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.take() is True
    assert bucket.take() is False


def test_token_bucket_never_holds_more_than_its_capacity():
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, capacity=2, clock=clock)
    clock.advance(3600)
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_token_bucket_ignores_a_clock_that_steps_back():
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, capacity=1, clock=clock)
    assert bucket.take()
    clock.advance(-100)
    assert not bucket.take()
    clock.advance(1)  # back where it was: nothing earned while time ran backwards
    assert bucket.take()


def test_frame_limiter_rejects_over_the_rate_and_closes_on_sustained_abuse():
    clock = FakeClock()
    config = Config(rate_limit_per_second=10, rate_limit_burst=5, abuse_limit=3)
    limiter = FrameLimiter(config, clock)
    verdicts = [limiter.check() for _ in range(9)]
    assert verdicts == [Verdict.ADMIT] * 5 + [Verdict.REJECT] * 3 + [Verdict.CLOSE]


def test_frame_limiter_forgives_rejections_older_than_the_abuse_window():
    clock = FakeClock()
    config = Config(
        rate_limit_per_second=1, rate_limit_burst=1, abuse_limit=2, abuse_window_seconds=10
    )
    limiter = FrameLimiter(config, clock)
    assert [limiter.check() for _ in range(3)] == [Verdict.ADMIT, Verdict.REJECT, Verdict.REJECT]
    clock.advance(10)
    assert [limiter.check() for _ in range(4)] == [
        Verdict.ADMIT,
        Verdict.REJECT,
        Verdict.REJECT,
        Verdict.CLOSE,
    ]


def test_a_first_rejection_long_after_joining_gets_every_strike():
    """The strike bucket is made at the first rejection: as many strikes as one made at
    once, and a socket that keeps to its budget never has one."""
    clock = FakeClock()
    config = Config(rate_limit_per_second=1, rate_limit_burst=1, abuse_limit=2)
    limiter = FrameLimiter(config, clock)
    assert limiter.check() is Verdict.ADMIT
    assert limiter._strikes is None
    clock.advance(3600)
    assert [limiter.check() for _ in range(4)] == [
        Verdict.ADMIT,
        Verdict.REJECT,
        Verdict.REJECT,
        Verdict.CLOSE,
    ]


def test_address_counter_refuses_past_its_limit_and_forgets_released_addresses():
    counter = AddressCounter(limit=2)
    assert [counter.acquire("a") for _ in range(3)] == [True, True, False]
    assert counter.acquire("b")
    counter.release("a")
    assert counter.acquire("a")
    for _ in range(2):
        counter.release("a")
    counter.release("a")  # one too many is ignored
    assert (counter.count("a"), len(counter)) == (0, 1)


def test_keyed_rate_limiter_counts_each_key_and_says_when_to_retry():
    clock = FakeClock()
    limiter = KeyedRateLimiter(per_minute=2, clock=clock)
    assert limiter.take("a") is None
    assert limiter.take("a") is None
    assert limiter.take("a") == pytest.approx(30.0)
    assert limiter.take("b") is None
    clock.advance(30)
    assert limiter.take("a") is None


def test_keyed_rate_limiter_forgets_idle_keys_so_memory_stays_bounded():
    clock = FakeClock()
    limiter = KeyedRateLimiter(per_minute=60, clock=clock)
    for i in range(KeyedRateLimiter.MIN_PRUNE_AT):
        limiter.take(f"10.0.{i // 256}.{i % 256}")
    clock.advance(60)  # every bucket has refilled
    limiter.take("one more")
    assert len(limiter) == 1


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("1.2.3.4", None, (), "1.2.3.4"),
        ("1.2.3.4", "9.9.9.9", (), "1.2.3.4"),  # untrusted peer: header ignored
        ("10.0.0.1", "9.9.9.9", ("10.0.0.1",), "9.9.9.9"),
        ("10.0.0.1", "6.6.6.6, 9.9.9.9", ("10.0.0.1",), "9.9.9.9"),  # client wrote 6.6.6.6
        ("10.0.0.1", "9.9.9.9, 10.0.0.2", ("10.0.0.1", "10.0.0.2"), "9.9.9.9"),
        ("10.0.0.1", " , ", ("10.0.0.1",), "10.0.0.1"),
        (None, None, (), ""),
    ],
)
def test_client_address_believes_x_forwarded_for_only_from_trusted_proxies(
    peer, forwarded, trusted, expected
):
    assert client_address(peer, forwarded, trusted) == expected


# --- JSON depth ---------------------------------------------------------------------------------


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


tricky_text = st.text(alphabet='[]{}"\\ab\n', max_size=6)
# Integers orjson reads exactly: from -2**63 to 2**64 - 1. Beyond that decode_json reads a
# float by design (its docstring; every integer field refuses it), tested on its own below.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=60,
)


@given(value=json_values, limit=st.integers(min_value=1, max_value=12))
def test_json_too_deep_agrees_with_the_parsed_depth(value: object, limit: int):
    text = json.dumps(value, ensure_ascii=False)
    assert json_too_deep(text, limit) == (depth(value) > limit)


@given(value=json_values, limit=st.integers(min_value=1, max_value=6), width=st.integers(1, 300))
def test_json_too_deep_agrees_on_wide_values_too(value: object, limit: int, width: int):
    wide = [value] * width  # past the walk budget: the whole-text method
    assert json_too_deep(json.dumps(wide), limit) == (depth(wide) > limit)


@given(value=json_values, limit=st.integers(min_value=1, max_value=12))
def test_nests_deeper_agrees_with_the_depth_of_the_value(value: object, limit: int):
    assert nests_deeper(value, limit) == (depth(value) > limit)


@given(value=json_values, limit=st.integers(min_value=1, max_value=12))
def test_decode_json_with_a_depth_limit_refuses_exactly_the_deeper_values(
    value: object, limit: int
):
    text = json.dumps(value, ensure_ascii=False)
    if depth(value) > limit:
        with pytest.raises(InvalidJson, match=rf"^frame nests .* more than {limit} levels deep$"):
            decode_json(text, limit)
    else:
        assert decode_json(text, limit) == value


@pytest.mark.parametrize("text", ["-9223372036854775809", "18446744073709551616"])
def test_decode_json_reads_an_integer_beyond_64_bits_as_a_float(text: str):
    assert decode_json(text, 32) == float(text)


def test_a_frame_too_deep_for_orjson_gets_the_depth_message_without_a_recursing_parse():
    with pytest.raises(InvalidJson, match=r"^frame nests arrays and objects more than 32 levels"):
        decode_json("[" * 100_000 + "]" * 100_000, 32)


def test_json_too_deep_stops_early_on_a_megabyte_of_brackets():
    assert json_too_deep("[" * 500_000 + "]" * 500_000, 32)
    assert not json_too_deep('["' + "[" * 100_000 + '"]', 32)


# --- origins ------------------------------------------------------------------------------------

LOCAL = ("http://localhost:*", "http://127.0.0.1:*")


@pytest.mark.parametrize(
    ("origin", "host", "allowed", "expected"),
    [
        (None, "127.0.0.1:8080", LOCAL, True),  # not a browser
        ("http://127.0.0.1:8080", "127.0.0.1:8080", (), True),  # the server's own page
        ("https://interview.example.com", "interview.example.com", (), True),
        ("http://localhost:3000", "127.0.0.1:8080", LOCAL, True),
        ("http://localhost", "127.0.0.1:8080", LOCAL, True),
        ("http://localhost.evil.com", "127.0.0.1:8080", LOCAL, False),
        ("http://localhost:3000.evil.com", "127.0.0.1:8080", LOCAL, False),
        ("https://evil.example", "127.0.0.1:8080", LOCAL, False),
        ("null", "127.0.0.1:8080", LOCAL, False),
        ("https://evil.example", "127.0.0.1:8080", ("*",), True),
        ("https://app.example.com", "x", ("https://app.example.com",), True),
        ("HTTPS://APP.example.com", "x", ("https://app.example.com/",), True),
        ("https://app.example.com:8443", "x", ("https://app.example.com",), False),
    ],
)
def test_origin_allowed(origin, host, allowed, expected):
    assert origin_allowed(origin, host, allowed) is expected


# --- each limit as a client meets it ------------------------------------------------------------


@pytest.mark.parametrize("config", [Config(rate_limit_per_second=2, rate_limit_burst=3)])
async def test_socket_over_its_rate_gets_rate_limited_errors_and_stays_open(
    client: Client, clock: FakeClock
):
    ws = await client.ws_connect("/ws")
    for i in range(5):
        await ws.send_json({"type": "ping", "ref": i})
    replies = [await receive(ws) for _ in range(5)]
    assert replies[:3] == [{"type": "pong", "ref": i} for i in range(3)]
    assert (
        replies[3:]
        == [
            {
                "type": "error",
                "code": "rate-limited",
                "message": "over 2 frames per second: frame ignored, slow down",
            }
        ]
        * 2
    )
    clock.advance(0.5)
    assert await request(ws, {"type": "ping", "ref": "later"}) == {"type": "pong", "ref": "later"}
    await ws.close()


@pytest.mark.parametrize(
    "config", [Config(rate_limit_per_second=1, rate_limit_burst=2, abuse_limit=3)]
)
async def test_sustained_abuse_closes_the_socket_with_1008(client: Client):
    ws = await client.ws_connect("/ws")
    for _ in range(10):
        await ws.send_json({"type": "ping"})
    codes = []
    while (msg := await ws.receive(timeout=5)).type is WSMsgType.TEXT:
        codes.append(msg.json().get("code", "pong"))
    assert codes == ["pong", "pong"] + ["rate-limited"] * 3
    assert (msg.type, msg.data, msg.extra) == (WSMsgType.CLOSE, 1008, "rate limit exceeded")


@pytest.mark.parametrize("config", [Config(session_creates_per_minute=2)])
async def test_creating_sessions_too_fast_from_one_address_is_429_with_retry_after(
    client: Client, clock: FakeClock
):
    for _ in range(2):
        assert (await client.post("/api/sessions")).status == 201
    refused = await client.post("/api/sessions")
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "30"
    assert await refused.json() == {
        "error": {
            "code": "rate-limited",
            "message": "at most 2 sessions per minute from one address",
        }
    }
    clock.advance(30)
    assert (await client.post("/api/sessions")).status == 201


@pytest.mark.parametrize("config", [Config(max_sessions=2)])
async def test_creating_a_session_past_max_sessions_is_503_capacity(client: Client):
    first = await create_session(client)
    await create_session(client)
    refused = await client.post("/api/sessions")
    assert refused.status == 503
    assert await refused.json() == {
        "error": {"code": "capacity", "message": "the server holds its limit of 2 sessions"}
    }
    token = first["interviewerToken"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.delete(f"/api/sessions/{first['id']}", headers=headers)).status == 204
    assert (await client.post("/api/sessions")).status == 201


@pytest.mark.parametrize("config", [Config(max_sockets_per_address=2)])
async def test_sockets_past_the_per_address_limit_are_refused_before_the_upgrade(
    client: Client,
):
    first = await client.ws_connect("/ws")
    second = await client.ws_connect("/ws")
    refused = await client.get(
        "/ws",
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
    )
    assert refused.status == 429
    assert await refused.json() == {
        "error": {
            "code": "rate-limited",
            "message": "too many open sockets from your address (limit 2)",
        }
    }
    await first.close()
    assert await request(second, {"type": "ping"}) == {"type": "pong"}
    third = await client.ws_connect("/ws")  # the closed socket's slot is free again
    for ws in (second, third):
        await ws.close()
    assert len(client.app[SOCKETS_BY_ADDRESS]) == 0


@pytest.mark.parametrize(
    "config", [Config(max_sockets_per_address=1, trusted_proxies=("127.0.0.1",))]
)
async def test_behind_a_trusted_proxy_sockets_are_counted_per_forwarded_address(client: Client):
    a = await client.ws_connect("/ws", headers={"X-Forwarded-For": "203.0.113.7"})
    b = await client.ws_connect("/ws", headers={"X-Forwarded-For": "203.0.113.8"})
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"X-Forwarded-For": "203.0.113.7"})
    assert refused.value.status == 429
    await a.close()
    await b.close()


@pytest.mark.parametrize("config", [Config(max_sockets_per_session=2)])
async def test_joining_a_full_session_is_a_capacity_error(client: Client):
    created = await create_session(client)
    a, _ = await join(client, created, "A")
    b, _ = await join(client, created, "B", role="interviewer")
    c = await client.ws_connect("/ws")
    frame = {"type": "join-session", "sessionId": created["id"], "name": "C", "ref": 1}
    assert await request(c, frame) == {
        "type": "error",
        "code": "capacity",
        "message": "session is full: 2 sockets are joined already",
        "ref": 1,
    }
    response = await client.get(f"/ws/{created['id']}?name=D")
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "capacity"
    await a.close()
    await receive(b)  # users-update: A left
    assert (await request(c, frame))["type"] == "session-state"
    for ws in (b, c):
        await ws.close()


@pytest.mark.parametrize("config", [Config(max_sockets_per_session=1)])
async def test_rejoining_the_same_session_does_not_count_twice(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "A")
    again = {"type": "join-session", "sessionId": created["id"], "name": "A"}
    assert (await request(ws, again))["type"] == "session-state"
    await ws.close()


async def test_a_websocket_from_a_foreign_origin_is_403_before_the_upgrade(client: Client):
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    response = await client.get("/ws", headers={"Origin": "https://evil.example"})
    assert response.status == 403
    assert await response.json() == {
        "error": {
            "code": "forbidden",
            "message": "origin 'https://evil.example' may not open a WebSocket here "
            "(see --allowed-origins)",
        }
    }


async def test_websockets_from_local_pages_the_server_itself_and_non_browsers_are_allowed(
    client: Client,
):
    own = f"http://{client.server.host}:{client.server.port}"
    for headers in ({"Origin": "http://localhost:5173"}, {"Origin": own}, {}):
        ws = await client.ws_connect("/ws", headers=headers)
        assert await request(ws, {"type": "ping"}) == {"type": "pong"}
        await ws.close()


@pytest.mark.parametrize("config", [Config(allowed_origins=("https://app.example.com",))])
async def test_allowed_origins_replaces_the_local_defaults(client: Client):
    ws = await client.ws_connect("/ws", headers={"Origin": "https://app.example.com"})
    await ws.close()
    with pytest.raises(WSServerHandshakeError):
        await client.ws_connect("/ws", headers={"Origin": "http://localhost:3000"})


@pytest.mark.parametrize("config", [Config(max_message_bytes=1024)])
async def test_a_frame_over_max_message_bytes_closes_the_socket_with_1009(client: Client):
    ws = await client.ws_connect("/ws")
    await ws.send_str(json.dumps({"type": "ping", "ref": "x" * 2000}))
    msg = await ws.receive(timeout=5)
    assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1009)  # RFC 6455: message too big
    assert ws.closed


# --- compression --------------------------------------------------------------------------------


async def test_permessage_deflate_is_declined_by_default(client: Client):
    ws = await client.ws_connect("/ws", compress=15)  # offers it, as every browser does
    assert ws.compress == 0
    assert await request(ws, {"type": "ping"}) == {"type": "pong"}
    await ws.close()


@pytest.mark.parametrize("config", [Config(compress=True)])
async def test_compress_flag_turns_permessage_deflate_on(client: Client):
    ws = await client.ws_connect("/ws", compress=15)
    assert ws.compress == 15
    assert await request(ws, {"type": "ping", "ref": "z" * 50}) == {"type": "pong", "ref": "z" * 50}
    await ws.close()


def test_compress_is_a_flag_and_off_by_default():
    assert Config().compress is False
    assert Config.from_args(["--compress", "true"]).compress is True
