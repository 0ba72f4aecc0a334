"""The one place HTTP errors become JSON, and CORS for the REST API.

Every request passes one middleware, :func:`boundary`. A WebSocket route goes straight to its
handler: the middleware is a plain function returning the handler's coroutine, so nothing of
it stays suspended for the socket's lifetime (each suspended middleware frame held ~330 bytes
per open socket and was walked by every full garbage collection, docs/benchmarks.md); the
socket handler guards itself and answers its own errors with :func:`error_response`. Every
other request runs :func:`_http`: the body-size check, the handler, errors to JSON, CORS.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from sessions.errors import HTTP_CODES, DomainError, PayloadTooLarge, RateLimited
from sessions.web.keys import CONFIG
from sessions.web.responses import json_response

log = logging.getLogger("interview.http")

CORS_PATHS = ("/api/", "/health", "/openapi.json")
CORS_ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
CORS_ALLOW_HEADERS = "Authorization, Content-Type"
CORS_MAX_AGE = "600"
SOCKET_ROUTES = frozenset({"ws", "ws-join"})
"""Names of the routes whose handlers guard themselves (see the module docstring)."""


def json_error(status: int, code: str, message: str) -> web.Response:
    """``{"error":{"code","message"}}`` with the given status."""
    return json_response({"error": {"code": code, "message": message}}, status=status)


def _http_exception_message(exc: web.HTTPException, request: web.Request) -> str:
    if exc.status == 404:
        return f"no route for {request.method} {request.path[:200]}"
    if exc.status == 405 and isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods))
        return f"{request.method} is not allowed on {request.path[:200]}; allowed: {allowed}"
    if exc.status == 413:
        return "request body is too large"
    return exc.reason


@web.middleware
def boundary(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """WebSocket routes: the handler itself. Everything else: :func:`_http`."""
    if request.match_info.route.name in SOCKET_ROUTES:
        return handler(request)
    return _http(request, handler)


async def _http(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(CORS_PATHS):
        return await _guarded(request, handler)
    allowed = _allowed_origin(request)
    is_preflight = (
        request.method == hdrs.METH_OPTIONS
        and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
    )
    if is_preflight:
        if allowed is None:
            return json_error(403, "forbidden", "origin is not allowed to call this API")
        response: web.StreamResponse = web.Response(status=204)
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = CORS_ALLOW_METHODS
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = CORS_ALLOW_HEADERS
        response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = CORS_MAX_AGE
    else:
        response = await _guarded(request, handler)
    if allowed is not None:
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = allowed
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = "Location"
        if allowed != "*":
            response.headers[hdrs.VARY] = hdrs.ORIGIN
    return response


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A declared body over ``--max-body-bytes`` is refused before it is read; every error
    (domain, aiohttp's own, or a bug) becomes a JSON error response."""
    try:
        if (
            request.content_length is not None
            and request.content_length > request.app[CONFIG].max_body_bytes
        ):
            raise PayloadTooLarge("request body is too large")  # as aiohttp's own 413 says
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc, request)
    except Exception as exc:  # noqa: BLE001 - the HTTP boundary; error_response logs it
        return error_response(exc, request)


def error_response(exc: Exception, request: web.Request) -> web.Response:
    """The JSON answer to an error: a domain error's own status and code, an aiohttp HTTP
    error's status (with its ``Allow`` or ``Retry-After``), or a logged 500 for a bug."""
    if isinstance(exc, DomainError):
        response = json_error(exc.status, exc.http_code, exc.message)
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            response.headers[hdrs.RETRY_AFTER] = str(max(1, math.ceil(exc.retry_after)))
        return response
    if isinstance(exc, web.HTTPException):
        code = HTTP_CODES.get(exc.status, "error")
        response = json_error(exc.status, code, _http_exception_message(exc, request))
        for name in (hdrs.ALLOW, hdrs.RETRY_AFTER):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    # The HTTP boundary: a bug must not become an HTML 500 page.
    log.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return json_error(500, "internal-error", "the server failed to handle this request")


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None:
        return None
    origins = request.app[CONFIG].cors_origins
    if "*" in origins:
        return "*"
    return origin if origin in origins else None
