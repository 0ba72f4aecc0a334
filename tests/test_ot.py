"""Text operations: exact examples for each function, then the ot.js invariants on random input."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.collab import ot
from sessions.collab.ot import Operation
from sessions.errors import InvalidOperation

PROPERTY = settings(max_examples=300, deadline=None)

# Multi-code-point pieces on purpose: a ZWJ sequence, a combining mark, CRLF, astral emoji.
ALPHABET = ["a", "b", "Z", " ", "\n", "\r\n", "😀", "👩\u200d💻", "e\u0301", "漢字", "ß"]

documents = st.lists(st.sampled_from(ALPHABET), max_size=12).map("".join)
inserts = st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=4).map("".join)


@st.composite
def raw_ops(draw: st.DrawFn, doc: str) -> list[int | str]:
    """Items spanning ``doc``, like ot.js's randomOperation, deliberately not normalized."""
    items: list[int | str] = []
    position = 0
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from("rdi"))
        left = len(doc) - position
        if kind == "i":
            items.append(draw(inserts))
        elif left:
            n = draw(st.integers(1, left))
            items.append(n if kind == "r" else -n)
            position += n
    if position < len(doc):
        left = len(doc) - position
        items.append(draw(st.sampled_from([left, -left])))
    return items


def ops_for(doc: str) -> st.SearchStrategy[Operation]:
    return raw_ops(doc).map(ot.validate)


@st.composite
def doc_and_op(draw: st.DrawFn) -> tuple[str, Operation]:
    doc = draw(documents)
    return doc, draw(ops_for(doc))


@st.composite
def doc_and_concurrent_ops(draw: st.DrawFn) -> tuple[str, Operation, Operation]:
    doc = draw(documents)
    return doc, draw(ops_for(doc)), draw(ops_for(doc))


@st.composite
def doc_and_consecutive_ops(draw: st.DrawFn) -> tuple[str, Operation, Operation]:
    doc = draw(documents)
    a = draw(ops_for(doc))
    return doc, a, draw(ops_for(ot.apply(doc, a)))


def kind(item: int | str) -> str:
    if isinstance(item, str):
        return "insert"
    return "retain" if item > 0 else "delete"


def assert_normal(op: Operation) -> None:
    for item in op:
        assert type(item) in (int, str) and item not in (0, ""), op
    for first, second in itertools.pairwise(op):
        assert kind(first) != kind(second), op
        assert (kind(first), kind(second)) != ("delete", "insert"), op


