"""The sans-I/O half of persistence: frames, journal records and their replay, and session
images taken without walking history and encoded in bounded slices."""

from __future__ import annotations

import dataclasses
import random
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessions.clock import FakeClock
from sessions.collab.chunked import CHUNK, ChunkedLog
from sessions.collab.elements import BoardLimits
from sessions.config import Config
from sessions.errors import BoardVersionRegression
from sessions.interview.problems import load_bank
from sessions.persistence import image
from sessions.persistence.framing import HEADER, MAX_FRAME, CorruptJournal, frame, read_frames
from sessions.persistence.records import Numbering, Replay, ReplayError, record_of
from sessions.persistence.restore import restore
from sessions.persistence.snapshot import session_from_json, session_to_json
from sessions.protocol.messages import (
    SIGNAL_KINDS,
    BoardChange,
    ChatMessage,
    CodeChange,
    Cursor,
    CursorRange,
    JoinSession,
    Note,
    Role,
    Signal,
)
from sessions.room import board, editing, interview, presence, signals
from sessions.room.outcome import Change, Outcome
from sessions.room.session import Member, Session
from sessions.room.store import SessionStore
from sessions.room.stored import FormatError

PAYLOADS = [b'{"a":1}', b'{"b":"' + b"x" * 300 + b'"}', b"{}"]


def journal_bytes() -> bytes:
    return b"".join(frame(payload) for payload in PAYLOADS)


def test_frames_read_back_with_their_offsets():
    frames = read_frames(journal_bytes())
    offsets = [0, HEADER.size + 7, 2 * HEADER.size + 7 + 308]
    assert frames.payloads == list(zip(offsets, PAYLOADS, strict=True))
    assert (frames.end, frames.torn) == (len(journal_bytes()), None)


def test_a_last_frame_cut_anywhere_is_a_torn_tail_and_the_rest_is_kept():
    data = journal_bytes()
    last = len(data) - len(frame(PAYLOADS[-1]))
    for cut in range(last + 1, len(data)):
        frames = read_frames(data[:cut])
        assert [payload for _, payload in frames.payloads] == PAYLOADS[:-1]
        assert frames.end == last
        assert frames.torn is not None


def test_a_last_frame_with_a_wrong_checksum_is_a_torn_tail():
    data = bytearray(journal_bytes())
    data[-1] ^= 1
    frames = read_frames(bytes(data))
    assert frames.torn == "a last frame with a wrong checksum"
    assert len(frames.payloads) == 2


def test_a_damaged_frame_before_the_last_is_corruption_at_its_offset():
    data = bytearray(journal_bytes())
    second = HEADER.size + 7
    data[second + HEADER.size + 3] ^= 1
    with pytest.raises(CorruptJournal) as damaged:
        read_frames(bytes(data))
    assert damaged.value.offset == second
    assert str(damaged.value) == f"a frame with a wrong checksum at byte offset {second}"


def test_an_impossible_frame_length_with_frames_after_it_is_corruption():
    data = HEADER.pack(MAX_FRAME + 1, zlib.crc32(b"")) + journal_bytes()
    with pytest.raises(CorruptJournal, match="a frame length of 67108865 bytes at byte offset 0"):
        read_frames(data)


# --- records and replay ---------------------------------------------------------------------


class Peer:
    def send(self, data: bytes) -> None:
        pass

    def close(self, code: int, reason: str) -> None:
        pass


def fresh(config: Config, clock: FakeClock) -> Session:
    return SessionStore(config, clock).create("Pairing", "python", "start\n", max_candidates=10)


