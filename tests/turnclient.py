"""Just enough of a TURN client (RFC 8656 over UDP) to ask a real server for an allocation
with long-term credentials (RFC 8489 §9.2): an Allocate without credentials gets 401 with a
realm and a nonce; the same with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY (HMAC-SHA1
keyed with MD5(username:realm:password)) gets the relayed address, or 401 again when the
credentials are wrong or, with coturn's shared secret, expired."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import struct
from dataclasses import dataclass

MAGIC = 0x2112A442
BINDING, ALLOCATE = 0x0001, 0x0003
SUCCESS, ERROR = 0x0100, 0x0110
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE = 0x0006, 0x0008, 0x0009
REALM, NONCE, REQUESTED_TRANSPORT, XOR_RELAYED_ADDRESS = 0x0014, 0x0015, 0x0019, 0x0016
UDP = b"\x11\x00\x00\x00"


@dataclass(frozen=True)
class Answer:
    """A response: ``ok`` (a success), or the error ``code``; its attributes by type."""

    ok: bool
    code: int | None
    attributes: dict[int, bytes]


def _attribute(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\x00" * (-len(value) % 4)


def _message(method: int, attributes: bytes, transaction: bytes) -> bytes:
    return struct.pack("!HHI", method, len(attributes), MAGIC) + transaction + attributes


def _parse(data: bytes, transaction: bytes) -> Answer:
    kind, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC or data[8:20] != transaction:
        raise ValueError("not the answer to this request")
    attributes: dict[int, bytes] = {}
    offset = 20
    while offset < 20 + length:
        attr, size = struct.unpack("!HH", data[offset : offset + 4])
        attributes.setdefault(attr, data[offset + 4 : offset + 4 + size])
        offset += 4 + size + (-size % 4)
    code = None
    if kind & 0x0110 == ERROR:
        raw = attributes.get(ERROR_CODE, b"\x00\x00\x00\x00")
        code = (raw[2] & 0x7) * 100 + raw[3]
    return Answer(kind & 0x0110 == SUCCESS, code, attributes)


def _ask(
    sock: socket.socket, server: tuple[str, int], message: bytes, transaction: bytes
) -> Answer:
    sock.sendto(message, server)
    data, _ = sock.recvfrom(4096)
    return _parse(data, transaction)


def _socket(timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    return sock


def binding(server: tuple[str, int], timeout: float = 0.5) -> Answer:
    """A STUN Binding request: the server is up when this answers."""
    transaction = os.urandom(12)
    with _socket(timeout) as sock:
        return _ask(sock, server, _message(BINDING, b"", transaction), transaction)


def allocate(server: tuple[str, int], username: str, password: str, timeout: float = 2.0) -> Answer:
    """An Allocate with long-term credentials (after the server's 401 challenge), both from
    one socket (coturn ties a nonce to the client's address and port)."""
    with _socket(timeout) as sock:
        return _allocate(sock, server, username, password)


def _allocate(sock: socket.socket, server: tuple[str, int], username: str, password: str) -> Answer:
    transaction = os.urandom(12)
    challenge = _ask(
        sock,
        server,
        _message(ALLOCATE, _attribute(REQUESTED_TRANSPORT, UDP), transaction),
        transaction,
    )
    if challenge.code != 401:
        return challenge
    realm, nonce = challenge.attributes[REALM], challenge.attributes[NONCE]
    transaction = os.urandom(12)
    body = (
        _attribute(REQUESTED_TRANSPORT, UDP)
        + _attribute(USERNAME, username.encode())
        + _attribute(REALM, realm)
        + _attribute(NONCE, nonce)
    )
    key = hashlib.md5(b":".join([username.encode(), realm, password.encode()])).digest()
    # The integrity covers the header with a length that already counts its own 24 bytes.
    signed = _message(ALLOCATE, body, transaction)
    signed = signed[:2] + struct.pack("!H", len(body) + 24) + signed[4:]
    integrity = hmac.new(key, signed, hashlib.sha1).digest()
    message = signed + _attribute(MESSAGE_INTEGRITY, integrity)
    return _ask(sock, server, message, transaction)
