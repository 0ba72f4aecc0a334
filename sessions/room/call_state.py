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
    """A session's call: its members in joining order, and when it started.

    A session holds one only while its call is on (``Session.call`` is None otherwise).
    Invariant: ``members`` is not empty, and every key of it is a key of the session's
    members, except inside the one action that adds the first member or removes the last.
    """

    members: dict[str, InCall] = field(default_factory=dict)
    started_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "startedAt": iso(self.started_at),
            "members": [member.to_json() for member in self.members.values()],
        }


def call_json(call: CallState | None) -> dict[str, Any]:
    """A session's call as frames show it; no call: no members, ``startedAt`` null."""
    if call is None:
        return {"startedAt": None, "members": []}
    return call.to_json()
