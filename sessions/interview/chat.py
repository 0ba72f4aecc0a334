"""Chat messages and private notes: bounded histories with stable ids."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sessions.clock import iso

Kind = Literal["message", "question"]
KINDS: tuple[Kind, ...] = ("message", "question")


@dataclass(frozen=True, slots=True)
class Entry:
    """One chat message or note, as everyone who may see it sees it."""

    id: str
    user_id: str
    name: str
    role: str
    text: str
    at: float
    kind: Kind = "message"
    reply_to: str | None = None

    def to_json(self, message_type: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": message_type,
            "id": self.id,
            "userId": self.user_id,
            "name": self.name,
            "role": self.role,
            "text": self.text,
            "at": iso(self.at),
        }
        if message_type == "chat-message":
            message["kind"] = self.kind
            message["replyTo"] = self.reply_to
        return message


class MessageLog:
    """The last ``limit`` entries, oldest first; ids are ``<prefix><n>``, never reused.

    The deque is made on the first entry: most sessions never chat or take notes, and an
    empty deque is still an object the garbage collector scans (docs/benchmarks.md).
    """

    __slots__ = ("_count", "_entries", "_limit", "_prefix")

    def __init__(
        self, limit: int, prefix: str, entries: Iterable[Entry] = (), total: int = 0
    ) -> None:
        self._limit = limit
        self._prefix = prefix
        restored = list(entries)  # a deque is made only when there is something to keep
        self._entries: deque[Entry] | None = deque(restored, maxlen=limit) if restored else None
        # Ids are never reused, even of entries that aged out (or were not restored).
        self._count = max(total, len(self._entries) if self._entries is not None else 0)

    @property
    def prefix(self) -> str:
        return self._prefix

    def next_id(self) -> str:
        return f"{self._prefix}{self._count + 1}"

    def append(self, entry: Entry) -> None:
        if self._entries is None:
            self._entries = deque(maxlen=self._limit)
        self._entries.append(entry)
        self._count += 1

    def _kept(self) -> Iterable[Entry]:
        return self._entries if self._entries is not None else ()

    def find(self, entry_id: str) -> Entry | None:
        """The entry with that id, if still in the history."""
        if self._entries is None:
            return None
        return next((e for e in reversed(self._entries) if e.id == entry_id), None)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._kept())

    def __len__(self) -> int:
        return len(self._entries) if self._entries is not None else 0

    @property
    def total(self) -> int:
        """How many entries were ever added, including those aged out."""
        return self._count

    def to_json(self, message_type: str) -> list[dict[str, Any]]:
        return [entry.to_json(message_type) for entry in self._kept()]
