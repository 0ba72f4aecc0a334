"""Carry out a domain :class:`~sessions.room.presence.Outcome`: encode each delivery once,
enqueue."""

from __future__ import annotations

import time

from sessions.metrics import Metrics
from sessions.protocol.fields import encode
from sessions.room.presence import Outcome


def dispatch(outcome: Outcome, metrics: Metrics) -> None:
    """Deliver to every recipient's queue, then close whoever the outcome says to close.

    The reply is the caller's business: only it knows the author's socket.
    """
    for message, recipients in outcome.deliveries:
        started = time.perf_counter()
        data = encode(message)
        for member in recipients:
            member.peer.send(data)
        metrics.broadcast_seconds.observe(time.perf_counter() - started)
        metrics.frames_sent(message["type"], len(recipients))
    for member in outcome.close:
        member.peer.close(outcome.close_code, "")
