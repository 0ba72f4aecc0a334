"""What a client may open and send, checked before the domain sees anything.

* the WebSocket handshake: the browser's ``Origin`` against ``--allowed-origins``
  (cross-site WebSocket hijacking), the handshake headers that are sent (:data:`HANDSHAKE`,
  as RFC 6455 spells them; aiohttp alone would take a key with junk around it), sockets per
  client address, and for a ``/ws/{sessionId}`` join, room in the session: each refused as
  JSON before the upgrade;
* each frame: the socket's rate limit (an ``error`` frame, then close 1008 for sustained
  abuse);
* ``POST /api/sessions``: sessions per address per minute (``429`` with ``Retry-After``) and
  sessions in total (``503``);
* REST bodies: the charset.

The JSON nesting depth of frames and bodies is checked as they are parsed
(:func:`sessions.protocol.fields.decode_json`). The counting itself is pure
(:mod:`sessions.limits`);
this module holds the app's counters under typed keys and turns verdicts into errors.
"""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, hdrs, web

from sessions.config import Config
from sessions.errors import (
    Capacity,
    DomainError,
    Forbidden,
    RateLimited,
    SessionNotFound,
    UnsupportedMediaType,
)
from sessions.limits import (
    AddressCounter,
    FrameLimiter,
    KeyedRateLimiter,
    Verdict,
    client_address,
)
from sessions.protocol.inputs import Choice, Field, Text
from sessions.room.session import Session
from sessions.web.commit import COMMIT
from sessions.web.connection import Connection
from sessions.web.keys import CLOCK, CONFIG, STORE

log = logging.getLogger("interview.guard")

SOCKETS_BY_ADDRESS = web.AppKey("sockets_by_address", AddressCounter)
CREATES_BY_ADDRESS = web.AppKey("creates_by_address", KeyedRateLimiter)
UTF8_NAMES = frozenset({"utf-8", "utf8"})


def setup(app: web.Application) -> None:
    """Create the per-address counters."""
    config = app[CONFIG]
    app[SOCKETS_BY_ADDRESS] = AddressCounter(config.max_sockets_per_address)
    app[CREATES_BY_ADDRESS] = KeyedRateLimiter(config.session_creates_per_minute, app[CLOCK])


def address_of(request: web.Request) -> str:
    """The client address limits count under (see :func:`sessions.limits.client_address`)."""
    return client_address(
        _remote(request),
        request.headers.get(hdrs.X_FORWARDED_FOR),
        request.app[CONFIG].trusted_proxies,
    )


# A WebSocket's request lives as long as the socket, and so does every entry of its reified
# properties' cache: the first one (``remote``, ``host``) makes the cache's table, 0.2 KiB
# per idle socket (docs/benchmarks.md). These two read what aiohttp's properties read,
# without caching it (no request here is cloned with another remote or host).


def _remote(request: web.Request) -> str | None:
    """``request.remote``: the peer's address as the transport gave it."""
    peer = request.protocol.peername
    if peer is None:
        return None
    return str(peer[0]) if isinstance(peer, (list, tuple)) else str(peer)


def _host(request: web.Request) -> str:
    """``request.host``: the ``Host`` header, else aiohttp's own fallback."""
    host = request.headers.get(hdrs.HOST)
    return host if host is not None else request.host


