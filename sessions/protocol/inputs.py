"""Request inputs declared once: each field says how it is read and how JSON Schema shows it.

A :class:`Field` pairs a name and a description with a :class:`Kind` (text, a choice, an
integer, a flag, a moment). The kind checks a value (:meth:`Kind.read` for a JSON value,
:meth:`Kind.parse` for a query string's text) and describes the same rules as JSON Schema
(:meth:`Kind.schema`). A :class:`Body` (fields, the pairs that exclude each other, whether one
must be set) and a :class:`Query` (parameters) are read with those fields, and the OpenAPI
document (``sessions/web/openapi.py``) is built from them: a rule added here is enforced and
documented at once, and the document's fuzzing test (``tests/test_openapi.py``) holds the two
to each other.

In a body, ``null`` is the same as an absent field. Every refusal is an
:class:`~sessions.errors.InvalidMessage` (400) naming the field, unless the kind says otherwise.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from sessions.errors import BadRequest, DomainError, InvalidMessage, PayloadTooLarge
from sessions.protocol.fields import check_text, read_moment

Schema = dict[str, Any]
T = TypeVar("T")
_DIGITS = re.compile(r"-?[0-9]+")
_DATE_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_DIGITS = 4300  # Python's own limit for int(str) (sys.get_int_max_str_digits)


class Kind(ABC, Generic[T]):
    """What a field holds: the check of a value and its JSON Schema, side by side."""

    __slots__ = ()

    @abstractmethod
    def read(self, value: object, where: str) -> T:
        """A JSON value, or raise naming ``where`` (``field 'name'``)."""

    def parse(self, text: str, where: str) -> T:
        """A query string's value; text kinds read it as it is."""
        return self.read(text, where)

    def claims(self, text: str) -> bool:
        """Whether ``text`` has this kind's shape (for :class:`AnyOf`)."""
        return True

    @abstractmethod
    def schema(self) -> Schema:
        """The same rules as JSON Schema (the OpenAPI 3.0 dialect)."""


@dataclass(frozen=True, slots=True)
class Text(Kind[str]):
    """A string: at most ``max_length`` characters, ``pattern`` matching all of it, at most
    ``max_bytes`` in UTF-8 (over it: 413). ``trimmed``: must hold a character other than
    whitespace, and is read without the whitespace around it."""

    max_length: int | None = None
    max_bytes: int | None = None
    trimmed: bool = False
    pattern: str | None = None
    shape: str = ""
    """The pattern in words, for the error message."""

    def __post_init__(self) -> None:
        if self.pattern is not None and self.trimmed:  # the schema states one pattern only
            raise ValueError("a Text is either trimmed or patterned, not both")

    def read(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise InvalidMessage(f"{where} must be a string")
        check_text(value, "", where=where)
        if self.max_length is not None and len(value) > self.max_length:
            raise InvalidMessage(f"{where} must be at most {self.max_length} characters")
        if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
            raise InvalidMessage(f"{where} must be {self.shape or 'of the form ' + self.pattern}")
        if self.max_bytes is not None:
            size = len(value) if value.isascii() else len(value.encode("utf-8"))
            if size > self.max_bytes:
                raise PayloadTooLarge(
                    f"{where} is {size} bytes, over the limit of {self.max_bytes} bytes"
                )
        if self.trimmed:
            value = value.strip()
            if not value:
                raise InvalidMessage(f"{where} must not be blank")
        return value

    def schema(self) -> Schema:
        schema: Schema = {"type": "string"}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern is not None:
            schema["pattern"] = f"^(?:{self.pattern})$"
        elif self.trimmed:
            schema["pattern"] = not_blank_pattern()
        if self.max_bytes is not None:
            schema["x-maxBytes"] = self.max_bytes  # JSON Schema counts characters, not bytes
        return schema


@cache
def not_blank_pattern() -> str:
    """A JSON Schema pattern for "holds a character that ``str.strip`` keeps".

    Spelt out as the characters ``str.isspace`` names (all in the Basic Multilingual Plane), so
    that every regex dialect reads it alike: ``\\s`` differs between Python and ECMAScript.
    """
    spaces = [code for code in range(0x10000) if chr(code).isspace()]
    ranges: list[list[int]] = []
    for code in spaces:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )
    return f"[^{parts}]"


