"""Frame encoding: one fast path, same bytes as the stdlib, and no value it cannot encode."""

from __future__ import annotations

import json

from sessions.protocol.fields import encode


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


def test_decode_json_agrees_with_the_stdlib_on_valid_json():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sessions.protocol.fields import decode_json

    values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=5), children, max_size=4)
        ),
        max_leaves=20,
    )

    @settings(max_examples=300, deadline=None)
    @given(values)
    def check(value: object) -> None:
        text = json.dumps(value, ensure_ascii=False)
        assert decode_json(text) == json.loads(text)

    check()


def test_a_ref_beyond_what_a_browser_can_represent_is_refused():
    import pytest

    from sessions.errors import InvalidMessage
    from sessions.protocol.fields import read_ref

    assert read_ref({"ref": 2**53 - 1}) == 2**53 - 1
    with pytest.raises(InvalidMessage) as refused:
        read_ref({"ref": 2**53})
    assert refused.value.message == "field 'ref' must be an integer of at most 9007199254740991"
