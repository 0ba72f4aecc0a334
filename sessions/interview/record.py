"""The record of an interview: a bounded timeline, code replay, per-participant statistics.

Every change, language or problem switch, chat message, note, join and leave is appended to
the timeline with its time and author. Code changes carry their operation and revision, so
the code at any revision or moment is the base text with the logged operations applied.
When the timeline is full, the oldest code changes are folded into the base text, so replay
stays exact for everything the timeline still holds.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from sessions.clock import iso
from sessions.collab import ot
from sessions.collab.chunked import EMPTY, ChunkedLog, FrozenLog, growable
from sessions.errors import RevisionNotFound, RevisionTooOld


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline entry as readers see it; ``data`` holds the type-specific fields."""

    seq: int
    at: float
    type: str
    user_id: str | None
    name: str | None
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": iso(self.at),
            "type": self.type,
            "userId": self.user_id,
            "name": self.name,
            **self.data,
        }


_Edit = tuple[int | str, ...]
"""A code change's data as kept: ``(revision, *ops)``, one flat tuple the collector untracks
in one pass, without the JSON round trip (one per keystroke, docs/benchmarks.md)."""

RawEvent = tuple[int, float, str, str | None, str | None, str | _Edit]
"""How the timeline stores an :class:`Event`: a flat tuple of numbers and strings, the data as
compact JSON text, or as an :data:`_Edit` for a code change. The garbage collector stops
tracking such tuples after a pass or two; ten thousand events per session kept as objects
with dicts and lists made every full collection scan them (100+ ms pauses under load,
docs/benchmarks.md). Reading events back is rare (the timeline route, replay, snapshots), so
paying a parse there is the right trade."""
_AT: Final = 1
_TYPE: Final = 2
_DATA: Final = 5
CODE_CHANGE: Final = "code-change"
PROBLEM_CHANGE: Final = "problem-change"


_SHARED_PAYLOAD = 48
"""Event payloads up to this many characters are interned (one copy for all alike)."""


def _pack(type_: str, data: dict[str, Any]) -> str | _Edit:
    if type_ == CODE_CHANGE and len(data) == 2 and "revision" in data and "ops" in data:
        return (data["revision"], *data["ops"])
    # As text, not orjson's bytes: orjson hands back every result in a 4 KiB allocation
    # (measured with tracemalloc), which a kept event would hold for a 60-byte edit. A short
    # one is shared: every join and leave of a role is the same '{"role":"observer"}'.
    text = orjson.dumps(data).decode()
    return sys.intern(text) if len(text) <= _SHARED_PAYLOAD else text


def _unpack(data: str | _Edit) -> dict[str, Any]:
    if isinstance(data, tuple):
        return {"revision": data[0], "ops": list(data[1:])}
    loaded: dict[str, Any] = orjson.loads(data)
    return loaded


def _entry(event: Event) -> RawEvent:
    data = _pack(event.type, event.data)
    return (event.seq, event.at, event.type, event.user_id, event.name, data)


def raw_event(
    seq: int, at: float, type_: str, user_id: str | None, name: str | None, data: dict[str, Any]
) -> RawEvent:
    """An event as the timeline keeps it (what :class:`Timeline` takes as ``raw_events``)."""
    return (seq, at, type_, user_id, name, _pack(type_, data))


def _event(entry: RawEvent) -> Event:
    seq, at, type_, user_id, name, data = entry
    return Event(seq, at, type_, user_id, name, _unpack(data))


record_event = _event
"""An event as readers see it, from the way the timeline keeps it (see :meth:`Timeline.frozen`)."""


@dataclass(slots=True)
class Participant:
    """Everything the report says about one person (kept for the session's life)."""

    user_id: str
    name: str
    role: str
    joined_at: float
    left_at: float | None = None
    edits: int = 0
    chat_messages: int = 0
    first_edit_at: float | None = None
    client_id: str | None = None
    """The ``clientId`` the person joined with: a rejoin with it is the same person (never
    shown to anyone)."""
    colour: int = 0
    """The person's colour, an index into the room's palette, kept for the session's life."""
    pastes: int = 0
    pasted_chars: int = 0
    outside_pastes: int = 0
    """Pastes of text not copied inside the room's editor."""
    focus_losses: int = 0
    away_seconds: float = 0.0

    def signals(self) -> dict[str, Any]:
        """The person's signals so far (pastes, focus losses), as the report shows them."""
        return {
            "pastes": self.pastes,
            "pastedChars": self.pasted_chars,
            "pastesFromOutside": self.outside_pastes,
            "focusLosses": self.focus_losses,
            "awaySeconds": self.away_seconds,
        }


