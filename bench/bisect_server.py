"""``server.py`` with pieces taken out, for the bisection (``python -m bench bisect``).

``python -m bench bisect-server [--without PIECE,...] [--batch] [server.py's flags]`` runs the same
server as ``server.py``, after replacing, for this process only, the pieces named:

- ``metrics``: every counter and histogram of ``sessions.metrics`` does nothing;
- ``guard``: the per-frame guard (``guards.admit_frame``: rate limit, state) admits all;
- ``heartbeat``: no WebSocket heartbeat (aiohttp re-arms its timer on every frame read);
- ``timeline``: an edit is logged for the journal but not appended to the timeline;
- ``ack``: no ``ack`` frame to the author (the floor and the seed send one: a measure only);
- ``domain``: a full-text ``code-change`` does the floor's work only (the diff, a revision
  count, the ack and the ``code-update``s, committed as usual): no OT document, op log,
  timeline, participant record or journal change (not in the ladder: ``ours --without
  domain`` is ``ours`` less that alone);

each a measurement, never a configuration: what it removes is a guarantee of the product.
``--batch`` is a trial of
a change rather than a removal: the socket writer gathers the frames of one turn of the loop
per socket and writes them with one ``writelines`` at the end of the turn.
``--unwritten-journal`` (with ``--snapshot``) is a measure: the loop builds, encodes and
frames every journal record as usual, and the writer thread is never handed one (nothing
reaches the disk): what the thread and its hand-over add is the difference to ``--snapshot``.
``--write-delay SECONDS`` is a trial: the journal's records gather that long (instead of
``WRITE_DELAY``) before the loop hands them to the writer thread.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

PIECES = ("metrics", "guard", "heartbeat", "timeline", "ack")
"""The ladder's pieces, removed one more per row; ``domain`` is measured on its own."""


def _no_metrics() -> None:
    from sessions import metrics

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    for name in ("frame_in", "frames_sent", "error"):
        setattr(metrics.Metrics, name, nothing)
    metrics.Histogram.observe = nothing  # type: ignore[method-assign]


def _no_guard() -> None:
    from sessions.web import guards

    guards.admit_frame = lambda app, conn: True


def _no_heartbeat() -> None:
    from aiohttp import web

    from sessions.web import ws

    class NoHeartbeat(web.WebSocketResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["heartbeat"] = None
            super().__init__(*args, **kwargs)

    ws.__dict__["web"] = SimpleNamespace(WebSocketResponse=NoHeartbeat)


def _no_timeline() -> None:
    from sessions.room import outcome

    def edit(self: Any, applied: Any, at: float, author: Any, op_id: str | None) -> None:
        user_id = author.user_id if author is not None else None
        self.edits.append((applied.revision, applied.ops, user_id, op_id))

    outcome.Change.edit = edit  # type: ignore[method-assign]


def _no_ack() -> None:
    from sessions.room import editing, frames

    no_ack = SimpleNamespace(**vars(frames))
    no_ack.ack = lambda *args: None
    editing.__dict__["frames"] = no_ack


def _batch_writes() -> None:
    import asyncio
    import struct

    from sessions.web import connection

    pending: list[Any] = []
    batches: dict[int, list[bytes]] = {}

    def flush() -> None:
        for conn in pending:
            frames = batches.pop(id(conn))
            transport = conn._transport
            if transport is not None and not transport.is_closing():
                transport.writelines(frames)
        pending.clear()

    def write_now(self: Any, data: bytes) -> bool:
        frame_writer = self.ws._writer
        transport = self._transport
        if (
            frame_writer is None
            or frame_writer.compress
            or frame_writer._closing
            or transport is None
            or transport.get_write_buffer_size() >= self._high_water
        ):
            return False
        if transport.is_closing():
            self._closing = True
            return True
        n = len(data)
        if n < 126:
            head = bytes((0x81, n))
        elif n < 65536:
            head = struct.pack("!BBH", 0x81, 126, n)
        else:
            head = struct.pack("!BBQ", 0x81, 127, n)
        batch = batches.get(id(self))
        if batch is None:
            if not pending:
                asyncio.get_running_loop().call_soon(flush)
            pending.append(self)
            batches[id(self)] = batch = []
        batch.append(head + data)
        return True

    connection.Connection._write_now = write_now  # type: ignore[method-assign]


def _unwritten_journal() -> None:
    from sessions.persistence import journal
    from sessions.persistence.framing import frame

    def append(self: Any, *payloads: bytes) -> int:
        for payload in payloads:
            frame(payload)
        self._appended += len(payloads)
        return int(self._appended)

    journal.JournalWriter.append = append  # type: ignore[method-assign]


def _floor_domain() -> None:
    from sessions.collab.ot import diff_and_inverse, end_of_change
    from sessions.room import editing, frames
    from sessions.room.outcome import Outcome

    heads: dict[str, list[Any]] = {}  # session id -> [text, revision, caret]
    change_code = editing.change_code

    def floor_change(session: Any, member: Any, change: Any, now: float) -> Any:
        if change.code is None:
            return change_code(session, member, change, now)
        head = heads.get(session.id)
        if head is None:
            head = heads[session.id] = [session.document.text, session.document.revision, 0]
        ops = diff_and_inverse(head[0], change.code, head[2])[0]
        head[0], head[1], head[2] = change.code, head[1] + 1, end_of_change(ops, len(change.code))
        outcome = Outcome(reply=frames.ack(head[1], change.ref))
        update = frames.code_update(head[1], ops, member.user_id, change.op_id)
        others = tuple(m for m in session.members.values() if m is not member)
        outcome.deliver({**update, "code": head[0]}, others)
        return outcome

    editing.change_code = floor_change


REMOVE: dict[str, Callable[[], None]] = {
    "metrics": _no_metrics,
    "guard": _no_guard,
    "heartbeat": _no_heartbeat,
    "timeline": _no_timeline,
    "ack": _no_ack,
    "domain": _floor_domain,
}


def main(argv: list[str], prog: str) -> int:
    args = list(argv)
    without: list[str] = []
    if "--without" in args:
        at = args.index("--without")
        without = [p for p in args[at + 1].split(",") if p]
        del args[at : at + 2]
    if "--batch" in args:
        args.remove("--batch")
        _batch_writes()
    if "--write-delay" in args:
        at = args.index("--write-delay")
        from sessions.persistence import service

        service.__dict__["WRITE_DELAY"] = float(args[at + 1])
        del args[at : at + 2]
    if "--unwritten-journal" in args:
        args.remove("--unwritten-journal")
        _unwritten_journal()
    unknown = set(without) - set(REMOVE)
    if unknown:
        raise SystemExit(f"{prog}: unknown pieces {sorted(unknown)}; known: {', '.join(REMOVE)}")
    for piece in without:
        REMOVE[piece]()
    import server

    sys.argv = [prog, *args]
    server.main(args)
    return 0
