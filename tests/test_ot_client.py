"""The client state machine: each transition with exact states, texts and operations."""

from __future__ import annotations

import pytest

from sessions.collab.document import Document
from sessions.collab.ot import Operation
from sessions.errors import InvalidOperation
from tests.otclient import ClientState, OTClient, Outgoing, OutOfStep


def awaiting_confirm() -> OTClient:
    """A client on "abc" at revision 0 with "d" appended and in flight as c:1."""
    client = OTClient("abc", 0, client_id="c")
    client.local_edit([3, "d"])
    return client


def awaiting_with_buffer() -> OTClient:
    """``awaiting_confirm`` plus "x" typed at the start, buffered."""
    client = awaiting_confirm()
    client.local_edit(["x", 4])
    return client


def test_new_client_is_synchronized_at_its_revision() -> None:
    client = OTClient("abc", 4, client_id="c")
    assert (client.state, client.state_name) == (ClientState.SYNCHRONIZED, "synchronized")
    assert (client.text, client.server_text, client.revision) == ("abc", "abc", 4)
    assert (client.client_id, client.outstanding, client.buffer) == ("c", None, None)


def test_clients_get_distinct_random_ids_that_prefix_their_op_ids() -> None:
    first, second = OTClient(), OTClient()
    assert first.client_id != second.client_id
    sent = first.local_edit(["a"])
    assert sent is not None and sent.op_id == f"{first.client_id}:1"


def test_local_edit_when_synchronized_sends_it_and_awaits_confirm() -> None:
    client = OTClient("abc", 0, client_id="c")
    assert client.local_edit([3, "d"]) == Outgoing(revision=0, ops=[3, "d"], op_id="c:1")
    assert (client.state_name, client.text) == ("awaiting-confirm", "abcd")
    assert client.outstanding == Outgoing(0, [3, "d"], "c:1")


def test_local_edit_while_awaiting_confirm_is_buffered() -> None:
    client = awaiting_confirm()
    assert client.local_edit(["x", 4]) is None
    assert (client.state_name, client.text, client.buffer) == (
        "awaiting-with-buffer",
        "xabcd",
        ["x", 4],
    )


def test_local_edits_while_buffering_are_composed_into_one() -> None:
    client = awaiting_with_buffer()
    assert client.local_edit([5, "!"]) is None
    assert (client.text, client.buffer) == ("xabcd!", ["x", 4, "!"])


def test_local_noop_changes_nothing_and_sends_nothing() -> None:
    client = OTClient("abc", 0, client_id="c")
    assert client.local_edit([3]) is None
    assert client.local_text("abc") is None
    assert client.state_name == "synchronized"


def test_local_edit_of_wrong_length_is_refused_leaving_text_unchanged() -> None:
    client = awaiting_confirm()
    with pytest.raises(InvalidOperation):
        client.local_edit([3, "!"])
    assert (client.text, client.state_name) == ("abcd", "awaiting-confirm")


def test_local_text_sends_the_diff_from_the_local_text() -> None:
    client = OTClient("hello", 0, client_id="c")
    assert client.local_text("hello world") == Outgoing(0, [5, " world"], "c:1")
    assert client.local_text("Hello world") is None
    assert client.buffer == ["H", -1, 10]


def test_ack_while_awaiting_confirm_synchronizes() -> None:
    client = awaiting_confirm()
    assert client.server_text == "abc"
    assert client.server_ack(1) is None
    assert (client.state_name, client.revision, client.text) == ("synchronized", 1, "abcd")
    assert client.server_text == "abcd"


def test_ack_while_buffering_sends_the_buffer_under_a_new_op_id() -> None:
    client = awaiting_with_buffer()
    assert client.server_ack(1) == Outgoing(revision=1, ops=["x", 4], op_id="c:2")
    assert (client.state_name, client.buffer) == ("awaiting-confirm", None)


