"""Writing a base snapshot: the snapshot file of :mod:`sessions.persistence.snapshot`, plus
where the
journal takes over.

The file is the snapshot's versioned JSON envelope (version 2; a version 1 file is read
as well), with one more member::

    {"version": 2, "savedAt": ..., "clean": false, "sessions": [...],
     "journal": {"version": 1, "generation": 7, "durability": "interval",
                 "records": {"<session id>": 12, ...}, "skip": ["<session id>", ...]}}

``generation``: replay the journal files of that generation and later; ``records``: the
last journal record of each session that this file already holds; ``skip``: sessions
deleted while this file was being taken, whose records a replay ignores.

It is written atomically: a temporary file beside it, fsync, rename over the old one, fsync of
the folder (:class:`BaseFile`); a failure anywhere leaves the old base and the journals as
they were. :func:`stream` cuts the encoding into pieces of bounded work, which the server
runs on its event loop one at a time between serving others (a thread encoding would hold
the interpreter lock for as long as the operating system let it run: measured, it stalled
the loop for 100+ ms on a busy machine); the blocking writes go to a thread. A session
unchanged since the previous base is copied from that file's bytes (its offset and length
are remembered), not encoded again.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sessions.persistence.image import SessionImage, encode
from sessions.persistence.journal import FileSystem, journal_files

_tmp_names = itertools.count()
CLEAN = b'"clean":true'
CLEAN_PADDED = b'"clean": true'
UNCLEAN = b'"clean":false'
"""A clean base says ``"clean": true``, as long as ``"clean":false``: at the next start the
flag is overwritten in place (:func:`mark_unclean`), not the whole file rewritten."""
COPY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a session's JSON sits in the current base file, and which record it holds."""

    offset: int
    length: int
    jseq: int


@dataclass(frozen=True, slots=True)
class Reuse:
    """A session to copy from the previous base as it is."""

    session_id: str
    placed: Placed


@dataclass(frozen=True, slots=True)
class Begin:
    """The bytes of a session start here (in :func:`stream`)."""

    session_id: str
    jseq: int


@dataclass(frozen=True, slots=True)
class End:
    """The bytes of the session last begun end here."""


def stream(
    envelope: dict[str, Any],
    trailer: dict[str, Any],
    parts: Iterable[tuple[SessionImage, int] | Reuse],
) -> Iterator[bytes | Reuse | Begin | End]:
    """The base file as a sequence of pieces: bytes to write, sessions to copy from the
    previous base, and where encoded sessions begin and end. Each step of the iteration does
    a bounded amount of work (at most one slice of events is encoded), so the event loop can
    drive it in between serving others."""
    opening = orjson.dumps({**envelope, "sessions": []})
    assert opening.endswith(b"[]}")  # our own dict: "sessions" is last
    yield opening[:-2].replace(CLEAN, CLEAN_PADDED, 1)
    for index, part in enumerate(parts):
        if index:
            yield b","
        if isinstance(part, Reuse):
            yield part
            continue
        image, jseq = part
        yield Begin(image.session_id, jseq)
        yield from encode(image)
        yield End()
    yield b'],"journal":' + orjson.dumps(trailer) + b"}"


class BaseFile:
    """A base snapshot being written: a temporary file beside ``path`` until :meth:`commit`
    renames it over ``path``. Each method is one short piece of blocking I/O."""

    def __init__(self, path: Path, fs: FileSystem) -> None:
        self.path = path
        self.fs = fs
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_tmp_names)}.tmp")
        self.fd: int | None = fs.open_new(self.tmp)
        try:
            self.old: int | None = os.open(path, os.O_RDONLY) if path.exists() else None
        except OSError:
            self.old = None
        self.position = 0
        self.placed: dict[str, Placed] = {}

    def write(self, data: bytes) -> None:
        if data:
            assert self.fd is not None
            self.fs.write(self.fd, data)
            self.position += len(data)

    def copy(self, reuse: Reuse) -> None:
        """Copy a session's bytes from the previous base."""
        assert self.fd is not None
        placed, start, done = reuse.placed, self.position, 0
        if self.old is None:
            raise OSError(f"the previous base is gone; cannot copy {reuse.session_id}")
        while done < placed.length:
            chunk = os.pread(self.old, min(COPY_BYTES, placed.length - done), placed.offset + done)
            if not chunk:
                raise OSError(f"the previous base ends before byte {placed.offset + done}")
            self.fs.write(self.fd, chunk)
            done += len(chunk)
        self.position += done
        self.placed[reuse.session_id] = Placed(start, done, placed.jseq)

    def commit(self) -> dict[str, Placed]:
        """fsync, rename over ``path``, fsync the folder; returns where each session sits."""
        assert self.fd is not None
        self.fs.fsync(self.fd)
        self._close()
        self.fs.replace(self.tmp, self.path)
        self.fs.fsync_folder(self.path.parent)
        return self.placed

    def abort(self) -> None:
        """Give up: the previous base stays, the temporary file goes."""
        self._close()
        self.tmp.unlink(missing_ok=True)

    def _close(self) -> None:
        for fd in (self.fd, self.old):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.fd = self.old = None


def write_base(
    path: Path,
    envelope: dict[str, Any],
    trailer: dict[str, Any],
    parts: Iterable[tuple[SessionImage, int] | Reuse],
    fs: FileSystem,
) -> dict[str, Placed]:
    """Write a base file in one blocking call (tools and tests; the server drives
    :func:`stream` from its event loop). Raises OSError, leaving the previous base."""
    out = BaseFile(path, fs)
    try:
        begun: Begin | None = None
        start = 0
        for item in stream(envelope, trailer, parts):
            if isinstance(item, bytes):
                out.write(item)
            elif isinstance(item, Reuse):
                out.copy(item)
            elif isinstance(item, Begin):
                begun, start = item, out.position
            elif begun is not None:
                out.placed[begun.session_id] = Placed(start, out.position - start, begun.jseq)
        return out.commit()
    except BaseException:
        out.abort()
        raise


def mark_unclean(path: Path, fs: FileSystem) -> bool:
    """Turn a clean base into an unclean one in place (13 bytes and an fsync); False if its
    flag is not where this server writes it (an older file: write a new base instead)."""
    with path.open("r+b") as file:
        head = file.read(512)
        at = head.find(CLEAN_PADDED)
        if at < 0 or head.find(b'"sessions":') < at:
            return False
        file.seek(at)
        file.write(UNCLEAN)
        file.flush()
        fs.fsync(file.fileno())
    return True


def remove_journals_before(path: Path, generation: int, fs: FileSystem) -> None:
    """Delete the journal files a base of ``generation`` no longer needs."""
    for number, journal in journal_files(path):
        if number < generation:
            fs.unlink(journal)
