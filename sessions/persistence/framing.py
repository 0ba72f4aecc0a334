"""Frames: how records sit in a journal file, and how a reader finds where they stop.

A journal file is a sequence of frames, each::

    +----------------+----------------+-----------------------+
    | length  u32 LE | crc32   u32 LE | payload (length bytes) |
    +----------------+----------------+-----------------------+

``crc32`` is ``zlib.crc32`` of the payload; the payload is one UTF-8 JSON object. The first
frame of every file is its header (``{"journal": VERSION, ...}``, see :mod:`.records`).

Appends only ever add whole frames at the end, so a crash can cut only the last one: a frame
that runs past the end of the file, or the last frame with a wrong checksum, is a *torn
tail*, reported and dropped. A wrong checksum with more frames after it, a length running
past the end with whole frames after it (a damaged length, not a cut), or a length over
:data:`MAX_FRAME` is *corruption*: :class:`CorruptJournal` names the offset, and the server
refuses to start rather than silently forget what came after it.

Nothing here touches a file: :func:`read_frames` takes bytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

HEADER = struct.Struct("<II")
MAX_FRAME = 64 * 1024 * 1024
"""No record is this large (a whole session is at most a few MB); a bigger length is damage."""


class CorruptJournal(ValueError):
    """A journal's bytes are damaged before its last frame; ``offset`` is where."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"{reason} at byte offset {offset}")
        self.offset = offset
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Frames:
    """What :func:`read_frames` found: each payload with its offset, and a torn tail if any."""

    payloads: list[tuple[int, bytes]]
    end: int
    """Where the last whole frame ends: the length to truncate a torn file to."""
    torn: str | None = None
    """Why the bytes from ``end`` on were dropped, or None when the file ends cleanly."""


def frame(payload: bytes) -> bytes:
    """One frame around ``payload``."""
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_frames(data: bytes) -> Frames:
    """Every whole frame of ``data``; raises :class:`CorruptJournal` for damage before the end."""
    size = len(data)
    offset = 0
    payloads: list[tuple[int, bytes]] = []
    while offset < size:
        if size - offset < HEADER.size:
            return Frames(payloads, offset, f"{size - offset} byte(s) of a frame header")
        length, checksum = HEADER.unpack_from(data, offset)
        start = offset + HEADER.size
        stop = start + length
        if stop > size:
            # Cut by a crash, unless whole frames follow: then the length itself is damaged.
            if _frame_within(data, offset + 1):
                raise CorruptJournal(offset, f"a frame length of {length} bytes")
            return Frames(payloads, offset, f"a frame of {length} bytes cut at {size - start}")
        if length > MAX_FRAME:
            raise CorruptJournal(offset, f"a frame length of {length} bytes")
        payload = data[start:stop]
        if zlib.crc32(payload) != checksum:
            if stop == size:
                return Frames(payloads, offset, "a last frame with a wrong checksum")
            raise CorruptJournal(offset, "a frame with a wrong checksum")
        payloads.append((offset, payload))
        offset = stop
    return Frames(payloads, offset)


def _frame_within(data: bytes, start: int) -> bool:
    """Whether a whole frame with a right checksum starts anywhere from ``start`` on.

    Payloads are JSON objects, so only the places where ``{"`` begins are tried, and the
    checksum only where the length ends on a ``}``: a scan of the (usually short) tail.
    """
    size = len(data)
    brace = data.find(b'{"', start + HEADER.size)
    while brace != -1:
        length, checksum = HEADER.unpack_from(data, brace - HEADER.size)
        stop = brace + length
        if (
            length >= 2
            and stop <= size
            and data[stop - 1] == 0x7D  # "}"
            and zlib.crc32(data[brace:stop]) == checksum
        ):
            return True
        brace = data.find(b'{"', brace + 1)
    return False
