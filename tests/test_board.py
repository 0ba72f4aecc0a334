"""The whiteboard's domain: elements checked, copies reconciled as Excalidraw does, limits,
permissions, and the board kept by the journal, the snapshot, the image and the replay."""

from __future__ import annotations

import itertools
import random
from typing import Any

import orjson
import pytest

from sessions.clock import FakeClock
from sessions.collab.board import Board
from sessions.collab.elements import BoardLimits, check_element
from sessions.config import Config
from sessions.errors import (
    BoardFull,
    BoardVersionRegression,
    Forbidden,
    InvalidBoardElement,
    InvalidMessage,
    SessionEnded,
)
from sessions.persistence import image
from sessions.persistence.records import Numbering, Replay, record_of
from sessions.persistence.snapshot import session_from_json, session_to_json
from sessions.protocol.messages import BoardChange, BoardPointer, BoardSync, JoinSession, Role
from sessions.room import board, interview, presence
from sessions.room.outcome import Change
from sessions.room.report import build_report
from sessions.room.session import Member, Session
from sessions.room.store import SessionStore

LIMITS = BoardLimits(max_elements=3, max_bytes=2000, max_element_bytes=400)


def element(id_: str = "a", version: Any = 1, nonce: Any = 0, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "type": "rectangle",
        "version": version,
        "versionNonce": nonce,
        "isDeleted": False,
        "x": 0,
        "y": 0,
        **extra,
    }


def checked(*elements: dict[str, Any]) -> list[Any]:
    return [check_element(e, LIMITS) for e in elements]


class Peer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.sent.append(data)

    def close(self, code: int, reason: str) -> None:
        pass


def room(*roles: Role) -> tuple[Session, list[Member], FakeClock]:
    clock = FakeClock()
    session = SessionStore(Config(), clock).create("Design", "python", "", max_candidates=5)
    members = []
    for n, role in enumerate(roles):
        request = JoinSession(session.id, f"P{n}", role, session.interviewer_token, None, False)
        member, _ = presence.join(session, request, Peer(), clock())
        members.append(member)
    return session, members, clock


# --- elements -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "element must be an object"),
        (element(id_=""), "field 'id' must be 1 to 64 characters"),
        (element(id_="a/b"), "field 'id' must be 1 to 64 characters"),
        (element(type="image"), "images are not supported on the board"),
        (element(type="iframe"), "embedded web pages are not supported"),
        (element(type="sparkles"), "field 'type' must be one of arrow, diamond, ellipse"),
        (element(version=0), "field 'version' must be an integer from 1 to 2147483647"),
        (element(version=True), "field 'version' must be an integer"),
        (element(nonce=1.5), "field 'versionNonce' must be an integer"),
        (element(isDeleted="no"), "field 'isDeleted' must be a boolean"),
        (element(x="10"), "field 'x' must be a number"),
        (
            element(points=[[0, 0]] * 100),
            "element is 699 bytes; the board takes elements of at most 400 bytes",
        ),
    ],
)
def test_an_element_that_is_not_what_the_board_takes_is_refused_saying_why(
    value: object, message: str
):
    with pytest.raises(InvalidBoardElement, match=message.replace("(", r"\(")):
        check_element(value, LIMITS)


def test_an_element_error_names_the_element():
    with pytest.raises(InvalidBoardElement) as refused:
        check_element(element("pic", type="image"), LIMITS)
    assert refused.value.extra == {"elementId": "pic"}


def test_the_higher_version_wins_and_at_equal_versions_the_lower_nonce():
    old, new, low_nonce = checked(
        element(version=1), element(version=2, nonce=9), element(version=2, nonce=3)
    )
    assert new.beats(old) and not old.beats(new)
    assert low_nonce.beats(new) and not new.beats(low_nonce)
    assert not new.beats(new)


def test_replicas_that_see_the_same_copies_in_any_order_keep_the_same_board():
    rng = random.Random(7)
    copies = [
        (
            f"u{rng.randrange(3)}",
            element(f"e{rng.randrange(4)}", rng.randint(1, 5), rng.randint(0, 3)),
        )
        for _ in range(12)
    ]
    boards = []
    for order in itertools.islice(itertools.permutations(copies), 0, 5000, 97):
        replica = Board()
        for by, data in order:
            board.restore(replica, [(by, data)])
        boards.append(sorted(replica.elements(), key=lambda e: e["id"]))
    assert all(b == boards[0] for b in boards)


