"""Writing a base snapshot: the snapshot file of :mod:`sessions.snapshot`, plus where the
journal takes over.

The file is the same versioned JSON envelope as always (version 1), with one more member::

    {"version": 1, "savedAt": ..., "clean": false, "sessions": [...],
     "journal": {"version": 1, "generation": 7, "durability": "interval",
                 "records": {"<session id>": 12, ...}, "skip": ["<session id>", ...]}}

``generation``: replay the journal files of that generation and later; ``records``: the
last journal record of each session that this file already holds; ``skip``: sessions
deleted while this file was being taken, whose records a replay ignores.

It is written by :func:`write_base`, in a thread, atomically: a temporary file beside it,
fsync, rename over the old one, fsync of the folder; a failure anywhere leaves the old base
and the journals as they were. A session unchanged since the previous base is copied from
that file's bytes (its offset and length are remembered), not encoded again.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sessions.persistence.image import SessionImage, encode
from sessions.persistence.journal import FileSystem, journal_files

_tmp_names = itertools.count()
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


def write_base(
    path: Path,
    envelope: dict[str, Any],
    trailer: dict[str, Any],
    parts: Iterable[tuple[SessionImage, int] | Reuse],
    fs: FileSystem,
) -> dict[str, Placed]:
    """Write the base file; returns where each session now sits. Raises OSError on failure
    (the previous base untouched, no temporary file left)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_tmp_names)}.tmp")
    placed: dict[str, Placed] = {}
    fd = fs.open_new(tmp)
    try:
        try:
            old = os.open(path, os.O_RDONLY) if path.exists() else None
        except OSError:
            old = None
        try:
            _write_all(fd, old, envelope, trailer, parts, placed, fs)
        finally:
            if old is not None:
                os.close(old)
        fs.fsync(fd)
    except BaseException:
        fs.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    fs.close(fd)
    try:
        fs.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fs.fsync_folder(path.parent)
    return placed


def _write_all(
    fd: int,
    old: int | None,
    envelope: dict[str, Any],
    trailer: dict[str, Any],
    parts: Iterable[tuple[SessionImage, int] | Reuse],
    placed: dict[str, Placed],
    fs: FileSystem,
) -> None:
    opening = orjson.dumps({**envelope, "sessions": []})
    assert opening.endswith(b"[]}")  # our own dict: "sessions" is last
    position = _put(fd, opening[:-2], fs)
    for index, part in enumerate(parts):
        if index:
            position += _put(fd, b",", fs)
        start = position
        if isinstance(part, Reuse):
            if old is None:
                raise OSError(f"the previous base is gone; cannot copy {part.session_id}")
            position += _copy(fd, old, part.placed, fs)
            placed[part.session_id] = Placed(start, position - start, part.placed.jseq)
        else:
            image, jseq = part
            for piece in encode(image):
                position += _put(fd, piece, fs)
            placed[image.session_id] = Placed(start, position - start, jseq)
    _put(fd, b'],"journal":' + orjson.dumps(trailer) + b"}", fs)


def _put(fd: int, data: bytes, fs: FileSystem) -> int:
    fs.write(fd, data)
    return len(data)


def _copy(fd: int, old: int, placed: Placed, fs: FileSystem) -> int:
    done = 0
    while done < placed.length:
        chunk = os.pread(old, min(COPY_BYTES, placed.length - done), placed.offset + done)
        if not chunk:
            raise OSError(f"the previous base ends before byte {placed.offset + done}")
        fs.write(fd, chunk)
        done += len(chunk)
    return done


def remove_journals_before(path: Path, generation: int, fs: FileSystem) -> None:
    """Delete the journal files a base of ``generation`` no longer needs."""
    for number, journal in journal_files(path):
        if number < generation:
            fs.unlink(journal)
