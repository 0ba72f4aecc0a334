"""ChunkedLog behaves as a deque does, and costs a full collection one visit per chunk."""

from __future__ import annotations

import gc
from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions.collab.chunked import CHUNK, EMPTY, ChunkedLog, growable

# append n | popleft | read index i
Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 3 * CHUNK)),
        st.tuples(st.just("popleft"), st.integers(1, 3 * CHUNK)),
        st.tuples(st.just("index"), st.integers(-4 * CHUNK, 4 * CHUNK)),
    ),
    max_size=30,
)


def run(steps_: list[Step], maxlen: int | None) -> None:
    model: deque[int] = deque(maxlen=maxlen)
    log: ChunkedLog[int] = ChunkedLog(maxlen=maxlen)
    counter = 0
    for kind, n in steps_:
        if kind == "append":
            for _ in range(n):
                counter += 1
                expected = model[0] if maxlen is not None and len(model) == maxlen else None
                model.append(counter)
                assert log.append(counter) == expected
        elif kind == "popleft":
            for _ in range(min(n, len(model))):
                assert log.popleft() == model.popleft()
        elif -len(model) <= n < len(model):
            assert log[n] == model[n]
        else:
            with pytest.raises(IndexError):
                log[n]
        assert len(log) == len(model)
        assert list(log) == list(model)
        assert list(reversed(log)) == list(reversed(model))


@given(steps)
def test_chunked_log_matches_a_deque(steps_: list[Step]) -> None:
    run(steps_, None)


@given(steps, st.integers(1, 2 * CHUNK + 5))
def test_chunked_log_with_maxlen_matches_a_bounded_deque(steps_: list[Step], maxlen: int) -> None:
    run(steps_, maxlen)


def test_popleft_from_an_empty_log_raises_index_error() -> None:
    log: ChunkedLog[int] = ChunkedLog([1])
    assert log.popleft() == 1
    with pytest.raises(IndexError, match="pop from an empty ChunkedLog"):
        log.popleft()


def test_maxlen_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="maxlen must be >= 1, got 0"):
        ChunkedLog(maxlen=0)


def collector_visits(root: object) -> int:
    """References a full collection follows inside ``root``: those of every tracked object
    reachable from it (an untracked object is not visited further; classes are shared)."""
    seen: set[int] = set()
    stack, visits = [root], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or not gc.is_tracked(obj) or isinstance(obj, type):
            continue
        seen.add(id(obj))
        referents = gc.get_referents(obj)
        visits += len(referents)
        stack.extend(referents)
    return visits


def test_a_long_log_costs_a_full_collection_one_visit_per_chunk() -> None:
    # A deque of 10,000 entries is one tracked object with 10,000 references to visit on
    # every full collection; sealed chunks of untracked tuples are untracked themselves.
    entries = [(i, "x", (i, "y")) for i in range(10_000)]
    as_deque = deque(entries, maxlen=9_000)
    log: ChunkedLog[tuple[int, str, tuple[int, str]]] = ChunkedLog(entries, maxlen=9_000)
    del entries
    for _ in range(3):  # a pass may untrack only one level of nesting: entry, its tuples, chunk
        gc.collect()
    assert collector_visits(as_deque) == 9_000
    assert len(log) == 9_000
    assert collector_visits(log) <= 9_000 // CHUNK + 1 + CHUNK


def test_the_shared_empty_log_refuses_appends_and_growable_replaces_it():
    with pytest.raises(TypeError, match="EMPTY is shared"):
        EMPTY.append(1)
    assert (len(EMPTY), list(EMPTY)) == (0, [])
    log: ChunkedLog[int] = growable(EMPTY, maxlen=2)
    assert log is not EMPTY
    log.append(1)
    assert growable(log, maxlen=2) is log
    assert (log.maxlen, list(log), len(EMPTY)) == (2, [1], 0)
