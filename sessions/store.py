"""The in-memory session store: one dict from session id to :class:`Session`."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

from sessions.chat import MessageLog
from sessions.clock import Clock
from sessions.config import Config
from sessions.document import Document
from sessions.errors import SessionNotFound
from sessions.record import Timeline
from sessions.session import STATUSES, Session

ID_BYTES = 16
TOKEN_BYTES = 24


def _url_safe(raw: bytes) -> str:
    """What ``secrets.token_urlsafe`` makes of ``raw``: base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class RandomPool:
    """Bytes from the operating system's random source, read 4 KiB at a time.

    Three ``secrets.token_urlsafe`` calls per session were three ``getrandom`` system calls,
    7 % of ``POST /api/sessions`` (docs/benchmarks.md); this is one per 64 sessions. Bytes
    are handed out once each, in order.
    """

    __slots__ = ("_buffer", "_offset")

    def __init__(self) -> None:
        self._buffer = b""
        self._offset = 0

    def take(self, count: int) -> bytes:
        if self._offset + count > len(self._buffer):
            self._buffer = secrets.token_bytes(max(4096, count))
            self._offset = 0
        taken = self._buffer[self._offset : self._offset + count]
        self._offset += count
        return taken


def new_secrets(pool: RandomPool) -> tuple[str, str, str]:
    """A session id, an interviewer token and an observer token, as ``secrets.token_urlsafe``
    would make them (128, 192 and 192 random bits)."""
    return (
        _url_safe(pool.take(ID_BYTES)),
        _url_safe(pool.take(TOKEN_BYTES)),
        _url_safe(pool.take(TOKEN_BYTES)),
    )


class SessionStore:
    """Creates, finds, expires and removes sessions. Owned by the application, never global."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._random = RandomPool()

    def create(self, name: str, language: str, code: str = "", max_candidates: int = 1) -> Session:
        """A new session with an unguessable id and interviewer and observer tokens."""
        config = self._config
        now = self._clock()
        session_id, interviewer_token, observer_token = new_secrets(self._random)
        while session_id in self._sessions:  # pragma: no cover - 128 random bits
            session_id = secrets.token_urlsafe(ID_BYTES)
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
        """The session, or :class:`SessionNotFound`."""
        session = self._sessions.get(session_id)
        if session is None:
            raise SessionNotFound(f"no session with id {session_id[:64]!r}")
        return session

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

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._sessions.values()))
