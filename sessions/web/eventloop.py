"""The event loop the server runs on (``--event-loop``): uvloop's when it is installed and
not refused, else asyncio's own.

uvloop is an optional dependency (``pip install 'interview-server[fast]'``): in the running
server it cut the instructions per delivered message by about a sixth at moderate load, where
most turns of the loop carry one frame (docs/benchmarks.md, "Ahead of the seed"). Nothing in
the server depends on which loop runs it.
"""

from __future__ import annotations

import asyncio
import importlib


class EventLoopUnavailable(Exception):
    """``--event-loop uvloop`` was asked for and uvloop cannot be imported."""


def new_event_loop(choice: str) -> tuple[asyncio.AbstractEventLoop, str]:
    """A new loop for ``choice`` (``auto``, ``uvloop`` or ``asyncio``) and the name of the
    one made. ``auto`` falls back to asyncio's loop when uvloop is not installed."""
    if choice != "asyncio":
        try:
            uvloop = importlib.import_module("uvloop")
        except ImportError as exc:
            if choice == "uvloop":
                raise EventLoopUnavailable(
                    f"--event-loop uvloop: uvloop is not installed ({exc}); install it with "
                    "pip install 'interview-server[fast]', or use --event-loop asyncio"
                ) from None
        else:
            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
            return loop, "uvloop"
    return asyncio.new_event_loop(), "asyncio"