def act(session: Session, rng: random.Random, clock: FakeClock, members: list[Member]) -> Outcome:
    """One random thing people do in a session, through the domain's actions."""
    clock.advance(rng.random())
    now = clock()
    choice = rng.randrange(12)
    if not members or (choice == 0 and len(members) < 5):
        role: Role = "interviewer" if not members else "candidate"
        request = JoinSession(
            session.id, f"P{len(members)}", role, session.interviewer_token, None, False
        )
        member, outcome = presence.join(session, request, Peer(), now)
        members.append(member)
        return outcome
    if choice <= 3:
        text = session.document.text
        at = rng.randint(0, len(text))
        ops = [x for x in (at, f"<{rng.randint(0, 99)}>", len(text) - at) if x]
        change = CodeChange(None, ops, session.document.revision, f"op{rng.random()}")
        return editing.change_code(session, rng.choice(members), change, now)
    if choice == 4:
        return editing.change_language(
            session, members[0], rng.choice(["go", "rust", "python"]), now
        )
    if choice == 5:
        return interview.chat(
            session, rng.choice(members), ChatMessage(f"hi {now}", "message", None), now
        )
    if choice == 6:
        return interview.note(session, members[0], Note(f"note {now}"), now)
    if choice == 7:
        return editing.update_settings(session, now, name=f"name {rng.randrange(3)}")
    if choice == 8 and len(members) > 1:  # members[1:] are candidates
        kind = rng.choice(SIGNAL_KINDS)
        message = Signal(kind, seconds=round(rng.random() * 9, 1), chars=rng.randrange(99))
        return signals.signal(session, rng.choice(members[1:]), message, now)
    if choice >= 10:
        return draw(session, rng, rng.choice(members), now)
    if len(members) > 1:
        return presence.leave(session, members.pop(), now)
    return Outcome()


def draw(session: Session, rng: random.Random, member: Member, now: float) -> Outcome:
    """Whiteboard changes from one member: some win, some lose to a concurrent copy, some
    are refused (a version regression), as when several people draw at once."""
    elements = [
        {
            "id": f"e{rng.randrange(6)}",
            "type": rng.choice(["rectangle", "freedraw", "arrow"]),
            "version": rng.randint(1, 8),
            "versionNonce": rng.randint(0, 4),
            "isDeleted": rng.random() < 0.2,
            "x": rng.randint(0, 99),
            "y": 0,
        }
        for _ in range(rng.randint(1, 3))
    ]
    try:
        return board.change(session, member, BoardChange(elements), BoardLimits(), now)
    except BoardVersionRegression:
        return Outcome()


def created(session: Session, numbering: Numbering) -> dict[str, object]:
    record = record_of(Change(session, whole=True), numbering)
    assert record is not None
    return record


@pytest.mark.parametrize("seed", range(8))
def test_replaying_the_records_rebuilds_the_session_and_its_op_log_exactly(seed: int):
    rng, clock = random.Random(seed), FakeClock()
    config = Config(op_log_size=50, timeline_size=40, chat_history=5)
    session = fresh(config, clock)
    numbering = Numbering()
    journal = [created(session, numbering)]
    members: list[Member] = []
    for _ in range(120):
        outcome = act(session, rng, clock, members)
        if outcome.change is not None:
            record = record_of(outcome.change, numbering)
            if record is not None:
                journal.append(record)
    replay = Replay({}, {}, frozenset(), config, load_bank([]))
    for record in journal:
        replay.apply(orjson.loads(orjson.dumps(record)))
    restored = replay.sessions[session.id]
    assert session_to_json(restored) == session_to_json(session)
    document = session.document
    oldest = document.oldest_reachable_revision()
    assert restored.document.ops_since(oldest) == document.ops_since(oldest)


def test_a_cursor_changes_nothing_the_journal_keeps():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    request = JoinSession(session.id, "Cara", "candidate", None, None, False)
    member, _ = presence.join(session, request, Peer(), clock())
    cursor = Cursor(session.document.revision, (CursorRange(1, 2),))
    assert editing.move_cursor(session, member, cursor).change is None


def test_a_change_names_only_the_stored_fields_it_set():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    numbering = Numbering()
    created(session, numbering)
    outcome = editing.update_settings(session, clock(), max_candidates=3)
    assert outcome.change is not None
    assert record_of(outcome.change, numbering) == {
        "t": "change",
        "s": session.id,
        "j": 2,
        "settings": {"maxCandidates": 3, "updatedAt": clock()},
    }


def test_a_replay_skips_records_the_base_holds_and_refuses_a_gap():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    numbering = Numbering()
    created(session, numbering)
    records = []
    for n in range(3):
        change = editing.replace_code(session, None, f"v{n}", clock()).change
        assert change is not None
        records.append(record_of(change, numbering))
    base = session_from_json(session_to_json(session), config)
    assert [record["j"] for record in records if record] == [2, 3, 4]  # 1: the session's creation
    replay = Replay({base.id: base}, {base.id: 4}, frozenset(), config, None)
    for record in records:
        replay.apply(record)
    assert replay.applied == 0
    gapped = Replay({base.id: base}, {base.id: 2}, frozenset(), config, None)
    with pytest.raises(ReplayError, match=r"change 4 of session .* follows change 2"):
        gapped.apply(records[2])


