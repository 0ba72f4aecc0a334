"""The journal writer: frames appended to a file, and a thread that makes them durable.

The loop calls :meth:`JournalWriter.append`, in ``interval`` mode once per :data:`WRITE_DELAY`
with what gathered, and never waits behind the disk. In ``interval`` mode, when the thread
is idle (nothing queued, no write or fsync under way), ``append`` writes the batch itself:
one ``write`` to the page cache (microseconds for a batch), where handing it over would cost
a wake-up of the thread and two handovers of the interpreter lock, on the same core. The
thread then wakes only to fsync, when ``fsync_interval`` has passed since the last one. While
the thread writes or fsyncs, ``append`` queues instead (a write can wait behind an fsync of
the same file), and the thread takes everything queued at once when it is done: this is
Redis's ``appendfsync everysec``. In ``always`` mode every batch goes to the thread, which
writes it and makes it durable with one ``fsync`` (group commit: one fsync for every frame
queued while the previous one ran). :meth:`sync` asks for an fsync now. After each fsync the
thread reports the highest sequence number now on disk through ``on_durable`` (called in the
thread: the caller hands it to its loop).

:meth:`rotate` starts the next generation's file, in queue order: frames appended before it
go to the old file, after it to the new one. A base snapshot is written from the moment of
a rotation, so the old files can go once it has landed.

A write, fsync or open that fails (disk full, read-only, permission, I/O error) never
raises into the loop: the writer reports the cause through ``on_error``, drops what it
holds and what is appended after (the caller knows: :attr:`JournalWriter.broken`), and
stays so until the next rotation opens a file again. That file's header says it follows a
gap (see :mod:`.restore`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from sessions.persistence.framing import frame
from sessions.persistence.records import header

JOURNAL_INFIX = ".journal."
WRITE_DELAY = 0.02
"""In ``interval`` mode, how long the loop lets records gather before it hands them to the
writer (:class:`~sessions.persistence.service.Persistence`): what ``kill -9`` can lose grows
by this much; one ``write`` (or hand-over to the thread) per batch instead of one per turn
of the loop."""


def journal_path(base: Path, generation: int) -> Path:
    """``sessions.json`` → ``sessions.json.journal.000007``."""
    return base.with_name(f"{base.name}{JOURNAL_INFIX}{generation:06d}")


def journal_files(base: Path) -> list[tuple[int, Path]]:
    """Every journal file beside ``base``, by generation."""
    prefix = base.name + JOURNAL_INFIX
    found = []
    for path in base.parent.iterdir():
        if path.name.startswith(prefix) and path.name[len(prefix) :].isdigit():
            found.append((int(path.name[len(prefix) :]), path))
    return sorted(found)


def describe(exc: OSError) -> str:
    """A disk error as a short stable cause: ``ENOSPC (No space left on device)``."""
    name = errno.errorcode.get(exc.errno or 0, "EIO")
    return f"{name} ({exc.strerror or exc})"


class FileSystem:
    """The system calls the writer and the base snapshot use; a test replaces one to inject
    a failure (a full disk, a read-only folder)."""

    def open_append(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def open_new(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def fsync_folder(self, folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def unlink(self, path: Path) -> None:
        path.unlink(missing_ok=True)


class _Rotate:
    __slots__ = ("after_gap", "generation")

    def __init__(self, generation: int, after_gap: bool) -> None:
        self.generation = generation
        self.after_gap = after_gap


class JournalWriter:
    """Appends frames to ``<base>.journal.<generation>`` from its own thread."""

    def __init__(
        self,
        base: Path,
        *,
        durability: str,
        fsync_interval: float,
        on_durable: Callable[[int], None],
        on_error: Callable[[str], None],
        clock: Callable[[], str],
        fs: FileSystem | None = None,
    ) -> None:
        self._base = base
        self._always = durability == "always"
        self._durability = durability
        self._fsync_interval = fsync_interval
        self._on_durable = on_durable
        self._on_error = on_error
        self._clock = clock
        self.fs = fs or FileSystem()
        self._lock = threading.Condition()
        self._queue: list[bytes | _Rotate] = []
        self._appended = 0  # sequence number of the last frame appended (loop side)
        self._sync_wanted = False
        self._stopping = False
        self._busy = False
        self._idle = False  # the thread waits for work: only then does an append wake it
        self._written = False  # bytes the loop wrote itself since the thread last looked
        self._fd: int | None = None
        self.broken = True  # until the first rotation opens a file
        self.bytes_written = 0
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    @property
    def appended(self) -> int:
        """The sequence number of the last frame appended."""
        return self._appended

    def append(self, *payloads: bytes) -> int:
        """Write or queue records' payloads, in order; returns the sequence number of the last.

        In ``interval`` mode with the thread idle, the frames go to the file here, in one
        ``write`` (to the page cache: no fsync waits on it); the thread is woken once when the
        file turns dirty, to fsync it ``fsync_interval`` later. Otherwise they are queued: a
        wake-up only when the thread waits for work (while it writes or fsyncs, it takes
        what was queued when it looks next), so appends don't hand it the interpreter lock
        each time."""
        frames = [frame(payload) for payload in payloads]
        with self._lock:
            self._appended += len(frames)
            if self._always or self._queue or self._busy or self._fd is None or self.broken:
                self._queue.extend(frames)
                if self._idle:
                    self._lock.notify_all()
            elif self._flush(frames) and not self._written:
                # Clean until now: wake the thread once, to time the next fsync from here.
                self._written = True
                if self._idle:
                    self._lock.notify_all()
            return self._appended

    def rotate(self, generation: int, *, after_gap: bool = False) -> None:
        """Frames appended from now on go to generation ``generation``'s new file."""
        with self._lock:
            self._queue.append(_Rotate(generation, after_gap))
            self._lock.notify_all()

    def sync(self) -> None:
        """Ask for an fsync of everything appended so far, now rather than on the interval."""
        with self._lock:
            self._sync_wanted = True
            self._lock.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until everything queued so far was handled (written, or failed); a thread's
        call, never the loop's. False if that took longer than ``timeout``."""
        with self._lock:
            return self._lock.wait_for(
                lambda: not self._queue and not self._busy and not self._sync_wanted, timeout
            )

    def close(self, timeout: float = 30.0) -> None:
        """Write and fsync what is queued, close the file, end the thread (a blocking call)."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._thread.join(timeout)

    # --- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        last_sync = time.monotonic()
        dirty = False
        while True:
            with self._lock:
                while not (self._queue or self._stopping or self._sync_wanted):
                    dirty = dirty or self._written
                    self._idle = True
                    try:
                        if dirty:
                            remaining = self._fsync_interval - (time.monotonic() - last_sync)
                            if remaining <= 0:
                                break
                            self._lock.wait(remaining)
                        else:
                            self._lock.wait()
                    finally:
                        self._idle = False
                batch, self._queue = self._queue, []
                upto = self._appended
                dirty, self._written = dirty or self._written, False
                wanted, self._sync_wanted = self._sync_wanted, False
                stopping = self._stopping
                self._busy = True
            dirty = self._write(batch) or dirty
            due = time.monotonic() - last_sync >= self._fsync_interval
            synced = False
            if dirty and (self._always or wanted or stopping or due):
                synced = self._fsync()
                dirty = False
                last_sync = time.monotonic()
            if synced or wanted or (self._always and batch):
                # After a failure too: on_error came first, and nothing is left to wait for.
                self._on_durable(upto)
            with self._lock:
                self._busy = False
                self._lock.notify_all()
            if stopping:
                self._close_file()
                return

    def _write(self, batch: list[bytes | _Rotate]) -> bool:
        """Write the batch in order, rotating where asked; True if bytes were written."""
        pending: list[bytes] = []
        wrote = False
        for item in batch:
            if isinstance(item, _Rotate):
                wrote = self._flush(pending) or wrote
                pending = []
                if wrote:
                    self._fsync()
                    wrote = False
                self._open(item)
            elif not self.broken:
                pending.append(item)
        return self._flush(pending) or wrote

    def _flush(self, pending: list[bytes]) -> bool:
        if not pending or self._fd is None or self.broken:
            return False
        data = b"".join(pending)
        try:
            self.fs.write(self._fd, data)
        except OSError as exc:
            self._fail(exc)
            return False
        self.bytes_written += len(data)
        return True

    def _fsync(self) -> bool:
        if self._fd is None or self.broken:
            return False
        try:
            self.fs.fsync(self._fd)
        except OSError as exc:
            self._fail(exc)
            return False
        return True

    def _open(self, rotation: _Rotate) -> None:
        self._close_file()
        path = journal_path(self._base, rotation.generation)
        after_gap = rotation.after_gap or (self.broken and self.bytes_written > 0)
        record = header(rotation.generation, self._durability, self._clock(), after_gap=after_gap)
        fd: int | None = None
        try:
            fd = self.fs.open_append(path)
            self.fs.write(fd, frame(orjson.dumps(record)))
            self.fs.fsync(fd)
            self.fs.fsync_folder(path.parent)
        except OSError as exc:
            if fd is not None:
                self.fs.close(fd)
            self._fail(exc)
            return
        self._fd = fd
        self.broken = False
        self.bytes_written = 0

    def _close_file(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):  # the error, if any, was reported already
                self.fs.close(self._fd)
            self._fd = None

    def _fail(self, exc: OSError) -> None:
        self.broken = True
        self.bytes_written = max(self.bytes_written, 1)  # the next file follows a gap
        self._close_file()
        self._on_error(describe(exc))
