"""Sessions as JSON and back: the base snapshot's format, and the fields of a session record.

The store stays the in-memory dicts; a snapshot is a copy of them, written by
:mod:`sessions.persistence.base` (atomically, in bounded slices, beside a journal) in a
versioned envelope::

    {"version": 2, "savedAt": "2026-11-24T09:00:00.000Z", "clean": false,
     "sessions": [<session>, ...], "journal": {...}}

Each session is written by :func:`session_to_json` and read back by :func:`session_from_json`.
The session's own fields are not listed here: they are its stored fields
(:data:`~sessions.room.session.STORED_FIELDS`, declared on the session), written by
:func:`session_settings`; what is listed here are its parts (document, chat, notes,
timeline, participants, whiteboard). What is *not* kept: who is connected (sockets end with
the process; clients rejoin) and the op log. After a restore of a base alone the document
continues from its stored revision with an empty log; replaying the journal over it rebuilds
the op log of every operation journaled since (docs/persistence.md).

Nothing here does I/O but the start-up checks of the snapshot's folder and the move aside of
an unusable file."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, TypeVar

import orjson

from sessions.clock import iso
from sessions.collab.board import Board
from sessions.collab.document import Document
from sessions.config import Config
from sessions.interview.chat import Entry, MessageLog
from sessions.interview.problems import ProblemBank
from sessions.interview.record import (
    CODE_CHANGE,
    Event,
    Participant,
    RawEvent,
    Timeline,
    raw_event,
)
from sessions.room.board import restore as restore_board
from sessions.room.session import STORED_FIELDS, Session
from sessions.room.stored import FormatError

VERSION = 2
"""The version this server writes. Version 2 keeps timeline events as arrays, the form the
timeline and the journal keep them in; version 1 wrote each as an object."""
READABLE_VERSIONS = (1, 2)
_NUMBERS = (int, float)
_EVENT_FIELDS = tuple(field.name for field in dataclasses.fields(Event))
_T = TypeVar("_T")


class SnapshotError(Exception):
    """A snapshot or journal file exists but cannot be used: unreadable, not JSON, or not a
    snapshot. The server refuses to start rather than overwrite it (``--snapshot-move-aside``
    renames it and starts empty instead)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot restore sessions from snapshot {path}: {reason}")
        self.path = path
        self.reason = reason


class SnapshotPathError(Exception):
    """``--snapshot`` names a place where no snapshot can ever be written (a folder that
    does not exist or is not writable, or a folder itself). Nothing is on disk to move aside:
    the flag must change."""

    def __init__(self, path: Path, reason: str, advice: str) -> None:
        super().__init__(f"cannot keep snapshots at {path}: {reason}; {advice}")
        self.path = path


# --- one session ----------------------------------------------------------------------------------


def session_settings(session: Session) -> dict[str, Any]:
    """The session's stored fields and its document (code and revision) as plain JSON values:
    everything but its chat, notes, timeline and participants (which
    :func:`session_to_json` adds, and a base image keeps frozen on its own,
    :mod:`sessions.persistence.image`)."""
    settings = {stored.key: stored.write(session) for stored in STORED_FIELDS}
    settings["code"] = session.document.text
    settings["revision"] = session.document.revision
    return settings


def session_to_json(session: Session) -> dict[str, Any]:
    """Everything about a session that outlives its sockets, as plain JSON values."""
    return {
        **session_settings(session),
        "chat": _log_to_json(session.chat),
        "notes": _log_to_json(session.notes),
        "timeline": _timeline_to_json(session.timeline),
        "participants": [dataclasses.asdict(p) for p in session.participants.values()],
        "board": board_to_json(session.board),
    }


def board_to_json(board: Board) -> list[list[Any]]:
    """The whiteboard as ``[userId, element]`` pairs, in the order elements were drawn."""
    return [[stored.by, stored.element.data] for stored in board.stored()]


def _board_from_json(data: object) -> Board | None:
    """The whiteboard :func:`board_to_json` wrote; none when empty or from before boards."""
    if data is None or data == []:
        return None
    board = Board()
    if not isinstance(data, list):
        raise FormatError("field 'board' must be a list")
    for i, item in enumerate(data):
        if not (
            isinstance(item, list)
            and len(item) == 2
            and (item[0] is None or isinstance(item[0], str))
            and isinstance(item[1], dict)
        ):
            raise FormatError(f"board[{i}] must be [userId, element]")
        try:
            restore_board(board, (item,))
        except (KeyError, TypeError) as exc:
            raise FormatError(f"board[{i}]: {exc}") from None
    return board


