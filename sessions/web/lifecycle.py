"""Persistence runs exactly while the app does: one ``cleanup_ctx``.

At start-up the base snapshot and its journals are restored
(:func:`sessions.persistence.restore.load`) into the empty store and a new journal begins
(:meth:`~sessions.persistence.service.Persistence.start`); while running, every committed
change is journaled (:mod:`sessions.web.commit`) and new bases are written in the background
(:meth:`~sessions.persistence.service.Persistence.save_periodically`).

aiohttp's shutdown order puts the final save where it must be: the listening socket is
closed first, then ``on_shutdown`` tells every socket ``server-shutdown`` and closes it with
1001, in-flight requests get ``--shutdown-grace-seconds`` to finish, and only then do cleanup
contexts exit, so the last base holds every change the server acknowledged; it is marked
clean and the journals are removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from sessions.persistence import restore, snapshot
from sessions.persistence.service import Persistence
from sessions.web.commit import COMMIT
from sessions.web.keys import CLOCK, CONFIG, METRICS, PROBLEMS, STORE

log = logging.getLogger("interview.snapshot")
PERSISTENCE = web.AppKey("persistence", Persistence)


def setup(app: web.Application) -> None:
    """Add the persistence context when ``--snapshot`` names a file."""
    if app[CONFIG].snapshot:
        app.cleanup_ctx.append(snapshots)


async def snapshots(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: restore, then journal and save while running, and once at the end.

    Raises :class:`~sessions.persistence.snapshot.SnapshotPathError` for a ``--snapshot``
    where nothing can be written, and :class:`~sessions.persistence.snapshot.SnapshotError`
    for a snapshot or journal that exists but cannot be used (unless
    ``--snapshot-move-aside`` is set).
    """
    config, store = app[CONFIG], app[STORE]
    path = Path(config.snapshot)
    snapshot.check_writable(path)
    restored = restore.load(path, config, app[PROBLEMS], app[CLOCK])
    for session in restored.sessions:
        store.add(session)
    persistence = Persistence(config, store, app[METRICS], app[CLOCK], restored)
    app[PERSISTENCE] = app[COMMIT].persistence = persistence
    await persistence.start(restored)
    stop = asyncio.Event()
    saving = persistence.save_periodically(config.snapshot_interval, stop)
    task = asyncio.get_running_loop().create_task(saving)
    try:
        yield
    finally:
        stop.set()  # never cancelled mid-write: it finishes a save in progress, then returns
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if await persistence.finish():
            log.info("saved %d session(s) to %s", len(store), path)
        app[COMMIT].persistence = None


def add_health(app: web.Application, body: dict[str, object]) -> None:
    """``/health``: ``"persistence"`` when on, and ``"status": "degraded"`` while failing."""
    persistence = app.get(PERSISTENCE)
    if persistence is not None:
        body["persistence"] = persistence.health()
        if persistence.cause is not None:
            body["status"] = "degraded"
