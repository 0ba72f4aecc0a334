"""Text operations in ot.js's JSON form: pure functions over plain lists, no state, no I/O.

The data model
--------------
An operation is a list that an imaginary cursor walks over a document from start to end:

* a positive int ``n`` *retains*: the cursor skips ``n`` characters, keeping them;
* a non-empty ``str`` *inserts* it at the cursor;
* a negative int ``-n`` *deletes* the next ``n`` characters.

Characters are Unicode code points, that is Python ``str`` indices ("😀" is one character,
"👩‍💻" is three, "e\\u0301" is two). A JavaScript client counting UTF-16 units must convert.

An operation spans its whole document: its *base length* (retained plus deleted characters) is
the length of every document it applies to, its *target length* (retained plus inserted
characters) the length of every result. ``[]`` is the no-op on the empty document, ``[n]`` the
no-op on a document of length ``n``.

Normal form: every operation this module returns has no zero or empty item, no two adjacent items
of the same kind, and no insert directly after a delete (delete-then-insert is written
insert-then-delete, as ot.js does), so operations that differ only in how their items are split
or ordered compare equal. A trailing retain is kept: the operation still spans the document.

The invariants, for every document ``S`` and operations ``A``, ``B`` that fit it (checked for
random documents and operations by ``tests/test_ot.py``)::

    apply(apply(S, A), B) == apply(S, compose(A, B))
    apply(apply(S, A), B') == apply(apply(S, B), A')    where (A', B') = transform(A, B)
    apply(apply(S, A), invert(A, S)) == S
    apply(S, diff(S, T)) == T

Every malformed operation raises :class:`~sessions.errors.InvalidOperation`.
"""

from __future__ import annotations

import re
from typing import Final

from sessions.errors import InvalidOperation

Operation = list[int | str]
"""Retain ``n > 0``, insert ``str``, delete ``-n``; see the module docstring."""

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_EXPECTED: Final = "expected a nonzero integer or a non-empty string"


class _Builder:
    """Accumulates items into normal form in O(total size): runs are joined once, at the end.

    Between two retains, inserts and deletes pile up separately and come out as one insert
    followed by one delete, whatever order they arrived in.
    """

    __slots__ = ("_deleted", "_inserted", "_ops", "_retained")

    def __init__(self) -> None:
        self._ops: Operation = []
        self._retained = 0
        self._inserted: list[str] = []
        self._deleted = 0

    def retain(self, n: int) -> None:
        if n:
            if self._inserted or self._deleted:
                self._flush()
            self._retained += n

    def insert(self, text: str) -> None:
        if text:
            if self._retained:
                self._flush()
            self._inserted.append(text)

    def delete(self, n: int) -> None:
        if n:
            if self._retained:
                self._flush()
            self._deleted += n

    def result(self) -> Operation:
        self._flush()
        return self._ops

    def _flush(self) -> None:
        if self._retained:
            self._ops.append(self._retained)
        if self._inserted:
            self._ops.append("".join(self._inserted))
        if self._deleted:
            self._ops.append(-self._deleted)
        self._retained, self._inserted, self._deleted = 0, [], 0


class _Reader:
    """Walks an operation's items, handing out pieces of them without copying the rest.

    ``take(n)`` returns the next ``n`` characters' worth of the current item: ``n`` for a
    retain, ``-n`` for a delete, a slice for an insert. Slicing from an offset keeps compose
    and transform linear even when a long insert is cut into many pieces.
    """

    __slots__ = ("_index", "_offset", "_ops")

    def __init__(self, ops: Operation) -> None:
        self._ops = ops
        self._index = 0
        self._offset = 0

    @property
    def done(self) -> bool:
        return self._index >= len(self._ops)

    def at_insert(self) -> bool:
        return not self.done and isinstance(self._ops[self._index], str)

    def at_delete(self) -> bool:
        if self.done:
            return False
        item = self._ops[self._index]
        return isinstance(item, int) and item < 0

    def remaining(self) -> int:
        item = self._ops[self._index]
        size = len(item) if isinstance(item, str) else abs(item)
        return size - self._offset

    def take(self, n: int) -> int | str:
        item = self._ops[self._index]
        start = self._offset
        if start + n >= (len(item) if isinstance(item, str) else abs(item)):
            self._index += 1
            self._offset = 0
        else:
            self._offset += n
        if isinstance(item, str):
            return item[start : start + n]
        return n if item > 0 else -n

    def take_rest(self) -> int | str:
        return self.take(self.remaining())


