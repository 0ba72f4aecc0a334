"""TURN with a real coturn: the configuration deploy.coturn writes, the credentials a call
member receives in ``call-joined``, an allocation that works with them, and the same
credentials refused once they expire."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from pytest_aiohttp import AiohttpClient

from sessions.config import Config
from sessions.web.app import create_app
from tests.helpers import create_session, join, request
from tests.polling import wait_until
from tests.turnclient import XOR_RELAYED_ADDRESS, allocate
from tests.turnkit import SECRET, turnserver

__all__ = ["turnserver"]
LIFETIME = 2  # seconds: long enough to allocate, short enough to see expire


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

    # coturn refuses a username whose expiry is in the past by its clock, which it reads about
    # once a second (it still accepted one at expiry + 0.7 s, never at + 1.2 s); each
    # allocation holds a relay port for its lifetime, so ask once, 2 s after the expiry,
    # rather than polling coturn.
    await wait_until(lambda: time.time() > int(expiry) + 2, "the expiry", within=LIFETIME + 6)
    expired = await asyncio.to_thread(allocate, turnserver, turn["username"], turn["credential"])
    assert (expired.ok, expired.code) == (False, 401)

    fresh = (await request(ws, {"type": "call-join"}))["iceServers"][1]
    assert fresh["username"] != turn["username"]
    again = await asyncio.to_thread(allocate, turnserver, fresh["username"], fresh["credential"])
    assert again.ok
