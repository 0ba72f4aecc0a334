"""The WebSocket protocol's client messages: each declares its ``type`` and parses itself.

Every frame is one JSON object with a ``"type"``. Each message class names its type in its
class statement (``class Ping(ClientMessage, type="ping")``) and reads its fields in its own
:meth:`~ClientMessage.parse`; the list of client types (:data:`CLIENT_MESSAGE_TYPES`), the
parser's table and the socket handler's dispatch all derive from those declarations.
Parsing is strict: a wrong type, a missing field or a value out of range raises a
:class:`~sessions.errors.DomainError` naming the field, which the transport turns into an
``error`` frame. The server's frames are built in :mod:`sessions.room.frames`. Nothing here
does I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, TypeVar

from sessions.config import Config
from sessions.errors import DomainError, InvalidMessage, UnknownMessageType
from sessions.protocol.fields import (
    MAX_REF_LENGTH,
    ROLES,
    Ref,
    Role,
    check_text,
    decode_json,
    read_bool,
    read_language,
    read_ref,
    read_revision,
    read_role,
    read_str,
    require_str,
)
from sessions.protocol.inputs import Choice, Field, Flag, Integer, Query, Text
from sessions.protocol.signalling import RtcSignal, read_signal

__all__ = ["ROLES", "Ref", "Role"]

# Parsed messages are plain slotted dataclasses, not frozen ones: one is built per frame, and a
# frozen slotted dataclass takes 1.15 µs to build against 0.27 µs (timeit). Nothing changes a
# message once parsed.


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits parsing needs (from :class:`~sessions.config.Config`)."""

    max_name_length: int = 100
    max_chat_length: int = 4000
    max_json_depth: int = 32

    @classmethod
    def of(cls, config: Config) -> Limits:
        return cls(config.max_name_length, config.max_chat_length, config.max_json_depth)


MAX_OP_ID_LENGTH = 128
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")
"""A ``clientId``: 22 to 64 URL-safe base64 characters, at least 128 random bits (22 is what
``secrets.token_urlsafe(16)`` or ``crypto.getRandomValues`` of 16 bytes in base64url makes)."""
MAX_HISTORY_ID_LENGTH = 64
MAX_TOKEN_LENGTH = 200
MAX_CURSOR_RANGES = 100