# --- the board ------------------------------------------------------------------------------


def test_a_frame_takes_the_winners_and_names_the_copies_that_lost():
    b = Board()
    b.apply(checked(element("a", 3, 5)), "u1", LIMITS)
    applied = b.apply(checked(element("a", 2, 0), element("b"), element("a", 3, 5)), "u2", LIMITS)
    assert [s.element.id for s in applied.winners] == ["b"]
    assert applied.stale == ["a"]  # the same copy again is neither a winner nor stale
    assert (b.live, len(b)) == (2, 2)


def test_a_frame_past_the_element_limit_changes_nothing():
    b = Board()
    b.apply(checked(element("a"), element("b")), "u1", LIMITS)
    with pytest.raises(
        BoardFull, match="at most 3 elements and 2000 bytes; this change would make 4"
    ):
        b.apply(checked(element("c"), element("d")), "u1", LIMITS)
    assert [e["id"] for e in b.elements()] == ["a", "b"]
    b.apply(checked(element("a", 2, isDeleted=True), element("c")), "u1", LIMITS)  # one out, one in
    assert b.live == 2


def test_a_frame_past_the_byte_limit_changes_nothing_and_tombstones_count():
    limits = BoardLimits(max_elements=10, max_bytes=1000, max_element_bytes=400)
    b = Board()
    big: dict[str, Any] = {"text": "x" * 250}
    b.apply([check_element(element("a", **big), limits)], "u1", limits)
    b.apply([check_element(element("a", 2, isDeleted=True, **big), limits)], "u1", limits)
    b.apply([check_element(element("b", **big), limits)], "u1", limits)
    with pytest.raises(BoardFull, match="would make 3 elements and 1"):
        b.apply([check_element(element(n, **big), limits) for n in "cd"], "u1", limits)
    assert (b.live, len(b)) == (1, 2)
    assert b.size == sum(len(orjson.dumps(e)) for e in b.elements())


def test_an_author_lowering_its_own_version_is_refused_with_the_boards_copy():
    b = Board()
    b.apply(checked(element("a", 5)), "u1", LIMITS)
    with pytest.raises(BoardVersionRegression) as refused:
        b.apply(checked(element("b"), element("a", 4)), "u1", LIMITS)
    assert refused.value.extra["elements"] == [element("a", 5)]
    assert b.get("b") is None
    assert b.apply(checked(element("a", 4)), "u2", LIMITS).stale == ["a"]  # someone else: stale


def test_a_catch_up_sends_what_differs_and_names_what_the_board_lacks():
    b = Board()
    b.apply(checked(element("a", 2), element("b", 1), element("c", 1)), "u1", LIMITS)
    changed, missing = b.since({"a": (2, 0), "b": (3, 0), "c": (1, 5), "gone": (4, 0)})
    assert [e["id"] for e in changed] == ["b", "c"]  # c: the same version, another copy
    assert missing == ["gone"]


# --- the actions ----------------------------------------------------------------------------


def frames_of(member: Member) -> list[dict[str, Any]]:
    assert isinstance(member.peer, Peer)
    return [orjson.loads(data) for data in member.peer.sent]


def test_a_change_goes_to_those_watching_the_board_and_is_journaled_and_timed():
    session, (teacher, pupil, _quiet), clock = room("interviewer", "candidate", "candidate")
    board.sync(session, pupil, BoardSync(None))
    outcome = board.change(session, teacher, BoardChange([element("a")], ref=4), LIMITS, clock())
    assert outcome.reply == {"type": "board-ack", "applied": 1, "stale": [], "ref": 4}
    [delivery] = outcome.deliveries
    assert delivery.recipients == (pupil,)  # not the author, not `quiet` (board closed)
    assert delivery.message == {
        "type": "board-update",
        "elements": [element("a")],
        "userId": teacher.user_id,
    }
    assert outcome.change is not None
    record = record_of(outcome.change, Numbering())
    assert record is not None
    assert record["board"] == [[teacher.user_id, element("a")]]
    [event] = [e for e in session.timeline.events if e.type == "board-change"]
    assert event.data == {"elements": [element("a")]}


