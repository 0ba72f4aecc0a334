"""A session: its document, its settings and who is in it right now (presence).

Sessions and their members are plain objects held in dicts owned by the application;
nothing here knows about sockets. A member reaches its socket through :class:`Peer`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any, Protocol

from sessions.clock import iso
from sessions.document import Document
from sessions.protocol import CursorRange, Role


class Peer(Protocol):
    """What the domain needs of a connection: hand it bytes or ask it to close, never await."""

    def send(self, data: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(slots=True, eq=False)
class Member:
    """One joined socket: a person in a session under a role."""

    user_id: str
    name: str
    role: Role
    joined_at: float
    full_code: bool
    peer: Peer

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "name": self.name,
            "role": self.role,
            "joinedAt": iso(self.joined_at),
        }

    def you(self) -> dict[str, Any]:
        return {"userId": self.user_id, "name": self.name, "role": self.role}


@dataclass(slots=True, eq=False)
class Session:
    """An interview: code, language and name, plus presence and cursors.

    Invariant: every key of ``cursors`` is a key of ``members``, and every cursor position
    is valid for ``document.text`` at ``document.revision``.
    """

    id: str
    name: str
    language: str
    interviewer_token: str
    document: Document
    created_at: float
    updated_at: float
    members: dict[str, Member] = field(default_factory=dict)
    cursors: dict[str, tuple[CursorRange, ...]] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """The session as any participant may see it: no token."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "code": self.document.text,
            "revision": self.document.revision,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }

    def created(self) -> dict[str, Any]:
        """The session as its creator sees it, once: with the interviewer token."""
        return {**self.public(), "interviewerToken": self.interviewer_token}

    def users(self) -> list[dict[str, Any]]:
        return [member.to_json() for member in self.members.values()]

    def is_interviewer_token(self, token: str | None) -> bool:
        """Constant-time comparison, so response timing says nothing about the token."""
        if token is None:
            return False
        return hmac.compare_digest(token.encode("utf-8"), self.interviewer_token.encode("utf-8"))

    def others(self, member: Member | None) -> tuple[Member, ...]:
        """Everyone in the session except ``member``."""
        return tuple(m for m in self.members.values() if m is not member)

    def everyone(self) -> tuple[Member, ...]:
        return tuple(self.members.values())
