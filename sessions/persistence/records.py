"""Journal records: a committed change as JSON, and how a replay applies it.

The domain describes each change as it makes it (a :class:`~sessions.room.outcome.Change`);
:func:`record_of` writes that description as one record, reading the values it names from
the session in the same step. Nothing here compares a session with an earlier copy of it.
Records of one session are numbered 1, 2, 3... (``"j"``, kept by a :class:`Numbering`), so
a replay can skip those a base snapshot already holds and notice one that is missing.

Three record types (``"t"``):

* ``"session"`` — the whole session (:func:`sessions.persistence.snapshot.session_to_json`),
  on creation;
* ``"change"`` — ``ops`` (``[revision, operation, userId, opId]`` each, applied at the head),
  ``events`` (timeline events exactly as the timeline keeps them), ``chat`` and ``notes``
  entries, ``participants`` whose records moved (whole, or the user id and only the
  fields the change named: an edit's ``edits``; journals before 2026-12-07 hold only whole
  ones, and replay onto the participant as it stands), ``board``: the whiteboard
  elements the board took (``[userId, element]`` each, reconciled again on replay), and
  ``settings``: the session's stored fields this change set
  (:data:`~sessions.room.session.STORED_FIELDS`, by their JSON keys). Journals written
  before settings were partial hold all of them; both replay alike;
* ``"delete"`` — the session is gone.

Replaying the operations through :meth:`Document.submit_ops` rebuilds the op log too, so a
client that rejoins after a restart can be sent what it missed rather than a reset.
Everything here is synchronous and in memory.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sessions.config import Config
from sessions.errors import DomainError
from sessions.interview.chat import Entry
from sessions.interview.problems import ProblemBank
from sessions.interview.record import Participant
from sessions.persistence.snapshot import session_from_json, session_to_json
from sessions.room.board import restore as restore_board
from sessions.room.outcome import Change
from sessions.room.session import STORED_FIELDS, Session
from sessions.room.stored import FormatError

VERSION = 1
"""The journal format's version, in every journal file's header record."""

_BY_ATTR = {stored.attr: stored for stored in STORED_FIELDS}
_BY_KEY = {stored.key: stored for stored in STORED_FIELDS}
PARTICIPANT_FIELDS = tuple(field.name for field in dataclasses.fields(Participant))


class ReplayError(ValueError):
    """A journal record does not fit the state it is replayed onto."""


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


class Numbering:
    """The number of the last record of each session journaled (0: none yet)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._last)

    def adopt(self, session_id: str, jseq: int) -> None:
        """Carry on from record ``jseq`` of a restored session."""
        self._last[session_id] = jseq

    def jseq(self, session_id: str) -> int:
        return self._last.get(session_id, 0)

    def next(self, session_id: str) -> int:
        jseq = self._last.get(session_id, 0) + 1
        self._last[session_id] = jseq
        return jseq

    def forget(self, session_id: str) -> None:
        self._last.pop(session_id, None)


def record_of(change: Change, numbering: Numbering) -> dict[str, Any] | None:
    """The journal record of a committed change, numbered; None when it changed nothing."""
    session = change.session
    if change.deleted:
        numbering.forget(session.id)
        return {"t": "delete", "s": session.id}
    if change.whole:
        return {
            "t": "session",
            "j": numbering.next(session.id),
            "session": session_to_json(session),
        }
    if not (
        change.edits
        or change.events
        or change.entries
        or change.fields
        or change.participants
        or change.board
    ):
        return None
    record: dict[str, Any] = {"t": "change", "s": session.id, "j": numbering.next(session.id)}
    if change.edits:
        record["ops"] = change.edits  # encoded at once, before the change is touched again
    if change.events:
        record["events"] = change.events
    if change.board:
        record["board"] = [[stored.by, stored.element.data] for stored in change.board]
    if change.participants:
        participants = session.participants
        record["participants"] = [
            participant_json(participants[user_id], fields)
            for user_id, fields in change.participants.items()
            if user_id in participants
        ]
    for log, entry in change.entries:
        record.setdefault("notes" if log is session.notes else "chat", []).append(entry_json(entry))
    if change.fields:
        settings = record["settings"] = {}
        for attr in change.fields:
            stored = _BY_ATTR[attr]
            settings[stored.key] = stored.write(session)
    return record


def participant_json(p: Participant, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """``dataclasses.asdict``, without its deep copy; with ``fields``, those alone (and the
    user id): an edit moves one count, and the journal writes that, not 16 fields."""
    if fields is not None:
        named = {"user_id": p.user_id}
        for name in fields:
            named[name] = getattr(p, name)
        return named
    return {
        "user_id": p.user_id,
        "name": p.name,
        "role": p.role,
        "joined_at": p.joined_at,
        "left_at": p.left_at,
        "edits": p.edits,
        "chat_messages": p.chat_messages,
        "first_edit_at": p.first_edit_at,
        "client_id": p.client_id,
        "colour": p.colour,
        "pastes": p.pastes,
        "pasted_chars": p.pasted_chars,
        "outside_pastes": p.outside_pastes,
        "focus_losses": p.focus_losses,
        "away_seconds": p.away_seconds,
    }


def entry_json(e: Entry) -> dict[str, Any]:
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
        known = session.participants.get(item["user_id"])
        if known is not None and len(item) < len(PARTICIPANT_FIELDS):  # some fields only
            session.participants[known.user_id] = dataclasses.replace(known, **item)
        else:
            session.participants[item["user_id"]] = Participant(**item)
    if "board" in record:
        restore_board(session.drawing_board(), record["board"])
    _apply_settings(session, record.get("settings", {}), problems)


def _apply_settings(
    session: Session, settings: dict[str, Any], problems: ProblemBank | None
) -> None:
    for key in settings:
        stored = _BY_KEY.get(key)
        if stored is None:
            raise ValueError(f"unknown setting {key!r}")
        setattr(session, stored.attr, stored.read(settings, problems))


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