def test_observers_watch_but_do_not_draw_or_point():
    session, (_, observer), clock = room("interviewer", "observer")
    assert board.sync(session, observer, BoardSync(None)).reply is not None
    with pytest.raises(Forbidden, match="role 'observer' may not draw on the whiteboard"):
        board.change(session, observer, BoardChange([element()]), LIMITS, clock())
    with pytest.raises(Forbidden):
        board.pointer(session, observer, BoardPointer(1.0, 2.0))


def test_an_ended_session_keeps_its_board_read_only():
    session, (teacher,), clock = room("interviewer")
    board.change(session, teacher, BoardChange([element()]), LIMITS, clock())
    interview.end_session(session, teacher, clock())
    with pytest.raises(SessionEnded):
        board.change(session, teacher, BoardChange([element(version=2)]), LIMITS, clock())
    reply = board.sync(session, teacher, BoardSync(None)).reply
    assert reply == {"type": "board-state", "whole": True, "elements": [element()], "missing": []}


def test_a_frame_with_more_elements_than_the_board_holds_is_refused():
    session, (teacher,), clock = room("interviewer")
    with pytest.raises(InvalidMessage, match="at most 3 elements per frame"):
        board.change(
            session, teacher, BoardChange([element(str(n)) for n in range(4)]), LIMITS, clock()
        )


def test_a_pointer_goes_to_the_others_watching_with_the_name():
    session, (teacher, pupil), _ = room("interviewer", "candidate")
    board.sync(session, pupil, BoardSync(None))
    [delivery] = board.pointer(session, teacher, BoardPointer(3.0, 4.5, "down")).deliveries
    assert delivery.message == {
        "type": "board-pointer",
        "userId": teacher.user_id,
        "name": "P0",
        "x": 3.0,
        "y": 4.5,
        "button": "down",
    }
    assert (
        board.pointer(session, pupil, BoardPointer(0.0, 0.0)).deliveries == []
    )  # nobody else watches


# --- the record -----------------------------------------------------------------------------


def drawn_session() -> tuple[Session, list[dict[str, Any]], Config]:
    session, (teacher, pupil), clock = room("interviewer", "candidate")
    journal = [record_of(Change(session, whole=True), numbering := Numbering())]
    for who, elements in [
        (teacher, [element("a"), element("b", type="freedraw", points=[[0, 0], [1, 2]])]),
        (pupil, [element("a", 2, 7, x=5)]),
        (teacher, [element("b", 2, isDeleted=True)]),
    ]:
        clock.advance(10)
        change = board.change(session, who, BoardChange(elements), LIMITS, clock()).change
        assert change is not None
        journal.append(record_of(change, numbering))
    return session, [r for r in journal if r is not None], Config()


def test_the_journal_the_snapshot_and_the_image_keep_the_board():
    session, journal, config = drawn_session()
    replay = Replay({}, {}, frozenset(), config, None)
    for record in journal:
        replay.apply(orjson.loads(orjson.dumps(record)))
    restored = replay.sessions[session.id]
    assert restored.board.elements() == session.board.elements()
    assert restored.board.get("a").by == session.board.get("a").by  # type: ignore[union-attr]
    again = session_from_json(orjson.loads(orjson.dumps(session_to_json(session))), config)
    assert (again.board.elements(), again.board.live, again.board.size) == (
        session.board.elements(),
        1,
        session.board.size,
    )
    encoded = orjson.loads(b"".join(image.encode(image.capture(session))))
    assert encoded == orjson.loads(orjson.dumps(session_to_json(session)))


def test_a_snapshot_from_before_boards_restores_an_empty_board():
    session, _, config = drawn_session()
    data = session_to_json(session)
    del data["board"]
    assert len(session_from_json(data, config).board) == 0


def test_the_replay_shows_the_board_as_it_was_at_each_moment():
    session, _, _ = drawn_session()
    events = session.timeline.events
    start = events[0].at
    assert board.board_at(events, start) == []
    assert [e["id"] for e in board.board_at(events, start + 10)] == ["a", "b"]
    assert board.board_at(events, start + 20)[0]["x"] == 5
    assert [e["id"] for e in board.board_at(events)] == ["a"]  # b deleted at the end


def test_the_report_says_whether_the_board_was_used():
    session, _, _ = drawn_session()
    assert build_report(session, 0.0)["board"] == {"used": True, "elements": 1}
    untouched, _, _ = room("interviewer")
    assert build_report(untouched, 0.0)["board"] == {"used": False, "elements": 0}
