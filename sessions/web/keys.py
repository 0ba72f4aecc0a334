"""Typed keys for the state the application owns (no module globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from sessions.clock import Clock
from sessions.config import Config
from sessions.store import SessionStore

if TYPE_CHECKING:
    from sessions.web.connection import Connection

CONFIG = web.AppKey("config", Config)
CLOCK = web.AppKey("clock", Clock)
STORE = web.AppKey("store", SessionStore)
CONNECTIONS = web.AppKey("connections", set["Connection"])
STARTED_AT = web.AppKey("started_at", float)
