"""Run the interview server: ``python server.py [--host 127.0.0.1] [--port 8080] [...]``.

Also importable: ``python -m aiohttp.web -H 127.0.0.1 -P 8080 server:create_app``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from sessions.config import Config
from sessions.problems import ProblemBankError
from sessions.web.app import create_app

__all__ = ["create_app", "main"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags and environment, set up logging, serve until interrupted."""
    config = Config.from_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=config.log_level, format=LOG_FORMAT)
    log = logging.getLogger("interview")
    try:
        app = create_app(config)
    except ProblemBankError as exc:
        log.error("cannot start: invalid problem bank: %s", exc)
        raise SystemExit(2) from None
    web.run_app(app, host=config.host, port=config.port, print=log.info)


if __name__ == "__main__":
    main()
