"""The one place HTTP errors become JSON, and CORS for the REST API."""

from __future__ import annotations

import logging
import math

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from sessions.errors import HTTP_CODES, DomainError, RateLimited
from sessions.web.keys import CONFIG

log = logging.getLogger("interview.http")

CORS_PATHS = ("/api/", "/health", "/openapi.json")
CORS_ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
CORS_ALLOW_HEADERS = "Authorization, Content-Type"
CORS_MAX_AGE = "600"


def json_error(status: int, code: str, message: str) -> web.Response:
    """``{"error":{"code","message"}}`` with the given status."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


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
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error (domain, aiohttp's own, or a bug) into a JSON error response."""
    try:
        return await handler(request)
    except DomainError as exc:
        response = json_error(exc.status, exc.http_code, exc.message)
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            response.headers[hdrs.RETRY_AFTER] = str(max(1, math.ceil(exc.retry_after)))
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = HTTP_CODES.get(exc.status, "error")
        response = json_error(exc.status, code, _http_exception_message(exc, request))
        for name in (hdrs.ALLOW, hdrs.RETRY_AFTER):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:  # the HTTP boundary: a bug must not become an HTML 500 page
        log.exception("unhandled error in %s %s", request.method, request.path)
        return json_error(500, "internal-error", "the server failed to handle this request")


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None:
        return None
    origins = request.app[CONFIG].cors_origins
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS for the REST API: answer preflights, label responses for allowed origins."""
    if not request.path.startswith(CORS_PATHS):
        return await handler(request)
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
        response = await handler(request)
    if allowed is not None:
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = allowed
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = "Location"
        if allowed != "*":
            response.headers[hdrs.VARY] = hdrs.ORIGIN
    return response