def test_a_delete_record_forgets_the_session():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    numbering = Numbering()
    replay = Replay({}, {}, frozenset(), config, None)
    replay.apply(created(session, numbering))
    replay.apply(record_of(Change(session, deleted=True), numbering))
    assert replay.sessions == {}
    assert len(numbering) == 0


# --- images: bounded work on the loop, encoded in bounded slices -----------------------------


def long_session(events: int) -> Session:
    config, clock = Config(timeline_size=events + 10), FakeClock()
    session = fresh(config, clock)
    for n in range(events):
        session.timeline.append_edit(float(n), "u-1", "Cara", n + 1, [n, "x"])
    return session


def test_an_image_is_taken_without_walking_the_history(monkeypatch: pytest.MonkeyPatch):
    session = long_session(10_000)

    def walked(*args: object) -> None:
        raise AssertionError("the timeline was walked")

    monkeypatch.setattr(ChunkedLog, "__iter__", walked)
    monkeypatch.setattr(ChunkedLog, "__getitem__", walked)
    captured = image.capture(session)
    assert len(captured.events) == 10_000
    assert image.cost(session) <= 10_000 // CHUNK + CHUNK + 2


def test_an_image_is_encoded_in_slices_and_is_the_session_as_json(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(image, "EVENTS_PER_SLICE", 500)
    session = long_session(2_500)
    captured = image.capture(session)
    session.timeline.append_edit(9e9, "u-2", "Later", 2_501, [2_500, "y"])  # after the capture
    sizes: list[int] = []
    dumps = orjson.dumps

    def counting(value: object, *args: object) -> bytes:
        if isinstance(value, list):
            sizes.append(len(value))
        return dumps(value, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(orjson, "dumps", counting)
    encoded = b"".join(image.encode(captured))
    assert sizes == [500] * 5
    monkeypatch.undo()
    expected = orjson.loads(dumps(session_to_json(session)))
    expected["timeline"]["events"].pop()
    expected["timeline"]["seq"] -= 1
    assert orjson.loads(encoded) == expected


def test_timeline_events_are_written_as_the_arrays_the_timeline_and_journal_keep():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    session.timeline.append_edit(1.5, "u-1", "Cara", 1, [0, "x"])
    session.timeline.append(2.0, "language-change", "u-1", "Cara", language="go")
    written = orjson.loads(b"".join(image.encode(image.capture(session))))
    assert written["timeline"]["events"][-2:] == [
        [written["timeline"]["events"][-2][0], 1.5, "code-change", "u-1", "Cara", [1, 0, "x"]],
        [
            written["timeline"]["events"][-1][0],
            2.0,
            "language-change",
            "u-1",
            "Cara",
            '{"language":"go"}',
        ],
    ]
    assert written == orjson.loads(orjson.dumps(session_to_json(session)))
    restored = session_from_json(written, config)
    assert restored.timeline.events == session.timeline.events


def test_a_version_1_snapshot_with_event_objects_restores_the_same_timeline():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    session.timeline.append_edit(1.5, "u-1", "Cara", 1, [0, "x"])
    session.timeline.append(2.0, "language-change", "u-1", "Cara", language="go")
    old = orjson.loads(orjson.dumps(session_to_json(session)))
    old["timeline"]["events"] = [
        dataclasses.asdict(event) for event in session.timeline.events
    ]  # what a version 1 file holds
    assert old["timeline"]["events"][-1]["data"] == {"language": "go"}
    assert session_from_json(old, config).timeline.events == session.timeline.events


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (
            [1, 2.0, "code-change", "u", "C"],
            "an event is [seq, at, type, userId, name, data], not 5",
        ),
        (["1", 2.0, "code-change", "u", "C", [1, "x"]], "seq must be an integer"),
        ([1, "now", "code-change", "u", "C", [1, "x"]], "seq must be an integer, at a number"),
        ([1, 2.0, None, "u", "C", [1, "x"]], "type a string"),
        ([1, 2.0, "code-change", 7, "C", [1, "x"]], "userId and name must be strings or null"),
        ([1, 2.0, "join", "u", "C", [1, "x"]], "only a code-change has [revision, ...operation]"),
        ([1, 2.0, "code-change", "u", "C", []], "only a code-change has [revision, ...operation]"),
        ([1, 2.0, "code-change", "u", "C", ["1", "x"]], "only a code-change has [revision"),
        ([1, 2.0, "code-change", "u", "C", [1, {"x": 1}]], "holds only integers and strings"),
        ([1, 2.0, "join", "u", "C", "{not json"], "data must be [revision, ...operation] or an"),
        ([1, 2.0, "join", "u", "C", "[1]"], "data must be [revision, ...operation] or an object"),
        ([1, 2.0, "join", "u", "C", {"role": "x"}], "data must be [revision, ...operation] or"),
    ],
)
def test_a_malformed_timeline_event_is_refused_saying_where_and_why(event: list[Any], reason: str):
    config, clock = Config(), FakeClock()
    data = orjson.loads(orjson.dumps(session_to_json(fresh(config, clock))))
    data["timeline"]["events"] = [event]
    with pytest.raises(FormatError) as refused:
        session_from_json(data, config)
    assert str(refused.value).startswith("timeline.events[0]: ")
    assert reason in str(refused.value)


