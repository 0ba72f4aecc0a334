"""ot.js's randomized client-server test, in process: a Document as the server, OTClients as
editors, and every message in transit held in a queue per client and direction.

A seeded ``random.Random`` interleaves local edits, deliveries to the server and deliveries to
clients, each queue in order but at random times. After every step each client must satisfy
the client invariant against the server's history; after draining every queue, every client
must hold the server's text. Variants drop connections (losing what was in flight either way)
and reconnect through ``on_reconnect`` with ``Document.ops_since``.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field

import pytest

from sessions.collab import ot
from sessions.collab.document import Document
from sessions.collab.ot import Operation
from sessions.errors import RevisionTooOld
from tests.otclient import OTClient, Outgoing

ALPHABET = ["a", "b", " ", "\n", "\r\n", "😀", "👩\u200d💻", "e\u0301", "漢字"]
SEEDS = range(30)
STEPS = 200

Message = tuple[str, int, Operation, str | None]  # ("ack" | "op", revision, ops, op_id)


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3)))


def random_op(rng: random.Random, doc: str) -> Operation:
    """A random edit of ``doc`` (ot.js's randomOperation): short retains, deletes, inserts."""
    items: list[int | str] = []
    position = 0
    while position < len(doc):
        n = rng.randint(1, min(len(doc) - position, 5))
        roll = rng.random()
        if roll < 0.2:
            items.append(random_text(rng))
        elif roll < 0.4:
            items.append(-n)
            position += n
        else:
            items.append(n)
            position += n
    if rng.random() < 0.3:
        items.append(random_text(rng))
    return ot.validate(items)


@dataclass
class Peer:
    client: OTClient
    outbox: deque[Outgoing] = field(default_factory=deque)  # sent, not yet at the server
    inbox: deque[Message] = field(default_factory=deque)  # sent by the server, not yet here
    connected: bool = True


class Network:
    """The server, its clients, and every message in transit."""

    def __init__(self, seed: int, clients: int, log_size: int = 1000) -> None:
        self.rng = random.Random(seed)
        text = "".join(self.rng.choice(ALPHABET) for _ in range(self.rng.randint(0, 10)))
        self.initial = text
        self.server = Document(text, log_size=log_size)
        self.peers = [Peer(OTClient(text, 0, client_id=f"c{n}")) for n in range(clients)]
        self.inserted: list[str] = []
        self.resets = 0

    def edit(self, peer: Peer, insert_only: bool = False) -> None:
        text = peer.client.text
        if insert_only:
            position = self.rng.randint(0, len(text))
            unique = "".join(chr(0x20000 + len(self.inserted) * 3 + k) for k in range(3))
            self.inserted.append(unique)
            op = ot.validate([n for n in (position, unique, len(text) - position) if n])
        else:
            op = random_op(self.rng, text)
        self.send(peer, peer.client.local_edit(op))

    def send(self, peer: Peer, outgoing: Outgoing | None) -> None:
        if outgoing is not None and peer.connected:
            peer.outbox.append(outgoing)
        assert len(peer.outbox) <= 1  # never more than one operation in flight

    def server_receives(self, peer: Peer) -> None:
        self.apply(peer, peer.outbox.popleft(), ack=True)

    def apply(self, peer: Peer, sent: Outgoing, *, ack: bool) -> None:
        applied = self.server.submit_ops(
            sent.ops, sent.revision, user_id=peer.client.client_id, op_id=sent.op_id
        )
        assert applied.duplicate is False
        if ack:
            peer.inbox.append(("ack", applied.revision, applied.ops, sent.op_id))
        for other in self.peers:
            if other is not peer and other.connected:
                other.inbox.append(("op", applied.revision, applied.ops, sent.op_id))

    def client_receives(self, peer: Peer) -> None:
        kind, revision, ops, op_id = peer.inbox.popleft()
        if kind == "ack":
            self.send(peer, peer.client.server_ack(revision))
        else:
            self.send(peer, peer.client.server_op(revision, ops, op_id))

    def disconnect(self, peer: Peer) -> None:
        """Drop the connection: messages to the client are lost; its op in flight either
        reached the server (only the ack is lost) or did not."""
        peer.connected = False
        peer.inbox.clear()
        if peer.outbox:
            sent = peer.outbox.popleft()
            if self.rng.random() < 0.5:
                self.apply(peer, sent, ack=False)

    def reconnect(self, peer: Peer) -> None:
        peer.connected = True
        try:
            logged = self.server.ops_since(peer.client.revision)
        except RevisionTooOld as error:
            peer.client.reset(self.server.text, error.extra["revision"])
            self.resets += 1
            return
        missed = [(entry.revision, list(entry.ops), entry.op_id) for entry in logged]
        self.send(peer, peer.client.on_reconnect(missed))

    def step(self, peers: list[Peer], disconnects: bool, insert_only: bool) -> None:
        peer = self.rng.choice(peers)
        roll = self.rng.random()
        if roll < 0.3:
            self.edit(peer, insert_only)
        elif roll < 0.55 and peer.outbox:
            self.server_receives(peer)
        elif roll < 0.9 and peer.inbox:
            self.client_receives(peer)
        elif disconnects and roll >= 0.95:
            if peer.connected:
                self.disconnect(peer)
            else:
                self.reconnect(peer)

    def drain(self) -> None:
        for peer in self.peers:
            if not peer.connected:
                self.reconnect(peer)
        while busy := [p for p in self.peers if p.inbox or p.outbox]:
            peer = self.rng.choice(busy)
            if peer.outbox and (not peer.inbox or self.rng.random() < 0.5):
                self.server_receives(peer)
            else:
                self.client_receives(peer)

    def check_client_invariant(self) -> None:
        """text == server text at revision, then outstanding, then buffer."""
        for peer in self.peers:
            client = peer.client
            if client.revision < self.server.oldest_reachable_revision():
                continue  # too far behind: it will resync from a snapshot
            expected = self.server.text_at(client.revision)
            if client.outstanding is not None:
                expected = ot.apply(expected, client.outstanding.ops)
            if client.buffer is not None:
                expected = ot.apply(expected, client.buffer)
            assert client.text == expected

    def assert_converged(self) -> None:
        for peer in self.peers:
            assert peer.client.text == self.server.text
            assert peer.client.revision == self.server.revision
            assert peer.client.state_name == "synchronized"


def run(network: Network, *, disconnects: bool = False, insert_only: bool = False) -> None:
    for _ in range(STEPS):
        network.step(network.peers, disconnects, insert_only)
        network.check_client_invariant()
    network.drain()
    network.assert_converged()


@pytest.mark.parametrize("seed", SEEDS)
def test_random_concurrent_editing_converges_on_the_server_text(seed: int) -> None:
    network = Network(seed, clients=3 + seed % 2)
    run(network)
    assert network.server.revision > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_random_editing_with_dropped_connections_converges_after_reconnect(seed: int) -> None:
    network = Network(seed, clients=3 + seed % 2)
    run(network, disconnects=True)
    assert network.resets == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_every_insert_lands_exactly_once_across_dropped_connections(seed: int) -> None:
    network = Network(seed, clients=4)
    run(network, disconnects=True, insert_only=True)
    assert Counter(network.server.text) == Counter(network.initial + "".join(network.inserted))


@pytest.mark.parametrize("seed", range(10))
def test_client_behind_the_log_resyncs_from_a_snapshot_and_converges(seed: int) -> None:
    network = Network(seed, clients=3, log_size=20)
    straggler, others = network.peers[0], network.peers[1:]
    network.edit(straggler)
    network.disconnect(straggler)
    network.edit(straggler)  # an offline edit the resync will lose
    while network.server.revision <= straggler.client.revision + 20:
        network.step(others, disconnects=False, insert_only=False)
    network.reconnect(straggler)
    assert network.resets == 1
    assert (straggler.client.text, straggler.client.state_name) == (
        network.server.text,
        "synchronized",
    )
    network.drain()
    network.assert_converged()