# --- the WebSocket handshake ------------------------------------------------------------------


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether a browser page from ``origin`` may open a socket on the server at ``host``.

    No ``Origin`` header: not a browser (curl, websocat, a test client), allowed. A page
    served by this server (its origin's host and port are the request's ``Host``) is allowed.
    Otherwise the origin must match an entry of ``allowed``: ``*`` (any), an exact origin
    like ``https://interviews.example.com``, or one with ``:*`` for any port, like
    ``http://localhost:*``. ``Origin: null`` (a sandboxed or ``file:`` page) matches only ``*``.
    """
    if origin is None:
        return True
    if "*" in allowed:
        return True
    origin = origin.strip().lower()
    parts = urlsplit(origin)
    if host is not None and parts.scheme in ("http", "https") and parts.netloc == host.lower():
        return True
    for entry in allowed:
        entry = entry.strip().lower().rstrip("/")
        if entry.endswith(":*"):
            prefix = entry[:-2]
            if origin == prefix or (origin.startswith(prefix + ":") and _is_port(origin, prefix)):
                return True
        elif origin == entry:
            return True
    return False


def _is_port(origin: str, prefix: str) -> bool:
    return origin[len(prefix) + 1 :].isdigit()


def check_room(session: Session, config: Config, *, freeing: int = 0) -> None:
    """Refuse a join to a session that already has ``--max-sockets-per-session`` sockets;
    ``freeing`` members leave as this one joins (a replaced member, the socket's own)."""
    if len(session.members) - freeing >= config.max_sockets_per_session:
        raise Capacity(
            f"session is full: {config.max_sockets_per_session} sockets are joined already"
        )


def _any_case(word: str) -> str:
    return "".join(f"[{char.upper()}{char.lower()}]" for char in word)


HANDSHAKE: tuple[Field[str], ...] = (
    Field("Upgrade", Text(pattern=_any_case("websocket"), shape="'websocket'"), "websocket"),
    Field(
        "Connection",
        Text(
            pattern=rf"(?:.*,)?[ \t]*{_any_case('upgrade')}[ \t]*(?:,.*)?",
            shape="a list holding 'Upgrade'",
        ),
        "a list holding Upgrade",
    ),
    Field(
        "Sec-WebSocket-Key",
        Text(pattern="[A-Za-z0-9+/]{21}[AQgw]==", shape="16 bytes in base64 (RFC 6455)"),
        "16 random bytes in base64 (RFC 6455)",
    ),
    Field("Sec-WebSocket-Version", Choice(("13",)), "13"),
)
"""The WebSocket handshake's request headers. One that is sent must be as declared here; a
missing one is refused by aiohttp after the join in the URL has been checked."""


def admit_socket(request: web.Request) -> str:
    """Before the upgrade on ``/ws``: the handshake headers sent, origin, room in the
    session, sockets per address.

    Returns the address one socket was counted under: give it back with
    :func:`release_socket` when the socket ends. Raises the refusal, counting nothing.
    """
    for header in HANDSHAKE:
        value = request.headers.get(header.name)
        if value is not None:
            header.kind.read(value, f"header '{header.name}'")
    config = request.app[CONFIG]
    origin = request.headers.get(hdrs.ORIGIN)
    if not origin_allowed(origin, _host(request), config.allowed_origins):
        log.warning("refused a WebSocket from origin %r", origin[:100] if origin else None)
        raise Forbidden(
            f"origin {origin[:100] if origin else ''!r} may not open a WebSocket here "
            "(see --allowed-origins)"
        )
    session_id = request.match_info.get("session_id")
    if session_id is not None:
        with contextlib.suppress(SessionNotFound):  # the handler answers 404
            check_room(request.app[STORE].get(session_id), config)
    address = address_of(request)
    if not request.app[SOCKETS_BY_ADDRESS].acquire(address):
        raise RateLimited(
            f"too many open sockets from your address (limit {config.max_sockets_per_address})"
        )
    return address


def release_socket(app: web.Application, address: str) -> None:
    """A socket counted by :func:`admit_socket` has ended."""
    app[SOCKETS_BY_ADDRESS].release(address)


# --- frames -------------------------------------------------------------------------------------


def admit_frame(app: web.Application, conn: Connection) -> bool:
    """Whether a received frame goes on to the protocol; a refused one is answered here.

    Over the rate: a ``rate-limited`` error frame; past the abuse limit: close 1008. Frames
    arriving after a close was requested are dropped without an answer. (Nesting deeper than
    ``--max-json-depth`` is refused by the parser: :func:`sessions.protocol.fields.decode_json`.)
    """
    if conn.closing:
        return False
    limiter = conn.limiter
    if limiter is None:
        limiter = conn.limiter = FrameLimiter(app[CONFIG], app[CLOCK])
    # FrameLimiter.check() in two steps: an admitted frame, nearly every one, costs one call.
    if limiter.take():
        return True
    if limiter.refused() is Verdict.CLOSE:
        log.warning("closing socket from %s (1008): sustained frames over the rate", conn.label)
        conn.close(WSCloseCode.POLICY_VIOLATION, "rate limit exceeded")
        return False
    rate = app[CONFIG].rate_limit_per_second  # REJECT: answer, keep the socket
    _refuse(app, conn, RateLimited(f"over {rate:g} frames per second: frame ignored, slow down"))
    return False


def _refuse(app: web.Application, conn: Connection, error: DomainError) -> None:
    app[COMMIT].error(conn, error)


# --- REST ---------------------------------------------------------------------------------------


def check_create(request: web.Request) -> None:
    """``POST /api/sessions``: the address's creation rate, then the total of sessions."""
    app = request.app
    config = app[CONFIG]
    retry_after = app[CREATES_BY_ADDRESS].take(address_of(request))
    if retry_after is not None:
        raise RateLimited(
            f"at most {config.session_creates_per_minute} sessions per minute from one address",
            retry_after=retry_after,
        )
    if len(app[STORE]) >= config.max_sessions:
        raise Capacity(f"the server holds its limit of {config.max_sessions} sessions")


def check_charset(request: web.Request) -> None:
    """A JSON body must be UTF-8 (RFC 8259); its nesting depth is checked as it is parsed."""
    charset = request.charset
    if charset is not None and charset.strip().lower() not in UTF8_NAMES:
        raise UnsupportedMediaType(f"JSON bodies must be UTF-8, not charset {charset[:40]!r}")
