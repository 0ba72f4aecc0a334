"""REST for the whiteboard: the board as Excalidraw's own file format."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sessions.web.responses import json_response
from sessions.web.rest import authorize, session_of

EXCALIDRAW_SOURCE = "interview-server"


def excalidraw_file(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``.excalidraw`` document holding ``elements`` (Excalidraw opens it as it is)."""
    return {
        "type": "excalidraw",
        "version": 2,
        "source": EXCALIDRAW_SOURCE,
        "elements": elements,
        "appState": {"viewBackgroundColor": "#ffffff", "gridSize": None},
        "files": {},
    }


async def get_board(request: web.Request) -> web.Response:
    """The current board, live elements only (interviewers only: it is part of the record)."""
    session = session_of(request)
    authorize(request, session)
    live = [data for data in session.board.elements() if not data.get("isDeleted")]
    return json_response(excalidraw_file(live))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/sessions/{session_id}/board", get_board)
