"""TURN with a real coturn: the configuration deploy.coturn writes, the credentials a call
member receives in ``call-joined``, an allocation that works with them, and the same
credentials refused once they expire."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from deploy.coturn import TurnSettings, write_config
from sessions.config import Config
from sessions.web.app import create_app
from tests.helpers import create_session, join, request
from tests.needs import need_program
from tests.polling import wait_until
from tests.turnclient import XOR_RELAYED_ADDRESS, allocate, binding

SECRET = "a-shared-secret-between-the-server-and-coturn"
LIFETIME = 2  # seconds: long enough to allocate, short enough to see expire
START_SECONDS = 10.0


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def turnserver(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """coturn on an ephemeral port of 127.0.0.1, configured by deploy.coturn."""
    program = need_program("turnserver")
    port = free_udp_port()
    relay = free_udp_port()
    settings = TurnSettings(
        secret=SECRET,
        listening_ip="127.0.0.1",
        port=port,
        relay_ip="127.0.0.1",
        min_port=relay,
        max_port=relay + 20 if relay < 65500 else relay,
        log_file=str(tmp_path / "turn.log"),
        pid_file=str(tmp_path / "turn.pid"),
        db_file=str(tmp_path / "turndb"),
    )
    conf = write_config(tmp_path / "turnserver.conf", settings)
    assert conf.stat().st_mode & 0o777 == 0o600
    process = subprocess.Popen(
        [program, "-c", str(conf), "--no-stdout-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = ("127.0.0.1", port)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                binding(server)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (tmp_path / "turn.log").read_text(errors="replace")[-2000:]
                    raise AssertionError(f"turnserver did not answer: {log}") from None
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_a_call_member_gets_turn_credentials_that_work_and_then_expire(
    aiohttp_client: AiohttpClient, turnserver: tuple[str, int], tmp_path: Path
):
    host, port = turnserver
    secret_file = tmp_path / "turn-secret"
    secret_file.write_text(SECRET + "\n")
    config = Config(
        ice_servers=(f"stun:{host}:{port}", f"turn:{host}:{port}?transport=udp"),
        turn_secret_file=str(secret_file),
        turn_credential_seconds=LIFETIME,
    )
    client: Any = await aiohttp_client(create_app(config))
    session = await create_session(client)
    ws, state = await join(client, session, "Cara")
    joined = await request(ws, {"type": "call-join"})
    stun, turn = joined["iceServers"]
    assert stun == {"urls": [f"stun:{host}:{port}"]}
    assert turn["urls"] == [f"turn:{host}:{port}?transport=udp"]
    expiry, user = turn["username"].split(":", 1)
    assert user == state["you"]["userId"]
    assert 0 < int(expiry) - time.time() <= LIFETIME

    granted = await asyncio.to_thread(allocate, turnserver, turn["username"], turn["credential"])
    assert (granted.ok, granted.code) == (True, None)
    assert XOR_RELAYED_ADDRESS in granted.attributes
    wrong = await asyncio.to_thread(allocate, turnserver, turn["username"], "not-the-credential")
    assert (wrong.ok, wrong.code) == (False, 401)

    # coturn refuses a username whose expiry is in the past (each allocation holds a relay
    # port for its lifetime, so ask once, after the expiry, rather than polling coturn).
    await wait_until(lambda: time.time() > int(expiry) + 1, "the expiry", within=LIFETIME + 5)
    expired = await asyncio.to_thread(allocate, turnserver, turn["username"], turn["credential"])
    assert (expired.ok, expired.code) == (False, 401)

    fresh = (await request(ws, {"type": "call-join"}))["iceServers"][1]
    assert fresh["username"] != turn["username"]
    again = await asyncio.to_thread(allocate, turnserver, fresh["username"], fresh["credential"])
    assert again.ok
