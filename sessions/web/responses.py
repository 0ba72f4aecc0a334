"""JSON responses encoded with the same encoder as the socket frames.

``web.json_response`` runs the stdlib encoder, about a tenth of a ``GET``'s CPU
(docs/benchmarks.md); :func:`sessions.protocol.fields.encode` writes the same compact bytes with
orjson. The header is the same: ``application/json; charset=utf-8``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sessions.protocol.fields import encode


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=encode(data),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )
