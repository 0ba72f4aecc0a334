"""Random edits, and random scripts of what one OT client is told, with the faults it must
survive.

A :class:`ScriptWriter` plays one :class:`~tests.otclient.OTClient` against a
:class:`~sessions.collab.document.Document` as the server, with someone else typing, messages
in flight both ways, and faults: a frame delivered out of order, stray and stale acks, an
op resent on the same socket, dropped connections (the op in flight reaching the server or
not), the server's log outrunning the client, and a new history (as after a crash restore).
It reacts as the room does (``room.js``): an :class:`~tests.otclient.OutOfStep` or a
``revision-too-old`` refusal makes it rejoin, and a rejoin gets ``missed`` or a reset. Every
event the client is given, and the client's record after it, is written down: the
:class:`Script`. ``tests/test_ot_client_parity.py`` replays the events on the browser's client
and compares the records.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from sessions.collab import ot
from sessions.collab.document import Document, LoggedOp
from sessions.collab.ot import Operation
from sessions.errors import InvalidRevision, RevisionTooOld
from tests.otclient import ClientState, OTClient, Outgoing, OutOfStep

ALPHABET = ["a", "b", " ", "\n", "\r\n", "😀", "👩\u200d💻", "e\u0301", "漢字"]
SHORT = 20  # past this many characters a script's edits mostly delete: the texts stay short

Event = list[Any]
"""``["local", ops]``, ``["ack", revision]``, ``["op", revision, ops, op_id]``,
``["missed", [[revision, ops, op_id], ...]]`` or ``["reset", text, revision]`` (JSON)."""

Record = dict[str, Any]
"""The client after one event: what it sent or refused, its state, texts and positions."""


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3)))


def random_op(rng: random.Random, doc: str, *, shrink: bool = False) -> Operation:
    """A random edit of ``doc`` (ot.js's randomOperation): short retains, deletes, inserts;
    more deletes and fewer inserts when ``shrink`` is set.
    """
    insert, delete = (0.05, 0.45) if shrink else (0.2, 0.4)
    items: list[int | str] = []
    position = 0
    while position < len(doc):
        n = rng.randint(1, min(len(doc) - position, 5))
        roll = rng.random()
        if roll < insert:
            items.append(random_text(rng))
        elif roll < delete:
            items.append(-n)
            position += n
        else:
            items.append(n)
            position += n
    if rng.random() < (0.1 if shrink else 0.3):
        items.append(random_text(rng))
    return ot.validate(items)


def record(client: OTClient, sent: Outgoing | None, error: str | None) -> Record:
    """What ``ot_client_replay.mjs`` records for the browser's client, from this one."""
    outstanding = client.outstanding
    return {
        "sent": None if sent is None else [sent.revision, sent.ops, sent.op_id],
        "error": error,
        "state": client.state_name,
        "revision": client.revision,
        "text": client.text,
        "server": client.server_text,
        "editor": client.text,
        "inflight": None if outstanding is None else [outstanding.ops, outstanding.op_id],
        "buffer": client.buffer,
        "toLocal": [client.transform_index(i) for i in probes(len(client.server_text))],
        "toServer": [client.server_index(i) for i in probes(len(client.text))],
    }


def probes(length: int) -> list[int]:
    """The positions of a text of ``length`` whose mapping is recorded: both ends and about
    four between (``ot_client_replay.mjs`` has the same rule).
    """
    return sorted({*range(0, length, 1 + length // 5), length})


@dataclass
class Script:
    """One client's run: where it started, the events it was given, its record after each."""

    client_id: str
    text: str
    revision: int
    events: list[Event] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The input of ``ot_client_replay.mjs``."""
        return {
            "clientId": self.client_id,
            "text": self.text,
            "revision": self.revision,
            "events": self.events,
        }


class ScriptWriter:
    """One client, the server, the messages between them, and the record of it all."""

    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))
        self.log_size = rng.choice((3, 8, 1000))
        self.server = Document(text, rng.randint(0, 3), log_size=self.log_size)
        self.client = OTClient(text, self.server.revision, client_id=f"c{seed}")
        self.script = Script(self.client.client_id, text, self.server.revision)
        self.outbox: deque[Outgoing] = deque()  # sent, not yet at the server
        self.inbox: deque[Event] = deque()  # sent by the server, not yet at the client
        self.history = self.client_history = 0
        self.others = 0
        self.tally: Counter[str] = Counter()  # which transitions the script went through

    def write(self, steps: int) -> Script:
        """``steps`` random steps, then every message delivered: the client must end equal."""
        for _ in range(steps):
            self.step()
        self.drain()
        client, server = self.client, self.server
        assert (client.text, client.revision, client.state) == (
            server.text,
            server.revision,
            ClientState.SYNCHRONIZED,
        )
        return self.script

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.25:
            self.give_and_send(["local", self.random_op(self.client.text)])
        elif roll < 0.45:
            self.someone_else_types()
        elif roll < 0.65:
            self.server_receives()
        elif roll < 0.88:
            self.client_receives()
        else:
            self.fault()

    def drain(self) -> None:
        for _ in range(10_000):
            if self.outbox:
                self.server_receives()
            elif self.inbox:
                self.client_receives()
            else:
                return

    def give(self, event: Event) -> tuple[Outgoing | None, str | None]:
        """Tell the client ``event``; write it and the client's record down."""
        self.count(event)
        client, (kind, *args) = self.client, event
        sent, error = None, None
        try:
            if kind == "local":
                sent = client.local_edit(args[0])
            elif kind == "ack":
                sent = client.server_ack(args[0])
            elif kind == "op":
                sent = client.server_op(args[0], args[1], args[2])
            elif kind == "missed":
                sent = client.on_reconnect([(r, ops, op_id) for r, ops, op_id in args[0]])
            else:
                sent = client.reset(args[0], args[1])
        except OutOfStep as refused:
            error = str(refused)
            self.tally[f"{kind} out of step"] += 1
        self.script.events.append(event)
        self.script.records.append(record(client, sent, error))
        return sent, error

    def give_and_send(self, event: Event) -> None:
        """Give ``event``; send what the client says, or rejoin when it is out of step."""
        sent, error = self.give(event)
        if error is not None:
            self.rejoin()
        elif sent is not None:
            self.outbox.append(sent)

    def count(self, event: Event) -> None:
        client, (kind, *args) = self.client, event
        mine = client.outstanding.op_id if client.outstanding else None
        self.tally[kind] += 1
        if kind == "ack" and args[0] <= client.revision:
            self.tally["stale-ack"] += 1
        elif kind == "op" and args[2] == mine:
            self.tally["ack-by-update"] += 1
        elif kind == "op" and client.state is ClientState.AWAITING_WITH_BUFFER:
            self.tally["op-over-buffer"] += 1
        elif kind == "missed" and any(op_id == mine for _, _, op_id in args[0]):
            self.tally["ack-in-missed"] += 1
        elif kind == "reset" and client.outstanding is not None:
            self.tally["reset-rebasing" if client.buffer is None else "reset-with-buffer"] += 1

    def random_op(self, doc: str) -> Operation:
        return random_op(self.rng, doc, shrink=len(doc) > SHORT)

    def someone_else_types(self) -> None:
        self.others += 1
        op_id = f"o:{self.others}"
        op = self.random_op(self.server.text)
        applied = self.server.submit_ops(op, self.server.revision, user_id="u", op_id=op_id)
        self.inbox.append(["op", applied.revision, applied.ops, op_id])

    def server_receives(self) -> None:
        if not self.outbox:
            return
        sent = self.outbox.popleft()
        try:
            applied = self.server.submit_ops(sent.ops, sent.revision, op_id=sent.op_id)
        except RevisionTooOld:
            self.rejoin()  # the room rejoins on revision-too-old
            return
        if applied.duplicate:
            self.inbox.append(["ack", applied.revision])  # the original revision, again
        elif self.rng.random() < 0.25:  # the ack as a code-update, as after a rejoin
            self.inbox.append(["op", applied.revision, applied.ops, sent.op_id])
        else:
            self.inbox.append(["ack", applied.revision])

    def client_receives(self) -> None:
        if self.inbox:
            self.give_and_send(self.inbox.popleft())

    def fault(self) -> None:
        client, kind = self.client, self.rng.randrange(7)
        if kind == 0 and len(self.inbox) >= 2:  # the second frame overtakes the first
            event = self.inbox[1]
            del self.inbox[1]
            self.give_and_send(event)
        elif kind == 1:  # an ack past the next revision, or with nothing in flight
            gap = 1 if client.outstanding is None else 2
            self.give_and_send(["ack", client.revision + gap])
        elif kind == 2:  # an ack of a revision already counted
            stale = self.rng.randint(max(0, client.revision - 2), client.revision)
            self.give_and_send(["ack", stale])
        elif kind == 3 and client.outstanding is not None:  # resent on the same socket
            self.outbox.append(client.outstanding)
        elif kind == 4:
            self.rejoin()
        elif kind == 5:  # a restore that lost revisions: a new history
            self.inbox.clear()
            self.outbox.clear()  # lost with the server before it
            revision = self.rng.randint(0, self.server.revision)
            text = ot.apply(self.server.text, self.random_op(self.server.text))
            self.server = Document(text, revision, log_size=self.log_size)
            self.history += 1
            self.rejoin()
        elif kind == 6:
            self.rejoin(broken=True)

    def rejoin(self, *, broken: bool = False) -> None:
        """Drop the connection and join again with the revision counted: the answer has the
        ``missed`` ops, or a reset when the log cannot give them or the history is another.
        ``broken``: a first answer lacks a missed entry (a server bug the client refuses).
        """
        self.drop_connection()
        missed = self.missed_since(self.client.revision)
        if missed is None:
            event: Event = ["reset", self.server.text, self.server.revision]
            self.client_history = self.history
        else:
            event = ["missed", [[e.revision, list(e.ops), e.op_id] for e in missed]]
            if broken and len(missed) >= 3:
                refused = self.give(["missed", [event[1][0], *event[1][2:]]])
                gap = f"expected revision {missed[1].revision} from the server, got"
                assert refused == (None, f"{gap} {missed[2].revision}")
        sent, error = self.give(event)
        assert error is None, error
        if sent is not None:
            self.outbox.append(sent)

    def drop_connection(self) -> None:
        """What the server sent is lost; what the client sent arrives or not (its ack lost)."""
        self.inbox.clear()
        while self.outbox:
            lost = self.outbox.popleft()
            if self.rng.random() < 0.5:
                with contextlib.suppress(RevisionTooOld):  # refused: lost all the same
                    self.server.submit_ops(lost.ops, lost.revision, op_id=lost.op_id)

    def missed_since(self, revision: int) -> list[LoggedOp] | None:
        if self.client_history != self.history:
            return None
        try:
            return self.server.ops_since(revision)
        except (RevisionTooOld, InvalidRevision):
            return None
