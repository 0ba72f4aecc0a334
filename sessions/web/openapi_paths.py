"""The parts of the OpenAPI document (:mod:`sessions.web.openapi`) that are not about a
session's own routes: the error body, the shared parameters, and the path items of the
problem bank, the server's own routes, the WebSocket endpoints and the browser pages."""

from __future__ import annotations

from typing import Any

from sessions.config import Config
from sessions.protocol.inputs import Field, Schema
from sessions.protocol.messages import CLIENT_MESSAGE_TYPES, Limits, join_fields
from sessions.room.frames import SERVER_MESSAGE_TYPES
from sessions.web.guards import HANDSHAKE
from sessions.web.rest_interview import PROBLEM_FILTERS

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
        "reasons": {
            "type": "object",
            "description": "why each language that does not run here does not",
            "additionalProperties": {"type": "string"},
        },
        "toolchains": {
            "type": "object",
            "description": "the Debian packages of the toolchains found, and their versions",
            "additionalProperties": {"type": "string"},
        },
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


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def responses(ok: dict[int, Schema], *errors: int) -> dict[str, Schema]:
    answers = {str(status): response for status, response in ok.items()}
    for status in errors:
        answers[str(status)] = json_body(ref("Error"), ERROR_MEANINGS[status])
    if "429" in answers:
        answers["429"]["headers"] = {
            "Retry-After": {
                "description": "seconds to wait, when waiting helps",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return answers


def path_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def header_params(fields: tuple[Field[str], ...]) -> list[Schema]:
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


SESSION_ID = path_param("session_id", "the session's id")
SLUG = path_param("slug", "a problem's slug, as GET /api/problems lists it")
BEARER: list[dict[str, list[str]]] = [{"interviewerToken": []}]


def other_paths() -> dict[str, Schema]:
    problem_list = {
        "type": "object",
        "required": ["problems", "count"],
        "properties": {
            "problems": {"type": "array", "items": ref("Problem")},
            "count": {"type": "integer"},
        },
    }
    return {
        "/api/languages": {
            "get": {
                "summary": "The supported languages, and which of them can run here.",
                "responses": responses(
                    {
                        200: json_body(
                            {
                                "type": "object",
                                "required": ["languages", "default", "runnable", "reasons"],
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
                                    "reasons": {
                                        "type": "object",
                                        "description": "every language that does not run "
                                        "here: why (the packages to install, for a missing "
                                        "toolchain)",
                                        "additionalProperties": {"type": "string"},
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
                "responses": responses({200: json_body(problem_list, "the problems")}, 400),
            }
        },
        "/api/problems/{slug}": {
            "parameters": [SLUG],
            "get": {
                "summary": "One problem in full.",
                "responses": responses({200: json_body(ref("Problem"), "the problem")}, 404),
            },
        },
        "/api/problems/{slug}/next": {
            "parameters": [SLUG],
            "get": {
                "summary": "A suggestion for the problem to pose after this one.",
                "responses": responses(
                    {
                        200: json_body(
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
                "responses": responses(
                    {
                        200: json_body(
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
                    "200": json_body(CLUSTER_HEALTH, "every worker answered"),
                    "503": json_body(CLUSTER_HEALTH, "a worker is down: the same body"),
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
                "responses": {"200": json_body({"type": "object"}, "the OpenAPI document")},
            }
        },
    }


def socket_paths(config: Config) -> dict[str, Schema]:
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
    handshake = header_params(HANDSHAKE)
    frames = (
        "JSON text frames both ways (docs/protocol.md). The reply to a join is session-state, "
        "with the session, its historyId (the history its revisions belong to), and for a "
        "rejoin with revision and historyId either missed (the ops since, each with its opId) "
        "or reset: true. code-update frames carry the author's opId. A join whose clientId is "
        "already a member of the session replaces it: the old socket gets "
        '{"type":"replaced"} and close code 4002. A refused join leaves the socket where it '
        "was; the error frame's joined field says where."
    )
    vocabulary = {  # derived from the message classes and the frame builders
        "x-client-messages": list(CLIENT_MESSAGE_TYPES),
        "x-server-messages": list(SERVER_MESSAGE_TYPES),
    }
    frames += (
        f" A client sends: {', '.join(CLIENT_MESSAGE_TYPES)}. The server sends: "
        f"{', '.join(SERVER_MESSAGE_TYPES)}."
    )
    return {
        "/ws": {
            "get": {
                "summary": "Open a WebSocket (JSON protocol: docs/protocol.md).",
                "description": frames,
                "parameters": handshake,
                "responses": {**upgrade, **responses({}, 400, 403, 429)},
                **vocabulary,
            }
        },
        "/ws/{session_id}": {
            "parameters": [SESSION_ID],
            "get": {
                "summary": "Open a WebSocket and join the session at connect.",
                "description": frames,
                "parameters": [*handshake, *join_fields(Limits.of(config)).query().parameters()],
                "responses": {**upgrade, **responses({}, 400, 403, 404, 429, 503)},
                **vocabulary,
            },
        },
    }


def page_paths() -> dict[str, Schema]:
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
            "parameters": [path_param("path", "a file under sessions/web/static/")],
            "get": {
                "summary": "The pages' scripts, styles and the vendored CodeMirror bundle.",
                "responses": {
                    "200": {
                        "description": "the file (Cache-Control: no-cache, with an ETag)",
                        "content": {kind: {"schema": {"type": "string"}} for kind in static_types},
                    },
                    **responses({}, 404),
                },
            },
        },
    }
