"""The timeline as a pure domain object: bounded, replayable, cheap for the collector."""

from __future__ import annotations

import gc
import tracemalloc

from sessions.interview.record import Event, Timeline


def test_timeline_events_add_nothing_for_the_garbage_collector_to_scan():
    timeline = Timeline("", "python", 0.0, limit=10_000)
    gc.collect()
    before = len(gc.get_objects())
    for revision in range(1, 1001):
        ops: list[int | str] = [revision - 1, "x"] if revision > 1 else ["x"]
        timeline.append(float(revision), "code-change", "u1", "Cara", revision=revision, ops=ops)
    for _ in range(3):  # a pass may untrack only one level of nesting: data, entry, chunk
        gc.collect()
    # As dataclasses with dicts and lists, 1,000 events were 3,000+ tracked objects.
    assert len(gc.get_objects()) - before < 100


def test_a_kept_event_costs_a_few_hundred_bytes_not_an_encoder_buffer():
    # orjson returns each result in a 4 KiB allocation: kept as bytes, 10,000 events per
    # session held 40 MiB (measured with tracemalloc, docs/benchmarks.md).
    timeline = Timeline("", "python", 0.0, limit=10_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for revision in range(1, 1001):
            ops: list[int | str] = [revision - 1, "x"] if revision > 1 else ["x"]
            timeline.append(
                float(revision), "code-change", "u-1", "Cara", revision=revision, ops=ops
            )
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept / 1000 < 300


def test_events_read_back_as_they_were_appended():
    timeline = Timeline("", "python", 0.0, limit=10)
    timeline.append(1.0, "code-change", "u1", "Cara", revision=1, ops=["hi"])
    timeline.append(2.0, "language-change", None, None, language="go")
    assert timeline.events == [
        Event(1, 1.0, "code-change", "u1", "Cara", {"revision": 1, "ops": ["hi"]}),
        Event(2, 2.0, "language-change", None, None, {"language": "go"}),
    ]
    assert (timeline.seq, len(timeline)) == (2, 2)


def test_a_restored_timeline_keeps_numbering_and_replays():
    original = Timeline("a", "python", 0.0, limit=10)
    original.append(1.0, "code-change", "u1", "Cara", revision=1, ops=[1, "b"])
    restored = Timeline("a", "python", 0.0, limit=10, events=original.events, seq=original.seq)
    restored.append(2.0, "code-change", "u1", "Cara", revision=2, ops=[2, "c"])
    assert [event.seq for event in restored.events] == [1, 2]
    assert restored.state_at(revision=2)["code"] == "abc"
    assert restored.state_at(revision=1)["code"] == "ab"


def test_append_edit_records_the_same_event_as_a_generic_code_change():
    generic = Timeline("ab", "python", 0.0, limit=10)
    special = Timeline("ab", "python", 0.0, limit=10)
    generic.append(1.0, "code-change", "u1", "Cara", revision=1, ops=[1, "x", -1])
    special.append_edit(1.0, "u1", "Cara", 1, [1, "x", -1])
    assert (
        generic.events
        == special.events
        == [Event(1, 1.0, "code-change", "u1", "Cara", {"revision": 1, "ops": [1, "x", -1]})]
    )
    assert special.state_at(revision=1)["code"] == "ax"
