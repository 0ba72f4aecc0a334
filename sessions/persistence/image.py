"""A session frozen for a base snapshot: taken on the event loop in one short step, encoded
in slices of bounded work.

:func:`capture` walks no history: the timeline's sealed chunks are tuples already, so the
image holds them as they are plus a copy of the short unsealed tail (see
:meth:`ChunkedLog.frozen <sessions.collab.chunked.ChunkedLog.frozen>`); chat and notes entries are
frozen dataclasses, held as a tuple; participants, the only mutable records, are copied.
:func:`cost` says how many references a capture copies, so the caller can cut a save into
steps of bounded work.

:func:`encode` yields the session's JSON (the very object
:func:`sessions.persistence.snapshot.session_to_json` makes, so a base snapshot reads like any
snapshot) in pieces: the settings first, then the timeline's events at most
:data:`EVENTS_PER_SLICE` to one ``orjson.dumps`` call, so no single call holds the
event loop for long: the server runs one slice per turn of its loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from sessions.collab.chunked import CHUNK, FrozenLog
from sessions.interview.chat import Entry, MessageLog
from sessions.interview.record import Participant, RawEvent
from sessions.persistence import snapshot
from sessions.room.session import Session

EVENTS_PER_SLICE = 4096
"""Timeline events encoded per step: orjson writes the kept tuples as they are, about 0.1 µs
each, so a step is about half a millisecond of work (docs/benchmarks.md)."""
_EVENTS_TAIL = b"[]}}"


@dataclass(frozen=True, slots=True)
class SessionImage:
    """Everything :func:`encode` needs, none of it changed by the session afterwards."""

    session_id: str
    settings: dict[str, Any]
    chat: tuple[str, int, tuple[Entry, ...]]
    notes: tuple[str, int, tuple[Entry, ...]]
    participants: tuple[Participant, ...]
    board: tuple[tuple[str | None, dict[str, Any]], ...]
    timeline: dict[str, Any]
    events: FrozenLog[RawEvent]


def capture(session: Session) -> SessionImage:
    """Freeze ``session`` as it is now; copies at most :func:`cost` references."""
    timeline = session.timeline
    return SessionImage(
        session_id=session.id,
        settings=snapshot.session_settings(session),
        chat=_log(session.chat),
        notes=_log(session.notes),
        participants=tuple(dataclasses.replace(p) for p in session.participants.values()),
        # An element's JSON is never changed once stored (a newer copy replaces it): the
        # image holds references.
        board=tuple((stored.by, stored.element.data) for stored in session.board.stored()),
        timeline={
            "baseText": timeline.base_text,
            "baseLanguage": timeline.base_language,
            "baseAt": timeline.base_at,
            "baseRevision": timeline.base_revision,
            "seq": timeline.seq,
        },
        events=timeline.frozen(),
    )


def cost(session: Session) -> int:
    """References :func:`capture` copies: chunk references, the unsealed tail, the entries
    of chat and notes, participants. Bounded by the configured history sizes, and about
    ``CHUNK`` for a timeline of any length."""
    events = len(session.timeline)
    return (
        events // CHUNK
        + min(events, CHUNK)
        + len(session.chat)
        + len(session.notes)
        + len(session.participants)
        + len(session.board)
        + 1
    )


def steps(sessions: Iterable[Session], budget: int) -> Iterator[list[Session]]:
    """``sessions`` in groups whose :func:`cost` adds up to at most ``budget`` (a group of one
    may cost more): the work of one turn of the event loop."""
    group: list[Session] = []
    spent = 0
    for session in sessions:
        price = cost(session)
        if group and spent + price > budget:
            yield group
            group, spent = [], 0
        group.append(session)
        spent += price
    if group:
        yield group


def _log(log: MessageLog) -> tuple[str, int, tuple[Entry, ...]]:
    return (log.prefix, log.total, tuple(log))


def _log_json(log: tuple[str, int, tuple[Entry, ...]]) -> dict[str, Any]:
    prefix, total, entries = log
    return {
        "prefix": prefix,
        "total": total,
        "entries": [dataclasses.asdict(entry) for entry in entries],
    }


def encode(image: SessionImage) -> Iterator[bytes]:
    """The session's JSON object in pieces; joined, they are one JSON object."""
    head = {
        **image.settings,
        "chat": _log_json(image.chat),
        "notes": _log_json(image.notes),
        "participants": [dataclasses.asdict(p) for p in image.participants],
        "board": [list(pair) for pair in image.board],
        "timeline": {**image.timeline, "events": []},  # the last key: events go on its end
    }
    opening = orjson.dumps(head)
    assert opening.endswith(_EVENTS_TAIL)  # our own dict, keys in this order
    yield opening[: -len(_EVENTS_TAIL)] + b"["
    events = image.events
    for start in range(0, len(events), EVENTS_PER_SLICE):
        piece = orjson.dumps(events.slice(start, start + EVENTS_PER_SLICE))
        yield (b"," if start else b"") + piece[1:-1]
    yield b"]}}"