def session_from_json(data: object, config: Config, problems: ProblemBank | None = None) -> Session:
    """The session :func:`session_to_json` wrote; raises :class:`FormatError` naming the field.

    The op log starts empty at the stored revision (see the module docstring). A problem no
    longer in ``problems`` is dropped from the session, not an error: the bank may change
    between runs, and the session's own data is all still there.
    """
    d = _object(data, "session")
    code = _field(d, "code", str)
    revision = _field(d, "revision", int)
    if revision < 0:
        raise FormatError("field 'revision' must not be negative")
    fields = {stored.attr: stored.read(d, problems) for stored in STORED_FIELDS}
    return Session(
        **fields,
        document=Document(
            code, revision, log_size=config.op_log_size, max_bytes=config.max_code_bytes
        ),
        chat=_log_from_json(d.get("chat"), config, "chat"),
        notes=_log_from_json(d.get("notes"), config, "notes"),
        timeline=_timeline_from_json(d.get("timeline"), config),
        participants={
            p.user_id: p
            for p in (
                _record(Participant, item, f"participants[{i}]")
                for i, item in enumerate(_list(d, "participants"))
            )
        },
        board_or_none=_board_from_json(d.get("board")),
    )


def _log_to_json(log: MessageLog) -> dict[str, Any]:
    return {
        "prefix": log.prefix,
        "total": log.total,
        "entries": [dataclasses.asdict(entry) for entry in log],
    }


def _log_from_json(data: object, config: Config, where: str) -> MessageLog:
    d = _object(data, where)
    entries = [
        _record(Entry, item, f"{where}.entries[{i}]") for i, item in enumerate(_list(d, "entries"))
    ]
    return MessageLog(
        config.chat_history, _field(d, "prefix", str), entries, _field(d, "total", int)
    )


def _timeline_to_json(timeline: Timeline) -> dict[str, Any]:
    return {
        "baseText": timeline.base_text,
        "baseLanguage": timeline.base_language,
        "baseAt": timeline.base_at,
        "baseRevision": timeline.base_revision,
        "seq": timeline.seq,
        "events": [event_json(entry) for entry in timeline.frozen()],
    }


def event_json(entry: RawEvent) -> list[Any]:
    """A kept event as JSON: ``[seq, at, type, userId, name, data]``, ``data`` being
    ``[revision, ...operation]`` for a code change and the event's fields as JSON text
    otherwise (the journal's form). orjson writes the kept tuple itself the same way, which
    is how a base snapshot encodes a long timeline (:func:`.image.encode`)."""
    seq, at, type_, user_id, name, data = entry
    return [seq, at, type_, user_id, name, list(data) if isinstance(data, tuple) else data]


def _timeline_from_json(data: object, config: Config) -> Timeline:
    d = _object(data, "timeline")
    events = [_raw_event(item, i) for i, item in enumerate(_list(d, "events"))]
    return Timeline(
        base_text=_field(d, "baseText", str),
        base_language=_field(d, "baseLanguage", str),
        base_at=_number(d, "baseAt"),
        limit=config.timeline_size,
        base_revision=_field(d, "baseRevision", int),
        seq=_field(d, "seq", int),
        raw_events=events,
    )


def _raw_event(item: object, index: int) -> RawEvent:
    """One timeline event as the timeline keeps it, from either form a snapshot holds: the
    array this server writes (:func:`event_json`) or the object of a version 1 file; the fast
    path of a restore (a million events is a common size), with precise errors otherwise."""
    if type(item) is list:
        return _event_from_array(item, index)
    if type(item) is dict and len(item) == len(_EVENT_FIELDS):
        try:
            data = item["data"]
            if type(data) is dict:
                return raw_event(
                    item["seq"], item["at"], item["type"], item["user_id"], item["name"], data
                )
        except KeyError:
            pass
    event = _record(Event, item, f"timeline.events[{index}]")
    if not isinstance(event.data, dict):
        raise FormatError(f"timeline.events[{index}]: field 'data' must be an object")
    return raw_event(event.seq, event.at, event.type, event.user_id, event.name, event.data)


