"""REST request bodies: decoded, then read with the fields declared here, into typed requests.

The session's fields a request may set are declared once, in :func:`session_fields`, with
the running server's limits; :data:`CREATE` and :data:`PATCH` are built from them, and the
OpenAPI document states the same declarations (``sessions/web/openapi.py``). Decisions that
a client can rely on (README, "REST API"):

* ``null`` is the same as an absent field (``"problem": null`` creates a session without a
  problem, as ``GET`` shows one), so a ``PATCH`` of nulls alone sets nothing and is refused;
* ``code`` and ``problem`` exclude each other: a problem brings its own starter code;
* ``problem`` is one of the bank's slugs, which the document lists;
* a name is measured as sent, surrounding whitespace included, and kept without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sessions.config import Config
from sessions.errors import BadRequest, UnknownLanguage
from sessions.languages import DEFAULT_LANGUAGE, LANGUAGES
from sessions.protocol.fields import decode_json
from sessions.protocol.inputs import (
    Body,
    Choice,
    Exclusive,
    Field,
    Integer,
    Text,
    Values,
)

DEFAULT_SESSION_NAME = "Untitled interview"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CreateSession:
    name: str
    language: str
    code: str
    problem: str | None = None
    max_candidates: int = 1


@dataclass(frozen=True, slots=True)
class PatchSession:
    name: str | None
    language: str | None
    code: str | None
    max_candidates: int | None = None


@dataclass(frozen=True, slots=True)
class SessionFields:
    """The fields of a session that a request may set."""

    name: Field[str]
    language: Field[str]
    code: Field[str]
    problem: Field[str]
    max_candidates: Field[int]

    def create(self) -> Body:
        """``POST /api/sessions``: every field optional."""
        return Body(
            (self.name, self.language, self.code, self.problem, self.max_candidates),
            exclusive=(
                Exclusive(
                    "code",
                    "problem",
                    "give either 'code' or 'problem': a problem brings its starter code",
                ),
            ),
        )

    def patch(self) -> Body:
        """``PATCH /api/sessions/{id}``: at least one field."""
        return Body((self.name, self.language, self.code, self.max_candidates), at_least_one=True)


def session_fields(config: Config, problems: Iterable[str]) -> SessionFields:
    """The fields with ``config``'s limits; ``problems``: the slugs of the problem bank."""
    return SessionFields(
        name=Field(
            "name",
            Text(max_length=config.max_name_length, trimmed=True),
            f"the session's name, kept without surrounding whitespace (default "
            f"{DEFAULT_SESSION_NAME!r})",
        ),
        language=Field(
            "language", Choice(LANGUAGES, _unknown_language), f"default {DEFAULT_LANGUAGE!r}"
        ),
        code=Field(
            "code",
            Text(max_bytes=config.max_code_bytes),
            f"at most {config.max_code_bytes} UTF-8 bytes (x-maxBytes; over it: 413)",
        ),
        problem=Field(
            "problem",
            Choice(tuple(problems), _unknown_problem),
            "a problem's slug (GET /api/problems): the session starts with its starter code",
        ),
        max_candidates=Field(
            "maxCandidates",
            Integer(1, config.max_candidates_limit),
            "how many candidates may be in the session at once (default 1)",
        ),
    )


def _unknown_language(where: str, value: str) -> UnknownLanguage:
    return UnknownLanguage(f"{where}: unknown language {value[:40]!r}")


def _unknown_problem(where: str, value: str) -> BadRequest:
    return BadRequest(f"{where}: no problem {value[:60]!r} in the bank")


def parse_body(raw: bytes, max_depth: int | None = None) -> dict[str, Any]:
    """A JSON object from a request body, nested at most ``max_depth`` deep; an empty body
    is ``{}``."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("request body is not valid UTF-8") from None
    try:
        body = decode_json(text, max_depth, "request body")
    except BadRequest as exc:
        raise BadRequest(exc.message.replace("frame", "request body")) from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    return body


def create_request(
    body: dict[str, Any], config: Config, problems: Iterable[str] = ()
) -> CreateSession:
    """``POST /api/sessions``, read with :meth:`SessionFields.create`."""
    fields = session_fields(config, problems)
    values = fields.create().read(body)
    return CreateSession(
        name=_given(values, fields.name, DEFAULT_SESSION_NAME),
        language=_given(values, fields.language, DEFAULT_LANGUAGE),
        code=_given(values, fields.code, ""),
        problem=values.get(fields.problem),
        max_candidates=_given(values, fields.max_candidates, 1),
    )


def patch_request(body: dict[str, Any], config: Config) -> PatchSession:
    """``PATCH /api/sessions/{id}``, read with :meth:`SessionFields.patch`."""
    fields = session_fields(config, ())
    values = fields.patch().read(body)
    return PatchSession(
        name=values.get(fields.name),
        language=values.get(fields.language),
        code=values.get(fields.code),
        max_candidates=values.get(fields.max_candidates),
    )


def _given(values: Values, field: Field[T], default: T) -> T:
    value = values.get(field)
    return default if value is None else value
