"""Frame encoding: one fast path, same bytes as the stdlib, and no value it cannot encode."""

from __future__ import annotations

import json

from sessions.fields import encode


def stdlib(message: dict[str, object]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_encode_writes_compact_utf8_json_like_the_stdlib():
    message = {"type": "code-update", "revision": 3, "ops": [1, "é😀\n", -2], "userId": None}
    assert encode(message) == stdlib(message)
    assert (
        encode(message)
        == '{"type":"code-update","revision":3,"ops":[1,"é😀\\n",-2],"userId":null}'.encode()
    )


def test_encode_handles_integers_beyond_64_bits_that_a_client_sent_as_ref():
    message = {"type": "pong", "ref": 10**30}
    assert encode(message) == b'{"type":"pong","ref":1000000000000000000000000000000}'
