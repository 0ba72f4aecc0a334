"""The document as the single authority: rebasing, dedup, history, limits, atomic failure."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.collab import ot
from sessions.collab.document import Applied, Document, LoggedOp
from sessions.errors import (
    InvalidMessage,
    InvalidOperation,
    InvalidRevision,
    PayloadTooLarge,
    RevisionTooOld,
)


def edited(text: str = "hello", edits: int = 3, log_size: int = 1000) -> Document:
    """A document after ``edits`` appends of "1", "2", ... each at the head."""
    document = Document(text, log_size=log_size)
    for n in range(1, edits + 1):
        document.submit_ops([len(document.text), str(n)], document.revision, op_id=f"seed:{n}")
    return document


def state(document: Document) -> tuple[str, int, int]:
    return document.text, document.revision, document.oldest_reachable_revision()


# --- submit_ops -----------------------------------------------------------------------------


def test_new_document_holds_its_text_at_its_revision_with_an_empty_log() -> None:
    document = Document("abc", 7)
    assert state(document) == ("abc", 7, 7)
    assert document.ops_since(7) == []


def test_submit_ops_at_head_applies_and_produces_next_revision() -> None:
    document = Document("hello")
    applied = document.submit_ops([5, " world"], 0, user_id="u1", op_id="c:1")
    assert applied == Applied(revision=1, ops=[5, " world"], duplicate=False)
    assert state(document) == ("hello world", 1, 0)


def test_submit_ops_normalizes_the_operation_it_logs() -> None:
    document = Document("abc")
    applied = document.submit_ops([1, 1, -1, "x"], 0)
    assert applied.ops == [2, "x", -1]
    assert document.text == "abx"


def test_submit_ops_rebases_an_op_over_concurrent_log_entries() -> None:
    document = Document("abc")
    document.submit_ops(["X", 3], 0)
    applied = document.submit_ops([3, "Y"], 0)
    assert applied == Applied(revision=2, ops=[4, "Y"], duplicate=False)
    assert document.text == "XabcY"


def test_submit_ops_puts_the_later_insert_first_at_the_same_position() -> None:
    # The ot.js server rule: the incoming op is transform's first argument, so it wins ties.
    document = Document("")
    document.submit_ops(["a"], 0)
    assert document.submit_ops(["b"], 0).ops == ["b", 1]
    assert document.text == "ba"


def test_submit_ops_drops_text_a_concurrent_op_already_deleted() -> None:
    document = Document("abcdef")
    document.submit_ops([1, -3, 2], 0)  # "af"
    applied = document.submit_ops([2, -3, 1], 0)  # also wanted "cde" gone
    assert applied.ops == [1, -1, 1]
    assert document.text == "af"


def test_submit_ops_returns_original_outcome_for_a_known_op_id_without_applying() -> None:
    document = Document("ab")
    document.submit_ops(["x", 2], 0, op_id="c:1")
    document.submit_ops([3, "y"], 1, op_id="d:1")
    again = document.submit_ops(["x", 2], 0, op_id="c:1")
    assert again == Applied(revision=1, ops=["x", 2], duplicate=True)
    assert state(document) == ("xaby", 2, 0)


def test_submit_ops_recognises_a_duplicate_even_when_resent_at_a_newer_base() -> None:
    document = Document("ab")
    document.submit_ops(["x", 2], 0, op_id="c:1")
    document.submit_ops([3, "y"], 1)
    assert document.submit_ops(["x", 4], 2, op_id="c:1").duplicate is True
    assert document.text == "xaby"


def test_submit_ops_forgets_op_ids_whose_log_entries_were_evicted() -> None:
    document = Document("", log_size=2)
    document.submit_ops(["a"], 0, op_id="c:1")
    document.submit_ops([1, "b"], 1, op_id="c:2")
    assert document.submit_ops(["a"], 0, op_id="c:1").duplicate is True
    document.submit_ops([2, "c"], 2, op_id="c:3")  # evicts revision 1 and "c:1"
    applied = document.submit_ops(["a", 3], 3, op_id="c:1")
    assert applied == Applied(revision=4, ops=["a", 3], duplicate=False)
    assert document.text == "aabc"


def test_submit_ops_rejects_base_older_than_the_log_carrying_the_current_revision() -> None:
    document = edited(edits=3, log_size=2)
    with pytest.raises(RevisionTooOld) as caught:
        document.submit_ops([6, "!"], 0)
    assert caught.value.extra == {"revision": 3}
    assert caught.value.code == "revision-too-old"
    assert caught.value.message == (
        "revision 0 is older than the history kept (from revision 1); resync at revision 3"
    )


def test_submit_ops_accepts_the_oldest_reachable_base() -> None:
    document = edited(edits=3, log_size=2)
    # Rebased over the appends of "2" and "3" at the same place: the incoming op wins the tie.
    assert document.submit_ops([6, "!"], 1).ops == [6, "!", 2]
    assert document.text == "hello1!23"


@pytest.mark.parametrize(
    ("base", "message"),
    [
        (5, "revision 5 is ahead of the document's revision 1"),
        (-1, "revision -1 is negative"),
        (True, "a revision must be an integer, got bool"),
        ("1", "a revision must be an integer, got str"),
    ],
)
def test_submit_ops_rejects_impossible_base_revision(base: object, message: str) -> None:
    document = edited(edits=1)
    with pytest.raises(InvalidRevision) as caught:
        document.submit_ops([6, "!"], base)  # type: ignore[arg-type]
    assert caught.value.message == message
    assert state(document) == ("hello1", 1, 0)


def test_submit_ops_rejects_op_not_spanning_the_text_at_its_base_leaving_it_unchanged() -> None:
    document = edited(edits=2)  # "hello" (5) -> "hello1" (6) -> "hello12" (7)
    with pytest.raises(InvalidOperation) as caught:
        document.submit_ops([6, "!"], 0)
    assert caught.value.message == (
        "the operation applies to 6 characters but the document had 5 at revision 0"
    )
    assert state(document) == ("hello12", 2, 0)
    assert document.submit_ops([5, "!"], 0).ops == [5, "!", 2]


def test_submit_ops_rejects_malformed_ops() -> None:
    document = Document("ab")
    with pytest.raises(InvalidOperation, match="item 1 is a boolean"):
        document.submit_ops([2, True], 0)
    assert state(document) == ("ab", 0, 0)


def test_submit_ops_over_max_bytes_is_refused_leaving_everything_unchanged() -> None:
    document = Document("a" * 8, max_bytes=10)
    with pytest.raises(PayloadTooLarge) as caught:
        document.submit_ops([8, "😀"], 0, op_id="c:1")
    assert caught.value.message == "code would be 12 bytes, over the limit of 10 bytes"
    assert caught.value.extra == {"field": "code"}
    assert state(document) == ("a" * 8, 0, 0)
    # The op id was not remembered: a smaller op under the same id is applied, not a duplicate.
    assert document.submit_ops([8, "é"], 0, op_id="c:1").duplicate is False
    assert document.text == "a" * 8 + "é"  # exactly 10 bytes


# --- submit_text ----------------------------------------------------------------------------


def test_submit_text_at_head_sends_the_minimal_diff() -> None:
    document = Document("hello world")
    applied = document.submit_text("hello there world")
    assert applied == Applied(revision=1, ops=[6, "there ", 5], duplicate=False)
    assert document.text == "hello there world"


def test_submit_text_from_an_old_revision_keeps_a_concurrent_op_clients_edit() -> None:
    document = Document("hello world")
    document.submit_ops(["> ", 11], 0, user_id="ops-client")
    applied = document.submit_text("hello there world", 0, user_id="text-client")
    assert applied.ops == [8, "there ", 5]
    assert document.text == "> hello there world"


def test_submit_text_from_an_old_revision_keeps_a_concurrent_delete() -> None:
    document = Document("one two three")
    document.submit_ops([3, -4, 6], 0)  # "one three"
    document.submit_text("ONE two three", 0)
    assert document.text == "ONE three"


def test_submit_text_with_unchanged_text_still_produces_a_revision() -> None:
    document = Document("same")
    assert document.submit_text("same") == Applied(revision=1, ops=[4], duplicate=False)


def test_submit_text_returns_duplicate_for_known_op_id() -> None:
    document = Document("a")
    document.submit_text("ab", op_id="t:1")
    document.submit_text("abc")
    assert document.submit_text("ab", 0, op_id="t:1") == Applied(1, [1, "b"], True)
    assert document.text == "abc"


def test_submit_text_over_max_bytes_is_refused_before_diffing() -> None:
    document = Document("", max_bytes=4)
    with pytest.raises(PayloadTooLarge) as caught:
        document.submit_text("😀😀")
    assert caught.value.message == "code would be 8 bytes, over the limit of 4 bytes"
    assert state(document) == ("", 0, 0)


def test_submit_text_rejects_lone_surrogates_and_non_strings() -> None:
    document = Document("a")
    with pytest.raises(InvalidOperation, match="lone surrogate U\\+D83D"):
        document.submit_text("a\ud83d")
    with pytest.raises(InvalidMessage, match="the code must be a string, got list"):
        document.submit_text(["a"])  # type: ignore[arg-type]
    assert state(document) == ("a", 0, 0)


def test_submit_text_rejects_revision_older_than_the_log() -> None:
    document = edited(edits=3, log_size=1)
    with pytest.raises(RevisionTooOld) as caught:
        document.submit_text("x", 1)
    assert caught.value.extra == {"revision": 3}


# --- history --------------------------------------------------------------------------------


def test_ops_since_lists_logged_ops_after_a_revision_oldest_first() -> None:
    document = Document("ab")
    document.submit_ops([1, "😀", 1], 0, user_id="u1", op_id="c:1")
    document.submit_ops([-1, 2], 1, user_id="u2")
    assert document.ops_since(0) == [
        LoggedOp(revision=1, ops=(1, "😀", 1), user_id="u1", op_id="c:1", inverse=(1, -1, 1)),
        LoggedOp(revision=2, ops=(-1, 2), user_id="u2", op_id=None, inverse=("a", 2)),
    ]
    assert [logged.revision for logged in document.ops_since(1)] == [2]
    assert document.ops_since(2) == []


def test_ops_since_refuses_revisions_outside_the_log() -> None:
    document = edited(edits=3, log_size=2)
    with pytest.raises(RevisionTooOld):
        document.ops_since(0)
    with pytest.raises(InvalidRevision):
        document.ops_since(4)


def test_log_keeps_only_the_latest_log_size_entries() -> None:
    document = edited(edits=5, log_size=3)
    assert document.oldest_reachable_revision() == 2
    assert [logged.revision for logged in document.ops_since(2)] == [3, 4, 5]


def test_text_at_rebuilds_every_reachable_revision() -> None:
    document = edited("x", edits=3, log_size=2)
    assert [document.text_at(r) for r in (1, 2, 3)] == ["x1", "x12", "x123"]
    with pytest.raises(RevisionTooOld) as caught:
        document.text_at(0)
    assert caught.value.extra == {"revision": 3}
    with pytest.raises(InvalidRevision):
        document.text_at(4)


def test_transform_index_moves_a_reported_cursor_to_the_head() -> None:
    document = Document("abcdef")
    document.submit_ops(["XY", 6], 0)  # cursor at 3 -> 5
    document.submit_ops([3, -3, 2], 1)  # deletes "bcd" around it -> 3
    assert document.transform_index(3, 0) == 3
    assert document.transform_index(6, 0) == 5
    assert document.transform_index(0, 0) == 2  # the insert at 0 pushes it right
    assert document.transform_index(3, 2) == 3
    assert document.transform_index(99, 0) == 5  # a cursor is a hint: clamped first


# --- random histories -----------------------------------------------------------------------

ALPHABET = ["a", "😀", "👩\u200d💻", "e\u0301", "漢字", "\r\n", " "]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_logged_revision_can_be_rebuilt_and_clients_at_any_base_are_kept(
    data: st.DataObject,
) -> None:
    document = Document("".join(data.draw(st.lists(st.sampled_from(ALPHABET), max_size=6))))
    texts = [document.text]
    pieces: list[str] = []
    for _ in range(data.draw(st.integers(1, 6))):
        base = data.draw(st.integers(0, document.revision))
        seen = texts[base]
        position = data.draw(st.integers(0, len(seen)))
        piece = data.draw(st.sampled_from(ALPHABET))
        pieces.append(piece)
        op = ot.validate([n for n in (position, piece, len(seen) - position) if n])
        document.submit_ops(op, base)
        texts.append(document.text)
    assert [document.text_at(r) for r in range(document.revision + 1)] == texts
    assert Counter(document.text) == Counter(texts[0] + "".join(pieces))  # each lands once


def test_the_op_log_adds_nothing_for_the_garbage_collector_to_scan() -> None:
    # Full collections scan every tracked object; the op logs of all sessions must not be
    # part of that scan, or a busy server pauses for 100+ ms (measured in docs/benchmarks.md).
    import gc

    document = Document("", log_size=1000)
    gc.collect()
    before = len(gc.get_objects())
    for revision in range(1000):
        ops: list[int | str] = [revision, "x"] if revision else ["x"]
        document.submit_ops(ops, revision, user_id="u1", op_id=f"c:{revision}")
    gc.collect()
    # Kept as lists inside dataclasses, 1,000 entries were 3,000+ tracked objects.
    assert len(gc.get_objects()) - before < 100


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab\n", max_size=12), min_size=1, max_size=12))
def test_full_texts_are_diffed_the_same_whether_the_last_change_was_near_or_not(
    texts: list[str],
) -> None:
    """The document tries the diff's hint (where the last change ended) only while changes
    land beside each other: either way each full text gives the plain diff's operation."""
    document, previous = Document("ab"), "ab"
    for text in texts:
        applied = document.submit_text(text)
        assert applied.ops == ot.diff(previous, text)
        assert document.text == text
        previous = text


def test_typing_after_a_jump_is_diffed_from_the_new_place() -> None:
    document = Document("0123456789")
    document.submit_text("0123X456789")  # a keystroke at 4
    document.submit_text("0123X4567Y89")  # a jump to 9: the hint missed
    assert document.submit_text("0123X4567YZ89").ops == [10, "Z", 2]  # typing on from there
    assert document.submit_text("0123X4567Y89").ops == [10, -1, 2]  # and a backspace