def validate(op: object) -> Operation:
    """Check a decoded JSON value is an operation and return it in normal form.

    Items must be nonzero ints (``bool`` is refused although Python counts it as an int) or
    non-empty strings without lone surrogates (U+D800..U+DFFF cannot be encoded as UTF-8).
    The message names the offending item by index. An operation already in normal form (what
    a well-behaved client sends) is returned as it is, without being rebuilt.
    """
    if not isinstance(op, list):
        raise InvalidOperation(f"an operation must be an array, got {_json_type(op)}")
    normal = True
    previous = 0  # the kind of the item before: 1 retain, 2 insert, 3 delete
    for index, item in enumerate(op):
        if isinstance(item, str):
            if not item:
                raise InvalidOperation(f"item {index} is an empty string; {_EXPECTED}")
            _check_encodable(item, index)
            kind = 2
        elif isinstance(item, bool) or not isinstance(item, int):
            raise InvalidOperation(f"item {index} is {_json_type(item)}; {_EXPECTED}")
        elif item > 0:
            kind = 1
        elif item < 0:
            kind = 3
        else:
            raise InvalidOperation(f"item {index} is 0; {_EXPECTED}")
        if kind == previous or (kind == 2 and previous == 3):
            normal = False
        previous = kind
    return op if normal else _normalize(op)


def _normalize(op: Operation) -> Operation:
    out = _Builder()
    for item in op:
        if isinstance(item, str):
            out.insert(item)
        elif item > 0:
            out.retain(item)
        else:
            out.delete(-item)
    return out.result()


def base_length(op: Operation) -> int:
    """The length of every document ``op`` applies to: retained plus deleted characters."""
    return sum(abs(item) for item in op if isinstance(item, int))


def target_length(op: Operation) -> int:
    """The length of every document ``op`` produces: retained plus inserted characters."""
    return sum(len(item) if isinstance(item, str) else max(item, 0) for item in op)


def is_noop(op: Operation) -> bool:
    """Whether applying ``op`` leaves every document unchanged (``op`` in normal form)."""
    return not op or (len(op) == 1 and isinstance(op[0], int) and op[0] > 0)


def apply(doc: str, op: Operation) -> str:
    """Return ``doc`` changed by ``op``; ``op``'s base length must be ``len(doc)``.

    Linear in ``len(doc)`` plus the inserted text: slices are joined once.
    """
    _require_length(op, len(doc), "the document")
    parts: list[str] = []
    position = 0
    for item in op:
        if isinstance(item, str):
            parts.append(item)
        elif item > 0:
            parts.append(doc[position : position + item])
            position += item
        else:
            position -= item
    return "".join(parts)


def invert(op: Operation, doc: str) -> Operation:
    """Return the operation that undoes ``op``: ``apply(apply(doc, op), invert(op, doc)) == doc``.

    ``doc`` is the text ``op`` was applied to: the inverse re-inserts what ``op`` deleted.
    """
    _require_length(op, len(doc), "the document")
    out = _Builder()
    position = 0
    for item in op:
        if isinstance(item, str):
            out.delete(len(item))
        elif item > 0:
            out.retain(item)
            position += item
        else:
            out.insert(doc[position : position - item])
            position -= item
    return out.result()


def apply_and_invert(doc: str, op: Operation) -> tuple[str, Operation]:
    """``(apply(doc, op), invert(op, doc))`` in one walk over ``op``: what committing an
    operation needs, the new text and the operation that undoes it.
    """
    _require_length(op, len(doc), "the document")
    parts: list[str] = []
    out = _Builder()
    position = 0
    for item in op:
        if isinstance(item, str):
            parts.append(item)
            out.delete(len(item))
        elif item > 0:
            parts.append(doc[position : position + item])
            out.retain(item)
            position += item
        else:
            out.insert(doc[position : position - item])
            position -= item
    return "".join(parts), out.result()


