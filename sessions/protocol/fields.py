"""JSON in and out, and the readers that check one field of a frame or body each.

Every reader raises :class:`~sessions.errors.InvalidMessage` (or a more precise
:class:`~sessions.errors.DomainError`) naming the field; nothing here does I/O.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Literal

import orjson

from sessions.errors import InvalidJson, InvalidMessage, UnknownLanguage
from sessions.languages import is_supported
from sessions.limits import json_too_deep, nests_deeper, too_deep_message

Role = Literal["interviewer", "candidate", "observer"]
ROLES: tuple[Role, ...] = ("interviewer", "candidate", "observer")
Ref = str | int | None

MAX_REF_LENGTH = 100
MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer JavaScript represents exactly (``Number.MAX_SAFE_INTEGER``)."""


# --- decoding -------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not valid JSON: browsers cannot parse it back")


_STDLIB_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def decode_json(text: str, max_depth: int | None = None, what: str = "frame") -> Any:
    """Parse JSON, turning every failure into :class:`InvalidJson` with a precise message.

    orjson parses valid frames 4-5x faster than the stdlib (1.0 against 4.5 µs for a 2 KB
    full-text frame, 0.4 against 1.8 µs for an op frame, timeit). When it refuses a frame
    (``NaN``, ``Infinity``, nesting past 1,024, an unpaired surrogate, anything malformed) the
    stdlib parses it again: to say precisely what is wrong (``RecursionError`` and integers
    over 4,300 digits included), or to accept what only orjson refuses (an unpaired surrogate,
    which the field readers then refuse by name). One difference on success: integers beyond
    64 bits come back as floats, which every integer field refuses.

    With ``max_depth``, nesting deeper than that is refused too: checked on the parsed value
    (cheap) or, when orjson refused the text, on the text before the stdlib recurses into it.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        if max_depth is not None and json_too_deep(text, max_depth):
            raise InvalidJson(too_deep_message(what, max_depth)) from None
        value = _explain(text)
    if max_depth is not None and nests_deeper(value, max_depth):
        raise InvalidJson(too_deep_message(what, max_depth))
    return value


def _explain(text: str) -> Any:
    try:
        return _STDLIB_DECODER.decode(text)
    except InvalidJson:
        raise
    except RecursionError:
        raise InvalidJson("frame is nested too deeply") from None
    except ValueError as exc:
        raise InvalidJson(f"frame is not valid JSON: {exc}") from None


def encode(message: dict[str, Any]) -> bytes:
    """One server frame as compact UTF-8 JSON; encode once, send the same bytes to everyone.

    orjson writes the same bytes as the stdlib, 10-20x faster (docs/benchmarks.md); it refuses
    integers beyond 64 bits, which a client's ``ref`` may be, so those go the stdlib's way.
    """
    try:
        return orjson.dumps(message)
    except TypeError:
        return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- field readers --------------------------------------------------------------------------


def check_text(value: str, field: str, *, where: str | None = None) -> str:
    """Reject strings that cannot be encoded as UTF-8 (lone surrogates from ``\\udXXX`` escapes).

    The error names ``field '<field>'``, or ``where`` when given (``query parameter 'tag'``).
    """
    if value.isascii():  # O(1): a flag on the string; the common case costs no encoding
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        named = where if where is not None else f"field '{field}'"
        raise InvalidMessage(f"{named} contains an unpaired surrogate") from None
    return value


def read_str(
    frame: dict[str, Any], field: str, *, required: bool = True, max_length: int | None = None
) -> str | None:
    """A string field; ``None`` when absent and not required."""
    value = frame.get(field)
    if value is None:
        if required:
            raise InvalidMessage(f"field '{field}' is required")
        return None
    if not isinstance(value, str):
        raise InvalidMessage(f"field '{field}' must be a string")
    if max_length is not None and len(value) > max_length:
        raise InvalidMessage(f"field '{field}' must be at most {max_length} characters")
    return check_text(value, field)


def require_str(frame: dict[str, Any], field: str, *, max_length: int | None = None) -> str:
    """A string field that must be present."""
    value = read_str(frame, field, max_length=max_length)
    if value is None:  # pragma: no cover - read_str raises for a missing required field
        raise InvalidMessage(f"field '{field}' is required")
    return value


def read_name(frame: dict[str, Any], field: str, max_length: int) -> str:
    """A display name: a non-blank string of at most ``max_length`` characters, trimmed."""
    name = require_str(frame, field, max_length=max_length).strip()
    if not name:
        raise InvalidMessage(f"field '{field}' must not be blank")
    return name


def read_revision(frame: dict[str, Any], field: str = "revision") -> int | None:
    """A non-negative integer; booleans are refused even though Python counts them as ints."""
    value = frame.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidMessage(f"field '{field}' must be an integer")
    if value < 0:
        raise InvalidMessage(f"field '{field}' must not be negative")
    return value


def read_bool(frame: dict[str, Any], field: str, default: bool) -> bool:
    value = frame.get(field, default)
    if not isinstance(value, bool):
        raise InvalidMessage(f"field '{field}' must be true or false")
    return value


def read_role(value: object, field: str = "role") -> Role:
    """One of :data:`ROLES`; absent means candidate."""
    if value is None:
        return "candidate"
    for role in ROLES:
        if value == role:
            return role
    raise InvalidMessage(f"field '{field}' must be one of {', '.join(ROLES)}")


def read_language(value: object, field: str = "language") -> str:
    """A supported language id."""
    if not isinstance(value, str):
        raise InvalidMessage(f"field '{field}' must be a string")
    if not is_supported(value):
        raise UnknownLanguage(f"field '{field}': unknown language {value[:40]!r}")
    return value


def read_ref(frame: dict[str, Any]) -> Ref:
    """The client's correlation id, echoed on the ack or error a frame causes."""
    ref = frame.get("ref")
    if ref is None:
        return None
    if isinstance(ref, bool) or not isinstance(ref, str | int):
        raise InvalidMessage("field 'ref' must be a string or an integer")
    if isinstance(ref, str) and len(ref) > MAX_REF_LENGTH:
        raise InvalidMessage(f"field 'ref' must be at most {MAX_REF_LENGTH} characters")
    if isinstance(ref, str):
        check_text(ref, "ref")  # it is echoed: a lone surrogate would fail the reply's encode
    elif abs(ref) > MAX_SAFE_INTEGER:
        # A browser could not read it back exactly; beyond 64 bits it would not even parse
        # as an integer on the fast path (orjson reads it as a float).
        raise InvalidMessage(f"field 'ref' must be an integer of at most {MAX_SAFE_INTEGER}")
    return ref


