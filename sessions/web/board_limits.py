"""The whiteboard's limits, read from the config once per config (not once per frame)."""

from __future__ import annotations

from functools import cache

from sessions.collab.elements import BoardLimits
from sessions.config import Config


@cache
def board_limits(config: Config) -> BoardLimits:
    return BoardLimits.of(config)