def compose(a: Operation, b: Operation) -> Operation:
    """Merge consecutive ``a`` then ``b`` into one: ``apply(S, compose(a, b))``
    equals ``apply(apply(S, a), b)``. ``b`` must apply to ``a``'s result.
    """
    if target_length(a) != base_length(b):
        raise InvalidOperation(
            f"cannot compose: the first operation produces {target_length(a)} characters "
            f"but the second applies to {base_length(b)}"
        )
    first, second, out = _Reader(a), _Reader(b), _Builder()
    while True:
        if first.at_delete():
            out.delete(-int(first.take_rest()))
        elif second.at_insert():
            out.insert(str(second.take_rest()))
        elif first.done or second.done:
            return out.result()
        else:
            n = min(first.remaining(), second.remaining())
            _compose_piece(out, first.take(n), second.take(n))


def _compose_piece(out: _Builder, x: int | str, y: int | str) -> None:
    """One aligned piece: ``x`` retains or inserts (from ``a``), ``y`` retains or deletes."""
    if isinstance(y, int) and y > 0:
        if isinstance(x, str):
            out.insert(x)
        else:
            out.retain(x)
    elif isinstance(x, int):  # b deletes what a retained; what a inserted just vanishes
        out.delete(-int(y))


def transform(a: Operation, b: Operation) -> tuple[Operation, Operation]:
    """For concurrent ``a`` and ``b`` on one document return ``(a', b')`` such that
    ``apply(apply(S, a), b') == apply(apply(S, b), a')``.

    ``a'`` is ``a`` rebased onto ``b`` and ``b'`` is ``b`` rebased onto ``a``. When both insert
    at the same position, ``a``'s text comes first (the ot.js tie-break).
    """
    if base_length(a) != base_length(b):
        raise InvalidOperation(
            f"cannot transform: the operations apply to {base_length(a)} and "
            f"{base_length(b)} characters"
        )
    left, right = _Reader(a), _Reader(b)
    a_prime, b_prime = _Builder(), _Builder()
    while True:
        if left.at_insert():
            text = str(left.take_rest())
            a_prime.insert(text)
            b_prime.retain(len(text))
        elif right.at_insert():
            text = str(right.take_rest())
            a_prime.retain(len(text))
            b_prime.insert(text)
        elif left.done or right.done:
            return a_prime.result(), b_prime.result()
        else:
            n = min(left.remaining(), right.remaining())
            x, y = int(left.take(n)), int(right.take(n))
            if x > 0 and y > 0:
                a_prime.retain(n)
                b_prime.retain(n)
            elif x < 0 < y:
                a_prime.delete(n)
            elif y < 0 < x:
                b_prime.delete(n)
            # both delete the same characters: neither has anything left to do


def diff(old: str, new: str) -> Operation:
    """The operation turning ``old`` into ``new`` by replacing what lies between their common
    prefix and common suffix: ``[prefix, inserted, -deleted, suffix]`` minus the empty parts.

    Comparisons run on slices in C; the total work is linear in the shorter text.
    """
    return diff_and_inverse(old, new)[0]


def diff_and_inverse(old: str, new: str, near: int | None = None) -> tuple[Operation, Operation]:
    """``(diff(old, new), invert(diff(old, new), old))`` from one comparison of the texts:
    the inverse retains the same prefix and suffix and puts back what the diff deleted.

    ``near``: where the change probably starts (where the last one ended: a typist's next
    keystroke lands beside the previous one). A hint only: the answer is the same for any
    value; a right one takes two comparisons instead of two binary searches, a wrong one
    costs a few characters' look more (docs/benchmarks.md).
    """
    if old == new:
        return ([len(old)], [len(old)]) if old else ([], [])
    shorter = min(len(old), len(new))
    if near is None:
        prefix = _common_prefix(old, new, 0, shorter)
        suffix = _common_suffix(old, new, 0, shorter - prefix)
    else:
        prefix = _prefix_near(old, new, near, shorter)
        # A keystroke at ``near`` leaves the text after it as it was: the likely suffix.
        suffix = _suffix_near(old, new, len(old) - near, shorter - prefix)
    inserted = new[prefix : len(new) - suffix]
    deleted = old[prefix : len(old) - suffix]
    return (
        _replacement(prefix, inserted, len(deleted), suffix),
        _replacement(prefix, deleted, len(inserted), suffix),
    )


