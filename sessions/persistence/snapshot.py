"""Sessions as JSON and back: the base snapshot's format, and the fields of a session record.

The store stays the in-memory dicts; a snapshot is a copy of them. Writing it (atomically,
in bounded slices, beside a journal) is :mod:`sessions.persistence`'s; this module knows the
format, a versioned envelope::

    {"version": 1, "savedAt": "2026-11-24T09:00:00.000Z", "clean": false,
     "sessions": [<session>, ...]}

Each session is written by :func:`session_to_json` (its own fields by
:func:`session_settings`) and read back by :func:`session_from_json`, the only places that
know its fields. What is *not* kept: who is connected (sockets end with the process; clients
rejoin) and the op log. After a restore of a base alone the document continues from its
stored revision with an empty log; replaying the journal over it rebuilds the op log of
every operation journaled since (docs/persistence.md).

Nothing here does I/O but the start-up checks of the snapshot's folder and the move aside of
an unusable file."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from sessions.clock import iso
from sessions.collab.document import Document
from sessions.config import Config
from sessions.interview.chat import Entry, MessageLog
from sessions.interview.problems import ProblemBank
from sessions.interview.record import Event, Participant, RawEvent, Timeline, raw_event
from sessions.room.session import STATUSES, Session, new_history_id

VERSION = 1
_EVENT_FIELDS = tuple(field.name for field in dataclasses.fields(Event))
_T = TypeVar("_T")


class SnapshotError(Exception):
    """A snapshot file exists but cannot be used: unreadable, not JSON, or not a snapshot.

    The server refuses to start rather than overwrite it (``--snapshot-move-aside`` renames
    it and starts empty instead).
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot restore sessions from snapshot {path}: {reason}")
        self.path = path
        self.reason = reason


class FormatError(ValueError):
    """A snapshot's JSON does not have the expected shape; names the offending place."""


# --- one session ----------------------------------------------------------------------------------


def session_settings(session: Session) -> dict[str, Any]:
    """The session's own fields as plain JSON values: everything but its chat, notes,
    timeline and participants (which :func:`session_to_json` adds, and a base image keeps
    frozen on its own, :mod:`sessions.persistence.image`)."""
    return {
        "id": session.id,
        "name": session.name,
        "language": session.language,
        "interviewerToken": session.interviewer_token,
        "observerToken": session.observer_token,
        "code": session.document.text,
        "revision": session.document.revision,
        "createdAt": session.created_at,
        "updatedAt": session.updated_at,
        "status": session.status,
        "endedAt": session.ended_at,
        "problem": session.problem.slug if session.problem is not None else None,
        "maxCandidates": session.max_candidates,
        "languagesUsed": list(session.languages_used),
        "problemsUsed": list(session.problems_used),
        "blockedAddresses": sorted(session.blocked_addresses),
        "lastActivity": session.last_activity,
        "historyId": session.history_id,
    }


def session_to_json(session: Session) -> dict[str, Any]:
    """Everything about a session that outlives its sockets, as plain JSON values.

    A new persistent ``Session`` attribute is added in :func:`session_settings` and in
    :func:`session_from_json`.
    """
    return {
        **session_settings(session),
        "chat": _log_to_json(session.chat),
        "notes": _log_to_json(session.notes),
        "timeline": _timeline_to_json(session.timeline),
        "participants": [dataclasses.asdict(p) for p in session.participants.values()],
    }