def test_a_base_snapshot_is_taken_in_steps_of_bounded_work():
    sessions = [long_session(3_000) for _ in range(12)] + [long_session(10)]
    groups = list(image.steps(sessions, 1_000))
    assert [s for group in groups for s in group] == sessions  # all, in order
    assert len(groups) > 1
    for group in groups:
        assert len(group) == 1 or sum(image.cost(s) for s in group) <= 1_000


def test_the_benchmarks_generated_base_restores(tmp_path: Path):
    from bench.persistence import make_base

    path = tmp_path / "base.json"
    ids = make_base(path, 2, 300)
    restored = restore(path, Config(timeline_size=300), None)
    assert sorted(s.id for s in restored.sessions) == sorted(ids)
    session = restored.sessions[0]
    assert (len(session.timeline), session.document.text) == (300, "x" * 300)
    session.timeline.append_edit(0.0, None, None, 301, [300, "y"])  # folds a valid edit
    assert session.timeline.base_text == "x"


def test_garbage_appended_after_the_last_frame_is_a_torn_tail():
    frames = read_frames(journal_bytes() + b"\x13\x37 garbage from a crash")
    assert [payload for _, payload in frames.payloads] == PAYLOADS
    assert frames.torn is not None


def test_a_damaged_length_before_the_last_frame_is_corruption_not_a_torn_tail():
    data = bytearray(journal_bytes())
    data[3] = 0x7F  # the first frame now claims to run far past the end of the file
    with pytest.raises(CorruptJournal, match=r"a frame length of \d+ bytes at byte offset 0"):
        read_frames(bytes(data))


def test_an_edit_journals_only_the_counts_it_moved_of_its_author():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    numbering = Numbering()
    journal: list[Any] = [created(session, numbering)]
    request = JoinSession(session.id, "Cara", "candidate", None, None, False)
    cara, joined = presence.join(session, request, Peer(), clock())
    assert joined.change is not None
    journal.append(record_of(joined.change, numbering))
    for n in range(2):
        clock.advance(1)
        length = len(session.document.text)
        change = CodeChange(None, [length, f"{n}"], session.document.revision, None)
        outcome = editing.change_code(session, cara, change, clock())
        assert outcome.change is not None
        journal.append(record_of(outcome.change, numbering))
    assert [record["participants"] for record in journal[-2:]] == [
        [{"user_id": cara.user_id, "edits": 1, "first_edit_at": clock() - 1}],
        [{"user_id": cara.user_id, "edits": 2}],
    ]
    replay = Replay({}, {}, frozenset(), config, load_bank([]))
    for record in journal:
        replay.apply(orjson.loads(orjson.dumps(record)))
    restored = replay.sessions[session.id].participants[cara.user_id]
    assert restored == session.participants[cara.user_id]
    assert (restored.name, restored.edits) == ("Cara", 2)


def test_a_change_naming_some_fields_and_then_the_whole_record_journals_it_whole():
    config, clock = Config(), FakeClock()
    session = fresh(config, clock)
    request = JoinSession(session.id, "Cara", "candidate", None, None, False)
    cara, _ = presence.join(session, request, Peer(), clock())
    person = session.participants[cara.user_id]
    some, whole = Change(session), Change(session)
    some.participant(person, "edits")
    some.participant(person, "chat_messages", "edits")
    assert some.participants == {cara.user_id: ("edits", "chat_messages")}
    whole.participant(person)
    some.merge(whole)
    assert some.participants == {cara.user_id: None}
