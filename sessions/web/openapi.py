"""The OpenAPI 3 description of the REST API, served at ``GET /openapi.json``.

Built from the :class:`~sessions.config.Config` so the limits it states are the running
server's, and from the declarations the server reads requests with, so that what it says a
request may hold is what the server accepts: the bodies' fields
(:func:`sessions.protocol.validation.session_fields`), the query parameters
(``sessions/web/rest_interview.py``, :func:`sessions.protocol.validation.url_join_fields`)
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
from typing import Any

from aiohttp import web

from sessions.config import Config
from sessions.interview.problems import load_bank
from sessions.protocol.inputs import Field
from sessions.protocol.validation import session_fields, url_join_fields
from sessions.version import VERSION
from sessions.web.guards import HANDSHAKE
from sessions.web.keys import CONFIG, PROBLEMS
from sessions.web.rest import problem_slugs
from sessions.web.rest_interview import PROBLEM_FILTERS, REPLAY_POINT

Schema = dict[str, Any]
OPENAPI_JSON = web.AppKey("openapi_json", bytes)

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
ERROR_MEANINGS = {
    400: "malformed request: bad JSON, a wrong field, a bad query parameter",
    401: "no or malformed 'Authorization: Bearer <interviewerToken>'",
    403: "wrong token, or a browser origin that is not allowed",
    404: "no such session, problem or route; for a replay, a revision not reached yet",
    409: "the session has ended; for a replay, a revision older than the record keeps",
    413: "body over --max-body-bytes, or code over --max-code-bytes",
    415: "the body is not application/json in UTF-8",
    429: "too many requests or sockets from one address (see Retry-After)",
    503: "the server or the session is full (--max-sessions, --max-sockets-per-session)",
}


EXECUTION: dict[str, Any] = {
    "type": "object",
    "description": "code execution: whether it is on, the containment in force (README: "
    "Running code) and the languages that run",
    "required": ["enabled", "isolation", "runnable"],
    "properties": {
        "enabled": {"type": "boolean"},
        "isolation": {
            "type": "string",
            "enum": ["bubblewrap", "namespaces", "rlimits", "off"],
        },
        "runnable": {"type": "array", "items": {"type": "string"}},
    },
}


CLUSTER_HEALTH: Schema = {
    "type": "object",
    "required": ["status", "workers", "up", "sessions", "connections"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "workers": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["shard", "url", "status", "sessions", "connections"],
                "properties": {
                    "shard": {"type": "string", "nullable": True},
                    "url": {"type": "string", "nullable": True},
                    "status": {"type": "string", "enum": ["ok", "down"]},
                    "sessions": {"type": "integer", "nullable": True},
                    "connections": {"type": "integer", "nullable": True},
                    "error": {"type": "string"},
                },
            },
        },
        "up": {"type": "integer"},
        "sessions": {"type": "integer"},
        "connections": {"type": "integer"},
    },
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses(ok: dict[int, Schema], *errors: int) -> dict[str, Schema]:
    responses = {str(status): response for status, response in ok.items()}
    for status in errors:
        responses[str(status)] = _json(_ref("Error"), ERROR_MEANINGS[status])
    if "429" in responses:
        responses["429"]["headers"] = {
            "Retry-After": {
                "description": "seconds to wait, when waiting helps",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return responses


def _path_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _headers(fields: tuple[Field[str], ...]) -> list[Schema]:
    return [
        {
            "name": field.name,
            "in": "header",
            "required": True,
            "description": field.description,
            "schema": field.kind.schema(),
        }
        for field in fields
    ]


SESSION_ID = _path_param("session_id", "the session's id")
SLUG = _path_param("slug", "a problem's slug, as GET /api/problems lists it")
BEARER: list[dict[str, list[str]]] = [{"interviewerToken": []}]


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
                    "content": {"application/json": {"schema": _ref("CreateSession")}},
                },
                "responses": _responses(
                    {
                        201: {
                            **_json(_ref("CreatedSession"), "the new session"),
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
                "responses": _responses({200: _json(_ref("Session"), "the session")}, 404),
            },
            "patch": {
                "summary": "Change code, language, name or maxCandidates; broadcast to sockets.",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("PatchSession")}},
                },
                "responses": _responses(
                    {200: _json(_ref("Session"), "the updated session")},
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
                "responses": _responses({204: {"description": "deleted"}}, 401, 403, 404),
            },
        },
        "/api/sessions/{session_id}/users": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "Who is connected.",
                "responses": _responses({200: _json(_ref("Users"), "the members")}, 404),
            },
        },
        "/api/sessions/{session_id}/timeline": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "The session's record, private notes included (interviewers only).",
                "security": BEARER,
                "responses": _responses(
                    {
                        200: _json(
                            {
                                "type": "object",
                                "required": ["events", "count"],
                                "properties": {
                                    "baseRevision": {"type": "integer"},
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
                "responses": _responses(
                    {
                        200: _json(
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
        "/api/sessions/{session_id}/report": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "A summary of the interview.",
                "responses": _responses({200: _json({"type": "object"}, "the report")}, 404),
            },
        },
    }


def _other_paths() -> dict[str, Schema]:
    problem_list = {
        "type": "object",
        "required": ["problems", "count"],
        "properties": {
            "problems": {"type": "array", "items": _ref("Problem")},
            "count": {"type": "integer"},
        },
    }
    return {
        "/api/languages": {
            "get": {
                "summary": "The supported languages, and which of them can run here.",
                "responses": _responses(
                    {
                        200: _json(
                            {
                                "type": "object",
                                "required": ["languages", "default", "runnable"],
                                "properties": {
                                    "languages": {"type": "array", "items": {"type": "string"}},
                                    "default": {"type": "string"},
                                    "runnable": {
                                        "type": "object",
                                        "description": "every language: true when run-code "
                                        "can run it on this server (all false without "
                                        "--enable-exec)",
                                        "additionalProperties": {"type": "boolean"},
                                    },
                                },
                            },
                            "the languages",
                        )
                    }
                ),
            }
        },
        "/api/problems": {
            "get": {
                "summary": "The problem bank, optionally filtered.",
                "parameters": PROBLEM_FILTERS.parameters(),
                "responses": _responses({200: _json(problem_list, "the problems")}, 400),
            }
        },
        "/api/problems/{slug}": {
            "parameters": [SLUG],
            "get": {
                "summary": "One problem in full.",
                "responses": _responses({200: _json(_ref("Problem"), "the problem")}, 404),
            },
        },
        "/api/problems/{slug}/next": {
            "parameters": [SLUG],
            "get": {
                "summary": "A suggestion for the problem to pose after this one.",
                "responses": _responses(
                    {
                        200: _json(
                            {
                                "type": "object",
                                "required": ["suggestion"],
                                "properties": {"suggestion": {"type": "object", "nullable": True}},
                            },
                            "the suggestion, or null",
                        )
                    },
                    404,
                ),
            },
        },
        "/health": {
            "get": {
                "summary": "Liveness and counts.",
                "responses": _responses(
                    {
                        200: _json(
                            {
                                "type": "object",
                                "required": [
                                    "status",
                                    "sessions",
                                    "connections",
                                    "uptimeSeconds",
                                    "version",
                                    "execution",
                                ],
                                "properties": {
                                    "status": {"type": "string", "enum": ["ok", "degraded"]},
                                    "sessions": {"type": "integer"},
                                    "connections": {"type": "integer"},
                                    "uptimeSeconds": {"type": "number"},
                                    "version": {"type": "string"},
                                    "persistence": {
                                        "type": "object",
                                        "description": "with --snapshot: 'degraded' and "
                                        "its cause while the disk fails (docs/persistence.md)",
                                    },
                                    "execution": EXECUTION,
                                    "shard": {"type": "string"},
                                },
                            },
                            "the server is up",
                        )
                    }
                ),
            }
        },
        "/cluster/health": {
            "get": {
                "summary": "Every worker of the cluster (--peers) with its status and counts.",
                "responses": {
                    "200": _json(CLUSTER_HEALTH, "every worker answered"),
                    "503": _json(CLUSTER_HEALTH, "a worker is down: the same body"),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Counters and gauges in the Prometheus text format.",
                "responses": {
                    "200": {
                        "description": "connections, sessions by status, frames in and out by "
                        "type, errors by code, slow-peer drops, broadcast time histogram",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description.",
                "responses": {"200": _json({"type": "object"}, "the OpenAPI document")},
            }
        },
    }


def _socket_paths(config: Config) -> dict[str, Schema]:
    upgrade = {
        "101": {
            "description": "switched to the WebSocket protocol (docs/protocol.md)",
            "headers": {
                "Sec-WebSocket-Accept": {
                    "description": "the key's digest (RFC 6455)",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        }
    }
    handshake = _headers(HANDSHAKE)
    frames = (
        "JSON text frames both ways (docs/protocol.md). The reply to a join is session-state, "
        "with the session, its historyId (the history its revisions belong to), and for a "
        "rejoin with revision and historyId either missed (the ops since, each with its opId) "
        "or reset: true. code-update frames carry the author's opId. A join whose clientId is "
        "already a member of the session replaces it: the old socket gets "
        '{"type":"replaced"} and close code 4002. A refused join leaves the socket where it '
        "was; the error frame's joined field says where."
    )
    return {
        "/ws": {
            "get": {
                "summary": "Open a WebSocket (JSON protocol: docs/protocol.md).",
                "description": frames,
                "parameters": handshake,
                "responses": {**upgrade, **_responses({}, 400, 403, 429)},
            }
        },
        "/ws/{session_id}": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "Open a WebSocket and join the session at connect.",
                "description": frames,
                "parameters": [*handshake, *url_join_fields(config).query().parameters()],
                "responses": {**upgrade, **_responses({}, 400, 403, 404, 429, 503)},
            },
        },
    }


def _page_paths() -> dict[str, Schema]:
    """The browser pages (sessions/web/pages.py): HTML, revalidated with ETags."""

    def page(summary: str, *parameters: Schema) -> Schema:
        html = {"text/html": {"schema": {"type": "string"}}}
        get: Schema = {
            "summary": summary,
            "responses": {"200": {"description": "the page", "content": html}},
        }
        return {"parameters": list(parameters), "get": get} if parameters else {"get": get}

    static_types = ["text/javascript", "text/css", "text/html", "text/plain", "image/svg+xml"]
    return {
        "/": page("The landing page: start an interview and get its three links."),
        "/s/{session_id}": page(
            "The interview room (the role's token travels in the URL fragment).", SESSION_ID
        ),
        "/s/{session_id}/replay": page(
            "The interview played back (the interviewer token in the URL fragment).", SESSION_ID
        ),
        "/static/{path}": {
            "parameters": [_path_param("path", "a file under sessions/web/static/")],
            "get": {
                "summary": "The pages' scripts, styles and the vendored CodeMirror bundle.",
                "responses": {
                    "200": {
                        "description": "the file (Cache-Control: no-cache, with an ETag)",
                        "content": {kind: {"schema": {"type": "string"}} for kind in static_types},
                    },
                    **_responses({}, 404),
                },
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
            **_other_paths(),
            **_socket_paths(config),
            **_page_paths(),
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
