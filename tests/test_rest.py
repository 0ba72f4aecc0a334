"""The REST API: every route, status and error body, asserted exactly."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.languages import LANGUAGES
from sessions.version import VERSION
from tests.helpers import create_session, join, public, receive

Client = TestClient[Any, Any]
START = "2026-05-28T20:26:40.000Z"
LATER = "2026-05-28T20:26:50.000Z"


def error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


async def test_create_session_returns_201_with_defaults_token_and_location(client: Client):
    response = await client.post("/api/sessions", json={})
    body = await response.json()
    assert response.status == 201
    assert response.headers["Location"] == f"/api/sessions/{body['id']}"
    assert body == {
        "id": body["id"],
        "name": "Untitled interview",
        "language": "python",
        "code": "",
        "revision": 0,
        "createdAt": START,
        "updatedAt": START,
        "status": "active",
        "problem": None,
        "maxCandidates": 1,
        "interviewerToken": body["interviewerToken"],
        "observerToken": body["observerToken"],
    }
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", body["id"])
    assert len(body["interviewerToken"]) >= 32
    assert body["observerToken"] != body["interviewerToken"]


async def test_create_session_with_no_body_uses_defaults(client: Client):
    response = await client.post("/api/sessions")
    body = await response.json()
    assert response.status == 201
    assert (body["name"], body["language"]) == ("Untitled interview", "python")


async def test_create_session_accepts_name_language_and_code(client: Client):
    body = await create_session(client, name="Ada's interview", language="go", code="package x")
    assert (body["name"], body["language"], body["code"]) == (
        "Ada's interview",
        "go",
        "package x",
    )


async def test_session_ids_are_unique_and_unguessable(client: Client):
    ids = {(await create_session(client))["id"] for _ in range(20)}
    assert len(ids) == 20


async def test_get_session_returns_it_without_the_token(client: Client):
    created = await create_session(client, name="Pairing")
    response = await client.get(f"/api/sessions/{created['id']}")
    assert response.status == 200
    assert await response.json() == public(created)


async def test_get_unknown_session_is_404(client: Client):
    response = await client.get("/api/sessions/nope")
    assert response.status == 404
    assert await response.json() == error("not-found", "no session with id 'nope'")


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"name": 5}, 400, error("bad-request", "field 'name' must be a string")),
        ({"name": "  "}, 400, error("bad-request", "field 'name' must not be blank")),
        (
            {"name": "x" * 101},
            400,
            error("bad-request", "field 'name' must be at most 100 characters"),
        ),
        ({"language": 1}, 400, error("bad-request", "field 'language' must be a string")),
        (
            {"language": "cobol"},
            400,
            error("bad-request", "field 'language': unknown language 'cobol'"),
        ),
        ({"code": ["x"]}, 400, error("bad-request", "field 'code' must be a string")),
        (
            {"name": "  " + "x" * 99},
            400,
            error("bad-request", "field 'name' must be at most 100 characters"),
        ),
        (
            {"problem": "two-sum", "code": "x"},
            400,
            error(
                "bad-request", "give either 'code' or 'problem': a problem brings its starter code"
            ),
        ),
        (
            {"nmae": "typo"},
            400,
            error(
                "bad-request",
                "unknown field(s) 'nmae'; allowed: code, language, maxCandidates, name, problem",
            ),
        ),
    ],
)
async def test_create_session_rejects_bad_fields(
    client: Client, body: dict[str, Any], status: int, expected: dict[str, Any]
):
    response = await client.post("/api/sessions", json=body)
    assert response.status == status
    assert await response.json() == expected


async def test_create_session_reads_null_fields_as_absent(client: Client):
    fields = ("name", "language", "code", "problem", "maxCandidates")
    response = await client.post("/api/sessions", json=dict.fromkeys(fields))
    body = await response.json()
    assert response.status == 201
    assert {field: body[field] for field in fields} == {
        "name": "Untitled interview",
        "language": "python",
        "code": "",
        "problem": None,
        "maxCandidates": 1,
    }


async def test_create_session_keeps_a_name_without_its_surrounding_whitespace(client: Client):
    assert (await create_session(client, name="  Pairing\n"))["name"] == "Pairing"


async def test_create_session_rejects_malformed_json(client: Client):
    response = await client.post(
        "/api/sessions", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    body = await response.json()
    assert response.status == 400
    assert body["error"]["code"] == "bad-request"
    assert body["error"]["message"].startswith("request body is not valid JSON")


async def test_create_session_rejects_a_body_that_is_not_an_object(client: Client):
    response = await client.post("/api/sessions", json=["name"])
    assert response.status == 400
    assert await response.json() == error("bad-request", "request body must be a JSON object")


async def test_create_session_rejects_non_json_content_type(client: Client):
    response = await client.post("/api/sessions", data=b"name=x")
    assert response.status == 415
    assert await response.json() == error(
        "unsupported-media-type",
        "send the body as JSON with 'Content-Type: application/json' "
        "(got 'application/octet-stream')",
    )


async def test_create_session_rejects_invalid_utf8(client: Client):
    response = await client.post(
        "/api/sessions", data=b'{"name":"\xff"}', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == error("bad-request", "request body is not valid UTF-8")


@pytest.mark.parametrize("config", [Config(max_code_bytes=10)])
async def test_code_over_the_size_limit_is_413_naming_the_field(client: Client):
    response = await client.post("/api/sessions", json={"code": "é" * 6})
    assert response.status == 413
    assert await response.json() == error(
        "payload-too-large", "field 'code' is 12 bytes, over the limit of 10 bytes"
    )


@pytest.mark.parametrize("config", [Config(max_body_bytes=1024)])
async def test_body_over_the_request_limit_is_413_json(client: Client):
    response = await client.post("/api/sessions", json={"code": "x" * 2000})
    assert response.status == 413
    assert await response.json() == error("payload-too-large", "request body is too large")


async def test_patch_updates_code_language_and_name(client: Client, clock: FakeClock):
    created = await create_session(client)
    clock.advance(10)
    response = await client.patch(
        f"/api/sessions/{created['id']}",
        json={"code": "print(1)", "language": "ruby", "name": "Renamed"},
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    assert response.status == 200
    assert await response.json() == {
        **public(created),
        "code": "print(1)",
        "language": "ruby",
        "name": "Renamed",
        "revision": 1,
        "updatedAt": LATER,
    }


async def test_patch_without_authorization_is_401(client: Client):
    created = await create_session(client)
    response = await client.patch(f"/api/sessions/{created['id']}", json={"name": "x"})
    assert response.status == 401
    assert await response.json() == error(
        "unauthorized", "send 'Authorization: Bearer <interviewerToken>'"
    )


async def test_patch_with_a_non_bearer_scheme_is_401(client: Client):
    created = await create_session(client)
    response = await client.patch(
        f"/api/sessions/{created['id']}", json={"name": "x"}, headers={"Authorization": "Basic x"}
    )
    assert response.status == 401
    assert await response.json() == error(
        "unauthorized", "the Authorization header must be 'Bearer <interviewerToken>'"
    )


async def test_patch_with_the_wrong_token_is_403(client: Client):
    created = await create_session(client)
    other = await create_session(client)
    response = await client.patch(
        f"/api/sessions/{created['id']}",
        json={"name": "x"},
        headers={"Authorization": f"Bearer {other['interviewerToken']}"},
    )
    assert response.status == 403
    assert await response.json() == error(
        "forbidden", "the token is not this session's interviewer token"
    )
    assert (await (await client.get(f"/api/sessions/{created['id']}")).json())["name"] == (
        "Untitled interview"
    )


async def test_patch_with_no_fields_is_400(client: Client):
    created = await create_session(client)
    response = await client.patch(
        f"/api/sessions/{created['id']}",
        json={},
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    assert response.status == 400
    assert await response.json() == error(
        "bad-request", "body must set at least one of 'code', 'language', 'maxCandidates', 'name'"
    )


async def test_patch_of_null_fields_only_is_400(client: Client):
    created = await create_session(client)
    response = await client.patch(
        f"/api/sessions/{created['id']}",
        json={"name": None, "code": None},
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    assert response.status == 400
    assert await response.json() == error(
        "bad-request", "body must set at least one of 'code', 'language', 'maxCandidates', 'name'"
    )


async def test_patch_unknown_session_is_404(client: Client):
    response = await client.patch(
        "/api/sessions/missing", json={"name": "x"}, headers={"Authorization": "Bearer t"}
    )
    assert response.status == 404
    assert await response.json() == error("not-found", "no session with id 'missing'")


async def test_patch_code_is_broadcast_as_a_code_update(client: Client):
    created = await create_session(client, code="a")
    ws, _ = await join(client, created, "Cara")
    await client.patch(
        f"/api/sessions/{created['id']}",
        json={"code": "ab", "language": "javascript"},
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    assert await receive(ws) == {
        "type": "code-update",
        "revision": 1,
        "ops": [1, "b"],
        "userId": None,
        "code": "ab",
    }
    assert await receive(ws) == {
        "type": "language-change",
        "language": "javascript",
        "userId": None,
    }
    await ws.close()


async def test_delete_ends_the_session_for_sockets_and_removes_it(client: Client):
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    response = await client.delete(
        f"/api/sessions/{created['id']}",
        headers={"Authorization": f"Bearer {created['interviewerToken']}"},
    )
    assert response.status == 204
    assert await receive(ws) == {"type": "session-ended"}
    closing = await ws.receive()
    assert closing.data == 1000
    assert ws.close_code == 1000
    assert (await client.get(f"/api/sessions/{created['id']}")).status == 404


async def test_delete_requires_the_interviewer_token(client: Client):
    created = await create_session(client)
    missing = await client.delete(f"/api/sessions/{created['id']}")
    wrong = await client.delete(
        f"/api/sessions/{created['id']}", headers={"Authorization": "Bearer nope"}
    )
    assert (missing.status, wrong.status) == (401, 403)
    assert (await client.get(f"/api/sessions/{created['id']}")).status == 200


async def test_users_lists_who_is_connected(client: Client):
    created = await create_session(client)
    empty = await client.get(f"/api/sessions/{created['id']}/users")
    no_roles = {"interviewer": 0, "candidate": 0, "observer": 0}
    assert await empty.json() == {"users": [], "count": 0, "roles": no_roles}
    ws, state = await join(client, created, "Cara")
    response = await client.get(f"/api/sessions/{created['id']}/users")
    assert response.status == 200
    assert await response.json() == {
        "users": [
            {
                "userId": state["you"]["userId"],
                "name": "Cara",
                "role": "candidate",
                "joinedAt": START,
                "colour": 0,
            }
        ],
        "count": 1,
        "roles": {"interviewer": 0, "candidate": 1, "observer": 0},
    }
    await ws.close()


async def test_users_of_unknown_session_is_404(client: Client):
    response = await client.get("/api/sessions/missing/users")
    assert response.status == 404


async def test_languages_lists_every_supported_language(client: Client):
    response = await client.get("/api/languages")
    body = await response.json()
    assert response.status == 200
    assert body == {
        "languages": list(LANGUAGES),
        "default": "python",
        "runnable": dict.fromkeys(LANGUAGES, False),  # execution is off by default
        "reasons": dict.fromkeys(LANGUAGES, "code execution is off on this server (--enable-exec)"),
    }
    required = {
        "python",
        "javascript",
        "typescript",
        "java",
        "go",
        "c",
        "cpp",
        "rust",
        "ruby",
        "sql",
        "plaintext",
    }
    assert required <= set(body["languages"])


async def test_health_reports_sessions_connections_uptime_and_version(
    client: Client, clock: FakeClock
):
    await create_session(client)
    created = await create_session(client)
    ws, _ = await join(client, created, "Cara")
    clock.advance(12.5)
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {
        "status": "ok",
        "sessions": 2,
        "sessionsByStatus": {"active": 2, "ended": 0},
        "connections": 1,
        "uptimeSeconds": 12.5,
        "version": VERSION,
        "execution": {
            "enabled": False,
            "isolation": "off",
            "runnable": [],
            "reasons": dict.fromkeys(
                LANGUAGES, "code execution is off on this server (--enable-exec)"
            ),
            "toolchains": {},
        },
    }
    await ws.close()


async def test_unknown_route_is_a_json_404(client: Client):
    response = await client.get("/nowhere")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert await response.json() == error("not-found", "no route for GET /nowhere")


async def test_wrong_method_is_a_json_405_with_allow(client: Client):
    response = await client.put("/api/sessions", json={})
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert await response.json() == error(
        "method-not-allowed", "PUT is not allowed on /api/sessions; allowed: POST"
    )


async def test_cors_preflight_is_answered_for_any_origin_by_default(client: Client):
    response = await client.options(
        "/api/sessions",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, PATCH, DELETE, OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"


async def test_cors_headers_are_on_regular_and_error_responses(client: Client):
    ok = await client.get("/api/languages", headers={"Origin": "https://app.example"})
    missing = await client.get("/api/sessions/x", headers={"Origin": "https://app.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert missing.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("config", [Config(cors_origins=("https://good.example",))])
async def test_cors_only_allows_configured_origins(client: Client):
    good = await client.options(
        "/api/sessions",
        headers={"Origin": "https://good.example", "Access-Control-Request-Method": "POST"},
    )
    bad = await client.options(
        "/api/sessions",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    plain_bad = await client.get("/api/languages", headers={"Origin": "https://evil.example"})
    assert good.status == 204
    assert good.headers["Access-Control-Allow-Origin"] == "https://good.example"
    assert good.headers["Vary"] == "Origin"
    assert bad.status == 403
    assert await bad.json() == error("forbidden", "origin is not allowed to call this API")
    assert "Access-Control-Allow-Origin" not in plain_bad.headers


async def test_problems_refuses_an_empty_difficulty_filter(client: Client):
    response = await client.get("/api/problems?difficulty=")
    assert response.status == 400
    assert await response.json() == error(
        "bad-request",
        "query parameter 'difficulty' must be one of easy, medium, hard (got '')",
    )


async def test_a_websocket_key_that_rfc_6455_refuses_is_400_naming_the_header(client: Client):
    handshake = {
        "Upgrade": "websocket",
        "Connection": "keep-alive, Upgrade",  # as Firefox sends it: accepted
        "Sec-WebSocket-Key": "AAAAAAAAAAAAAAAAAAAAAA==*",  # aiohttp alone would take it
        "Sec-WebSocket-Version": "13",
    }
    response = await client.get("/ws", headers=handshake)
    assert response.status == 400
    assert await response.json() == error(
        "bad-request", "header 'Sec-WebSocket-Key' must be 16 bytes in base64 (RFC 6455)"
    )