def test_ack_with_nothing_in_flight_is_out_of_step() -> None:
    client = OTClient("abc", 0, client_id="c")
    with pytest.raises(OutOfStep) as caught:
        client.server_ack(1)
    assert str(caught.value) == "an acknowledgement of revision 1 with nothing sent"
    assert (client.revision, client.state_name) == (0, "synchronized")


def test_ack_past_the_next_revision_is_out_of_step_leaving_state_unchanged() -> None:
    client = awaiting_with_buffer()
    with pytest.raises(OutOfStep) as caught:
        client.server_ack(2)
    assert str(caught.value) == "expected revision 1 from the server, got 2"
    assert (client.revision, client.server_text, client.text) == (0, "abc", "xabcd")
    assert (client.outstanding, client.buffer) == (Outgoing(0, [3, "d"], "c:1"), ["x", 4])


@pytest.mark.parametrize("in_flight", [False, True])
def test_ack_of_a_revision_already_counted_is_ignored(in_flight: bool) -> None:
    client = OTClient("abc", 5, client_id="c")
    if in_flight:
        client.local_edit([3, "d"])
    assert (client.server_ack(5), client.server_ack(4)) == (None, None)
    assert client.revision == 5
    assert client.outstanding == (Outgoing(5, [3, "d"], "c:1") if in_flight else None)


def test_server_op_when_synchronized_is_applied_as_is() -> None:
    client = OTClient("abc", 0, client_id="c")
    assert client.server_op(1, [1, "😀", 2], "o:1") is None
    assert (client.text, client.revision, client.state_name) == ("a😀bc", 1, "synchronized")
    assert client.server_text == "a😀bc"


def test_server_op_while_awaiting_confirm_is_rebased_over_the_outstanding_op() -> None:
    client = awaiting_confirm()
    client.server_op(1, ["Z", 3])
    assert (client.text, client.server_text) == ("Zabcd", "Zabc")
    assert client.outstanding == Outgoing(revision=1, ops=[4, "d"], op_id="c:1")


def test_server_op_while_buffering_is_rebased_over_outstanding_and_buffer() -> None:
    client = awaiting_with_buffer()  # "xabcd" locally, server has "abc"
    client.server_op(1, [1, -1, 1])  # deletes "b"
    assert client.text == "xacd"
    assert client.outstanding == Outgoing(1, [2, "d"], "c:1")
    assert client.buffer == ["x", 3]


@pytest.mark.parametrize("revision", [0, 2])
def test_server_op_out_of_step_is_refused_leaving_state_unchanged(revision: int) -> None:
    client = awaiting_confirm()
    with pytest.raises(OutOfStep) as caught:
        client.server_op(revision, ["Z", 3])
    assert str(caught.value) == f"expected revision 1 from the server, got {revision}"
    assert (client.text, client.server_text, client.revision, client.outstanding) == (
        "abcd",
        "abc",
        0,
        Outgoing(0, [3, "d"], "c:1"),
    )


def test_server_op_carrying_the_outstanding_op_id_counts_as_its_ack() -> None:
    client = awaiting_with_buffer()
    assert client.server_op(1, [3, "d"], "c:1") == Outgoing(1, ["x", 4], "c:2")
    assert (client.text, client.revision, client.state_name) == ("xabcd", 1, "awaiting-confirm")


def test_reconnect_resends_the_unconfirmed_op_with_its_op_id_rebased_on_what_was_missed() -> None:
    client = awaiting_with_buffer()
    assert client.on_reconnect([(1, ["Z", 3], "o:1")]) == Outgoing(1, [4, "d"], "c:1")
    assert (client.text, client.buffer) == ("xZabcd", ["x", 5])
    assert client.state_name == "awaiting-with-buffer"


