"""Idle expiry: a background task, started and stopped with the app, removes idle sessions."""

from __future__ import annotations

import logging

from aiohttp import web

from sessions.room.interview import delete_session
from sessions.web.commit import COMMIT
from sessions.web.keys import CLOCK, CONFIG, STORE
from sessions.web.periodic import every

log = logging.getLogger("interview.expiry")


def sweep(app: web.Application) -> list[str]:
    """Remove every session idle for the TTL; returns their ids."""
    store = app[STORE]
    removed = []
    for session in store.expired(app[CLOCK]()):
        store.remove(session.id)
        app[COMMIT].outcome(delete_session(session))
        removed.append(session.id)
    if removed:
        log.info("expired %d idle session(s)", len(removed))
    return removed


expiry_task = every(lambda app: app[CONFIG].cleanup_interval_seconds, sweep)
"""``cleanup_ctx``: the sweep runs exactly while the app does."""
