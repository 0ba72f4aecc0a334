"""Journal records: what changed in a session, as JSON, and how a replay applies it.

A :class:`Tracker` remembers, per session, how far the journal has followed it (a
:class:`Mark`: the timeline's last event number, the document's revision, how many chat
messages and notes, and the settings). :meth:`Tracker.record` compares a session with its
mark and returns what changed since as one record, or None when nothing persistent did (a
cursor move). Records of one session are numbered 1, 2, 3... (``"j"``), so a replay can skip
those a base snapshot already holds and notice one that is missing.

Three record types (``"t"``):

* ``"session"`` — the whole session
  (:func:`sessions.persistence.snapshot.session_to_json`): on creation,
  and whenever a change can't be told as a difference (more edits than the op log keeps);
* ``"change"`` — ``ops`` (``[revision, operation, userId, opId]`` each, applied at the head),
  ``events`` (timeline events exactly as the timeline keeps them), ``chat`` and ``notes``
  entries, ``participants`` whose statistics moved, and ``settings`` (name, language,
  status, problem...), always whole;
* ``"delete"`` — the session is gone.

Replaying the operations through :meth:`Document.submit_ops` rebuilds the op log too, so a
client that rejoins after a restart can be sent what it missed rather than a reset.
Everything here is synchronous and in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions.config import Config
from sessions.errors import DomainError
from sessions.interview.chat import Entry, MessageLog
from sessions.interview.problems import ProblemBank
from sessions.interview.record import Participant
from sessions.persistence.snapshot import FormatError, session_from_json, session_to_json
from sessions.room.session import Session

VERSION = 1
"""The journal format's version, in every journal file's header record."""

Settings = tuple[Any, ...]


class ReplayError(ValueError):
    """A journal record does not fit the state it is replayed onto."""


@dataclass(slots=True)
class Mark:
    """How far the journal has followed one session."""

    jseq: int
    events: int
    revision: int
    chat: int
    notes: int
    settings: Settings


def settings_of(session: Session) -> Settings:
    """The session's scalar state, compared whole to notice a change."""
    return (
        session.name,
        session.language,
        session.status,
        session.ended_at,
        session.updated_at,
        session.last_activity,
        session.problem.slug if session.problem is not None else None,
        session.max_candidates,
        session.languages_used,
        session.problems_used,
        session.blocked_addresses,
        session.history_id,
    )


def _settings_json(settings: Settings) -> dict[str, Any]:
    (name, language, status, ended_at, updated_at, last_activity, problem, max_candidates) = (
        settings[:8]
    )
    return {
        "name": name,
        "language": language,
        "status": status,
        "endedAt": ended_at,
        "updatedAt": updated_at,
        "lastActivity": last_activity,
        "problem": problem,
        "maxCandidates": max_candidates,
        "languagesUsed": list(settings[8]),
        "problemsUsed": list(settings[9]),
        "blockedAddresses": sorted(settings[10]),
        "historyId": settings[11],
    }


def mark_of(session: Session, jseq: int) -> Mark:
    return Mark(
        jseq,
        session.timeline.seq,
        session.document.revision,
        session.chat.total,
        session.notes.total,
        settings_of(session),
    )


def header(generation: int, durability: str, created_at: str, *, after_gap: bool) -> dict[str, Any]:
    """The first record of a journal file.

    ``afterGap``: the journal before this one lost records (a disk error), so this one only
    follows a base snapshot of its own generation or later (see :mod:`.restore`).
    """
    return {
        "journal": VERSION,
        "generation": generation,
        "durability": durability,
        "createdAt": created_at,
        "afterGap": after_gap,
    }