@dataclass(frozen=True, slots=True)
class Choice(Kind[str]):
    """One of ``values``; ``refuse(where, value)`` makes the error for any other string."""

    values: tuple[str, ...]
    refuse: Callable[[str, str], DomainError] | None = None

    def read(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise InvalidMessage(f"{where} must be a string")
        if value in self.values:
            return value
        if self.refuse is not None:
            raise self.refuse(where, value)
        allowed = ", ".join(self.values)
        raise InvalidMessage(f"{where} must be one of {allowed} (got {value[:40]!r})")

    def schema(self) -> Schema:
        return {"type": "string", "enum": list(self.values)}


@dataclass(frozen=True, slots=True)
class Integer(Kind[int]):
    """An integer from ``minimum`` to ``maximum`` (a JSON number; in a query, decimal digits).
    Booleans are refused although Python counts them as integers."""

    minimum: int = 0
    maximum: int | None = None

    def read(self, value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidMessage(f"{where} must be {self._range()}")
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            raise InvalidMessage(f"{where} must be {self._range()}")
        return value

    def parse(self, text: str, where: str) -> int:
        if len(text) > _MAX_DIGITS or not self.claims(text):
            raise InvalidMessage(f"{where} must be {self._range()}")
        return self.read(int(text), where)

    def claims(self, text: str) -> bool:
        return _DIGITS.fullmatch(text) is not None

    def _range(self) -> str:
        if self.maximum is not None:
            return f"an integer from {self.minimum} to {self.maximum}"
        if self.minimum == 0:
            return "a non-negative integer"
        return f"an integer of at least {self.minimum}"

    def schema(self) -> Schema:
        schema: Schema = {"type": "integer", "minimum": self.minimum}
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True, slots=True)
class Flag(Kind[bool]):
    """``true`` or ``false``: a JSON boolean, or those words in a query (in any case)."""

    def read(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise InvalidMessage(f"{where} must be true or false")
        return value

    def parse(self, text: str, where: str) -> bool:
        words = {"true": True, "false": False}
        if text.lower() not in words:
            raise InvalidMessage(f"{where} must be true or false")
        return words[text.lower()]

    def schema(self) -> Schema:
        return {"type": "boolean"}


@dataclass(frozen=True, slots=True)
class Moment(Kind[float]):
    """An RFC 3339 date-time with its offset, read as seconds since the Unix epoch."""

    def read(self, value: object, where: str) -> float:
        if not isinstance(value, str):
            raise InvalidMessage(f"{where} must be a string")
        return read_moment(value, where)

    def claims(self, text: str) -> bool:
        return _DATE_START.match(text) is not None

    def schema(self) -> Schema:
        return {"type": "string", "format": "date-time"}


@dataclass(frozen=True, slots=True)
class AnyOf(Kind[Any]):
    """A value of one of ``kinds``, tried in order; ``what`` names them all for the error. In a
    query, the first kind whose shape the text has reads it, and says why if it refuses it."""

    kinds: tuple[Kind[Any], ...]
    what: str

    def read(self, value: object, where: str) -> Any:
        for kind in self.kinds:
            try:
                return kind.read(value, where)
            except DomainError:
                continue
        raise InvalidMessage(f"{where} must be {self.what}")

    def parse(self, text: str, where: str) -> Any:
        for kind in self.kinds:
            if kind.claims(text):
                return kind.parse(text, where)
        raise InvalidMessage(f"{where} must be {self.what}")

    def schema(self) -> Schema:
        return {"anyOf": [kind.schema() for kind in self.kinds]}


@dataclass(frozen=True, slots=True)
class Field(Generic[T]):
    """One named input: its kind, what it means, and whether it must be given."""

    name: str
    kind: Kind[T]
    description: str
    required: bool = False

    def schema(self) -> Schema:
        return {**self.kind.schema(), "description": self.description}


class Values:
    """The fields a request gave, read and checked; an absent one is None."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def get(self, field: Field[T]) -> T | None:
        value: T | None = self._values.get(field.name)
        return value

    def __repr__(self) -> str:
        return f"Values({self._values!r})"


@dataclass(frozen=True, slots=True)
class Exclusive:
    """Two fields that may not both be set, and why."""

    first: str
    second: str
    reason: str


@dataclass(frozen=True, slots=True)
class Body:
    """A JSON object body: only these fields, ``exclusive`` pairs never both set, and with
    ``at_least_one``, some field set. ``null`` is read as absent."""

    fields: tuple[Field[Any], ...]
    exclusive: tuple[Exclusive, ...] = ()
    at_least_one: bool = False

    @property
    def names(self) -> list[str]:
        return sorted(field.name for field in self.fields)

    def read(self, body: Mapping[str, Any]) -> Values:
        """Check ``body`` as a whole (unknown fields, exclusions, emptiness), then each field."""
        allowed = {field.name for field in self.fields}
        if not body.keys() <= allowed:
            unknown = ", ".join(repr(name[:40]) for name in sorted(set(body) - allowed)[:5])
            raise BadRequest(f"unknown field(s) {unknown}; allowed: {', '.join(self.names)}")
        given = {name for name, value in body.items() if value is not None}
        for rule in self.exclusive:
            if {rule.first, rule.second} <= given:
                raise BadRequest(rule.reason)
        if self.at_least_one and not given:
            names = ", ".join(f"'{name}'" for name in self.names)
            raise BadRequest(f"body must set at least one of {names}")
        values: dict[str, Any] = {}
        for field in self.fields:
            if field.name in given:
                values[field.name] = field.kind.read(body[field.name], f"field '{field.name}'")
            elif field.required:
                raise BadRequest(f"field '{field.name}' is required")
        return Values(values)

    def schema(self) -> Schema:
        """The body as an OpenAPI 3.0 schema object, its rules included."""
        schema: Schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                # null reads as absent, which a required field may not be
                field.name: field.schema() if field.required else _nullable(field.schema())
                for field in self.fields
            },
        }
        required = [field.name for field in self.fields if field.required]
        if required:
            schema["required"] = required
        if self.exclusive:
            schema["description"] = " ".join(rule.reason for rule in self.exclusive)
            schema["allOf"] = [
                {"not": self._all_set((rule.first, rule.second))} for rule in self.exclusive
            ]
        if self.at_least_one:
            schema["anyOf"] = [self._all_set((field.name,)) for field in self.fields]
        return schema

    def _all_set(self, names: Iterable[str]) -> Schema:
        """Matches a body in which every one of ``names`` is present and not null."""
        kinds = {field.name: field.kind for field in self.fields}
        names = list(names)
        return {
            "required": names,
            "properties": {name: {"type": kinds[name].schema()["type"]} for name in names},
        }


def _nullable(schema: Schema) -> Schema:
    """``schema`` or null (OpenAPI 3.0.3: an ``enum`` admits null only if it lists it)."""
    if "enum" in schema:
        schema = {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "nullable": True}


@dataclass(frozen=True, slots=True)
class Query:
    """Query parameters: each read from its text when present (the first, if repeated)."""

    params: tuple[Field[Any], ...]

    def read(self, query: Mapping[str, str]) -> Values:
        values: dict[str, Any] = {}
        for param in self.params:
            text = query.get(param.name)
            where = f"query parameter '{param.name}'"
            if text is not None:
                values[param.name] = param.kind.parse(text, where)
            elif param.required:
                raise BadRequest(f"{where} is required: {param.description}")
        return Values(values)

    def parameters(self) -> list[Schema]:
        """The parameters as OpenAPI 3.0 parameter objects."""
        return [
            {
                "name": param.name,
                "in": "query",
                "required": param.required,
                "description": param.description,
                "schema": param.kind.schema(),
            }
            for param in self.params
        ]
