"""The record of an interview: a bounded timeline, code replay, per-participant statistics.

Every change, language or problem switch, chat message, note, join and leave is appended to
the timeline with its time and author. Code changes carry their operation and revision, so
the code at any revision or moment is the base text with the logged operations applied.
When the timeline is full, the oldest code changes are folded into the base text, so replay
stays exact for everything the timeline still holds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sessions import ot
from sessions.clock import iso
from sessions.errors import BadRequest


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline entry; ``data`` holds the type-specific fields (camelCase)."""

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


@dataclass(slots=True)
class Timeline:
    """Bounded events plus a base state that replay starts from."""

    base_text: str
    base_language: str
    base_at: float
    limit: int
    base_revision: int = 0
    events: deque[Event] = field(default_factory=deque)
    _seq: int = 0

    def append(
        self, at: float, type_: str, user_id: str | None, name: str | None, **data: Any
    ) -> Event:
        self._seq += 1
        event = Event(self._seq, at, type_, user_id, name, data)
        self.events.append(event)
        while len(self.events) > self.limit:
            self._fold(self.events.popleft())
        return event

    def _fold(self, event: Event) -> None:
        # Keep replay exact: what leaves the window becomes part of the base state.
        if event.type == "code-change":
            self.base_text = ot.apply(self.base_text, event.data["ops"])
            self.base_revision = event.data["revision"]
        elif event.type == "language-change":
            self.base_language = event.data["language"]
        self.base_at = event.at

    def state_at(self, *, revision: int | None = None, at: float | None = None) -> dict[str, Any]:
        """The code and language as they were at a revision or a moment."""
        if revision is not None and revision < self.base_revision:
            raise BadRequest(
                f"revision {revision} is older than the record keeps (oldest: {self.base_revision})"
            )
        text, language, current = self.base_text, self.base_language, self.base_revision
        moment = self.base_at
        for event in self.events:
            if at is not None and event.at > at:
                break
            if event.type == "code-change":
                if revision is not None and event.data["revision"] > revision:
                    break
                text = ot.apply(text, event.data["ops"])
                current = event.data["revision"]
                moment = event.at
            elif event.type == "language-change":
                language = event.data["language"]
        if revision is not None and current != revision:
            raise BadRequest(f"revision {revision} does not exist yet (latest: {current})")
        return {"revision": current, "at": iso(moment), "code": text, "language": language}
