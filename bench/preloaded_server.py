"""``server.py`` without persistence, its store filled from a snapshot at start-up.

``python -m bench preloaded-server --preload FILE [server flags]``: the same app, routes and
sessions as ``server.py --snapshot FILE``, but no journal and no saves, so the persistence
scenario (bench/persistence.py) can measure the same load with persistence off.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from sessions.config import Config
from sessions.persistence.restore import restore
from sessions.web.app import create_app
from sessions.web.keys import PROBLEMS, STORE


def main(argv: list[str], prog: str) -> int:
    if "--preload" not in argv:
        raise SystemExit(f"usage: {prog} --preload FILE [server.py's flags]")
    at = argv.index("--preload")
    preload = Path(argv[at + 1])
    config = Config.from_args(argv[:at] + argv[at + 2 :])
    logging.basicConfig(level=config.log_level)
    app = create_app(config)

    async def fill(app: web.Application) -> None:
        for session in restore(preload, config, app[PROBLEMS]).sessions:
            app[STORE].add(session)

    app.on_startup.append(fill)
    web.run_app(app, host=config.host, port=config.port, print=None)
    return 0
