"""Run the interview server: ``python server.py [--host 127.0.0.1] [--port 8080] [...]``.

Also importable: ``python -m aiohttp.web -H 127.0.0.1 -P 8080 server:create_app``.

SIGTERM and SIGINT stop it gracefully: the listening socket closes, every WebSocket gets
``{"type":"server-shutdown"}`` and close 1001, in-flight requests get
``--shutdown-grace-seconds`` to finish, and with ``--snapshot`` the sessions are saved last.
Start-up fails with exit status 2 and one log line saying why for a bad problem bank, bad TLS
files, or a snapshot that exists but cannot be read (it is never overwritten).
"""

from __future__ import annotations

import gc
import logging
import ssl
import sys
from collections.abc import Sequence

from aiohttp import web

from sessions.config import Config
from sessions.problems import ProblemBankError
from sessions.snapshot import SnapshotError
from sessions.web.app import create_app

__all__ = ["create_app", "main", "ssl_context"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
EXIT_CANNOT_START = 2


def ssl_context(config: Config) -> ssl.SSLContext | None:
    """A server TLS context from ``--ssl-cert`` and ``--ssl-key``; None when neither is set.

    Raises ValueError when only one is given, OSError or ssl.SSLError for unusable files.
    """
    if not config.ssl_cert and not config.ssl_key:
        return None
    if not (config.ssl_cert and config.ssl_key):
        raise ValueError("--ssl-cert and --ssl-key must be given together")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.ssl_cert, config.ssl_key)
    return context


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags and environment, set up logging, serve until interrupted."""
    config = Config.from_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=config.log_level, format=LOG_FORMAT)
    log = logging.getLogger("interview")
    try:
        context = ssl_context(config)
    except (ValueError, OSError, ssl.SSLError) as exc:
        log.error("cannot start: TLS certificate or key: %s", exc)
        raise SystemExit(EXIT_CANNOT_START) from None
    try:
        app = create_app(config)
    except ProblemBankError as exc:
        log.error("cannot start: invalid problem bank: %s", exc)
        raise SystemExit(EXIT_CANNOT_START) from None
    freeze_start_up_heap()
    try:
        web.run_app(
            app,
            host=config.host,
            port=config.port,
            ssl_context=context,
            shutdown_timeout=config.shutdown_grace_seconds,
            print=log.info,
        )
    except SnapshotError as exc:
        log.error(
            "cannot start: %s. The file was left as it is: repair or move it, or start with "
            "--snapshot-move-aside true to rename it to %s.corrupt-<time> and start empty.",
            exc,
            exc.path,
        )
        raise SystemExit(EXIT_CANNOT_START) from None
    log.info("stopped")


def freeze_start_up_heap() -> None:
    """Put everything alive before serving (modules, classes, functions, the app) out of the
    garbage collector's reach: it lives as long as the process, and each full collection
    walked its ~280,000 references again, half of the pause (docs/benchmarks.md). What is
    frozen is never collected as a cycle, which only matters for garbage, and there is none
    yet after the collection just before.
    """
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()
