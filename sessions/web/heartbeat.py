"""The WebSocket heartbeat with one timer for the whole server instead of one per socket.

aiohttp's heartbeat (``WebSocketResponse(heartbeat=...)``) keeps a timer armed for every
socket for its whole life. On uvloop each armed timer is a ``TimerHandle``, a ``UVTimer``
and libuv's ``uv_timer_t``: about 0.6 KiB of an idle joined socket's resident memory, the
largest single item of it (docs/benchmarks.md). :class:`SweptWebSocketResponse` keeps all of
aiohttp's heartbeat except that timer: every chunk received still moves the socket's
deadline (aiohttp's ``_on_data_received``), the ping is aiohttp's, and so is the pong
timeout, armed only while a ping is unanswered, which closes the socket with 1006 as before.
What the per-socket timer did, :func:`heartbeat_task` does for all of them: a ping goes to
each socket silent past its deadline, checked every ``heartbeat / 4`` seconds (at most 1 s,
the rounding aiohttp itself applies to heartbeats over 5 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web

from sessions.web.keys import CONFIG, CONNECTIONS
from sessions.web.periodic import every

LONGEST_SWEEP_SECONDS = 1.0


class SweptWebSocketResponse(web.WebSocketResponse):
    """A WebSocket whose pings :func:`heartbeat_task` sends; pinned to aiohttp 3.14's
    heartbeat internals (``tests/test_ws.py`` checks they are still there)."""

    def _reset_heartbeat(self) -> None:
        """aiohttp's, minus the timer: only the deadline moves (and a pong wait ends)."""
        if self._heartbeat is None or self._loop is None:
            return
        self._cancel_pong_response_cb()
        self._heartbeat_when = self._loop.time() + self._heartbeat


def _due(ws: web.WebSocketResponse, now: float) -> bool:
    """Silent past its deadline, with no ping unanswered and no close begun."""
    return (
        now >= ws._heartbeat_when
        and ws._heartbeat is not None
        and ws._pong_response_cb is None
        and ws._writer is not None
        and not (ws._closed or ws._closing)
    )


def sweep_interval(heartbeat_seconds: float) -> float:
    """How often the task looks for sockets due a ping: a quarter of the interval, ≤ 1 s."""
    return min(LONGEST_SWEEP_SECONDS, heartbeat_seconds / 4)


def ping_due(sockets: Iterable[web.WebSocketResponse], now: float) -> int:
    """Send the heartbeat's ping (aiohttp's, which arms the pong timeout) to every socket
    due one; how many were. The sockets are :class:`SweptWebSocketResponse` (only
    :mod:`sessions.web.ws` makes sockets): an aiohttp one would be pinged by its timer too."""
    due = [ws for ws in sockets if _due(ws, now)]
    for ws in due:  # after the walk: a ping's outcome may close a socket
        ws._send_heartbeat()
    return len(due)


def _ping_sockets(app: web.Application) -> None:
    loop = asyncio.get_running_loop()
    ping_due((conn.ws for conn in app[CONNECTIONS]), loop.time())


heartbeat_task = every(lambda app: sweep_interval(app[CONFIG].heartbeat_seconds), _ping_sockets)
"""``cleanup_ctx``: the sockets' pings are sent exactly while the app runs."""