def naive_diff(old: str, new: str) -> Operation:
    """The same diff computed character by character: the oracle for ``ot.diff``."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    raw = [prefix, new[prefix : len(new) - suffix], -(len(old) - prefix - suffix), suffix]
    return ot.validate([item for item in raw if item not in (0, "")])


# --- validate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ([], []),
        ([3], [3]),
        ([1, 2, "a", "b", -1, -2], [3, "ab", -3]),
        ([-2, "ab", 3], ["ab", -2, 3]),
        ([-1, "a", -1, "b", 2], ["ab", -2, 2]),
        ([2, "😀", -1, "👩\u200d💻", 1], [2, "😀👩\u200d💻", -1, 1]),
    ],
)
def test_validate_merges_items_into_normal_form(raw: list[int | str], normal: Operation) -> None:
    assert ot.validate(raw) == normal


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"ops": [1]}, "an operation must be an array, got an object"),
        ("abc", "an operation must be an array, got a str"),
        (None, "an operation must be an array, got null"),
        ([1, True], "item 1 is a boolean; expected a nonzero integer or a non-empty string"),
        ([False], "item 0 is a boolean; expected a nonzero integer or a non-empty string"),
        ([2, 0], "item 1 is 0; expected a nonzero integer or a non-empty string"),
        (["a", ""], "item 1 is an empty string; expected a nonzero integer or a non-empty string"),
        ([[1]], "item 0 is an array; expected a nonzero integer or a non-empty string"),
        ([1, {"d": 1}], "item 1 is an object; expected a nonzero integer or a non-empty string"),
        (
            [1.0],
            "item 0 is a floating-point number; expected a nonzero integer or a non-empty string",
        ),
        ([None], "item 0 is null; expected a nonzero integer or a non-empty string"),
        (
            [1, "ok😀\ud800x"],
            "item 1 contains a lone surrogate U+D800 at offset 3; text must be valid Unicode",
        ),
        (
            ["\udfff"],
            "item 0 contains a lone surrogate U+DFFF at offset 0; text must be valid Unicode",
        ),
    ],
)
def test_validate_rejects_malformed_operation_naming_the_problem(
    value: object, message: str
) -> None:
    with pytest.raises(InvalidOperation) as caught:
        ot.validate(value)
    assert caught.value.message == message
    assert caught.value.code == "invalid-operation"


def test_lengths_count_code_points_not_utf16_units() -> None:
    op: Operation = [2, "😀👩\u200d💻", -3, 1]
    assert ot.base_length(op) == 6
    assert ot.target_length(op) == 7


@pytest.mark.parametrize(
    ("op", "expected"), [([], True), ([7], True), (["a"], False), ([-1], False), ([1, "a"], False)]
)
def test_is_noop_is_true_only_for_a_lone_retain_or_nothing(op: Operation, expected: bool) -> None:
    assert ot.is_noop(op) is expected


# --- apply, invert --------------------------------------------------------------------------


def test_apply_retains_inserts_and_deletes_code_points() -> None:
    assert ot.apply("héllo 😀!", [6, "👩\u200d💻", -1, 1]) == "héllo 👩\u200d💻!"
    assert ot.apply("", ["漢字"]) == "漢字"
    assert ot.apply("", []) == ""


def test_apply_rejects_operation_of_wrong_base_length() -> None:
    with pytest.raises(InvalidOperation) as caught:
        ot.apply("hello", [3, "x"])
    assert caught.value.message == "the operation applies to 3 characters but the document has 5"


def test_apply_edits_a_large_document_in_the_middle() -> None:
    doc = "x" * 500_000 + "y" * 500_000
    assert ot.apply(doc, [500_000, "😀", -2, 499_998]) == "x" * 500_000 + "😀" + "y" * 499_998


def test_invert_reinserts_deleted_text_and_deletes_inserted_text() -> None:
    doc = "a😀bc"
    op: Operation = [1, "X", -2, 1]
    assert ot.invert(op, doc) == [1, "😀b", -1, 1]
    assert ot.apply(ot.apply(doc, op), ot.invert(op, doc)) == doc


def test_invert_rejects_document_of_wrong_length() -> None:
    with pytest.raises(InvalidOperation, match="applies to 2 characters but the document has 1"):
        ot.invert([2], "a")


# --- compose, transform ---------------------------------------------------------------------


def test_compose_merges_consecutive_edits() -> None:
    # "xyz" -> "xabcyz" -> "xayz"
    assert ot.compose([1, "abc", 2], [2, -2, 2]) == [1, "a", 2]
    assert ot.compose(["ab"], [-2]) == []
    assert ot.compose([-1, 2], [1, "q", 1]) == [-1, 1, "q", 1]  # "abc" -> "bc" -> "bqc"


def test_compose_rejects_operations_that_do_not_chain() -> None:
    with pytest.raises(InvalidOperation) as caught:
        ot.compose([1, "abc", 2], [2, -2, 3])
    assert caught.value.message == (
        "cannot compose: the first operation produces 6 characters but the second applies to 7"
    )


def test_transform_puts_first_operations_insert_first_at_the_same_position() -> None:
    assert ot.transform(["a"], ["b"]) == (["a", 1], [1, "b"])
    assert ot.transform([1, "x", 2], [1, "y", 2]) == ([1, "x", 3], [2, "y", 2])


def test_transform_deletes_overlapping_text_only_once() -> None:
    # "abcdef": a deletes "bcd", b deletes "cde"; both end as "af".
    a_prime, b_prime = ot.transform([1, -3, 2], [2, -3, 1])
    assert (a_prime, b_prime) == ([1, -1, 1], [1, -1, 1])
    assert ot.apply("abf", a_prime) == ot.apply("aef", b_prime) == "af"


def test_transform_shifts_a_delete_past_a_concurrent_insert() -> None:
    assert ot.transform([2, -2], ["😀", 4]) == ([3, -2], ["😀", 2])


def test_transform_rejects_operations_on_different_lengths() -> None:
    with pytest.raises(InvalidOperation) as caught:
        ot.transform([3], [4])
    assert caught.value.message == "cannot transform: the operations apply to 3 and 4 characters"


# --- diff -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "op"),
    [
        ("", "", []),
        ("same", "same", [4]),
        ("hello world", "hello there world", [6, "there ", 5]),
        ("abc", "", [-3]),
        ("", "abc", ["abc"]),
        ("a😀b", "a👩\u200d💻b", [1, "👩\u200d💻", -1, 1]),
        ("aaa", "aa", [2, -1]),
        ("line\r\nnext", "line\nnext", [4, -1, 5]),
    ],
)
def test_diff_replaces_what_lies_between_common_prefix_and_suffix(
    old: str, new: str, op: Operation
) -> None:
    assert ot.diff(old, new) == op


def test_diff_finds_a_one_character_change_in_a_large_document() -> None:
    old = "ab" * 100_000
    new = old[:123_457] + "Z" + old[123_457:]
    assert ot.diff(old, new) == [123_457, "Z", 76_543]
    assert ot.diff(new, old) == [123_457, -1, 76_543]


# --- transform_index ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "op", "moved"),
    [
        (3, ["ab", 5], 5),  # insert before
        (3, [3, "ab", 2], 5),  # insert exactly at the index pushes it right (ot.js)
        (3, [4, "ab", 1], 3),  # insert after
        (3, [1, -1, 3], 2),  # delete before
        (3, [1, -3, 1], 1),  # index inside a deleted range lands at its start
        (3, [1, "XY", -3, 1], 3),  # replaced range: after the replacement
        (3, [3, -2], 3),  # delete after
        (9, [2, "a", 3], 6),  # past the end: clamped first
        (-4, ["a", 5], 1),  # negative: clamped first
    ],
)
def test_transform_index_moves_position_with_the_text_around_it(
    index: int, op: Operation, moved: int
) -> None:
    assert ot.transform_index(index, op) == moved


# --- invariants on random documents and operations -------------------------------------------


@PROPERTY
@given(documents.flatmap(lambda doc: st.tuples(st.just(doc), raw_ops(doc))))
def test_validate_keeps_the_effect_and_returns_normal_form(
    case: tuple[str, list[int | str]],
) -> None:
    doc, raw = case
    op = ot.validate(raw)
    assert_normal(op)
    assert ot.apply(doc, op) == ot.apply(doc, raw)
    assert ot.validate(op) == op


@PROPERTY
@given(doc_and_concurrent_ops())
def test_transform_makes_concurrent_operations_converge(
    case: tuple[str, Operation, Operation],
) -> None:
    doc, a, b = case
    a_prime, b_prime = ot.transform(a, b)
    assert ot.apply(ot.apply(doc, a), b_prime) == ot.apply(ot.apply(doc, b), a_prime)
    assert_normal(a_prime)
    assert_normal(b_prime)


@PROPERTY
@given(doc_and_consecutive_ops())
def test_compose_equals_applying_one_after_the_other(
    case: tuple[str, Operation, Operation],
) -> None:
    doc, a, b = case
    composed = ot.compose(a, b)
    assert ot.apply(doc, composed) == ot.apply(ot.apply(doc, a), b)
    assert_normal(composed)


@PROPERTY
@given(doc_and_op())
def test_invert_undoes_the_operation(case: tuple[str, Operation]) -> None:
    doc, op = case
    inverse = ot.invert(op, doc)
    assert ot.apply(ot.apply(doc, op), inverse) == doc
    assert ot.base_length(inverse) == ot.target_length(op)
    assert_normal(inverse)


@PROPERTY
@given(doc_and_op())
def test_apply_and_invert_equals_apply_and_invert_apart(case: tuple[str, Operation]) -> None:
    doc, op = case
    assert ot.apply_and_invert(doc, op) == (ot.apply(doc, op), ot.invert(op, doc))


@PROPERTY
@given(documents, documents)
def test_diff_and_inverse_equals_the_diff_and_its_inverse(old: str, new: str) -> None:
    op, inverse = ot.diff_and_inverse(old, new)
    assert op == ot.diff(old, new)
    assert inverse == ot.invert(op, old)
    assert_normal(inverse)


@PROPERTY
@given(documents, documents, st.integers(min_value=-3, max_value=60))
def test_a_diff_hinted_anywhere_is_the_same_diff(old: str, new: str, near: int) -> None:
    assert ot.diff_and_inverse(old, new, near) == ot.diff_and_inverse(old, new)


@PROPERTY
@given(documents, st.data())
def test_a_diff_hinted_at_a_keystroke_or_backspace_is_the_same_diff(
    doc: str, data: st.DataObject
) -> None:
    """Edits beside the hint, where a typist's next change lands: the hinted paths."""
    caret = data.draw(st.integers(min_value=0, max_value=len(doc)))
    typed = data.draw(st.text(alphabet="ab\n", min_size=1, max_size=2))
    for new in (doc[:caret] + typed + doc[caret:], doc[: max(caret - 1, 0)] + doc[caret:]):
        for near in (caret - 1, caret, caret + 1):
            assert ot.diff_and_inverse(doc, new, near) == ot.diff_and_inverse(doc, new)