class Tracker:
    """Turns changed sessions into records; one per application, used on the event loop."""

    __slots__ = ("_marks",)

    def __init__(self) -> None:
        self._marks: dict[str, Mark] = {}

    def __len__(self) -> int:
        return len(self._marks)

    def adopt(self, session: Session, jseq: int) -> None:
        """Start following a session restored at record ``jseq``."""
        self._marks[session.id] = mark_of(session, jseq)

    def jseq(self, session_id: str) -> int:
        """The number of the last record of a session (0 for one never recorded)."""
        mark = self._marks.get(session_id)
        return mark.jseq if mark is not None else 0

    def record(self, session: Session) -> dict[str, Any] | None:
        """What changed in ``session`` since its last record, or None if nothing did."""
        mark = self._marks.get(session.id)
        if mark is None:
            return self._whole(session, 1)
        settings = settings_of(session)
        document, timeline = session.document, session.timeline
        if (
            timeline.seq == mark.events
            and document.revision == mark.revision
            and session.chat.total == mark.chat
            and session.notes.total == mark.notes
            and settings == mark.settings
        ):
            return None
        events = timeline.raw_since(mark.events)
        chat = _tail(session.chat, mark.chat)
        notes = _tail(session.notes, mark.notes)
        if (
            events is None
            or chat is None
            or notes is None
            or not document.oldest_reachable_revision() <= mark.revision <= document.revision
        ):
            return self._whole(session, mark.jseq + 1)
        record: dict[str, Any] = {"t": "change", "s": session.id, "j": mark.jseq + 1}
        if document.revision != mark.revision:
            record["ops"] = [
                [logged.revision, logged.ops, logged.user_id, logged.op_id]
                for logged in document.ops_since(mark.revision)
            ]
        if events:
            record["events"] = events
            users = {event[3] for event in events if event[3] is not None}
            record["participants"] = [
                _participant_json(session.participants[user])
                for user in sorted(users)
                if user in session.participants
            ]
        if chat:
            record["chat"] = chat
        if notes:
            record["notes"] = notes
        record["settings"] = _settings_json(settings)
        self._marks[session.id] = Mark(
            mark.jseq + 1,
            timeline.seq,
            document.revision,
            session.chat.total,
            session.notes.total,
            settings,
        )
        return record

    def _whole(self, session: Session, jseq: int) -> dict[str, Any]:
        self._marks[session.id] = mark_of(session, jseq)
        return {"t": "session", "j": jseq, "session": session_to_json(session)}

    def deleted(self, session_id: str) -> dict[str, Any]:
        """The record of a session's removal; the session is no longer followed."""
        self._marks.pop(session_id, None)
        return {"t": "delete", "s": session_id}


def _tail(log: MessageLog, seen: int) -> list[dict[str, Any]] | None:
    """The entries added after the first ``seen``, or None when some already aged out."""
    count = log.total - seen
    if count == 0:
        return []
    if count < 0 or count > len(log):
        return None
    return [_entry_json(entry) for entry in list(log)[-count:]]


def _participant_json(p: Participant) -> dict[str, Any]:
    """``dataclasses.asdict``, without its deep copy: one per edit, a tenth of its cost."""
    return {
        "user_id": p.user_id,
        "name": p.name,
        "role": p.role,
        "joined_at": p.joined_at,
        "left_at": p.left_at,
        "edits": p.edits,
        "chat_messages": p.chat_messages,
        "first_edit_at": p.first_edit_at,
    }


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "user_id": e.user_id,
        "name": e.name,
        "role": e.role,
        "text": e.text,
        "at": e.at,
        "kind": e.kind,
        "reply_to": e.reply_to,
    }


# --- replay ---------------------------------------------------------------------------------