class Timeline:
    """Bounded events plus a base state that replay starts from."""

    __slots__ = (
        "_entries",
        "_seq",
        "base_at",
        "base_language",
        "base_revision",
        "base_text",
        "limit",
    )

    def __init__(
        self,
        base_text: str,
        base_language: str,
        base_at: float,
        limit: int,
        base_revision: int = 0,
        events: Iterable[Event] = (),
        seq: int = 0,
        raw_events: list[RawEvent] | None = None,
    ) -> None:
        self.base_text = base_text
        self.base_language = base_language
        self.base_at = base_at
        self.limit = limit
        self.base_revision = base_revision
        restored = raw_events if raw_events is not None else [_entry(e) for e in events]
        self._entries: ChunkedLog[RawEvent] = ChunkedLog(restored) if restored else EMPTY
        self._seq = max(seq, self._entries[-1][0] if self._entries else 0)

    @property
    def seq(self) -> int:
        """The number of the last event ever appended (events keep their numbers)."""
        return self._seq

    @property
    def events(self) -> list[Event]:
        """The kept events, oldest first."""
        return [_event(entry) for entry in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def append(
        self, at: float, type_: str, user_id: str | None, name: str | None, **data: Any
    ) -> RawEvent:
        """Append an event; returns it as it is kept (for the journal)."""
        entry: RawEvent = (self._seq + 1, at, type_, user_id, name, _pack(type_, data))
        self._push(entry)
        return entry

    def append_edit(
        self,
        at: float,
        user_id: str | None,
        name: str | None,
        revision: int,
        ops: Sequence[int | str],
    ) -> RawEvent:
        """``append(at, "code-change", user_id, name, revision=..., ops=...)``, the common case."""
        entry: RawEvent = (self._seq + 1, at, CODE_CHANGE, user_id, name, (revision, *ops))
        self._push(entry)
        return entry

    def raw_since(self, seq: int) -> list[RawEvent] | None:
        """The stored events numbered after ``seq``, oldest first, as they are kept (for the
        journal); None when some of them were already folded into the base."""
        count = self._seq - seq
        if count > len(self._entries) or count < 0:
            return None
        entries = self._entries
        return [entries[index] for index in range(-count, 0)]

    def frozen(self) -> FrozenLog[RawEvent]:
        """The stored events as an unchanging view, made without walking them (for saves)."""
        return self._entries.frozen()

    def append_raw(self, entry: RawEvent) -> None:
        """Append an event exactly as :meth:`raw_since` gave it (a journal replay).

        Raises ValueError unless it is numbered right after the last one.
        """
        if entry[0] != self._seq + 1:
            raise ValueError(f"event {entry[0]} does not follow event {self._seq}")
        self._push(entry)

    def _push(self, entry: RawEvent) -> None:
        self._seq = entry[0]
        entries = self._entries
        if entries is EMPTY:
            entries = self._entries = growable(entries)
        entries.append(entry)
        while len(entries) > self.limit:
            self._fold(entries.popleft())

    def _fold(self, entry: RawEvent) -> None:
        # Keep replay exact: what leaves the window becomes part of the base state.
        data = _unpack(entry[_DATA])
        if entry[_TYPE] == CODE_CHANGE:
            self.base_text = ot.apply(self.base_text, data["ops"])
            self.base_revision = data["revision"]
        elif entry[_TYPE] == "language-change":
            self.base_language = data["language"]
        self.base_at = entry[_AT]

    def state_at(
        self, *, revision: int | None = None, at: float | None = None, problem: str | None = None
    ) -> dict[str, Any]:
        """The code, language and problem as they were at a revision or a moment.

        ``problem`` is the session's problem now: the answer when no problem change is
        recorded after that point. Raises :class:`RevisionTooOld` for a revision before the
        record's window and :class:`RevisionNotFound` for one not reached yet; a moment
        before the first event is the base state, one after the last is the latest state.
        """
        if revision is not None and revision < self.base_revision:
            raise RevisionTooOld(
                f"revision {revision} is older than the record keeps (oldest: {self.base_revision})"
            )
        text, language, current = self.base_text, self.base_language, self.base_revision
        moment = self.base_at
        code_index = -1  # the entry that made the code shown (-1: the base)
        for index, (_, event_at, type_, _, _, packed) in enumerate(self._entries):
            if at is not None and event_at > at:
                break
            if type_ == CODE_CHANGE:
                data = _unpack(packed)
                if revision is not None and data["revision"] > revision:
                    break
                text = ot.apply(text, data["ops"])
                current = data["revision"]
                moment = event_at
                code_index = index
            elif type_ == "language-change":
                language = _unpack(packed)["language"]
        if revision is not None and current != revision:
            raise RevisionNotFound(f"revision {revision} does not exist yet (latest: {current})")
        return {
            "revision": current,
            "at": iso(moment),
            "code": text,
            "language": language,
            "problem": self._problem_at(code_index, problem),
        }

    def _problem_at(self, index: int, now: str | None) -> str | None:
        """The problem in force at entry ``index``: set by the last problem change before it,
        else the one the first change after it replaced, else the one the session has now."""
        before: str | None = None
        for position, entry in enumerate(self._entries):
            if entry[_TYPE] != PROBLEM_CHANGE:
                continue
            data = _unpack(entry[_DATA])
            if position < index:
                before = data["problem"]
                continue
            if before is not None:
                return before
            previous: str | None = data.get("previous", now)  # events before 2026-12 lack it
            return previous
        return before if before is not None else now
