"""The browser pages: the landing page, the room, the replay, and their static files.

Everything under ``sessions/web/static/`` is read once, on the first request for it, and kept
in memory with a strong ``ETag`` (a hash of its bytes) and a gzip copy for the big ones. Every
response says ``Cache-Control: no-cache``: the browser keeps the file and revalidates it, and
an unchanged file costs a ``304`` with no body, so a new server version is picked up at once
without hashed file names (the ES modules import each other by plain names).

Pages carry a strict Content-Security-Policy: scripts, styles and connections only from this
origin (``connect-src 'self'`` covers the same-origin ``ws:`` socket), no inline script, no
framing, no plugins. Tokens never reach the server through these routes: the room and replay
links carry them in the URL fragment, which browsers do not send.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
CSP: Final = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
CACHE_CONTROL: Final = "no-cache"
GZIP_MIN_BYTES: Final = 1024
PAGES: Final = {"landing": "index.html", "room": "room.html", "replay": "replay.html"}
_TYPES: Final = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".json": "application/json",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file as served: its bytes, a gzip copy when that is worth it, its tag."""

    body: bytes
    gzipped: bytes | None
    etag: str
    content_type: str


class StaticFiles:
    """The files under a folder, loaded on first use; nothing outside the folder is reachable."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._assets: dict[str, Asset] = {}

    def get(self, relative: str) -> Asset:
        """The asset at ``relative`` (a ``/``-separated path under the root), or a 404."""
        asset = self._assets.get(relative)
        if asset is None:
            asset = self._load(relative)
            if asset is None:
                raise web.HTTPNotFound()  # the middleware answers it as JSON
            self._assets[relative] = asset
        return asset

    def _load(self, relative: str) -> Asset | None:
        parts = relative.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            return None
        path = self._root.joinpath(*parts)
        try:
            path.resolve().relative_to(self._root)
            body = path.read_bytes()
        except (OSError, ValueError):
            return None
        suffix = path.suffix.lower()
        content_type = _TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
        compressible = content_type is not None and not content_type.startswith("image/")
        gzipped = (
            gzip.compress(body, compresslevel=9, mtime=0)
            if compressible and len(body) >= GZIP_MIN_BYTES
            else None
        )
        digest = hashlib.sha256(body).hexdigest()[:32]
        return Asset(body, gzipped, f'"{digest}"', content_type or "application/octet-stream")


STATIC = web.AppKey("static_files", StaticFiles)


def _respond(request: web.Request, asset: Asset, *, page: bool) -> web.StreamResponse:
    headers: dict[str, str] = {
        hdrs.ETAG: asset.etag,
        hdrs.CACHE_CONTROL: CACHE_CONTROL,
        hdrs.VARY: "Accept-Encoding",
    }
    if page:
        headers.update(SECURITY_HEADERS)
    else:
        headers["X-Content-Type-Options"] = "nosniff"
    if asset.etag in _tags(request.headers.get(hdrs.IF_NONE_MATCH, "")):
        return web.Response(status=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, ""):
        body = asset.gzipped
        headers[hdrs.CONTENT_ENCODING] = "gzip"
    charset = "utf-8" if asset.content_type.startswith(("text/", "application/json")) else None
    return web.Response(
        body=body, headers=headers, content_type=asset.content_type, charset=charset
    )


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _page(name: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return _respond(request, request.app[STATIC].get(PAGES[name]), page=True)

    handler.__name__ = f"{name}_page"
    return handler


async def static_file(request: web.Request) -> web.StreamResponse:
    relative = request.match_info["path"]
    return _respond(request, request.app[STATIC].get(relative), page=relative.endswith(".html"))


def add_routes(app: web.Application) -> None:
    """``/``, ``/s/{session_id}``, ``/s/{session_id}/replay`` and ``/static/{path}``."""
    app[STATIC] = StaticFiles(STATIC_DIR)
    router = app.router
    router.add_get("/", _page("landing"), name="landing")
    router.add_get("/s/{session_id}", _page("room"), name="room")
    router.add_get("/s/{session_id}/replay", _page("replay"), name="replay")
    router.add_get("/static/{path:.+}", static_file, name="static")
