"""Persistence while the server runs: the journal fed from the loop, base snapshots taken in
slices, durability waits, restore at start-up, and the health of it all.

The web layer commits each domain outcome in one step (:mod:`sessions.web.commit`): its
change is handed to :meth:`Persistence.journal` (encoded and queued for the writer thread at
once) and its frames are sent through :meth:`Persistence.after`, which runs them at once, or
with ``--durability always`` once the writer reports everything journaled so far on disk.
Outcomes wait in order, so no frame ever overtakes another, whatever brought it.

A disk error never blocks: held outcomes are released, the cause is logged once, counted in
``interview_persistence_errors_total`` and shown by ``/health`` as ``degraded`` until a base
snapshot lands again (retried every :data:`RETRY_SECONDS`).

It runs on the event loop (asyncio, no aiohttp): the store, the metrics and the clock are
handed to it; :mod:`sessions.web.lifecycle` starts and stops it with the app.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from sessions.clock import Clock, iso
from sessions.config import Config
from sessions.metrics import Metrics
from sessions.persistence.base import (
    BaseFile,
    Begin,
    End,
    Placed,
    Reuse,
    mark_unclean,
    remove_journals_before,
    stream,
)
from sessions.persistence.image import SessionImage, capture, steps
from sessions.persistence.journal import (
    WRITE_DELAY,
    FileSystem,
    JournalWriter,
    describe,
    journal_files,
)
from sessions.persistence.records import VERSION, Numbering, record_of
from sessions.persistence.restore import Restored
from sessions.persistence.snapshot import VERSION as SNAPSHOT_VERSION
from sessions.room.outcome import Change
from sessions.room.store import SessionStore

log = logging.getLogger("interview.persistence")
_T = TypeVar("_T")

JOURNAL_COMPACT_BYTES = 64 * 1024 * 1024
"""A journal this large triggers a new base snapshot before ``--snapshot-interval`` is up."""
STEP_BUDGET = 20_000
"""References a base snapshot copies on the loop between two yields to it (see
:func:`sessions.persistence.image.cost`): about 0.1 ms of work."""
WRITE_BYTES = 1024 * 1024
"""Encoded bytes gathered before one write to the base file (in a thread)."""
RETRY_SECONDS = 2.0
"""How often a failing disk is tried again."""


class Persistence:
    """The journal and the base snapshots of one application."""

    def __init__(
        self,
        config: Config,
        store: SessionStore,
        metrics: Metrics,
        clock: Clock,
        restored: Restored,
        fs: FileSystem | None = None,
    ) -> None:
        self.path = Path(config.snapshot)
        self.always = config.durability == "always"
        self._durability = config.durability
        self._store, self._metrics, self._clock = store, metrics, clock
        self._loop = asyncio.get_running_loop()
        self.numbering = Numbering()
        for session in restored.sessions:
            self.numbering.adopt(session.id, restored.jseqs.get(session.id, 0))
        self.generation = restored.generation + 1
        self.index: dict[str, Placed] = {}
        self.durable_seq = 0
        self.cause: str | None = None
        self.changed_since_base = False
        self.journal_bytes = 0
        self.wake = asyncio.Event()
        self._waiters: deque[tuple[int, Callable[[], None]]] = deque()
        self._pending: list[bytes] = []
        self.appended = 0
        """The sequence number of the last record journaled (the writer numbers alike)."""
        self._logged: set[str] = set()
        self._gap = False
        self.appended_at_base = -1
        self._deleted_during: set[str] | None = None
        self._lock = asyncio.Lock()
        self.writer = JournalWriter(
            self.path,
            durability=config.durability,
            fsync_interval=config.fsync_interval,
            on_durable=self._from_thread(self._durable),
            on_error=self._from_thread(self._journal_failed),
            clock=lambda: iso(clock()),
            fs=fs,
        )

    def _from_thread(self, method: Callable[[_T], None]) -> Callable[[_T], None]:
        """``method`` as the writer thread may call it: run on the loop, soon."""

        def call(value: _T) -> None:
            self._loop.call_soon_threadsafe(method, value)

        return call

    # --- the loop side of the journal -------------------------------------------------------

    def journal(self, change: Change) -> None:
        """Journal a committed change (not one of a session no longer in the store)."""
        session = change.session
        if change.deleted:
            if self._deleted_during is not None:
                self._deleted_during.add(session.id)
        elif not self._store.holds(session):
            return
        record = record_of(change, self.numbering)
        if record is not None:
            self._append(record)

    def _append(self, record: dict[str, Any]) -> None:
        self.changed_since_base = True
        if self.writer.broken:
            return  # lost to the disk error; the next base snapshot holds it
        payload = orjson.dumps(record)
        if not self._pending:
            self._schedule_flush()
        self._pending.append(payload)
        self.appended += 1
        self.journal_bytes += len(payload)
        if self.journal_bytes > JOURNAL_COMPACT_BYTES:
            self.wake.set()

    def _schedule_flush(self) -> None:
        if self.always:  # an ack waits for the disk: hand over at the end of this turn
            self._loop.call_soon(self.flush)
        else:  # one write (or hand-over to the thread) per WRITE_DELAY
            self._loop.call_later(WRITE_DELAY, self.flush)

    def flush(self) -> None:
        """Hand the records gathered so far to the writer (one lock; one write, or a
        wake-up of its thread)."""
        if self._pending:
            pending, self._pending = self._pending, []
            self.writer.append(*pending)

    def sync(self) -> int:
        """Ask for everything journaled so far to be fsynced now; returns the sequence
        number that :attr:`durable_seq` reaches once it is."""
        self.flush()
        self.writer.sync()
        return self.appended

    def after(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once everything journaled so far is on disk (in order)."""
        # A failing journal never blocks; a failing base write alone does not weaken acks.
        if not self._waiters and (self.durable_seq >= self.appended or self.writer.broken):
            callback()
            return
        self._waiters.append((self.appended, callback))
        if not self._pending:
            self.writer.sync()  # else the hand-over at the end of this turn is the request

    async def durable(self) -> None:
        """Return once everything journaled so far is on disk (or persistence is failing)."""
        done: asyncio.Future[None] = self._loop.create_future()

        def release() -> None:
            if not done.done():
                done.set_result(None)

        self.after(release)
        await done

    def _durable(self, seq: int) -> None:
        self.durable_seq = max(self.durable_seq, seq)
        self._release(lambda target: target <= self.durable_seq)

    def _release(self, due: Callable[[int], bool]) -> None:
        waiters = self._waiters
        while waiters and due(waiters[0][0]):
            _, callback = waiters.popleft()
            try:
                callback()
            except Exception:  # one failed send must not hold the others back
                log.exception("sending a held outcome failed")

    def _journal_failed(self, cause: str) -> None:
        self._gap = True
        healthy = self.cause is None
        self.report(cause, f"could not write the journal beside {self.path}")
        self._release(lambda target: True)  # never block a socket on a failing disk
        if healthy:
            self.wake.set()  # the saving task retries on the shorter interval from now

    def report(self, cause: str, what: str) -> None:
        """A disk error: counted always, logged once per cause until persistence recovers."""
        self._metrics.persistence_error(cause.split(" ", 1)[0])
        self.cause = cause
        if cause not in self._logged:
            self._logged.add(cause)
            log.error(
                "%s: %s; persistence is degraded, retrying every %s s", what, cause, RETRY_SECONDS
            )

    def health(self) -> dict[str, Any]:
        return {
            "status": "degraded" if self.cause else "ok",
            "cause": self.cause,
            "durability": self._durability,
            "journalBytes": self.journal_bytes,
        }

    # --- base snapshots ---------------------------------------------------------------------

    async def start(self, restored: Restored) -> None:
        """Open the first journal of this run, after everything restored.

        A clean base is marked unclean in place (a crash from now on must not find a file
        vouching for history ids); after any other restore a new base is written soon, in
        the background, from what was restored (history ids included).
        """
        self.writer.rotate(self.generation)
        await asyncio.to_thread(self.writer.wait_idle)
        if restored.clean:
            try:
                marked = await asyncio.to_thread(mark_unclean, self.path, self.writer.fs)
            except OSError as exc:
                self.report(describe(exc), f"could not write snapshot {self.path}")
                marked = False
            if not marked:
                await self.compact(full=True)
        elif restored.found:
            self.changed_since_base = True
            self.wake.set()

    async def compact(self, *, clean: bool = False, full: bool = False) -> bool:
        """Write a new base snapshot and start a fresh journal; False if the disk refused."""
        async with self._lock:
            return await self._compact(clean, full)

    async def _compact(self, clean: bool, full: bool) -> bool:
        store = self._store
        generation = self.generation + 1
        self.flush()  # what came before the rotation goes to the old journal
        self.writer.rotate(generation, after_gap=self._gap)
        self.generation = generation
        self.changed_since_base = False
        self.journal_bytes = 0
        deleted: set[str] = set()
        self._deleted_during = deleted
        records: dict[str, int] = {}
        parts: list[tuple[SessionImage, int] | Reuse] = []
        try:
            for step in steps(list(store), STEP_BUDGET):
                for session in step:
                    if not store.holds(session):
                        continue  # deleted since the list was taken
                    jseq = self.numbering.jseq(session.id)
                    placed = self.index.get(session.id)
                    if placed is not None and placed.jseq == jseq and not full:
                        parts.append(Reuse(session.id, placed))
                    else:
                        parts.append((capture(session), jseq))
                    records[session.id] = jseq
                await asyncio.sleep(0)  # the loop serves others between two steps
        finally:
            self._deleted_during = None
        appended = self.appended
        envelope = {"version": SNAPSHOT_VERSION, "savedAt": iso(self._clock()), "clean": clean}
        trailer = {
            "version": VERSION,
            "generation": generation,
            "durability": self._durability,
            "records": records,
            "skip": sorted(deleted - records.keys()),
        }
        fs = self.writer.fs
        try:
            self.index = await self._write_base(envelope, trailer, parts)
            await asyncio.to_thread(remove_journals_before, self.path, generation, fs)
        except OSError as exc:
            self.report(describe(exc), f"could not write snapshot {self.path}")
            self.changed_since_base = True
            return False
        finally:  # the new journal is open (or failed) before this returns
            await asyncio.to_thread(self.writer.wait_idle)
        self._based(appended)
        log.debug("saved %d session(s) to %s", len(records), self.path)
        return True

    async def _write_base(
        self,
        envelope: dict[str, Any],
        trailer: dict[str, Any],
        parts: list[tuple[SessionImage, int] | Reuse],
    ) -> dict[str, Placed]:
        """Encode on the loop a slice at a time, write from a thread a buffer at a time."""
        out = await asyncio.to_thread(BaseFile, self.path, self.writer.fs)
        try:
            buffer: list[bytes] = []
            buffered = 0
            begun: Begin | None = None
            start = 0
            for item in stream(envelope, trailer, parts):
                if isinstance(item, bytes):
                    buffer.append(item)
                    buffered += len(item)
                    if buffered < WRITE_BYTES:
                        await asyncio.sleep(0)  # one slice of encoding per turn of the loop
                        continue
                await asyncio.to_thread(out.write, b"".join(buffer))
                buffer, buffered = [], 0
                if isinstance(item, Reuse):
                    await asyncio.to_thread(out.copy, item)
                elif isinstance(item, Begin):
                    begun, start = item, out.position
                elif isinstance(item, End) and begun is not None:
                    out.placed[begun.session_id] = Placed(start, out.position - start, begun.jseq)
            await asyncio.to_thread(out.write, b"".join(buffer))
            return await asyncio.to_thread(out.commit)
        except BaseException:
            out.abort()
            raise

    def _based(self, appended: int) -> None:
        """A base landed: persistence is healthy again if the journal is."""
        if self.writer.broken:
            return
        self._gap = False
        self.appended_at_base = appended
        if self.cause is not None:
            log.warning("persistence resumed: %s is writable again", self.path)
            self.cause = None
            self._logged.clear()

    async def save_periodically(self, interval: float, stop: asyncio.Event) -> None:
        """Write a base every ``interval`` seconds when anything changed, sooner when the
        journal grew past :data:`JOURNAL_COMPACT_BYTES`, every :data:`RETRY_SECONDS` while
        the disk fails; returns once ``stop`` is set (never cancelled mid-write)."""
        wake = self.wake
        while not stop.is_set():
            wait = min(interval, RETRY_SECONDS) if self.cause else interval
            waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())}
            _, pending = await asyncio.wait(
                waits, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            for waiting in pending:
                waiting.cancel()
            wake.clear()
            if stop.is_set():
                return
            if self.changed_since_base or self.cause or self.writer.broken:
                await self.compact()

    async def finish(self) -> bool:
        """The last base of a graceful shutdown (marked clean), then the writer stopped after
        it wrote and fsynced everything; the journals go when the base holds all of them.
        Returns whether the base was written."""
        saved = await self.compact(clean=True)
        self.flush()
        await asyncio.to_thread(self.writer.close)
        self._release(lambda target: True)
        if saved and self.appended_at_base == self.appended:
            for _, path in journal_files(self.path):
                self.writer.fs.unlink(path)
        return saved
