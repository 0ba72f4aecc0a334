"""Idle expiry: a background task, started and stopped with the app, removes idle sessions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from sessions.room.interview import delete_session
from sessions.web.commit import COMMIT
from sessions.web.keys import CLOCK, CONFIG, STORE

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


async def _sweep_forever(app: web.Application) -> None:
    interval = app[CONFIG].cleanup_interval_seconds
    while True:
        await asyncio.sleep(interval)
        sweep(app)


async def expiry_task(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: the sweep runs exactly while the app does."""
    task = asyncio.get_running_loop().create_task(_sweep_forever(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
