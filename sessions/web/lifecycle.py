"""Persistence while the app runs: restore at start-up, journal and base snapshots while
running, a clean base at shutdown.

One ``cleanup_ctx`` does it all, so persistence runs exactly while the app does. At start-up
the base snapshot and its journals are restored (:mod:`sessions.persistence.restore`) and a
new journal begins; a clean base is marked unclean in place (a crash from now on must not
find a file vouching for history ids), any other restore is followed by a new base written in
the background (:meth:`~sessions.web.persist.Persistence.start`). While running, every change
is journaled (:mod:`sessions.web.persist`), and a new base is written every
``--snapshot-interval`` when anything changed, or sooner when the journal passes
:data:`~sessions.web.persist.JOURNAL_COMPACT_BYTES`, or every
:data:`~sessions.web.persist.RETRY_SECONDS` while the disk is failing.

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

from sessions.persistence import restore as restoring
from sessions.persistence import snapshot
from sessions.persistence.journal import journal_files
from sessions.web.keys import CLOCK, CONFIG, PROBLEMS, STORE
from sessions.web.persist import PERSISTENCE, RETRY_SECONDS, Persistence

log = logging.getLogger("interview.snapshot")


def setup(app: web.Application) -> None:
    """Add the persistence context when ``--snapshot`` names a file."""
    if app[CONFIG].snapshot:
        app.cleanup_ctx.append(snapshots)


async def snapshots(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: restore, then journal and save while running, and once at the end.

    Raises :class:`~sessions.persistence.snapshot.SnapshotError` at start-up for a snapshot or
    journal
    that exists but cannot be used, unless ``--snapshot-move-aside`` is set.
    """
    config = app[CONFIG]
    path = Path(config.snapshot)
    snapshot.check_writable(path)
    restored = restore(app, path)
    persistence = app[PERSISTENCE] = Persistence(app, restored)
    await persistence.start(restored)
    stop = asyncio.Event()
    saving = _save_periodically(persistence, config.snapshot_interval, stop)
    task = asyncio.get_running_loop().create_task(saving)
    try:
        yield
    finally:
        stop.set()  # never cancelled mid-write: it finishes a save in progress, then returns
        with contextlib.suppress(asyncio.CancelledError):
            await task
        saved = await persistence.compact(clean=True)
        await persistence.close()
        if saved:
            persistence.drop_journals()
            log.info("saved %d session(s) to %s", len(app[STORE]), path)


def restore(app: web.Application, path: Path) -> restoring.Restored:
    """Put the snapshot's and journals' sessions into the (empty) store.

    With ``--snapshot-move-aside``, an unusable file is renamed and restoring starts over
    without it (each file at most once).
    """
    config = app[CONFIG]
    for _ in range(len(journal_files(path)) + 2):
        try:
            restored = restoring.restore(path, config, app[PROBLEMS])
            break
        except snapshot.SnapshotError as exc:
            if not config.snapshot_move_aside:
                raise
            moved = snapshot.move_aside(exc.path, app[CLOCK]())
            log.warning("%s; moved it to %s and restoring without it", exc, moved)
    else:  # pragma: no cover - every pass moves one file away
        raise snapshot.SnapshotError(path, "could not restore even after moving files aside")
    if not restored.found:
        log.info("no snapshot at %s yet: starting with no sessions", path)
        return restored
    store = app[STORE]
    for session in restored.sessions:
        store.add(session)
    log.info(
        "restored %d session(s) from %s and %d journal record(s)",
        len(restored.sessions),
        path,
        restored.replayed,
    )
    return restored


async def save(app: web.Application, path: Path, *, clean: bool = False) -> bool:
    """Write a base snapshot of every session now; a failure is logged, the old one kept.

    ``clean``: the final save of a graceful shutdown (see :func:`snapshot.store_to_json`).
    """
    if Path(app[CONFIG].snapshot) != path:
        raise ValueError(f"this app saves to {app[CONFIG].snapshot}, not {path}")
    return await app[PERSISTENCE].compact(clean=clean)


async def _save_periodically(
    persistence: Persistence, interval: float, stop: asyncio.Event
) -> None:
    wake = persistence.wake
    while not stop.is_set():
        wait = min(interval, RETRY_SECONDS) if persistence.cause else interval
        waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())}
        _, pending = await asyncio.wait(waits, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        for waiting in pending:
            waiting.cancel()
        wake.clear()
        if stop.is_set():
            return
        if persistence.changed_since_base or persistence.cause or persistence.writer.broken:
            await persistence.compact()
