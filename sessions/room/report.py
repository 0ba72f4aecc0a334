"""The interview report: a JSON summary computed from a session and its record."""

from __future__ import annotations

from typing import Any

from sessions.clock import iso
from sessions.interview.record import record_event
from sessions.room.session import Session


def build_report(session: Session, now: float) -> dict[str, Any]:
    """Duration, participants, edits per participant, time to first edit, languages, problems;
    ``board``: whether anyone drew on the whiteboard and how many elements it holds now.

    ``durationSeconds`` runs from creation to the end (or to ``now`` for a session still
    active). ``timeToFirstEditSeconds`` runs from the first candidate's arrival to the first
    edit any candidate made; it is null until both happened.
    """
    finished = session.ended_at if session.ended_at is not None else now
    participants = list(session.participants.values())
    candidates = [p for p in participants if p.role == "candidate"]
    first_arrival = min((p.joined_at for p in candidates), default=None)
    first_edit = min(
        (p.first_edit_at for p in candidates if p.first_edit_at is not None), default=None
    )
    time_to_first_edit = (
        round(first_edit - first_arrival, 3)
        if first_arrival is not None and first_edit is not None
        else None
    )
    return {
        "sessionId": session.id,
        "name": session.name,
        "status": session.status,
        "createdAt": iso(session.created_at),
        "endedAt": iso(session.ended_at) if session.ended_at is not None else None,
        "durationSeconds": round(finished - session.created_at, 3),
        "participants": [
            {
                "userId": p.user_id,
                "name": p.name,
                "role": p.role,
                "joinedAt": iso(p.joined_at),
                "leftAt": iso(p.left_at) if p.left_at is not None else None,
                "edits": p.edits,
                "chatMessages": p.chat_messages,
                "colour": p.colour,
                **({"signals": p.signals()} if p.role == "candidate" else {}),
            }
            for p in participants
        ],
        "editsByParticipant": {p.user_id: p.edits for p in participants},
        "timeToFirstEditSeconds": time_to_first_edit,
        "languagesUsed": list(session.languages_used),
        "problems": list(session.problems_used),
        "finalCode": session.document.text,
        "finalLanguage": session.language,
        "revision": session.document.revision,
        "chatMessages": session.chat.total,
        "runResults": run_results(session),
        "board": {"used": session.board.used, "elements": session.board.live},
    }


RUN_RESULT = "run-result"
"""The timeline event a finished run leaves (see :mod:`sessions.web.runs`)."""


def run_results(session: Session) -> list[dict[str, Any]]:
    """Every run the timeline still holds, oldest first: who ran which revision, the status
    and the tests (a very long interview folds its oldest events away, runs included)."""
    runs = [entry for entry in session.timeline.frozen() if entry[2] == RUN_RESULT]
    return [
        {"at": iso(event.at), "userId": event.user_id, "name": event.name, **event.data}
        for event in map(record_event, runs)
    ]
