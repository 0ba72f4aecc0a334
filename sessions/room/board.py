"""The whiteboard's actions: open or catch up, change elements, show a pointer.

Like :mod:`sessions.room.editing`, each action is one synchronous call returning an
:class:`~sessions.room.outcome.Outcome`. Only members that opened the board (sent
``board-sync``, :attr:`Member.watches_board`) are sent its updates and pointers, so a room
whose board stays closed costs nothing more than before.

A ``board-change`` that the board takes is journaled (the winning copies, with their author)
and leaves one ``board-change`` timeline event holding them, from which the replay rebuilds
the board at any moment (:func:`board_at`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sessions.collab.board import Board
from sessions.collab.elements import BoardLimits, check_element, trusted
from sessions.errors import InvalidMessage
from sessions.interview.permissions import Action, require
from sessions.interview.record import Event
from sessions.protocol.messages import BoardChange, BoardPointer, BoardSync
from sessions.room import frames
from sessions.room.editing import require_active
from sessions.room.outcome import Outcome
from sessions.room.session import Member, Session

BOARD_EVENT = "board-change"
"""The timeline event a board change leaves: ``{"elements": [...]}``, the winning copies."""


def watchers(session: Session, besides: Member | None = None) -> tuple[Member, ...]:
    """The members with the board open, ``besides`` excepted."""
    return tuple(m for m in session.members.values() if m.watches_board and m is not besides)


def sync(session: Session, member: Member, message: BoardSync) -> Outcome:
    """Open the board (the whole of it) or catch up (what differs from ``known``)."""
    member.watches_board = True
    board = session.board
    if message.known is None:
        reply = frames.board_state(board.elements(), [], whole=True, ref=message.ref)
    else:
        elements, missing = board.since(message.known)
        reply = frames.board_state(elements, missing, whole=False, ref=message.ref)
    return Outcome(reply=reply)


def change(
    session: Session, member: Member, message: BoardChange, limits: BoardLimits, now: float
) -> Outcome:
    """Reconcile a frame of elements into the board; all of it or, on an error, none."""
    require(member.role, Action.DRAW)
    require_active(session)
    if len(message.elements) > limits.max_elements:
        raise InvalidMessage(
            f"field 'elements' holds at most {limits.max_elements} elements per frame"
        )
    checked = [
        check_element(value, limits, f"elements[{i}]") for i, value in enumerate(message.elements)
    ]
    applied = session.drawing_board().apply(checked, member.user_id, limits)
    member.watches_board = True
    outcome = Outcome(reply=frames.board_ack(len(applied.winners), applied.stale, message.ref))
    if applied.winners:
        winners = [stored.element.data for stored in applied.winners]
        change_ = outcome.changing(session)
        change_.board.extend(applied.winners)
        change_.event(now, BOARD_EVENT, member.user_id, member.name, elements=winners)
        change_.touch(now)
        outcome.deliver(frames.board_update(winners, member.user_id), watchers(session, member))
    return outcome


def pointer(session: Session, member: Member, message: BoardPointer) -> Outcome:
    """Show this member's pointer to the others watching the board; nothing is kept."""
    require(member.role, Action.DRAW)
    require_active(session)
    outcome = Outcome()
    frame = frames.board_pointer(member, message.x, message.y, message.button)
    outcome.deliver(frame, watchers(session, member))
    return outcome


def restore(board: Board, entries: Iterable[Any]) -> None:
    """Put stored ``[userId, element]`` pairs (a snapshot, the journal) back on a board."""
    for by, element in entries:
        board.put(trusted(element), by)


def board_at(events: Iterable[Event], at: float | None = None) -> list[dict[str, Any]]:
    """The board as the timeline's ``board-change`` events left it at ``at`` (the end when
    None), live elements only, for the replay."""
    board = Board()
    for event in events:
        if at is not None and event.at > at:
            break
        if event.type == BOARD_EVENT:
            for data in event.data.get("elements", ()):
                board.put(trusted(data), event.user_id)
    return [data for data in board.elements() if not data.get("isDeleted")]
