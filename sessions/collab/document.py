"""One shared text and its history: the single authority every edit goes through (ot.js server).

The document holds the head text, its revision (the number of operations applied since
revision 0, or since the revision it was created at) and a bounded log of the latest
operations. A client's operation names the revision it was made against, its *base revision*;
the document transforms it against every logged operation after that base and applies the
result at the head, producing the next revision. The caller sends: the author gets
``Applied.revision`` as an acknowledgement, everyone else gets ``Applied.ops`` at that revision.

Invariants:

* ``self.text`` is revision 0's text changed by every operation ever applied, in order;
* the log holds the operations that produced revisions ``oldest_reachable_revision() + 1`` up
  to ``revision``, each with its inverse, so ``text_at`` can walk back to any of them;
* an ``op_id`` is remembered exactly as long as its log entry, so a resent operation is
  recognised as a duplicate and never applied twice while its entry can still be found;
* a call that raises changes nothing.

Everything is synchronous and in memory; the web layer calls in and sends what comes out.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from sessions.collab import ot
from sessions.collab.chunked import EMPTY, ChunkedLog, growable
from sessions.collab.ot import Operation
from sessions.errors import (
    InvalidMessage,
    InvalidOperation,
    InvalidRevision,
    PayloadTooLarge,
    RevisionTooOld,
)

FrozenOp = tuple[int | str, ...]
"""An operation kept in the log: a tuple of ints and strings is one object the garbage
collector stops tracking, where a list (and a dataclass holding it) is scanned on every full
collection. A thousand ops per session times many sessions made those scans 100+ ms pauses."""


_Entry = tuple[int, FrozenOp, str | None, str | None, FrozenOp]
"""How the log stores a :class:`LoggedOp`: an exact tuple, which the collector can untrack
(a NamedTuple instance never is)."""
_REVISION: Final = 0
_OPS: Final = 1
_OP_ID: Final = 3
_INVERSE: Final = 4


class LoggedOp(NamedTuple):
    """An operation as the document applied it: ``apply(text_at(revision - 1), ops)`` is
    ``text_at(revision)`` and ``apply(text_at(revision), inverse)`` is ``text_at(revision - 1)``.
    """

    revision: int
    ops: FrozenOp
    user_id: str | None
    op_id: str | None
    inverse: FrozenOp


class Applied(NamedTuple):
    """The outcome of a submission: the revision it produced and the operation as applied at
    the head (what to broadcast). For a duplicate, the original revision and logged operation,
    and nothing changed this time. (A NamedTuple: one is made per edit, and it is the cheapest
    immutable record to make.)
    """

    revision: int
    ops: Operation
    duplicate: bool


class Document:
    """The authoritative text of one session, its revision and a log of recent operations."""

    __slots__ = (
        "_caret",
        "_caret_holds",
        "_log",
        "_log_size",
        "_max_bytes",
        "_op_ids",
        "_revision",
        "_text",
    )

    def __init__(
        self,
        text: str = "",
        revision: int = 0,
        *,
        log_size: int = 1000,
        max_bytes: int | None = None,
    ) -> None:
        if revision < 0:
            raise ValueError(f"revision must be >= 0, got {revision}")
        if log_size < 1:
            raise ValueError(f"log_size must be >= 1, got {log_size}")
        self._text = text
        self._revision = revision
        self._log: ChunkedLog[_Entry] = EMPTY  # made on the first edit
        self._log_size = log_size
        self._op_ids: dict[str, int] = {}
        self._max_bytes = max_bytes
        # Where the last full-text change ended: the next one is probably there (a hint to
        # the diff, never part of the document's state), unless the changes jump about: then
        # the hint is not tried until one lands beside the last again.
        self._caret = 0
        self._caret_holds = True

    @property
    def text(self) -> str:
        """The text at the head revision."""
        return self._text

    @property
    def revision(self) -> int:
        """The head revision: how many operations produced ``text``."""
        return self._revision

    def oldest_reachable_revision(self) -> int:
        """The smallest base revision still accepted: the log reaches back to it."""
        return self._revision - len(self._log)

    def submit_ops(
        self,
        ops: object,
        base_revision: int,
        *,
        user_id: str | None = None,
        op_id: str | None = None,
    ) -> Applied:
        """Apply an operation made against ``base_revision``, rebased onto the head.

        ``ops`` is the decoded JSON operation; its base length must be the length of the text
        at ``base_revision``. A known ``op_id`` returns the original outcome, marked duplicate.
        Raises InvalidOperation, InvalidRevision, RevisionTooOld (``extra["revision"]`` is the
        head) or PayloadTooLarge (``field="code"``), changing nothing.
        """
        op = ot.validate(ops)
        _require_revision_type(base_revision)
        if op_id is not None and op_id in self._op_ids:
            return self._original(op_id)
        self._check_reachable(base_revision)
        expected = self._length_at(base_revision)
        if ot.base_length(op) != expected:
            raise InvalidOperation(
                f"the operation applies to {ot.base_length(op)} characters but the document "
                f"had {expected} at revision {base_revision}"
            )
        for entry in self._entries_after(base_revision):
            op = ot.transform(op, list(entry[_OPS]))[0]
        new_text, inverse = ot.apply_and_invert(self._text, op)
        self._check_size(new_text)
        return self._commit(op, inverse, new_text, user_id, op_id)

    def submit_text(
        self,
        text: str,
        base_revision: int | None = None,
        *,
        user_id: str | None = None,
        op_id: str | None = None,
    ) -> Applied:
        """Replace the text as a client saw it at ``base_revision`` (``None``: the head) by
        ``text``. The change is diffed against that revision's text and submitted like
        ``submit_ops``, so concurrent edits elsewhere in the text are kept. Same errors.
        """
        if not isinstance(text, str):
            raise InvalidMessage(f"the code must be a string, got {type(text).__name__}")
        # The checks below are written out, each falling back to the precise one, because this
        # is every keystroke's path (docs/benchmarks.md, "The fourth pass").
        limit = self._max_bytes
        if limit is not None and len(text) * 4 > limit:
            self._check_size(text)
        head = self._revision
        if base_revision is None:
            base_revision = head
        elif type(base_revision) is not int:
            _require_revision_type(base_revision)
        if op_id is not None and op_id in self._op_ids:
            return self._original(op_id)
        if base_revision == head:  # nothing to rebase over: commit the diff as is
            caret = self._caret
            op, inverse = ot.diff_and_inverse(
                self._text, text, caret if self._caret_holds else None
            )
            self._caret_holds = abs(ot.start_of_change(op) - caret) <= 1
            self._caret = ot.end_of_change(op, len(text))
            if not text.isascii():  # O(1); otherwise refuse a lone surrogate in the insert
                op = ot.validate(op)
            return self._commit(op, inverse, text, user_id, op_id)
        op = ot.diff(self.text_at(base_revision), text)
        return self.submit_ops(op, base_revision, user_id=user_id, op_id=op_id)

    def ops_since(self, revision: int) -> list[LoggedOp]:
        """The logged operations that produced the revisions after ``revision``, oldest first.

        Raises InvalidRevision for a revision ahead of the head or negative, RevisionTooOld
        for one older than the log reaches.
        """
        _require_revision_type(revision)
        self._check_reachable(revision)
        return [LoggedOp._make(entry) for entry in self._entries_after(revision)]

    def text_at(self, revision: int) -> str:
        """The text at ``revision``, rebuilt by applying logged inverses backwards from the head.

        Costs one pass over the text per operation walked back. Same errors as ``ops_since``.
        """
        _require_revision_type(revision)
        self._check_reachable(revision)
        text = self._text
        for entry in reversed(self._log):
            if entry[_REVISION] <= revision:
                break
            text = ot.apply(text, list(entry[_INVERSE]))
        return text

    def transform_index(self, index: int, since_revision: int) -> int:
        """Move a position in the text at ``since_revision`` (a cursor a client reported) to
        where it is in the head text; an index outside that text is clamped into it first.
        Same errors as ``ops_since``.
        """
        logged_ops = self.ops_since(since_revision)
        index = min(max(index, 0), self._length_at(since_revision))
        for logged in logged_ops:
            index = ot.transform_index(index, list(logged.ops))
        return index

    def _original(self, op_id: str) -> Applied:
        """The original outcome of a known ``op_id`` (its log entry is kept), as a duplicate."""
        entry = self._log[self._op_ids[op_id] - self.oldest_reachable_revision() - 1]
        return Applied(revision=entry[_REVISION], ops=list(entry[_OPS]), duplicate=True)

    def _check_reachable(self, revision: int) -> None:
        if revision > self._revision:
            raise InvalidRevision(
                f"revision {revision} is ahead of the document's revision {self._revision}"
            )
        if revision < 0:
            raise InvalidRevision(f"revision {revision} is negative")
        if revision < self.oldest_reachable_revision():
            raise RevisionTooOld(
                f"revision {revision} is older than the history kept "
                f"(from revision {self.oldest_reachable_revision()}); resync at revision "
                f"{self._revision}",
                revision=self._revision,
            )

    def _length_at(self, revision: int) -> int:
        """The text's length at a reachable revision, read off the log without rebuilding it."""
        if revision == self._revision:
            return len(self._text)
        return ot.base_length(list(self._log[revision - self.oldest_reachable_revision()][_OPS]))

    def _check_size(self, text: str) -> None:
        limit = self._max_bytes
        if limit is None or len(text) * 4 <= limit:  # UTF-8 takes at most 4 bytes a character
            return
        # Exact, for the message too; isascii() is a flag lookup, so ASCII code costs nothing.
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            raise PayloadTooLarge(
                f"code would be {size} bytes, over the limit of {limit} bytes", field="code"
            )

    def _entries_after(self, revision: int) -> list[_Entry]:
        """The log entries of the revisions after a reachable ``revision``, oldest first.

        Indexed from the right: the usual base is at or near the head, and iterating the
        log from its left end would walk all of it to skip to the base.
        """
        log = self._log
        return [log[index] for index in range(revision - self._revision, 0)]

    def _commit(
        self,
        op: Operation,
        inverse: Operation,
        new_text: str,
        user_id: str | None,
        op_id: str | None,
    ) -> Applied:
        """Make ``new_text`` (the head text changed by ``op``) the head; nothing before this
        changed anything, so a call that raised earlier left the document as it was.
        """
        revision = self._revision = self._revision + 1
        self._text = new_text
        log = self._log
        if log is EMPTY:
            log = self._log = growable(log, self._log_size)
        evicted = log.append((revision, tuple(op), user_id, op_id, tuple(inverse)))
        op_ids = self._op_ids
        if op_id is not None:
            op_ids[op_id] = revision
        if evicted is not None:
            evicted_op_id = evicted[_OP_ID]
            if evicted_op_id is not None and op_ids.get(evicted_op_id) == evicted[_REVISION]:
                del op_ids[evicted_op_id]
        return Applied(revision, op, False)


def _require_revision_type(revision: object) -> None:
    if isinstance(revision, bool) or not isinstance(revision, int):
        raise InvalidRevision(f"a revision must be an integer, got {type(revision).__name__}")