class Replay:
    """Applies records, in journal order, onto the sessions of a base snapshot."""

    def __init__(
        self,
        sessions: dict[str, Session],
        jseqs: dict[str, int],
        skip: frozenset[str],
        config: Config,
        problems: ProblemBank | None,
    ) -> None:
        self.sessions = sessions
        self.jseqs = jseqs
        self._skip = skip
        self._config = config
        self._problems = problems
        self.applied = 0

    def apply(self, record: object) -> None:
        """Apply one record; raises :class:`ReplayError` saying why it does not fit."""
        if not isinstance(record, dict):
            raise ReplayError("a record must be a JSON object")
        kind = record.get("t")
        if kind == "session":
            self._put(record)
        elif kind == "change":
            self._change(record)
        elif kind == "delete":
            session_id = _str(record, "s")
            self.sessions.pop(session_id, None)
            self.jseqs.pop(session_id, None)
            self.applied += 1
        else:
            raise ReplayError(f"unknown record type {kind!r}")

    def _due(self, session_id: str, jseq: int) -> bool:
        """Whether record ``jseq`` of a session is still to be applied (not in the base)."""
        if session_id in self._skip:
            return False
        known = self.jseqs.get(session_id)
        return known is None or jseq > known

    def _put(self, record: dict[str, Any]) -> None:
        try:
            session = session_from_json(record.get("session"), self._config, self._problems)
        except FormatError as exc:
            raise ReplayError(f"session record: {exc}") from None
        jseq = _int(record, "j")
        if not self._due(session.id, jseq):
            return
        self.sessions[session.id] = session
        self.jseqs[session.id] = jseq
        self.applied += 1

    def _change(self, record: dict[str, Any]) -> None:
        session_id, jseq = _str(record, "s"), _int(record, "j")
        if not self._due(session_id, jseq):
            return
        session = self.sessions.get(session_id)
        if session is None:
            raise ReplayError(f"change {jseq} of session {session_id!r}, which is not there")
        last = self.jseqs.get(session_id, 0)
        if jseq != last + 1:
            raise ReplayError(
                f"change {jseq} of session {session_id!r} follows change {last}: some are missing"
            )
        try:
            _apply_change(session, record, self._problems)
        except (DomainError, TypeError, ValueError, KeyError) as exc:
            raise ReplayError(f"change {jseq} of session {session_id!r}: {exc}") from None
        self.jseqs[session_id] = jseq
        self.applied += 1


def _apply_change(session: Session, record: dict[str, Any], problems: ProblemBank | None) -> None:
    document = session.document
    for revision, ops, user_id, op_id in record.get("ops", ()):
        if revision != document.revision + 1:
            raise ValueError(f"revision {revision} does not follow {document.revision}")
        document.submit_ops(ops, document.revision, user_id=user_id, op_id=op_id)
    for seq, at, type_, user_id, name, data in record.get("events", ()):
        packed = tuple(data) if isinstance(data, list) else data
        session.timeline.append_raw((seq, at, type_, user_id, name, packed))
    for item in record.get("chat", ()):
        session.chat.append(Entry(**item))
    for item in record.get("notes", ()):
        session.notes.append(Entry(**item))
    for item in record.get("participants", ()):
        participant = Participant(**item)
        session.participants[participant.user_id] = participant
    _apply_settings(session, record["settings"], problems)


def _apply_settings(
    session: Session, settings: Mapping[str, Any], problems: ProblemBank | None
) -> None:
    session.name = settings["name"]
    session.language = settings["language"]
    session.status = settings["status"]
    session.ended_at = settings["endedAt"]
    session.updated_at = settings["updatedAt"]
    session.last_activity = settings["lastActivity"]
    slug = settings["problem"]
    session.problem = (
        problems.get(slug)
        if problems is not None and slug is not None and slug in problems
        else None
    )
    session.max_candidates = settings["maxCandidates"]
    session.languages_used = tuple(settings["languagesUsed"])
    session.problems_used = tuple(settings["problemsUsed"])
    session.blocked_addresses = frozenset(settings["blockedAddresses"])
    session.history_id = settings["historyId"]


def _str(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise ReplayError(f"field {key!r} must be a string")
    return value


def _int(record: dict[str, Any], key: str) -> int:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReplayError(f"field {key!r} must be an integer")
    return value
