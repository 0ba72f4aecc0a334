"""The call's glue: the ICE configuration on the app, and the handlers' view of it.

:class:`~sessions.ice.IceConfig` is built once at start-up from the flags (reading the TURN
secret's file; a bad combination stops the server with ``cannot start: …``). Each
``call-join`` reply carries ``RTCIceServer`` entries made for that member at that moment,
TURN credentials included (:func:`sessions.ice.turn_credentials`), so no TURN password is in
a page, a URL or a flag.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sessions.ice import IceConfig
from sessions.web.keys import CONFIG

ICE = web.AppKey("ice", IceConfig)


def setup_calls(app: web.Application) -> None:
    """Read the ICE flags (raises :class:`~sessions.config.ConfigError` for a bad set)."""
    app[ICE] = IceConfig.from_config(app[CONFIG])


def ice_servers(app: web.Application, user_id: str, now: float) -> list[dict[str, Any]]:
    """The ``RTCIceServer`` list for ``user_id`` at ``now``."""
    return app[ICE].servers(user_id, now)
