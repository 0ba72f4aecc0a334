"""Typed keys for the state the application owns (no module globals)."""

from __future__ import annotations

from aiohttp import web

from sessions.clock import Clock
from sessions.config import Config
from sessions.interview.problems import ProblemBank
from sessions.metrics import Metrics
from sessions.protocol.messages import Limits
from sessions.room.store import SessionStore
from sessions.web.connection import Connection

CONFIG = web.AppKey("config", Config)
CLOCK = web.AppKey[Clock]("clock")
STORE = web.AppKey("store", SessionStore)
CONNECTIONS = web.AppKey[set[Connection]]("connections")
STARTED_AT = web.AppKey("started_at", float)
PROBLEMS = web.AppKey("problems", ProblemBank)
METRICS = web.AppKey("metrics", Metrics)
LIMITS = web.AppKey("limits", Limits)
