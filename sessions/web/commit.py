"""The one road to the sockets: every outcome, whatever brought it, is committed here.

:meth:`Commit.outcome` takes a domain :class:`~sessions.room.outcome.Outcome` and, in one
synchronous step, journals its change and hands its frames over for sending: the reply to
its author's socket first, then the deliveries (each encoded once), then the closes. With
``--durability always`` the frames are held until what they acknowledge is on disk; held
outcomes are released in the order they were committed, so every socket sees every frame in
commit order, whichever caller (a socket frame, a REST handler, a leave, an expiry, a run)
committed it. REST handlers then ``await`` :meth:`Commit.durable` before they answer.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

from aiohttp import web

from sessions.errors import DomainError
from sessions.metrics import Metrics
from sessions.persistence.service import Persistence
from sessions.protocol.fields import encode
from sessions.protocol.messages import Ref
from sessions.room import frames
from sessions.room.outcome import Outcome
from sessions.room.session import Peer


class Commit:
    """Journal, then deliver in order. One per application (:data:`COMMIT`)."""

    __slots__ = ("_metrics", "persistence")

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self.persistence: Persistence | None = None
        """Set while ``--snapshot`` persistence runs (:mod:`sessions.web.lifecycle`)."""

    def outcome(self, outcome: Outcome, author: Peer | None = None) -> None:
        """Journal ``outcome``'s change and send its frames (``reply`` to ``author``)."""
        persistence = self.persistence
        if persistence is None:
            self._send(outcome, author)
            return
        if outcome.change is not None:
            persistence.journal(outcome.change)
        if persistence.always:
            persistence.after(lambda: self._send(outcome, author))
        else:
            self._send(outcome, author)

    def error(self, peer: Peer, failure: DomainError, ref: Ref = None) -> None:
        """Answer a refused frame with an ``error`` frame, in order with the rest."""
        self._metrics.error(failure.code)
        self.outcome(Outcome(reply=frames.error(failure, ref)), peer)

    def later(self, callback: Callable[[], None]) -> None:
        """Run ``callback()`` once everything committed so far has been sent (for what is no
        session's outcome: the server's shutdown notice)."""
        persistence = self.persistence
        if persistence is not None and persistence.always:
            persistence.after(callback)
        else:
            callback()

    async def durable(self) -> None:
        """With ``--durability always``, return once what was committed is on disk."""
        persistence = self.persistence
        if persistence is not None and persistence.always:
            await persistence.durable()

    def _send(self, outcome: Outcome, author: Peer | None) -> None:
        metrics = self._metrics
        reply = outcome.reply
        if reply is not None and author is not None:
            author.send(encode(reply))
            metrics.frames_sent(reply["type"], 1)
        for message, recipients in outcome.deliveries:
            started = perf_counter()
            data = encode(message)
            for member in recipients:
                member.peer.send(data)
            metrics.broadcast_seconds.observe(perf_counter() - started)
            metrics.frames_sent(message["type"], len(recipients))
        for member in outcome.close:
            member.peer.close(outcome.close_code, "")


COMMIT = web.AppKey("commit", Commit)
