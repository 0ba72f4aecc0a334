# mypy: ignore-errors
# msgspec is not a dependency of the project (`.venv/bin/pip install msgspec` to run this), and
# lint must pass on a fresh clone without it. With msgspec installed, and this line removed, the
# module passes mypy --strict.
"""The 14 client messages as msgspec Structs: the alternative measured in docs/protocol-parsing.md.

A port of :func:`sessions.protocol.messages.parse_frame` with the same rules: one tagged union
on ``type`` decoded straight from the frame's bytes, and the rules msgspec cannot declare
(limits from the config, a trimmed non-blank name, non-blank text, exactly one of code/ops, a
supported language, the depth of the free-form ``ops``, the ref and the unknown type on a
refused frame) checked after decoding. Measured by ``python -m bench.msgspec_cmp``; not used by
the server.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from sessions.errors import (
    DomainError,
    InvalidJson,
    InvalidMessage,
    UnknownLanguage,
    UnknownMessageType,
)
from sessions.languages import is_supported
from sessions.limits import nests_deeper, too_deep_message
from sessions.protocol.fields import MAX_REF_LENGTH, MAX_SAFE_INTEGER, Role, check_text, decode_json
from sessions.protocol.messages import (
    MAX_CURSOR_RANGES,
    MAX_HISTORY_ID_LENGTH,
    MAX_OP_ID_LENGTH,
    MAX_TOKEN_LENGTH,
    FrameError,
    Limits,
    read_client_id,
)

Ref = (
    Annotated[str, Meta(max_length=MAX_REF_LENGTH)]
    | Annotated[int, Meta(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
    | None
)
Count = Annotated[int, Meta(ge=0)]  # no upper bound: the domain refuses a revision ahead of it
Token = Annotated[str, Meta(max_length=MAX_TOKEN_LENGTH)]
Short = Annotated[str, Meta(max_length=MAX_REF_LENGTH)]
MAX_QUOTED = 200
"""msgspec quotes a refused value whole; an error frame says at most this many characters."""


class Message(Struct, tag_field="type", kw_only=True, rename="camel"):
    ref: Ref = None

    def check(self, limits: Limits) -> None:
        """The rules msgspec cannot declare; raise a DomainError naming the field."""


class JoinSession(Message, tag="join-session"):
    session_id: Token
    name: str
    role: Role | None = None
    token: Token | None = None
    revision: Count | None = None
    full_code: bool = True
    client_id: str | None = None
    history_id: Annotated[str, Meta(max_length=MAX_HISTORY_ID_LENGTH)] | None = None

    def check(self, limits: Limits) -> None:
        self.name = _name(self.name, limits.max_name_length)
        self.role = self.role or "candidate"
        read_client_id(self.client_id)  # msgspec would quote the regex, this says the rule


class Auth(Message, tag="auth"):
    token: Token


class CodeChange(Message, tag="code-change"):
    code: str | UnsetType | None = UNSET  # None once check() has seen ops
    ops: Any | UnsetType = UNSET
    revision: Count | None = None
    op_id: Annotated[str, Meta(max_length=MAX_OP_ID_LENGTH)] | None = None

    def check(self, limits: Limits) -> None:
        if (self.code is UNSET) == (self.ops is UNSET):
            raise InvalidMessage("a code-change carries exactly one of 'code' or 'ops'")
        if self.code is None:
            raise InvalidMessage("field 'code' is required")
        if self.ops is UNSET:
            self.ops = None
        else:
            if self.revision is None:
                raise InvalidMessage("field 'revision' is required with 'ops'")
            if nests_deeper(self.ops, limits.max_json_depth - 1):
                raise InvalidJson(too_deep_message("frame", limits.max_json_depth))
            self.code = None


class LanguageChange(Message, tag="language-change"):
    language: str

    def check(self, limits: Limits) -> None:
        if not is_supported(self.language):
            raise UnknownLanguage(f"field 'language': unknown language {self.language[:40]!r}")


class CursorRange(Struct):
    anchor: Count
    head: Count


class Cursor(Message, tag="cursor"):
    revision: Count
    ranges: Annotated[tuple[CursorRange, ...], Meta(max_length=MAX_CURSOR_RANGES)]


class LeaveSession(Message, tag="leave-session"):
    pass


class Ping(Message, tag="ping"):
    pass


class ChatMessage(Message, tag="chat-message"):
    text: str
    kind: Literal["message", "question"] = "message"
    reply_to: Short | None = None

    def check(self, limits: Limits) -> None:
        _text(self.text, limits.max_chat_length)


class Note(Message, tag="note"):
    text: str

    def check(self, limits: Limits) -> None:
        _text(self.text, limits.max_chat_length)


class SetProblem(Message, tag="set-problem"):
    slug: Short


class EndSession(Message, tag="end-session"):
    pass


class RemoveUser(Message, tag="remove-user"):
    user_id: Short
    block: bool = False


class RunCode(Message, tag="run-code"):
    pass


class CancelRun(Message, tag="cancel-run"):
    pass


ClientMessage = (
    JoinSession
    | Auth
    | CodeChange
    | LanguageChange
    | Cursor
    | LeaveSession
    | Ping
    | ChatMessage
    | Note
    | SetProblem
    | EndSession
    | RemoveUser
    | RunCode
    | CancelRun
)
WIRE_TYPES: dict[type, str] = {cls: cls.__struct_config__.tag for cls in get_args(ClientMessage)}
CLIENT_MESSAGE_TYPES: tuple[str, ...] = tuple(WIRE_TYPES.values())


def _name(name: str, max_length: int) -> str:
    if len(name) > max_length:
        raise InvalidMessage(f"field 'name' must be at most {max_length} characters")
    if not (name := name.strip()):
        raise InvalidMessage("field 'name' must not be blank")
    return name


def _text(text: str, max_length: int) -> None:
    if len(text) > max_length:
        raise InvalidMessage(f"field 'text' must be at most {max_length} characters")
    if not text.strip():
        raise InvalidMessage("field 'text' must not be blank")


class _Envelope(Struct):
    """What a refused frame may still say: its ref (echoed on the error) and its type."""

    type: Any = None
    ref: Ref = None


DEFAULTS = Limits()
_DECODER = msgspec.json.Decoder(ClientMessage)
_ENVELOPE = msgspec.json.Decoder(_Envelope)


def parse_frame(data: bytes | str, limits: Limits = DEFAULTS) -> ClientMessage:
    """Parse one frame. Raises :class:`FrameError` wrapping the precise error and ref."""
    try:
        message = _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise _refused(data, exc, limits) from None
    except msgspec.DecodeError:
        raise FrameError(_undecodable(data, limits), None) from None
    except RecursionError:
        too_deep = InvalidJson(too_deep_message("frame", limits.max_json_depth))
        raise FrameError(too_deep, None) from None
    try:
        message.check(limits)
    except DomainError as exc:
        raise FrameError(exc, message.ref) from None
    return message


def _undecodable(data: bytes | str, limits: Limits) -> DomainError:
    """What is wrong, where msgspec says only where (``invalid character (byte 21)``)."""
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
        frame = decode_json(text, limits.max_json_depth)  # says NaN, position, nesting
        for field, value in frame.items() if isinstance(frame, dict) else ():
            if isinstance(value, str):  # the stdlib reads a lone surrogate: whose is it?
                check_text(value, field)
    except UnicodeDecodeError:
        return InvalidJson("frame is not valid UTF-8")
    except DomainError as exc:
        return exc
    return InvalidMessage("frame contains an unpaired surrogate")


def _refused(data: bytes | str, exc: msgspec.ValidationError, limits: Limits) -> FrameError:
    said = str(exc)
    if len(said) > MAX_QUOTED:
        said = f"{said[: MAX_QUOTED // 2]}…{said[-MAX_QUOTED // 2 :]}"
    try:
        msgspec.json.decode(data)  # msgspec validates as it reads: is the rest JSON at all?
    except (msgspec.DecodeError, RecursionError):
        return FrameError(_undecodable(data, limits), None)
    try:
        envelope = _ENVELOPE.decode(data)
    except msgspec.ValidationError:
        return FrameError(InvalidMessage(said), None)
    kind = envelope.type
    if isinstance(kind, str) and kind not in CLIENT_MESSAGE_TYPES:
        return FrameError(UnknownMessageType(f"unknown message type {kind[:40]!r}"), envelope.ref)
    return FrameError(InvalidMessage(said), envelope.ref)
