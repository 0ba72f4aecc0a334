"""The OpenAPI 3 description of the REST API, served at ``GET /openapi.json``.

Built from the :class:`~sessions.config.Config` so the limits it states are the running
server's, and from the declarations the server reads requests with, so that what it says a
request may hold is what the server accepts: the bodies' fields
(:func:`sessions.protocol.validation.session_fields`), the query parameters
(``sessions/web/rest_interview.py``, :func:`sessions.protocol.messages.join_fields`)
and the WebSocket handshake (:data:`sessions.web.guards.HANDSHAKE`); ``problem`` lists the
running bank's slugs. ``docs/openapi.json`` is the description with the default settings;
regenerate it with ``python -m sessions.web.openapi > docs/openapi.json`` (a test checks it is
current, another that every route of the app is described and nothing else, and
``tests/test_openapi.py`` runs schemathesis with every check against a live server). Response
schemas name the fields a client can rely on and allow more, so adding a field is not a
breaking change."""

from __future__ import annotations

import json
import sys

from aiohttp import web

from sessions.config import Config
from sessions.interview.problems import load_bank
from sessions.protocol.inputs import Schema
from sessions.protocol.validation import session_fields
from sessions.version import VERSION
from sessions.web.keys import CONFIG, PROBLEMS
from sessions.web.openapi_paths import (
    BEARER,
    ERROR,
    SESSION_ID,
    json_body,
    other_paths,
    page_paths,
    ref,
    responses,
    socket_paths,
)
from sessions.web.rest import problem_slugs
from sessions.web.rest_interview import MOMENT_RUN, REPLAY_POINT

OPENAPI_JSON = web.AppKey("openapi_json", bytes)


def _schemas(config: Config, problems: list[str]) -> dict[str, Schema]:
    timestamp = {"type": "string", "format": "date-time"}
    session_properties = {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "language": {"type": "string"},
        "code": {"type": "string"},
        "revision": {"type": "integer", "minimum": 0},
        "createdAt": timestamp,
        "updatedAt": timestamp,
        "status": {"type": "string", "enum": ["active", "ended"]},
        "problem": {"type": "string", "nullable": True},
        "maxCandidates": {"type": "integer", "minimum": 1},
    }
    session_required = ["id", "name", "language", "code", "revision", "createdAt", "updatedAt"]
    fields = session_fields(config, problems)
    return {
        "Error": ERROR,
        "Session": {
            "type": "object",
            "required": session_required,
            "properties": session_properties,
        },
        "CreatedSession": {
            "type": "object",
            "required": [*session_required, "interviewerToken"],
            "properties": {
                **session_properties,
                "interviewerToken": {"type": "string"},
                "observerToken": {"type": "string"},
            },
        },
        "CreateSession": fields.create().schema(),
        "PatchSession": fields.patch().schema(),
        "Users": {
            "type": "object",
            "required": ["users", "count"],
            "properties": {
                "users": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["userId", "name", "role", "joinedAt"],
                        "properties": {
                            "userId": {"type": "string"},
                            "name": {"type": "string"},
                            "role": {"type": "string"},
                            "joinedAt": timestamp,
                            "colour": {"type": "integer", "minimum": 0, "maximum": 7},
                        },
                    },
                },
                "count": {"type": "integer", "minimum": 0},
            },
        },
        "Problem": {
            "type": "object",
            "required": ["slug", "title", "difficulty"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "difficulty": {"type": "string"},
            },
        },
    }


