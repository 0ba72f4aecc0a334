"""A long, append-only history the garbage collector doesn't have to walk item by item.

A ``deque`` of a million entries is one tracked container, and every full collection visits
each of its items, even when the items themselves are untracked tuples: an op log and a
timeline per session made full collections of 20-30 ms with a few hundred sessions
(docs/benchmarks.md). :class:`ChunkedLog` keeps the newest items in a short list and seals
every ``CHUNK`` of them into a tuple. A tuple whose items are all untracked is itself
untracked by the collector's next pass, so a full collection visits one reference per chunk
instead of one per item.

Items should be untracked themselves (tuples of numbers, strings, bytes and such tuples) for
this to pay; any object works correctly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any, Generic, TypeVar

T = TypeVar("T")

CHUNK = 256


class ChunkedLog(Generic[T]):
    """A sequence appended on the right and trimmed on the left, like a ``deque``.

    Items live in ``chunks`` (sealed tuples of exactly ``CHUNK`` items) followed by ``tail``
    (a list of fewer than ``CHUNK``); the first ``head`` stored items have been removed.
    With ``maxlen``, an append that would exceed it removes and returns the oldest item.
    Both lists are made on first use: an empty log is one object for the collector, not three
    (idle sessions, ``tests/test_store.py``).
    """

    __slots__ = ("_chunks", "_head", "_size", "_tail", "maxlen")

    def __init__(self, items: Iterable[T] = (), maxlen: int | None = None) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be >= 1, got {maxlen}")
        self.maxlen = maxlen
        self._chunks: list[tuple[T, ...]] | tuple[()] = ()
        self._tail: list[T] | tuple[()] = ()
        self._head = 0
        kept = list(items)
        if maxlen is not None and len(kept) > maxlen:
            kept = kept[-maxlen:]  # what appending them one by one would leave
        sealed = len(kept) - len(kept) % CHUNK
        if sealed:  # built whole: a restored history of a million items is one pass
            self._chunks = [tuple(kept[i : i + CHUNK]) for i in range(0, sealed, CHUNK)]
        if len(kept) > sealed:
            self._tail = kept[sealed:]
        self._size = len(kept)

    def __len__(self) -> int:
        return self._size

    def append(self, item: T) -> T | None:
        """Add ``item`` as the newest; return the item evicted to stay within ``maxlen``."""
        tail = self._tail
        if isinstance(tail, list):
            tail.append(item)
        else:
            tail = self._tail = [item]
        if len(tail) == CHUNK:
            if isinstance(self._chunks, list):
                self._chunks.append(tuple(tail))
            else:
                self._chunks = [tuple(tail)]
            self._tail = ()
        self._size += 1
        if self.maxlen is not None and self._size > self.maxlen:
            return self.popleft()
        return None

    def popleft(self) -> T:
        """Remove and return the oldest item."""
        if not self._size:
            raise IndexError("pop from an empty ChunkedLog")
        first = self._chunks[0] if self._chunks else self._tail
        item = first[self._head]
        self._head += 1
        self._size -= 1
        if isinstance(self._chunks, list) and self._head == CHUNK:
            del self._chunks[0]
            self._head = 0
            if not self._chunks:
                self._chunks = ()
        elif not self._chunks and self._head == len(self._tail):
            self._tail = ()
            self._head = 0
        return item

    def __getitem__(self, index: int) -> T:
        size = self._size
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("ChunkedLog index out of range")
        position = index + self._head
        sealed = len(self._chunks) * CHUNK
        if position >= sealed:
            return self._tail[position - sealed]
        return self._chunks[position // CHUNK][position % CHUNK]

    def __iter__(self) -> Iterator[T]:
        return islice(chain(chain.from_iterable(self._chunks), self._tail), self._head, None)

    def frozen(self) -> FrozenLog[T]:
        """An unchanging view of the items as they are now, made without walking them.

        It holds the sealed chunks (tuples already) and a copy of the short tail: at most
        ``len(self) // CHUNK + CHUNK`` references are copied, whatever the length, so a save
        can take one of a long history between two turns of the event loop.
        """
        return FrozenLog(tuple(self._chunks), tuple(self._tail), self._head, self._size)

    def __reversed__(self) -> Iterator[T]:
        stored = chain(reversed(self._tail), *(reversed(chunk) for chunk in reversed(self._chunks)))
        return islice(stored, self._size)


class FrozenLog(Generic[T]):
    """What :meth:`ChunkedLog.frozen` hands back for a long log: sliceable, never changing."""

    __slots__ = ("_chunks", "_head", "_size", "_tail")

    def __init__(
        self, chunks: tuple[tuple[T, ...], ...], tail: tuple[T, ...], head: int, size: int
    ) -> None:
        self._chunks = chunks
        self._tail = tail
        self._head = head
        self._size = size

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[T]:
        return islice(chain(chain.from_iterable(self._chunks), self._tail), self._head, None)

    def slice(self, start: int, stop: int) -> list[T]:
        """Items ``start`` up to ``stop``, walking only those (plus the chunk they start in)."""
        stop = min(stop, self._size)
        if start >= stop:
            return []
        position = start + self._head
        first, offset = divmod(position, CHUNK)
        stored = chain(chain.from_iterable(self._chunks[first:]), self._tail)
        return list(islice(stored, offset, offset + stop - start))


class _EmptyLog(ChunkedLog[Any]):
    """The log of an owner that has appended nothing yet, shared by all of them: an idle
    session's document and timeline then cost the collector no object each. Appending to it
    is a bug: the owner makes its own :class:`ChunkedLog` first (see :func:`growable`)."""

    __slots__ = ()

    def append(self, item: Any) -> Any:
        raise TypeError("EMPTY is shared and stays empty: append to growable(log, maxlen)")


EMPTY: ChunkedLog[Any] = _EmptyLog()


def growable(log: ChunkedLog[T], maxlen: int | None = None) -> ChunkedLog[T]:
    """``log`` itself, or a new log to append to in place of :data:`EMPTY`."""
    return ChunkedLog(maxlen=maxlen) if log is EMPTY else log
