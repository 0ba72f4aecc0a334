"""Start-up: the base snapshot, then every journal after it replayed in order.

Which journals: those of the base's generation and later (a base without a ``journal``
member, from an older server or a first start, takes all of them). A journal whose header
says it follows a gap (records were lost to a disk error) is replayed only when the base is
of its generation or later; otherwise replay stops before it, with a warning: the state
restored is the last consistent one before the error.

A torn last frame is dropped with a warning. Anything else that does not fit raises
:class:`~sessions.persistence.snapshot.SnapshotError` naming the file and the byte offset.

History ids (docs/protocol.md, "Reconnect"): kept when nothing acknowledged can be missing
— the base is the clean save of a shutdown and no journal record followed it, or every
file since the last start was written with ``--durability always`` — and new otherwise.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sessions.clock import Clock
from sessions.config import Config
from sessions.interview.problems import ProblemBank
from sessions.persistence import snapshot
from sessions.persistence.framing import CorruptJournal, read_frames
from sessions.persistence.journal import journal_files
from sessions.persistence.records import VERSION, Replay, ReplayError
from sessions.persistence.snapshot import SnapshotError, move_aside
from sessions.room.session import Session, new_history_id

log = logging.getLogger("interview.persistence")


@dataclass(slots=True)
class Restored:
    """The sessions, and what the journal needs to carry on from them."""

    sessions: list[Session] = field(default_factory=list)
    jseqs: dict[str, int] = field(default_factory=dict)
    generation: int = 0
    """The highest generation found; the next journal is one more."""
    replayed: int = 0
    found: bool = False
    """Whether there was anything on disk (a base or a journal)."""
    base: bool = False
    """Whether there was a base snapshot (a crash before the first one leaves journals only)."""
    clean: bool = False
    """The base is the clean save of a shutdown and nothing followed it."""


def restore(path: Path, config: Config, problems: ProblemBank | None) -> Restored:
    """Load the base at ``path`` and replay its journals; SnapshotError if unusable."""
    envelope = _load_base(path)
    journals = journal_files(path)
    result = Restored(found=envelope is not None or bool(journals), base=envelope is not None)
    # Without a base, the journals alone say whether acknowledged changes can be missing.
    base_generation, skip, always = 0, frozenset[str](), envelope is None
    jseqs: dict[str, int] = {}
    sessions: dict[str, Session] = {}
    clean = False
    if envelope is not None:
        clean = envelope.get("clean") is True
        meta = envelope.get("journal")
        if isinstance(meta, dict):
            base_generation, jseqs, skip, always = _journal_meta(path, meta)
        try:
            kept = snapshot.sessions_from_json(envelope, config, problems)
        except ValueError as exc:
            raise SnapshotError(path, str(exc)) from None
        sessions = {s.id: s for s in kept}
    replay = Replay(sessions, dict(jseqs), skip, config, problems)
    result.generation = max(base_generation, journals[-1][0] if journals else 0)
    for generation, journal in journals:
        if generation < base_generation:
            continue
        stop, journal_always = _replay_file(journal, generation, base_generation, replay)
        always = always and journal_always
        if stop:
            break
    result.clean = clean and replay.applied == 0
    keep = result.clean or always
    result.sessions = list(replay.sessions.values())
    result.jseqs = replay.jseqs
    result.replayed = replay.applied
    if not keep:
        for session in result.sessions:
            session.history_id = new_history_id()
    return result


def load(path: Path, config: Config, problems: ProblemBank | None, clock: Clock) -> Restored:
    """:func:`restore`, logged; with ``--snapshot-move-aside`` an unusable file is renamed and
    restoring starts over without it (each file at most once)."""
    for _ in range(len(journal_files(path)) + 2):
        try:
            restored = restore(path, config, problems)
            break
        except SnapshotError as exc:
            if not config.snapshot_move_aside:
                raise
            moved = move_aside(exc.path, clock())
            log.warning("%s; moved it to %s and restoring without it", exc, moved)
    else:  # pragma: no cover - every pass moves one file away
        raise SnapshotError(path, "could not restore even after moving files aside")
    if not restored.found:
        log.info("no snapshot at %s yet: starting with no sessions", path)
    elif restored.base:
        log.info(
            "restored %d session(s) from %s and %d journal record(s)",
            len(restored.sessions),
            path,
            restored.replayed,
        )
    else:
        log.info(
            "restored %d session(s) from %d journal record(s) beside %s (no base snapshot "
            "had been written yet)",
            len(restored.sessions),
            restored.replayed,
            path,
        )
    return restored


def _load_base(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SnapshotError(path, exc.strerror or str(exc)) from None
    try:
        envelope = orjson.loads(raw)  # four times json's speed on a large base
    except orjson.JSONDecodeError:
        envelope = _load_text(path, raw)  # the standard library's clearer messages
    if not isinstance(envelope, dict):
        raise SnapshotError(path, "snapshot must be an object")
    return envelope


def _load_text(path: Path, raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SnapshotError(path, "not UTF-8 text") from None
    except RecursionError:
        raise SnapshotError(path, "JSON nested too deeply") from None
    except ValueError as exc:
        raise SnapshotError(path, str(exc)) from None


def _journal_meta(
    path: Path, meta: dict[str, Any]
) -> tuple[int, dict[str, int], frozenset[str], bool]:
    generation = meta.get("generation")
    records = meta.get("records", {})
    skip = meta.get("skip", [])
    if (
        not isinstance(generation, int)
        or not isinstance(records, dict)
        or not all(isinstance(v, int) for v in records.values())
        or not isinstance(skip, list)
        or not all(isinstance(item, str) for item in skip)
    ):
        raise SnapshotError(path, "field 'journal' is not what this server writes")
    return generation, dict(records), frozenset(skip), meta.get("durability") == "always"


def _replay_file(
    journal: Path, generation: int, base_generation: int, replay: Replay
) -> tuple[bool, bool]:
    """Replay one journal; returns (stop here, it was written with ``always``)."""
    try:
        data = journal.read_bytes()
    except OSError as exc:
        raise SnapshotError(journal, exc.strerror or str(exc)) from None
    try:
        frames = read_frames(data)
    except CorruptJournal as exc:
        raise SnapshotError(journal, str(exc)) from None
    if frames.torn is not None:
        log.warning(
            "journal %s: dropped a torn last record at byte offset %d (%s): the process "
            "stopped while writing it, before it was acknowledged as durable",
            journal,
            frames.end,
            frames.torn,
        )
    if not frames.payloads:
        return False, False  # a file cut before its header was written holds nothing
    offset, payload = frames.payloads[0]
    head = _decode(journal, offset, payload)
    if head.get("journal") != VERSION or head.get("generation") != generation:
        raise SnapshotError(
            journal, f"not a journal of version {VERSION} and generation {generation}"
        )
    if head.get("afterGap") is True and base_generation < generation:
        log.warning(
            "journal %s follows records lost to a disk error and no snapshot was written "
            "after them: restoring the state from before the error",
            journal,
        )
        return True, False
    for offset, payload in frames.payloads[1:]:
        try:
            replay.apply(_decode(journal, offset, payload))
        except ReplayError as exc:
            raise SnapshotError(journal, f"{exc} (record at byte offset {offset})") from None
    return False, head.get("durability") == "always"


def _decode(journal: Path, offset: int, payload: bytes) -> dict[str, Any]:
    try:
        record = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(journal, f"{exc} (record at byte offset {offset})") from None
    if not isinstance(record, dict):
        raise SnapshotError(journal, f"a record that is not an object at byte offset {offset}")
    return record