def test_reconnect_finding_its_own_op_among_the_missed_sends_the_buffer_next() -> None:
    client = awaiting_with_buffer()
    missed: list[tuple[int, Operation, str | None]] = [(1, ["Z", 3], "o:1"), (2, [4, "d"], "c:1")]
    assert client.on_reconnect(missed) == Outgoing(2, ["x", 5], "c:2")
    assert (client.text, client.revision, client.state_name) == ("xZabcd", 2, "awaiting-confirm")


def test_reconnect_with_nothing_in_flight_only_catches_up() -> None:
    client = OTClient("abc", 0, client_id="c")
    assert client.on_reconnect([(1, ["Z", 3], None), (2, [-1, 3], "o:2")]) is None
    assert (client.text, client.revision) == ("abc", 2)


def test_reconnect_with_a_missed_entry_lacking_is_refused_whole() -> None:
    client = awaiting_with_buffer()
    with pytest.raises(OutOfStep) as caught:
        client.on_reconnect([(1, ["Z", 3], "o:1"), (3, ["Y", 4], "o:3")])
    assert str(caught.value) == "expected revision 2 from the server, got 3"
    assert (client.text, client.revision, client.state_name) == ("xabcd", 0, "awaiting-with-buffer")


def test_reset_rebases_the_unconfirmed_edits_onto_the_servers_text_as_one_new_op() -> None:
    client = awaiting_with_buffer()  # "xabcd" locally: "x" buffered, "d" in flight on "abc"
    assert client.reset("abc!", 9) == Outgoing(9, ["x", 3, "d", 1], "c:2")
    assert (client.text, client.server_text, client.revision) == ("xabcd!", "abc!", 9)
    assert (client.state_name, client.buffer) == ("awaiting-confirm", None)


def test_reset_with_nothing_unconfirmed_takes_the_servers_text() -> None:
    client = OTClient("abc", 3, client_id="c")
    assert client.reset("server text", 9) is None
    assert (client.text, client.revision, client.state_name) == ("server text", 9, "synchronized")
    assert client.local_edit(["!", 11]) == Outgoing(9, ["!", 11], "c:1")


def test_reset_whose_edits_the_server_text_undoes_sends_nothing() -> None:
    client = OTClient("abc", 3, client_id="c")
    client.local_edit([-3])  # deleted: the new text no longer has it to delete
    assert client.reset("", 4) is None
    assert (client.text, client.state_name) == ("", "synchronized")


def test_transform_index_moves_a_server_position_past_unconfirmed_edits() -> None:
    client = OTClient("abc", 0, client_id="c")
    client.local_edit(["XY", 3])
    client.local_edit([5, "!"])
    assert [client.transform_index(i) for i in range(4)] == [2, 3, 4, 6]


def test_server_index_moves_a_local_position_back_before_unconfirmed_edits() -> None:
    client = OTClient("abc", 0, client_id="c")
    client.local_edit(["XY", 3])
    client.local_edit([5, "!"])  # "XYabc!"
    assert [client.server_index(i) for i in range(7)] == [0, 0, 0, 1, 2, 3, 3]


def test_two_clients_and_a_document_converge_on_concurrent_edits() -> None:
    server = Document("hello")
    alice = OTClient("hello", 0, client_id="alice")
    bob = OTClient("hello", 0, client_id="bob")
    sent_a = alice.local_edit(["> ", 5])
    sent_b = bob.local_edit([5, "!"])
    assert sent_a is not None and sent_b is not None
    applied_a = server.submit_ops(sent_a.ops, sent_a.revision, op_id=sent_a.op_id)
    applied_b = server.submit_ops(sent_b.ops, sent_b.revision, op_id=sent_b.op_id)
    alice.server_ack(applied_a.revision)
    alice.server_op(applied_b.revision, applied_b.ops, sent_b.op_id)
    bob.server_op(applied_a.revision, applied_a.ops, sent_a.op_id)
    bob.server_ack(applied_b.revision)
    assert server.text == alice.text == bob.text == "> hello!"
    assert alice.state_name == bob.state_name == "synchronized"
