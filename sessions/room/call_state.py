"""Who is in a session's call right now: live state, like presence, never persisted.

The call itself (the media) is between the browsers; the server only knows its members,
what each says it sends (muted, camera off) and whether it may send at all (observers
listen only). The record of the call is its timeline events (:mod:`sessions.room.call`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sessions.clock import iso


@dataclass(slots=True, eq=False)
class InCall:
    """One member of the call."""

    user_id: str
    name: str
    role: str
    joined_at: float
    listen_only: bool = False
    muted: bool = False
    camera_off: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "name": self.name,
            "role": self.role,
            "joinedAt": iso(self.joined_at),
            "listenOnly": self.listen_only,
            "muted": self.muted,
            "cameraOff": self.camera_off,
        }


@dataclass(slots=True)
class CallState:
    """A session's call: its members in joining order, and when it started (None: no call).

    Invariant: ``started_at`` is None exactly when ``members`` is empty, and every key of
    ``members`` is a key of the session's members.
    """

    members: dict[str, InCall] = field(default_factory=dict)
    started_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "startedAt": iso(self.started_at) if self.started_at is not None else None,
            "members": [member.to_json() for member in self.members.values()],
        }
