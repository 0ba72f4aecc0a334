"""REST request bodies: decoded, checked field by field, turned into typed requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessions.config import Config
from sessions.errors import BadRequest, PayloadTooLarge
from sessions.languages import DEFAULT_LANGUAGE
from sessions.protocol.fields import check_text, decode_json, read_language

DEFAULT_SESSION_NAME = "Untitled interview"
CREATE_FIELDS = frozenset({"name", "language", "code", "problem", "maxCandidates"})
PATCH_FIELDS = frozenset({"name", "language", "code", "maxCandidates"})


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


def _reject_unknown(body: dict[str, Any], allowed: frozenset[str]) -> None:
    if body.keys() <= allowed:
        return
    unknown = sorted(set(body) - allowed)
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise BadRequest(f"unknown field(s) {names}; allowed: {', '.join(sorted(allowed))}")


def _name(value: object, config: Config) -> str:
    if not isinstance(value, str):
        raise BadRequest("field 'name' must be a string")
    name = check_text(value, "name").strip()
    if not name:
        raise BadRequest("field 'name' must not be blank")
    if len(name) > config.max_name_length:
        raise BadRequest(f"field 'name' must be at most {config.max_name_length} characters")
    return name


def _code(value: object, config: Config) -> str:
    if not isinstance(value, str):
        raise BadRequest("field 'code' must be a string")
    size = len(check_text(value, "code").encode("utf-8"))
    if size > config.max_code_bytes:
        raise PayloadTooLarge(
            f"field 'code' is {size} bytes, over the limit of {config.max_code_bytes} bytes"
        )
    return value


def _max_candidates(value: object, config: Config) -> int:
    limit = config.max_candidates_limit
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise BadRequest(f"field 'maxCandidates' must be an integer from 1 to {limit}")
    return value


def _slug(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest("field 'problem' must be a problem slug (see GET /api/problems)")
    return value


def create_request(body: dict[str, Any], config: Config) -> CreateSession:
    """``POST /api/sessions``: every field optional."""
    _reject_unknown(body, CREATE_FIELDS)
    if body.get("code") is not None and body.get("problem") is not None:
        raise BadRequest("give either 'code' or 'problem': a problem brings its starter code")
    return CreateSession(
        name=_name(body["name"], config) if body.get("name") is not None else DEFAULT_SESSION_NAME,
        language=read_language(body["language"])
        if body.get("language") is not None
        else DEFAULT_LANGUAGE,
        code=_code(body["code"], config) if body.get("code") is not None else "",
        problem=_slug(body["problem"]) if body.get("problem") is not None else None,
        max_candidates=_max_candidates(body["maxCandidates"], config)
        if body.get("maxCandidates") is not None
        else 1,
    )


def patch_request(body: dict[str, Any], config: Config) -> PatchSession:
    """``PATCH /api/sessions/{id}``: at least one of name, language, code."""
    _reject_unknown(body, PATCH_FIELDS)
    if not any(body.get(name) is not None for name in PATCH_FIELDS):
        raise BadRequest(
            "body must set at least one of 'code', 'language', 'maxCandidates', 'name'"
        )
    return PatchSession(
        name=_name(body["name"], config) if body.get("name") is not None else None,
        language=read_language(body["language"]) if body.get("language") is not None else None,
        code=_code(body["code"], config) if body.get("code") is not None else None,
        max_candidates=_max_candidates(body["maxCandidates"], config)
        if body.get("maxCandidates") is not None
        else None,
    )