def _event_from_array(item: list[Any], index: int) -> RawEvent:
    fault = _event_fault(item)
    if fault is not None:
        raise FormatError(f"timeline.events[{index}]: {fault}")
    seq, at, type_, user_id, name, data = item
    return (seq, at, type_, user_id, name, tuple(data) if type(data) is list else data)


def _event_fault(item: list[Any]) -> str | None:
    """What is wrong with an event array, or None when it is one the timeline can keep."""
    if len(item) != len(_EVENT_FIELDS):
        return f"an event is [seq, at, type, userId, name, data], not {len(item)} items"
    seq, at, type_, user_id, name, data = item
    if type(seq) is not int or type(at) not in _NUMBERS or type(type_) is not str:
        return "seq must be an integer, at a number and type a string"
    if not (user_id is None or type(user_id) is str) or not (name is None or type(name) is str):
        return "userId and name must be strings or null"
    if type(data) is list:
        if type_ != CODE_CHANGE or not data or type(data[0]) is not int:
            return "only a code-change has [revision, ...operation] data"
        for part in data:
            if type(part) is not int and type(part) is not str:
                return "an operation holds only integers and strings"
        return None
    if type(data) is not str or not _json_object(data):
        return "data must be [revision, ...operation] or an object as JSON"
    return None


def _json_object(text: str) -> bool:
    try:
        return type(orjson.loads(text)) is dict
    except orjson.JSONDecodeError:
        return False


# --- the envelope and the file -----------------------------------------------------------------


def sessions_from_json(
    envelope: object, config: Config, problems: ProblemBank | None = None
) -> list[Session]:
    """Every session of an envelope; raises :class:`FormatError` for anything unexpected."""
    d = _object(envelope, "snapshot")
    if d.get("version") not in READABLE_VERSIONS:
        raise FormatError(f"unsupported snapshot version {d.get('version')!r} (expected 1 or 2)")
    sessions = []
    seen: set[str] = set()
    for i, item in enumerate(_list(d, "sessions")):
        try:
            session = session_from_json(item, config, problems)
        except FormatError as exc:
            raise FormatError(f"sessions[{i}]: {exc}") from None
        if session.id in seen:
            raise FormatError(f"sessions[{i}]: session id {session.id!r} appears twice")
        seen.add(session.id)
        sessions.append(session)
    return sessions


def check_writable(path: Path) -> None:
    """Fail early, at start-up, if snapshots could never be written to ``path``."""
    folder = path.parent
    if path.is_dir():
        raise SnapshotPathError(
            path,
            "it is a folder, not a file",
            f"give --snapshot a file in it instead, e.g. {path / 'sessions.json'}",
        )
    if not folder.is_dir():
        raise SnapshotPathError(
            path,
            f"its folder {folder} does not exist",
            "create the folder first, or give --snapshot a file in a folder that exists",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SnapshotPathError(
            path,
            f"its folder {folder} is not writable by this server's user",
            "give that user write access to the folder, or choose another --snapshot path",
        )


def move_aside(path: Path, now: float) -> Path:
    """Rename an unusable snapshot to ``PATH.corrupt-<time>`` (never overwriting one)."""
    stamp = iso(now).replace(":", "").replace("-", "").replace(".", "")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    os.rename(path, target)
    return target


# --- typed reading ------------------------------------------------------------------------------


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"{where} must be an object")
    return value


def _field(d: dict[str, Any], key: str, kind: type[_T]) -> _T:
    value = d.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FormatError(f"field {key!r} must be {kind.__name__}")
    return value


def _number(d: dict[str, Any], key: str) -> float:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormatError(f"field {key!r} must be a number")
    return float(value)


def _list(d: dict[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    if not isinstance(value, list):
        raise FormatError(f"field {key!r} must be a list")
    return value


def _record(cls: type[_T], value: object, where: str) -> _T:
    """A dataclass from the dict ``dataclasses.asdict`` made of it."""
    d = _object(value, where)
    try:
        return cls(**d)
    except TypeError as exc:
        raise FormatError(f"{where}: {exc}") from None
