"""Carry out a domain :class:`~sessions.room.Outcome`: encode each delivery once, enqueue."""

from __future__ import annotations

from sessions.fields import encode
from sessions.room import Outcome


def dispatch(outcome: Outcome) -> None:
    """Deliver to every recipient's queue, then close whoever the outcome says to close.

    The reply is the caller's business: only it knows the author's socket.
    """
    for delivery in outcome.deliveries:
        data = encode(delivery.message)
        for member in delivery.recipients:
            member.peer.send(data)
    for member in outcome.close:
        member.peer.close(outcome.close_code, "")
