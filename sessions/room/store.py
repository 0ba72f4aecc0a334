"""The in-memory session store: one dict from session id to :class:`Session`.

A session id is 22 characters of ``[A-Za-z0-9_-]`` (128 random bits). A worker of a cluster
(``--shard NAME``) prefixes the ids it creates with its name and a dot,
``NAME.<22 random characters>``: the dot is URL-safe and never among the random characters,
so a proxy routes any URL naming a session to its owner by the text before the first dot.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

from sessions.clock import Clock
from sessions.collab.document import Document
from sessions.config import SHARD_PATTERN, Config
from sessions.errors import SessionNotFound, WrongShard
from sessions.interview.chat import MessageLog
from sessions.interview.record import Timeline
from sessions.room.session import STATUSES, Session

ID_BYTES = 16
TOKEN_BYTES = 24
ID_CHARS = 22
"""``secrets.token_urlsafe(ID_BYTES)`` is 22 characters (128 bits; 132 from the pool)."""
TOKEN_CHARS = 32
"""``secrets.token_urlsafe(TOKEN_BYTES)`` is 32 characters: 192 bits, 6 per character."""
_POOL_BYTES = 3072  # a multiple of 3: base64 of it has no padding, 4,096 characters


class RandomPool:
    """URL-safe base64 text of bytes from the operating system's random source, made 4,096
    characters at a time; every character carries 6 random bits.

    Three ``secrets.token_urlsafe`` calls per session were three ``getrandom`` system calls
    and three encodings, 7 % of ``POST /api/sessions`` (docs/benchmarks.md); this is one
    of each per 47 sessions. Characters are handed out once each, in order.
    """

    __slots__ = ("_offset", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._offset = 0

    def take(self, count: int) -> str:
        """``count`` random characters from ``[A-Za-z0-9_-]``."""
        start = self._offset
        if start + count > len(self._text):
            raw = secrets.token_bytes(max(_POOL_BYTES, -(-count // 3) * 3))
            self._text = base64.urlsafe_b64encode(raw).decode("ascii")
            start = 0
        self._offset = start + count
        return self._text[start : start + count]


SHARD_SEPARATOR = "."


def shard_of(session_id: str) -> str:
    """The shard an id names (``"w1"`` for ``"w1.Zq3…"``); ``""`` for a standalone id."""
    shard, separator, _ = session_id.partition(SHARD_SEPARATOR)
    return shard if separator and SHARD_PATTERN.fullmatch(shard) else ""


def new_secrets(pool: RandomPool) -> tuple[str, str, str]:
    """A session id, an interviewer token and an observer token, as long as
    ``secrets.token_urlsafe`` makes them and from the same alphabet (at least 128, 192 and
    192 random bits)."""
    return pool.take(ID_CHARS), pool.take(TOKEN_CHARS), pool.take(TOKEN_CHARS)


class SessionStore:
    """Creates, finds, expires and removes sessions. Owned by the application, never global."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._random = RandomPool()
        self._prefix = config.shard + SHARD_SEPARATOR if config.shard else ""

    def create(self, name: str, language: str, code: str = "", max_candidates: int = 1) -> Session:
        """A new session with an unguessable id and interviewer and observer tokens."""
        config = self._config
        now = self._clock()
        session_id, interviewer_token, observer_token = new_secrets(self._random)
        session_id = self._prefix + session_id
        while session_id in self._sessions:  # pragma: no cover - 128 random bits
            session_id = self._prefix + secrets.token_urlsafe(ID_BYTES)
        session = Session(
            id=session_id,
            name=name,
            language=language,
            interviewer_token=interviewer_token,
            observer_token=observer_token,
            document=Document(code, log_size=config.op_log_size, max_bytes=config.max_code_bytes),
            created_at=now,
            updated_at=now,
            chat=MessageLog(config.chat_history, "m"),
            notes=MessageLog(config.chat_history, "n"),
            timeline=Timeline(code, language, now, config.timeline_size),
            max_candidates=max_candidates,
            languages_used=(language,),
            last_activity=now,
        )
        self._sessions[session_id] = session
        return session

    def add(self, session: Session) -> None:
        """Put an existing session (restored from a snapshot) into the store."""
        self._sessions[session.id] = session

    def get(self, session_id: str) -> Session:
        """The session, or :class:`SessionNotFound` (:class:`WrongShard` when the id names
        another worker of the cluster)."""
        session = self._sessions.get(session_id)
        if session is None:
            raise self._not_found(session_id)
        return session

    def _not_found(self, session_id: str) -> SessionNotFound:
        shown = session_id[:64]
        owner = shard_of(shown)
        mine = self._config.shard
        if mine and owner and owner != mine:
            url = f"/ws/{shown}"
            return WrongShard(
                f"session {shown!r} is held by worker {owner!r}, not this one ({mine!r}): "
                f"join it at {url}, which the proxy routes to its worker",
                url=url,
            )
        return SessionNotFound(f"no session with id {shown!r}")

    def remove(self, session_id: str) -> Session:
        """Take a session out of the store and return it."""
        session = self.get(session_id)
        del self._sessions[session_id]
        return session

    def expired(self, now: float) -> list[Session]:
        """Sessions nobody is connected to and nothing happened in for the TTL."""
        ttl = self._config.session_ttl_seconds
        return [
            session
            for session in self._sessions.values()
            if not session.members and now - session.last_activity >= ttl
        ]

    def count_by_status(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for session in self._sessions.values():
            counts[session.status] += 1
        return counts

    def __len__(self) -> int:
        return len(self._sessions)

    def holds(self, session: Session) -> bool:
        """Whether ``session`` is in the store (not removed, not replaced)."""
        return self._sessions.get(session.id) is session

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._sessions.values()))
