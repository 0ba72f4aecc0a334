"""The in-memory session store: one dict from session id to :class:`Session`."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from sessions.clock import Clock
from sessions.config import Config
from sessions.document import Document
from sessions.errors import SessionNotFound
from sessions.session import Session

ID_BYTES = 16
TOKEN_BYTES = 24


class SessionStore:
    """Creates, finds and removes sessions. Owned by the application, never a global."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def create(self, name: str, language: str, code: str = "") -> Session:
        """A new session with an unguessable id and interviewer token."""
        now = self._clock()
        session_id = secrets.token_urlsafe(ID_BYTES)
        while session_id in self._sessions:  # pragma: no cover - 128 random bits
            session_id = secrets.token_urlsafe(ID_BYTES)
        document = Document(
            code, log_size=self._config.op_log_size, max_bytes=self._config.max_code_bytes
        )
        session = Session(
            id=session_id,
            name=name,
            language=language,
            interviewer_token=secrets.token_urlsafe(TOKEN_BYTES),
            document=document,
            created_at=now,
            updated_at=now,
        )
        self._sessions[session_id] = session
        return session

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

    def __len__(self) -> int:
        return len(self._sessions)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._sessions.values()))