def test_a_hinted_diff_finds_a_keystroke_at_the_hint_and_a_backspace_before_it() -> None:
    doc = "abcabcabc"
    assert ot.diff_and_inverse(doc, "abcaXbcabc", 4) == ([4, "X", 5], [4, -1, 5])
    assert ot.diff_and_inverse(doc, "abcbcabc", 4) == ([3, -1, 5], [3, "a", 5])
    assert ot.diff_and_inverse(doc, "Xabcabcabc", 4) == (["X", 9], [-1, 9])  # far from it


@PROPERTY
@given(documents.flatmap(lambda doc: st.tuples(st.just(doc), raw_ops(doc))))
def test_validate_returns_an_operation_already_in_normal_form_as_it_is(
    case: tuple[str, list[int | str]],
) -> None:
    _, raw = case
    normal = ot.validate(raw)
    assert (ot.validate(normal) is normal) and (normal is raw) == (normal == raw)


@PROPERTY
@given(documents, documents)
def test_diff_turns_old_into_new_like_the_naive_diff(old: str, new: str) -> None:
    op = ot.diff(old, new)
    assert ot.apply(old, op) == new
    assert op == naive_diff(old, new)
    assert_normal(op)


@PROPERTY
@given(doc_and_op())
def test_diff_recovers_an_edit_like_the_naive_diff(case: tuple[str, Operation]) -> None:
    doc, op = case
    new = ot.apply(doc, op)
    assert ot.apply(doc, ot.diff(doc, new)) == new
    assert ot.diff(doc, new) == naive_diff(doc, new)


@PROPERTY
@given(doc_and_op(), st.integers(0, 100))
def test_transform_index_agrees_with_transforming_a_marker(
    case: tuple[str, Operation], seed: int
) -> None:
    doc, op = case
    index = seed % (len(doc) + 1)
    marker = ot.validate([n for n in (index, "\x00", len(doc) - index) if n != 0])
    marked = ot.apply(ot.apply(doc, op), ot.transform(op, marker)[1])
    assert ot.transform_index(index, op) == marked.index("\x00")


def test_the_start_of_a_change_is_after_the_retain_that_begins_it() -> None:
    assert ot.start_of_change([4, "X", 5]) == 4
    assert ot.start_of_change([-1, 5]) == 0
    assert ot.start_of_change(["X"]) == 0
    assert ot.start_of_change([]) == 0


def test_the_end_of_a_change_is_before_the_retain_that_ends_it() -> None:
    assert ot.end_of_change([4, "X", 5], 10) == 5
    assert ot.end_of_change([3, -1, 5], 8) == 3
    assert ot.end_of_change([4, "X"], 5) == 5
    assert ot.end_of_change([], 0) == 0