def session_from_json(data: object, config: Config, problems: ProblemBank | None = None) -> Session:
    """The session :func:`session_to_json` wrote; raises :class:`FormatError` naming the field.

    The op log starts empty at the stored revision (see the module docstring). A problem no
    longer in ``problems`` is dropped from the session, not an error: the bank may change
    between runs, and the session's own data is all still there.
    """
    d = _object(data, "session")
    code = _field(d, "code", str)
    problem_slug = _optional(d, "problem", str)
    status = _field(d, "status", str)
    if status not in STATUSES:
        raise FormatError(f"field 'status' must be one of {', '.join(STATUSES)}")
    revision = _field(d, "revision", int)
    if revision < 0:
        raise FormatError("field 'revision' must not be negative")
    return Session(
        id=_field(d, "id", str),
        name=_field(d, "name", str),
        language=_field(d, "language", str),
        interviewer_token=_field(d, "interviewerToken", str),
        observer_token=_field(d, "observerToken", str),
        document=Document(
            code, revision, log_size=config.op_log_size, max_bytes=config.max_code_bytes
        ),
        created_at=_number(d, "createdAt"),
        updated_at=_number(d, "updatedAt"),
        chat=_log_from_json(d.get("chat"), config, "chat"),
        notes=_log_from_json(d.get("notes"), config, "notes"),
        timeline=_timeline_from_json(d.get("timeline"), config),
        max_candidates=_field(d, "maxCandidates", int),
        status=status,
        ended_at=_optional_number(d, "endedAt"),
        problem=problems.get(problem_slug)
        if problems is not None and problem_slug is not None and problem_slug in problems
        else None,
        participants={
            p.user_id: p
            for p in (
                _record(Participant, item, f"participants[{i}]")
                for i, item in enumerate(_list(d, "participants"))
            )
        },
        languages_used=tuple(_str_item(x, "languagesUsed") for x in _list(d, "languagesUsed")),
        problems_used=tuple(_str_item(x, "problemsUsed") for x in _list(d, "problemsUsed")),
        blocked_addresses=frozenset(
            _str_item(x, "blockedAddresses") for x in _list(d, "blockedAddresses")
        ),
        last_activity=_number(d, "lastActivity"),
        history_id=_optional(d, "historyId", str) or new_history_id(),
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
        "events": [dataclasses.asdict(event) for event in timeline.events],
    }


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
    """One timeline event as the timeline keeps it; the fast path of a restore (a million
    events is a common size), with :func:`_record`'s error messages for anything odd."""
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


# --- the envelope and the file -----------------------------------------------------------------


def store_to_json(
    sessions: Iterable[Session], now: float, *, clean: bool = False
) -> dict[str, Any]:
    """The versioned envelope around every session.

    ``clean`` marks the save made at a graceful shutdown: nothing was acknowledged after it,
    so a restore from it keeps every session's history id. From any other, a restore
    gives each session a new one (:func:`sessions.persistence.restore.restore` decides).
    """
    return {
        "version": VERSION,
        "savedAt": iso(now),
        "clean": clean,
        "sessions": [session_to_json(session) for session in sessions],
    }


def sessions_from_json(
    envelope: object, config: Config, problems: ProblemBank | None = None
) -> list[Session]:
    """Every session of an envelope; raises :class:`FormatError` for anything unexpected."""
    d = _object(envelope, "snapshot")
    if d.get("version") != VERSION:
        raise FormatError(f"unsupported snapshot version {d.get('version')!r} (expected 1)")
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
    if not folder.is_dir():
        raise SnapshotError(path, f"its folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SnapshotError(path, f"its folder {folder} is not writable")
    if path.is_dir():
        raise SnapshotError(path, "it is a folder")


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


def _optional(d: dict[str, Any], key: str, kind: type[_T]) -> _T | None:
    return None if d.get(key) is None else _field(d, key, kind)


def _number(d: dict[str, Any], key: str) -> float:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormatError(f"field {key!r} must be a number")
    return float(value)


def _optional_number(d: dict[str, Any], key: str) -> float | None:
    return None if d.get(key) is None else _number(d, key)


def _list(d: dict[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    if not isinstance(value, list):
        raise FormatError(f"field {key!r} must be a list")
    return value


def _str_item(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where} must hold strings")
    return value


def _record(cls: type[_T], value: object, where: str) -> _T:
    """A dataclass from the dict ``dataclasses.asdict`` made of it."""
    d = _object(value, where)
    try:
        return cls(**d)
    except TypeError as exc:
        raise FormatError(f"{where}: {exc}") from None
