"""``server.py`` with pieces taken out, for the bisection (``python -m bench bisect``).

``python -m bench bisect-server [--without PIECE,...] [--uvloop] [server.py's flags]`` runs the same
server as ``server.py``, after replacing, for this process only, the pieces named:

- ``metrics``: every counter and histogram of ``sessions.metrics`` does nothing;
- ``guard``: the per-frame guard (``guards.admit_frame``: rate limit, state) admits all;
- ``heartbeat``: no WebSocket heartbeat (aiohttp re-arms its timer on every frame read);
- ``timeline``: an edit is logged for the journal but not appended to the timeline;
- ``ack``: no ``ack`` frame to the author (the floor and the seed send one: a measure only);

each a measurement, never a configuration: what it removes is a guarantee of the product.
``--uvloop`` runs it on uvloop's event loop instead of asyncio's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

PIECES = ("metrics", "guard", "heartbeat", "timeline", "ack")


def _no_metrics() -> None:
    from sessions import metrics

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    for name in ("frame_in", "frames_sent", "error"):
        setattr(metrics.Metrics, name, nothing)
    metrics.Histogram.observe = nothing  # type: ignore[method-assign]


def _no_guard() -> None:
    from sessions.web import ws

    ws.guards.admit_frame = lambda app, conn: True  # type: ignore[assignment]


def _no_heartbeat() -> None:
    from aiohttp import web

    from sessions.web import ws

    class NoHeartbeat(web.WebSocketResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["heartbeat"] = None
            super().__init__(*args, **kwargs)

    ws.web = type("web", (), {"WebSocketResponse": NoHeartbeat})  # type: ignore[assignment]


def _no_timeline() -> None:
    from sessions.room import outcome
    from sessions.room.outcome import LoggedEdit

    def edit(self: Any, applied: Any, at: float, author: Any, op_id: str | None) -> None:
        user_id = author.user_id if author is not None else None
        self.edits.append(LoggedEdit(applied.revision, applied.ops, user_id, op_id))

    outcome.Change.edit = edit  # type: ignore[method-assign]


def _no_ack() -> None:
    from sessions.room import editing, frames

    no_ack = SimpleNamespace(**vars(frames))
    no_ack.ack = lambda *args: None
    editing.frames = no_ack  # type: ignore[assignment]


REMOVE: dict[str, Callable[[], None]] = {
    "metrics": _no_metrics,
    "guard": _no_guard,
    "heartbeat": _no_heartbeat,
    "timeline": _no_timeline,
    "ack": _no_ack,
}


def main(argv: list[str], prog: str) -> int:
    args = list(argv)
    without: list[str] = []
    if "--without" in args:
        at = args.index("--without")
        without = [p for p in args[at + 1].split(",") if p]
        del args[at : at + 2]
    if "--uvloop" in args:
        args.remove("--uvloop")
        import asyncio

        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    unknown = set(without) - set(REMOVE)
    if unknown:
        raise SystemExit(f"{prog}: unknown pieces {sorted(unknown)}; known: {', '.join(PIECES)}")
    for piece in without:
        REMOVE[piece]()
    import server

    sys.argv = [prog, *args]
    server.main(args)
    return 0