# An RFC 3339 date-time (the ISO 8601 profile JSON Schema's "date-time" names): the date, "T",
# the time with optional fractions of a second, and the offset from UTC ("Z" or +hh:mm).
_MOMENT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
_UNIX_EPOCH = date(1970, 1, 1).toordinal()
_DAYS_IN_400_YEARS = 146_097  # the Gregorian calendar repeats every 400 years


def read_moment(text: str, where: str) -> float:
    """An RFC 3339 date-time as seconds since the Unix epoch.

    Exactly what JSON Schema's ``"format": "date-time"`` accepts: "T" and "Z" in either case,
    any number of fractional digits, year 0000, and a leap second (``:60``) only at 23:59 UTC.
    A time without its offset is refused with a message saying so.
    """
    match = _MOMENT.fullmatch(text)
    if match is None:
        raise InvalidMessage(f"{where} must be an ISO 8601 time, e.g. 2026-11-24T09:00:00Z")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    if offset is None:
        raise InvalidMessage(f"{where} needs a time zone, e.g. 2026-11-24T09:00:00Z")
    offset_hours, offset_minutes = (0, 0) if offset in "Zz" else (int(offset[1:3]), int(offset[4:]))
    shift = (offset_hours * 60 + offset_minutes) * (-1 if offset[0] == "-" else 1)
    leap_second = second == 60 and (hour * 60 + minute - shift) % 1440 == 23 * 60 + 59
    days = _day_number(year, month, day)
    valid_time = hour <= 23 and minute <= 59 and (second <= 59 or leap_second)
    if days is None or not valid_time or offset_hours > 23 or offset_minutes > 59:
        raise InvalidMessage(f"{where} is not a valid time: {text[:40]!r}")
    seconds = days * 86_400 + (hour * 60 + minute - shift) * 60 + second
    return seconds + (float(fraction) if fraction else 0.0)


def _day_number(year: int, month: int, day: int) -> int | None:
    """Days from 1970-01-01 to a date of the proleptic Gregorian calendar; None if no such date.
    Year 0 is allowed: its calendar is that of year 400, 400 years (146,097 days) later."""
    try:
        ordinal = date(year or 400, month, day).toordinal()
    except ValueError:
        return None
    return ordinal - _UNIX_EPOCH - (0 if year else _DAYS_IN_400_YEARS)