def _session_paths() -> dict[str, Schema]:
    return {
        "/api/sessions": {
            "post": {
                "summary": "Create a session; the reply holds its interviewer token, once.",
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": ref("CreateSession")}},
                },
                "responses": responses(
                    {
                        201: {
                            **json_body(ref("CreatedSession"), "the new session"),
                            "headers": {
                                "Location": {
                                    "description": "the session's URL",
                                    "schema": {"type": "string"},
                                }
                            },
                        }
                    },
                    400,
                    413,
                    415,
                    429,
                    503,
                ),
            }
        },
        "/api/sessions/{session_id}": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "The session, without tokens.",
                "responses": responses({200: json_body(ref("Session"), "the session")}, 404),
            },
            "patch": {
                "summary": "Change code, language, name or maxCandidates; broadcast to sockets.",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("PatchSession")}},
                },
                "responses": responses(
                    {200: json_body(ref("Session"), "the updated session")},
                    400,
                    401,
                    403,
                    404,
                    409,
                    413,
                    415,
                ),
            },
            "delete": {
                "summary": "End and remove the session; sockets get session-ended.",
                "security": BEARER,
                "responses": responses({204: {"description": "deleted"}}, 401, 403, 404),
            },
        },
        "/api/sessions/{session_id}/users": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "Who is connected.",
                "responses": responses({200: json_body(ref("Users"), "the members")}, 404),
            },
        },
        "/api/sessions/{session_id}/timeline": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "The session's record, private notes included (interviewers only).",
                "security": BEARER,
                "responses": responses(
                    {
                        200: json_body(
                            {
                                "type": "object",
                                "required": ["events", "count"],
                                "properties": {
                                    "baseRevision": {"type": "integer"},
                                    "base": {
                                        "type": "object",
                                        "description": "code, language and time the "
                                        "events start from (the replay's first state)",
                                    },
                                    "events": {"type": "array", "items": {"type": "object"}},
                                    "count": {"type": "integer"},
                                },
                            },
                            "the timeline",
                        )
                    },
                    401,
                    403,
                    404,
                ),
            },
        },
        "/api/sessions/{session_id}/replay": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "The code as it was at a revision or a moment.",
                "parameters": REPLAY_POINT.parameters(),
                "responses": responses(
                    {
                        200: json_body(
                            {
                                "type": "object",
                                "required": ["revision", "code", "language"],
                                "properties": {
                                    "revision": {"type": "integer"},
                                    "at": {"type": "string"},
                                    "code": {"type": "string"},
                                    "language": {"type": "string"},
                                },
                            },
                            "the code then",
                        )
                    },
                    400,
                    404,
                    409,
                ),
            },
        },
        "/api/sessions/{session_id}/replay/run": {
            "parameters": [SESSION_ID],
            "post": {
                "summary": "Run the code as it was at a revision against that moment's "
                "problem (interviewers only, ended sessions too); the room sees nothing.",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": MOMENT_RUN.schema()}},
                },
                "responses": responses(
                    {
                        200: json_body(
                            {
                                "type": "object",
                                "required": ["revision", "language", "problem", "result"],
                                "properties": {
                                    "revision": {"type": "integer"},
                                    "at": {"type": "string"},
                                    "language": {"type": "string"},
                                    "problem": {"type": "string", "nullable": True},
                                    "result": {
                                        "type": "object",
                                        "description": "a run-result frame's fields "
                                        "(docs/protocol.md) and the whole output",
                                        "required": ["status", "output"],
                                    },
                                },
                            },
                            "the run's result",
                        )
                    },
                    400,
                    401,
                    403,
                    404,
                    409,
                    413,
                    415,
                    503,
                ),
            },
        },
        "/api/sessions/{session_id}/board": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "The whiteboard as an Excalidraw file (interviewers only).",
                "security": BEARER,
                "responses": responses(
                    {
                        200: json_body(
                            {
                                "type": "object",
                                "required": ["type", "version", "elements"],
                                "properties": {
                                    "type": {"type": "string", "enum": ["excalidraw"]},
                                    "version": {"type": "integer"},
                                    "source": {"type": "string"},
                                    "elements": {"type": "array", "items": {"type": "object"}},
                                    "appState": {"type": "object"},
                                    "files": {"type": "object"},
                                },
                            },
                            "the board's live elements",
                        )
                    },
                    401,
                    403,
                    404,
                ),
            },
        },
        "/api/sessions/{session_id}/report": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "A summary of the interview.",
                "responses": responses({200: json_body({"type": "object"}, "the report")}, 404),
            },
        },
    }


def build_spec(config: Config, problems: list[str]) -> Schema:
    """The OpenAPI 3.0 document for a server running with ``config`` and the problem bank
    whose slugs are ``problems``."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "interview-server",
            "version": VERSION,
            "description": "Real-time collaborative coding interviews: REST for sessions, a "
            "WebSocket JSON protocol for editing (docs/protocol.md). Every error is "
            '{"error": {"code", "message"}}.',
        },
        "paths": {
            **_session_paths(),
            **other_paths(),
            **socket_paths(config),
            **page_paths(),
        },
        "components": {
            "schemas": _schemas(config, problems),
            "securitySchemes": {
                "interviewerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the interviewerToken from POST /api/sessions",
                }
            },
        },
    }


def render(spec: Schema) -> str:
    """The document as ``docs/openapi.json`` stores it."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


async def serve_openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[OPENAPI_JSON], content_type="application/json")


def add_routes(app: web.Application) -> None:
    """``GET /openapi.json``, rendered once for the app's config."""
    spec = build_spec(app[CONFIG], problem_slugs(app[PROBLEMS]))
    app[OPENAPI_JSON] = render(spec).encode("utf-8")
    app.router.add_get("/openapi.json", serve_openapi)


def default_spec() -> Schema:
    """The document with the default settings: what ``docs/openapi.json`` holds."""
    return build_spec(Config(), problem_slugs(load_bank()))


if __name__ == "__main__":
    sys.stdout.write(render(default_spec()))