def start_of_change(op: Operation) -> int:
    """Where ``op``'s change starts: the retain it begins with, if any."""
    first = op[0] if op else 0
    return first if type(first) is int and first > 0 else 0


def end_of_change(op: Operation, length: int) -> int:
    """Where ``op``'s change ends in its result of ``length`` characters (before the retain
    that ends it): the ``near`` hint for diffing the next full text against that result."""
    last = op[-1] if op else 0
    return length - last if type(last) is int and last > 0 else length


def _replacement(prefix: int, inserted: str, deleted: int, suffix: int) -> Operation:
    """``[prefix, inserted, -deleted, suffix]`` in normal form: empty parts left out. The
    texts differ, so ``inserted`` or ``deleted`` is non-empty and the retains never touch."""
    op: Operation = [prefix] if prefix else []
    if inserted:
        op.append(inserted)
    if deleted:
        op.append(-deleted)
    if suffix:
        op.append(suffix)
    return op


def _prefix_near(a: str, b: str, near: int, limit: int) -> int:
    """:func:`_common_prefix` of ``a`` and ``b`` (at most ``limit``) when it is probably
    ``near`` (a keystroke) or ``near - 1`` (a backspace): a character and one comparison
    confirm either; a miss costs two characters and the binary search."""
    if 0 < near <= limit:
        if (near == limit or a[near] != b[near]) and a.startswith(b[:near]):
            return near
        if a[near - 1] != b[near - 1] and a.startswith(b[: near - 1]):
            return near - 1
    return _common_prefix(a, b, 0, limit)


def _suffix_near(a: str, b: str, near: int, limit: int) -> int:
    """:func:`_common_suffix` of ``a`` and ``b`` (at most ``limit``) when it is probably
    ``near`` or ``near - 1``, as :func:`_prefix_near`."""
    if 0 < near <= limit:
        end_b = len(b)
        if (near == limit or a[-near - 1] != b[-near - 1]) and a.endswith(b[end_b - near :]):
            return near
        if a[-near] != b[-near] and a.endswith(b[end_b - near + 1 :]):
            return near - 1
    return _common_suffix(a, b, 0, limit)


def _common_prefix(a: str, b: str, low: int, high: int) -> int:
    """Length of the longest common prefix, known to be at least ``low`` and at most
    ``high``: a binary search whose probes halve in size."""
    while low < high:  # a[:low] == b[:low]; the answer is at most high
        middle = (low + high + 1) // 2
        if a.startswith(b[low:middle], low):
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, low: int, high: int) -> int:
    """Length of the longest common suffix, known to be at least ``low`` and at most
    ``high``."""
    end_a, end_b = len(a), len(b)
    while low < high:
        middle = (low + high + 1) // 2
        if a.endswith(b[end_b - middle : end_b - low], 0, end_a - low):
            low = middle
        else:
            high = middle - 1
    return low


def transform_index(index: int, op: Operation) -> int:
    """Where position ``index`` of ``op``'s base document ends up once ``op`` is applied.

    Text inserted before the index pushes it right, text deleted before it pulls it left, and
    an index inside a deleted range lands where the range began. Text inserted exactly at the
    index pushes it right too: that is ot.js's rule for other users' cursors, and where an
    editor leaves its own caret after typing, so one rule serves whoever made the edit.
    A cursor is a hint: an index outside the document is first clamped into ``0..len``.
    """
    index = min(max(index, 0), base_length(op))
    position, moved = 0, index
    for item in op:
        if position > index:
            break
        if isinstance(item, str):
            moved += len(item)
        elif item > 0:
            position += item
        else:
            moved -= min(-item, index - position)
            position -= item
    return moved


def _require_length(op: Operation, length: int, what: str) -> None:
    if base_length(op) != length:
        raise InvalidOperation(
            f"the operation applies to {base_length(op)} characters but {what} has {length}"
        )


def _check_encodable(text: str, index: int) -> None:
    if not text.isascii() and (match := _LONE_SURROGATE.search(text)):
        raise InvalidOperation(
            f"item {index} contains a lone surrogate U+{ord(match.group()):04X} "
            f"at offset {match.start()}; text must be valid Unicode"
        )


def _json_type(value: object) -> str:
    """Name a decoded JSON value's type the way a client author would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a floating-point number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"
