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


def _interview_with_two_problems() -> Timeline:
    """Problem A's starter (revision 1), an edit (2), then problem B and its starter (3)."""
    timeline = Timeline("", "python", 0.0, limit=100)
    timeline.append(1.0, "problem-change", None, None, problem="a", previous=None)
    timeline.append(1.0, "code-change", None, None, revision=1, ops=["a"])
    timeline.append(2.0, "code-change", "u1", "Cara", revision=2, ops=[1, "!"])
    timeline.append(3.0, "problem-change", "u0", "Ida", problem="b", previous="a")
    timeline.append(3.0, "code-change", "u0", "Ida", revision=3, ops=[-2, "b"])
    return timeline


def test_the_problem_of_a_revision_is_the_one_its_code_was_written_for():
    timeline = _interview_with_two_problems()
    problems = [timeline.state_at(revision=r, problem="b")["problem"] for r in (0, 1, 2, 3)]
    assert problems == [None, "a", "a", "b"]


def test_a_moment_between_a_problem_change_and_its_starter_keeps_the_codes_problem():
    timeline = _interview_with_two_problems()
    assert timeline.state_at(at=3.0, problem="b")["problem"] == "b"
    assert timeline.state_at(at=2.5, problem="b")["problem"] == "a"


def test_without_problem_changes_the_problem_is_the_sessions_now():
    timeline = Timeline("x", "python", 0.0, limit=100)
    timeline.append(1.0, "code-change", "u1", "Cara", revision=1, ops=[1, "y"])
    assert timeline.state_at(revision=1, problem="two-sum")["problem"] == "two-sum"
    assert timeline.state_at(revision=0, problem=None)["problem"] is None


def test_before_the_first_kept_problem_change_the_problem_is_the_one_it_replaced():
    timeline = _interview_with_two_problems()
    timeline.limit = 4  # one more event folds problem a's change and starter away
    timeline.append(4.0, "chat-message", "u1", "Cara", text="hi")
    assert timeline.base_revision == 1
    assert timeline.state_at(revision=1, problem="b")["problem"] == "a"  # b's change: previous


def test_a_problem_change_recorded_without_previous_falls_back_to_the_problem_now():
    timeline = Timeline("", "python", 0.0, limit=100)
    timeline.append(1.0, "code-change", "u1", "Cara", revision=1, ops=["x"])
    timeline.append(2.0, "problem-change", "u0", "Ida", problem="b")
    assert timeline.state_at(revision=1, problem="b")["problem"] == "b"