class ClientMessage:
    """A parsed client frame. Subclasses declare their wire ``type`` in the class statement
    and read their fields in :meth:`parse`; ``ref`` is the client's correlation id."""

    __slots__ = ()
    TYPE: ClassVar[str]
    JOINED: ClassVar[bool] = True
    """Whether the socket must have joined a session to send it."""
    ref: Ref

    def __init_subclass__(cls, *, type: str = "", joined: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not type and "TYPE" in cls.__dict__:
            # ``dataclass(slots=True)`` makes the class anew from the declared one's dict.
            MESSAGES[cls.TYPE] = cls
            return
        if not type or type in MESSAGES:
            raise TypeError(f"{cls.__name__} needs a type of its own, not {type!r}")
        cls.TYPE, cls.JOINED = type, joined
        MESSAGES[type] = cls

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> ClientMessage:
        """Read this message's fields from a decoded frame (without a field: just ``ref``)."""
        return cls(ref=ref)  # type: ignore[call-arg]


MESSAGES: dict[str, type[ClientMessage]] = {}
"""Every client message class by its wire ``type``, in declaration order."""


_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class JoinFields:
    """A join's fields, declared once: read from a ``join-session`` frame, from a
    ``/ws/{sessionId}`` URL's query, and shown as that URL's parameters in the OpenAPI
    document (:mod:`sessions.web.openapi_paths`)."""

    session_id: Field[str]
    name: Field[str]
    role: Field[str]
    token: Field[str]
    client_id: Field[str]
    revision: Field[int]
    history_id: Field[str]
    full_code: Field[bool]

    def query(self) -> Query:
        """The URL's parameters: every field but the session's id, which is in the path."""
        return Query(
            (
                self.name,
                self.role,
                self.token,
                self.client_id,
                self.revision,
                self.history_id,
                self.full_code,
            )
        )


def _unknown_role(where: str, value: str) -> InvalidMessage:
    return InvalidMessage(f"{where} must be one of {', '.join(ROLES)}")


@cache
def join_fields(limits: Limits) -> JoinFields:
    """The join's fields with ``limits``."""
    return JoinFields(
        session_id=Field(
            "sessionId", Text(max_length=MAX_TOKEN_LENGTH), "the session to join", required=True
        ),
        name=Field(
            "name", Text(max_length=limits.max_name_length, trimmed=True), "display name", True
        ),
        role=Field(
            "role", Choice(ROLES, _unknown_role), "interviewer, candidate (default) or observer"
        ),
        token=Field(
            "token",
            Text(max_length=MAX_TOKEN_LENGTH),
            "for interviewer and observer; or send it in an 'auth' frame",
        ),
        client_id=Field(
            "clientId",
            Text(
                pattern=CLIENT_ID_PATTERN.pattern,
                shape="22 to 64 characters of A-Z, a-z, 0-9, '-' and '_' (at least 128 random "
                "bits, e.g. 16 random bytes in base64url)",
            ),
            "this client's own id, the same on every reconnect",
        ),
        revision=Field("revision", Integer(0), "the last revision seen, to get the missed ops"),
        history_id=Field(
            "historyId",
            Text(max_length=MAX_HISTORY_ID_LENGTH),
            "the historyId that revision belongs to",
        ),
        full_code=Field("fullCode", Flag(), "false: code-update frames without the code"),
    )


def _read(frame: dict[str, Any], field: Field[_T]) -> _T | None:
    """A declared field of a frame; None when absent and not required."""
    value = frame.get(field.name)
    if value is None:
        if field.required:
            raise InvalidMessage(f"field '{field.name}' is required")
        return None
    return field.kind.read(value, f"field '{field.name}'")


@dataclass(slots=True)
class JoinSession(ClientMessage, type="join-session", joined=False):
    session_id: str
    name: str
    role: Role
    token: str | None
    revision: int | None
    full_code: bool
    ref: Ref = None
    client_id: str | None = None
    history_id: str | None = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> JoinSession:
        fields = join_fields(limits)
        full_code = _read(frame, fields.full_code)
        role: str | None = _read(frame, fields.role)
        return cls(
            session_id=_read(frame, fields.session_id) or "",
            name=_read(frame, fields.name) or "",
            role=read_role(role),
            token=_read(frame, fields.token),
            revision=_read(frame, fields.revision),
            full_code=True if full_code is None else full_code,
            ref=ref,
            client_id=_read(frame, fields.client_id),
            history_id=_read(frame, fields.history_id),
        )

    @classmethod
    def from_query(cls, session_id: str, query: Mapping[str, str], limits: Limits) -> JoinSession:
        """The join a ``/ws/{sessionId}?name=&role=...`` URL asks for, read with the same
        declarations as the frame (errors name the query parameter)."""
        fields = join_fields(limits)
        values = fields.query().read(query)
        full_code = values.get(fields.full_code)
        role: str | None = values.get(fields.role)
        return cls(
            session_id=session_id,
            name=values.get(fields.name) or "",
            role=read_role(role),
            token=values.get(fields.token),
            revision=values.get(fields.revision),
            full_code=True if full_code is None else full_code,
            client_id=values.get(fields.client_id),
            history_id=values.get(fields.history_id),
        )


@dataclass(slots=True)
class Auth(ClientMessage, type="auth", joined=False):
    """The token for a ``/ws/{sessionId}`` connection that did not put it in the URL."""

    token: str
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> Auth:
        return cls(token=require_str(frame, "token", max_length=MAX_TOKEN_LENGTH), ref=ref)


@dataclass(slots=True)
class CodeChange(ClientMessage, type="code-change"):
    """Either ``ops`` (with a base ``revision``) or full ``code`` (revision optional)."""

    code: str | None
    ops: object | None
    revision: int | None
    op_id: str | None
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> CodeChange:
        # The common frames first, every check written out (the most frequent frame: the
        # helpers' calls were most of its parse, 0.71 against 0.3 µs, timeit): ``ops`` or a
        # string ``code``, not both, an optional ``revision`` that is a non-negative int
        # (``type() is int``: not a bool), an optional ASCII ``opId`` within its length. Any
        # other frame, valid or not, goes the precise way below, which names what is wrong.
        revision = frame.get("revision")
        op_id = frame.get("opId")
        if (revision is None or (type(revision) is int and revision >= 0)) and (
            op_id is None
            or (type(op_id) is str and len(op_id) <= MAX_OP_ID_LENGTH and op_id.isascii())
        ):
            if "ops" in frame:
                if revision is not None and "code" not in frame:
                    return cls(None, frame["ops"], revision, op_id, ref)
            else:
                code = frame.get("code")
                if type(code) is str:
                    if not code.isascii():  # O(1); then check_text encodes it to check it
                        check_text(code, "code")
                    return cls(code, None, revision, op_id, ref)
        has_code, has_ops = "code" in frame, "ops" in frame
        if has_code == has_ops:
            raise InvalidMessage("a code-change carries exactly one of 'code' or 'ops'")
        revision = read_revision(frame)
        if has_ops and revision is None:
            raise InvalidMessage("field 'revision' is required with 'ops'")
        return cls(
            code=require_str(frame, "code") if has_code else None,
            ops=frame["ops"] if has_ops else None,
            revision=revision,
            op_id=read_str(frame, "opId", required=False, max_length=MAX_OP_ID_LENGTH),
            ref=ref,
        )


@dataclass(slots=True)
class LanguageChange(ClientMessage, type="language-change"):
    language: str
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> LanguageChange:
        if "language" not in frame:
            raise InvalidMessage("field 'language' is required")
        return cls(language=read_language(frame["language"]), ref=ref)


@dataclass(slots=True)
class CursorRange:
    anchor: int
    head: int


def _cursor_range(item: object, index: int) -> CursorRange:
    if not isinstance(item, dict):
        raise InvalidMessage(f"ranges[{index}] must be an object with 'anchor' and 'head'")
    anchor = read_revision(item, "anchor")
    head = read_revision(item, "head")
    if anchor is None or head is None:
        raise InvalidMessage(f"ranges[{index}] needs integer 'anchor' and 'head'")
    return CursorRange(anchor=anchor, head=head)


@dataclass(slots=True)
class Cursor(ClientMessage, type="cursor"):
    revision: int
    ranges: tuple[CursorRange, ...]
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> Cursor:
        revision = read_revision(frame)
        if revision is None:
            raise InvalidMessage("field 'revision' is required")
        ranges = frame.get("ranges")
        if not isinstance(ranges, list):
            raise InvalidMessage("field 'ranges' must be a list")
        if len(ranges) > MAX_CURSOR_RANGES:
            raise InvalidMessage(f"field 'ranges' holds at most {MAX_CURSOR_RANGES} ranges")
        parsed = tuple(_cursor_range(item, i) for i, item in enumerate(ranges))
        return cls(revision=revision, ranges=parsed, ref=ref)


@dataclass(slots=True)
class LeaveSession(ClientMessage, type="leave-session"):
    ref: Ref = None


@dataclass(slots=True)
class Ping(ClientMessage, type="ping", joined=False):
    ref: Ref = None


def read_text(frame: dict[str, Any], limits: Limits) -> str:
    """A chat message or note: non-blank, at most ``max_chat_length`` characters."""
    text = require_str(frame, "text", max_length=limits.max_chat_length)
    if not text.strip():
        raise InvalidMessage("field 'text' must not be blank")
    return text


@dataclass(slots=True)
class ChatMessage(ClientMessage, type="chat-message"):
    text: str
    kind: str = "message"
    reply_to: str | None = None
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> ChatMessage:
        kind = frame.get("kind", "message")
        if kind not in CHAT_KINDS:
            raise InvalidMessage(f"field 'kind' must be one of {', '.join(CHAT_KINDS)}")
        return cls(
            text=read_text(frame, limits),
            kind=kind,
            reply_to=read_str(frame, "replyTo", required=False, max_length=MAX_REF_LENGTH),
            ref=ref,
        )


@dataclass(slots=True)
class Note(ClientMessage, type="note"):
    text: str
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> Note:
        return cls(text=read_text(frame, limits), ref=ref)


@dataclass(slots=True)
class SetProblem(ClientMessage, type="set-problem"):
    slug: str
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> SetProblem:
        return cls(slug=require_str(frame, "slug", max_length=MAX_REF_LENGTH), ref=ref)


MAX_PLANNED_SECONDS = 24 * 3600


@dataclass(slots=True)
class SetTimer(ClientMessage, type="set-timer"):
    """The interview's planned length in seconds (the room's timer), or null for none."""

    planned_seconds: float | None
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> SetTimer:
        if "plannedSeconds" not in frame:
            raise InvalidMessage("field 'plannedSeconds' is required (a number or null)")
        value = frame["plannedSeconds"]
        if value is None:
            return cls(planned_seconds=None, ref=ref)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidMessage("field 'plannedSeconds' must be a number of seconds or null")
        if not 60 <= value <= MAX_PLANNED_SECONDS:
            raise InvalidMessage(
                f"field 'plannedSeconds' must be between 60 and {MAX_PLANNED_SECONDS}"
            )
        return cls(planned_seconds=float(value), ref=ref)


@dataclass(slots=True)
class EndSession(ClientMessage, type="end-session"):
    ref: Ref = None


@dataclass(slots=True)
class RemoveUser(ClientMessage, type="remove-user"):
    user_id: str
    block: bool = False
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> RemoveUser:
        return cls(
            user_id=require_str(frame, "userId", max_length=MAX_REF_LENGTH),
            block=read_bool(frame, "block", False),
            ref=ref,
        )


@dataclass(slots=True)
class RunCode(ClientMessage, type="run-code"):
    """Run the session's code at its current revision (:mod:`sessions.web.runs`).

    ``stdin``: the program's standard input for a free-form run (at most
    :data:`MAX_STDIN_CHARS` characters); absent: empty."""

    stdin: str | None = None
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> RunCode:
        return cls(
            stdin=read_str(frame, "stdin", required=False, max_length=MAX_STDIN_CHARS), ref=ref
        )


MAX_STDIN_CHARS = 64 * 1024


@dataclass(slots=True)
class CancelRun(ClientMessage, type="cancel-run"):
    """Stop this session's run, queued or running."""

    ref: Ref = None


SIGNAL_KINDS = ("focus-lost", "focus-back", "paste")
MAX_SIGNAL_COUNT = 10_000_000
"""The most characters or lines a paste may say it had (more is not believable)."""
MAX_AWAY_SECONDS = 7 * 24 * 3600.0


def _bounded_count(frame: dict[str, Any], field: str) -> int:
    value = read_revision(frame, field)
    if value is None:
        raise InvalidMessage(f"field '{field}' is required")
    if value > MAX_SIGNAL_COUNT:
        raise InvalidMessage(f"field '{field}' must be at most {MAX_SIGNAL_COUNT}")
    return value


def _seconds(frame: dict[str, Any], field: str) -> float:
    value = frame.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidMessage(f"field '{field}' must be a number of seconds")
    if not 0 <= value <= MAX_AWAY_SECONDS:
        raise InvalidMessage(f"field '{field}' must be between 0 and {MAX_AWAY_SECONDS:g}")
    return round(float(value), 1)


@dataclass(slots=True)
class Signal(ClientMessage, type="signal"):
    """What the candidate's page noticed: it lost focus or was hidden (``focus-lost``), it
    came back after ``seconds`` (``focus-back``), or text was pasted into the editor
    (``paste``: its size, and whether it was copied inside the room; never the text)."""

    kind: str
    hidden: bool = False
    seconds: float = 0.0
    chars: int = 0
    lines: int = 0
    from_room: bool = False
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> Signal:
        kind = frame.get("kind")
        if kind not in SIGNAL_KINDS:
            raise InvalidMessage(f"field 'kind' must be one of {', '.join(SIGNAL_KINDS)}")
        if kind == "paste":
            return cls(
                kind=kind,
                chars=_bounded_count(frame, "chars"),
                lines=_bounded_count(frame, "lines"),
                from_room=read_bool(frame, "fromRoom", False),
                ref=ref,
            )
        hidden = read_bool(frame, "hidden", False)
        seconds = _seconds(frame, "seconds") if kind == "focus-back" else 0.0
        return cls(kind=kind, hidden=hidden, seconds=seconds, ref=ref)


# --- the whiteboard (sessions.room.board checks the elements against the board's limits) ---

MAX_BOARD_ID_LENGTH = 64


@dataclass(slots=True)
class BoardSync(ClientMessage, type="board-sync"):
    """Open the whiteboard, or catch up on it after a rejoin.

    ``known`` maps the element ids the client has from the server to that copy's
    ``[version, versionNonce]``: the reply carries only the copies that differ (and the ids
    the server lacks); without it, the whole board.
    """

    known: dict[str, tuple[int, int]] | None
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> BoardSync:
        known = frame.get("known")
        if known is None:
            return cls(known=None, ref=ref)
        if not isinstance(known, dict):
            raise InvalidMessage("field 'known' must be an object of element ids to versions")
        copies: dict[str, tuple[int, int]] = {}
        for key, copy in known.items():
            if (
                len(key) > MAX_BOARD_ID_LENGTH
                or not isinstance(copy, list)
                or len(copy) != 2
                or any(isinstance(n, bool) or not isinstance(n, int) for n in copy)
            ):
                raise InvalidMessage(
                    "field 'known' must map element ids (at most 64 characters) to "
                    "[version, versionNonce] pairs of integers"
                )
            copies[key] = (copy[0], copy[1])
        return cls(known=copies, ref=ref)


@dataclass(slots=True)
class BoardChange(ClientMessage, type="board-change"):
    """Whiteboard elements the client changed, each whole (Excalidraw's JSON)."""

    elements: list[Any]
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> BoardChange:
        elements = frame.get("elements")
        if not isinstance(elements, list) or not elements:
            raise InvalidMessage("field 'elements' must be a non-empty list of elements")
        return cls(elements=elements, ref=ref)


@dataclass(slots=True)
class BoardPointer(ClientMessage, type="board-pointer"):
    """Where this member's pointer is on the whiteboard (scene coordinates)."""

    x: float
    y: float
    button: str = "up"
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> BoardPointer:
        x, y = frame.get("x"), frame.get("y")
        for name, value in (("x", x), ("y", y)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise InvalidMessage(f"field '{name}' must be a finite number")
        button = frame.get("button", "up")
        if button not in ("up", "down"):
            raise InvalidMessage("field 'button' must be 'up' or 'down'")
        return cls(x=float(x), y=float(y), button=button, ref=ref)  # type: ignore[arg-type]


# --- the call (sessions/room/call.py) ----------------------------------------------------


@dataclass(slots=True)
class CallJoin(ClientMessage, type="call-join"):
    """Join the session's call (starting it when nobody is in it)."""

    ref: Ref = None


@dataclass(slots=True)
class CallLeave(ClientMessage, type="call-leave"):
    """Hang up: leave the call (it ends with its last member)."""

    ref: Ref = None


@dataclass(slots=True)
class CallSignal(ClientMessage, type="call-signal"):
    """An offer, answer or ICE candidate for one other member of the call (``to``)."""

    to: str
    signal: RtcSignal
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> CallSignal:
        return cls(
            to=require_str(frame, "to", max_length=MAX_REF_LENGTH),
            signal=read_signal(frame),
            ref=ref,
        )


@dataclass(slots=True)
class CallMedia(ClientMessage, type="call-media"):
    """What the member sends now: microphone muted, camera off (shown on their tile)."""

    muted: bool
    camera_off: bool
    ref: Ref = None

    @classmethod
    def parse(cls, frame: dict[str, Any], ref: Ref, limits: Limits) -> CallMedia:
        return cls(
            muted=read_bool(frame, "muted", False),
            camera_off=read_bool(frame, "cameraOff", False),
            ref=ref,
        )


CHAT_KINDS = ("message", "question")
CLIENT_MESSAGE_TYPES: tuple[str, ...] = tuple(MESSAGES)
"""Every ``type`` a client may send, derived from the message classes above."""


class FrameError(DomainError):
    """Carries a parse failure together with the ref it could still read, if any."""

    def __init__(self, cause: DomainError, ref: Ref) -> None:
        super().__init__(cause.message)
        self.cause = cause
        self.ref = ref


def parse_frame(text: str, limits: Limits = Limits()) -> ClientMessage:
    """Parse one text frame. Raises :class:`FrameError` wrapping the precise error and ref."""
    ref: Ref = None
    try:
        frame = decode_json(text, limits.max_json_depth)
        if not isinstance(frame, dict):
            raise InvalidMessage("a frame must be a JSON object with a 'type'")
        if "ref" in frame:  # most frames carry none: no call for them
            ref = read_ref(frame)
        kind = frame.get("type")
        if not isinstance(kind, str):
            raise InvalidMessage("field 'type' is required and must be a string")
        message = MESSAGES.get(kind)
        if message is None:
            raise UnknownMessageType(f"unknown message type {kind[:40]!r}")
        return message.parse(frame, ref, limits)
    except FrameError:
        raise
    except DomainError as exc:
        raise FrameError(exc, ref) from None
