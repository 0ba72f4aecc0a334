"""How a session's own fields outlive the process: each declared once, on the field itself.

A persistent attribute of :class:`~sessions.room.session.Session` is declared with
:func:`stored` in its field's metadata, which names its JSON key and its :class:`Codec`::

    language: str = field(metadata=stored("language", TEXT))

and everything that writes or reads sessions derives from those declarations
(:func:`stored_fields`): the snapshot's session object, the journal's ``settings`` of a
change, the base image, the restore and the replay. Adding a persistent field is that one
line (and its test); a field with a default may be missing from files written before it
existed, and then takes the default.

A codec turns the attribute's value into plain JSON and back, checking what it reads:
:class:`FormatError` names the field. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass
from typing import Any, Generic, TypeVar

from sessions.interview.problems import Problem, ProblemBank

_V = TypeVar("_V")
STORED = "stored"
"""The key of a persistent field's declaration in its ``dataclasses.field`` metadata."""


class FormatError(ValueError):
    """Stored JSON does not have the expected shape; names the offending place."""


@dataclass(frozen=True, slots=True)
class Codec(Generic[_V]):
    """A value as plain JSON and back; ``read`` raises :class:`FormatError` saying what it
    expected (the caller adds the field's name)."""

    expected: str
    write: Callable[[_V], Any]
    read: Callable[[Any, ProblemBank | None], _V]


def _exact(kind: type[Any], expected: str) -> Codec[Any]:
    def read(value: Any, bank: ProblemBank | None) -> Any:
        if type(value) is not kind:
            raise FormatError(f"must be {expected}")
        return value

    return Codec(expected, lambda value: value, read)


def _number(value: Any, bank: ProblemBank | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FormatError("must be a number")
    return float(value)


def _optional(codec: Codec[_V]) -> Codec[_V | None]:
    def read(value: Any, bank: ProblemBank | None) -> _V | None:
        return None if value is None else codec.read(value, bank)

    return Codec(
        f"{codec.expected} or null",
        lambda value: None if value is None else codec.write(value),
        read,
    )


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FormatError("must be a list of strings")
    return value


def _problem(value: Any, bank: ProblemBank | None) -> Problem | None:
    # A problem no longer in the bank is dropped, not an error: the bank may change between
    # runs, and the session's own data is all still there.
    if value is None or bank is None:
        return None
    if not isinstance(value, str):
        raise FormatError("must be a problem's slug or null")
    return bank.get(value) if value in bank else None


def one_of(*values: str) -> Codec[str]:
    """A string that must be one of ``values``."""

    def read(value: Any, bank: ProblemBank | None) -> str:
        if value not in values:
            raise FormatError(f"must be one of {', '.join(values)}")
        return str(value)

    return Codec(f"one of {', '.join(values)}", lambda value: value, read)


TEXT: Codec[str] = _exact(str, "a string")
INTEGER: Codec[int] = _exact(int, "an integer")
NUMBER: Codec[float] = Codec("a number", lambda value: value, _number)
OPTIONAL_NUMBER: Codec[float | None] = _optional(NUMBER)
OPTIONAL_TEXT: Codec[str | None] = _optional(TEXT)
TEXTS: Codec[tuple[str, ...]] = Codec(
    "a list of strings", list, lambda value, bank: tuple(_strings(value))
)
TEXT_SET: Codec[frozenset[str]] = Codec(
    "a list of strings", sorted, lambda value, bank: frozenset(_strings(value))
)
PROBLEM: Codec[Problem | None] = Codec(
    "a problem's slug or null", lambda problem: problem.slug if problem else None, _problem
)


@dataclass(frozen=True, slots=True)
class StoredField:
    """One persistent attribute: its name in Python, its JSON key, its codec, its default."""

    attr: str
    key: str
    codec: Codec[Any]
    default: Callable[[], Any] | None

    def write(self, owner: object) -> Any:
        return self.codec.write(getattr(owner, self.attr))

    def read(self, data: dict[str, Any], bank: ProblemBank | None) -> Any:
        """The value under :attr:`key` in ``data``; its default when absent and it has one."""
        if self.key not in data and self.default is not None:
            return self.default()
        try:
            return self.codec.read(data.get(self.key), bank)
        except FormatError as exc:
            raise FormatError(f"field {self.key!r} {exc}") from None


def stored(key: str, codec: Codec[Any]) -> dict[str, tuple[str, Codec[Any]]]:
    """The metadata that declares a dataclass field persistent, under JSON key ``key``."""
    return {STORED: (key, codec)}


def stored_fields(cls: type) -> tuple[StoredField, ...]:
    """The persistent fields of a dataclass, in declaration order."""
    fields = []
    for item in dataclasses.fields(cls):
        if STORED not in item.metadata:
            continue
        key, codec = item.metadata[STORED]
        default: Callable[[], Any] | None = None
        if item.default is not MISSING:
            value = item.default
            default = lambda value=value: value  # noqa: E731 - one closure per field
        elif item.default_factory is not MISSING:
            default = item.default_factory
        fields.append(StoredField(item.name, key, codec, default))
    return tuple(fields)
