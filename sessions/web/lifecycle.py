"""Snapshots while the app runs: restore at start-up, save periodically and at shutdown.

One ``cleanup_ctx`` does it all, so the saving runs exactly while the app does. aiohttp's
shutdown order puts the final save where it must be: the listening socket is closed first,
then ``on_shutdown`` tells every socket ``server-shutdown`` and closes it with 1001, in-flight
requests get ``--shutdown-grace-seconds`` to finish, and only then do cleanup contexts exit,
so the last snapshot holds every edit the server acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from sessions import snapshot
from sessions.web.keys import CLOCK, CONFIG, PROBLEMS, STORE

log = logging.getLogger("interview.snapshot")


def setup(app: web.Application) -> None:
    """Add the snapshot context when ``--snapshot`` names a file."""
    if app[CONFIG].snapshot:
        app.cleanup_ctx.append(snapshots)


async def snapshots(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: restore, then save every ``--snapshot-interval`` and once at the end.

    Raises :class:`~sessions.snapshot.SnapshotError` at start-up for a snapshot that exists
    but cannot be used, unless ``--snapshot-move-aside`` is set.
    """
    config = app[CONFIG]
    path = Path(config.snapshot)
    snapshot.check_writable(path)
    if restore(app, path):
        # A clean snapshot vouches for the histories only until the first edit after this
        # start: mark the file unclean now, so a crash before the next save is noticed.
        await save(app, path)
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(_save_periodically(app, path, stop))
    try:
        yield
    finally:
        stop.set()  # never cancelled mid-write: it finishes a save in progress, then returns
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if await save(app, path, clean=True):
            log.info("saved %d session(s) to %s", len(app[STORE]), path)


def restore(app: web.Application, path: Path) -> int:
    """Put the snapshot's sessions into the (empty) store; returns how many."""
    config = app[CONFIG]
    try:
        sessions = snapshot.load(path, config, app[PROBLEMS])
    except snapshot.SnapshotError as exc:
        if not config.snapshot_move_aside:
            raise
        moved = snapshot.move_aside(path, app[CLOCK]())
        log.warning("%s; moved it to %s and starting with no sessions", exc, moved)
        return 0
    if sessions is None:
        log.info("no snapshot at %s yet: starting with no sessions", path)
        return 0
    store = app[STORE]
    for session in sessions:
        store.add(session)
    log.info("restored %d session(s) from %s", len(sessions), path)
    return len(sessions)


async def save(app: web.Application, path: Path, *, clean: bool = False) -> bool:
    """Write every session to ``path``; a failure is logged and the old snapshot kept.

    ``clean``: the final save of a graceful shutdown (see :func:`snapshot.store_to_json`).
    """
    store = app[STORE]
    envelope = snapshot.store_to_json(
        store, app[CLOCK](), clean=clean
    )  # consistent: no await before this
    try:
        size = await asyncio.to_thread(snapshot.write, path, envelope)
    except (OSError, ValueError) as exc:
        log.error("could not write snapshot %s: %s", path, exc)
        return False
    log.debug("saved %d session(s) to %s (%d bytes)", len(envelope["sessions"]), path, size)
    return True


async def _save_periodically(app: web.Application, path: Path, stop: asyncio.Event) -> None:
    interval = app[CONFIG].snapshot_interval
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
        if not stop.is_set():
            await save(app, path)
