"""Run the interview server: ``python server.py [--host 127.0.0.1] [--port 8080] [...]``.

Also importable: ``python -m aiohttp.web -H 127.0.0.1 -P 8080 server:create_app``, which logs
in the same format and tunes the garbage collector the same way (see :func:`create_app`).

SIGTERM and SIGINT stop it gracefully: the listening socket closes, every WebSocket gets
``{"type":"server-shutdown"}`` and close 1001, in-flight requests get
``--shutdown-grace-seconds`` to finish, and with ``--snapshot`` the sessions are saved last.
Start-up fails the same way for every cause (a bad flag or ``INTERVIEW_*`` value, a port in
use, a host that does not resolve, a bad problem bank, bad TLS files, a snapshot that exists
but cannot be read, which is never overwritten): one line ``cannot start: …`` and exit
status 2, with no traceback. It runs on uvloop when that is installed (``--event-loop``).
"""

from __future__ import annotations

import gc
import logging
import ssl
import sys
from collections.abc import Sequence
from typing import NoReturn

from aiohttp import web

from sessions.config import Config, ConfigError
from sessions.interview.problems import ProblemBankError
from sessions.persistence.snapshot import SnapshotError, SnapshotPathError
from sessions.web.app import create_app as build_app
from sessions.web.eventloop import EventLoopUnavailable, new_event_loop
from sessions.web.keys import CONFIG

__all__ = ["create_app", "main", "ssl_context"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
EXIT_CANNOT_START = 2
COLLECTOR_THRESHOLDS = (700, 40, 10)
"""The garbage collector's thresholds by generation; CPython's are (700, 10, 10). Every edit
keeps about five tuples of history (ops, inverse, the op log's and the timeline's entries),
and each counts as an allocation until a young collection finds it has nothing to track, so
at 1,000 edits/s the young generation is collected ~9 times a second. Each middle
collection moved every socket's in-flight read (its coroutine, future and timer: ~5,000
objects at 600 sockets) into the old generation, and each tenth of them then made a full
pass over every socket's objects: 20-40 ms every ~12 s, the maxima of the latency at 2k
msg/s (``python -m bench tail``; docs/benchmarks.md, "The tail"). A middle collection every
40 young ones leaves those reads to die young: full passes four times rarer (at most every
400 young collections), middle ones 2-8 ms instead of 1-3."""
log = logging.getLogger("interview")


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


def cannot_start(reason: str) -> NoReturn:
    """The one way start-up fails: one log line, exit status 2, no traceback."""
    logging.basicConfig(format=LOG_FORMAT)  # a no-op once logging is set up
    log.error("cannot start: %s", reason)
    raise SystemExit(EXIT_CANNOT_START)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags and environment, set up logging, serve until interrupted."""
    try:
        config = Config.from_args(sys.argv[1:] if argv is None else argv)
    except ConfigError as exc:
        cannot_start(exc.reason)
    logging.basicConfig(level=config.log_level, format=LOG_FORMAT)
    try:
        context = ssl_context(config)
    except (ValueError, OSError, ssl.SSLError) as exc:
        cannot_start(f"TLS certificate or key: {exc}")
    try:
        app = build_app(config)
    except ProblemBankError as exc:
        cannot_start(f"invalid problem bank: {exc}")
    except ConfigError as exc:  # a combination of flags only the app can judge (ICE servers)
        cannot_start(exc.reason)
    tune_collector()
    try:
        loop, loop_name = new_event_loop(config.event_loop)
    except EventLoopUnavailable as exc:
        cannot_start(str(exc))
    try:
        web.run_app(
            app,
            loop=loop,
            host=config.host,
            port=config.port,
            ssl_context=context,
            shutdown_timeout=config.shutdown_grace_seconds,
            access_log=access_log(),
            print=lambda ready: log.info("%s\nevent loop: %s", ready, loop_name),
        )
    except SnapshotPathError as exc:
        cannot_start(str(exc))
    except SnapshotError as exc:
        cannot_start(
            f"{exc}. The file was left as it is: repair or move it, or start with "
            f"--snapshot-move-aside true to rename it to {exc.path}.corrupt-<time> and start "
            "empty."
        )
    except OSError as exc:  # raised while binding: a port in use, a host that doesn't resolve
        cannot_start(f"cannot listen on {config.host}:{config.port}: {exc}")
    log.info("stopped")


def access_log() -> logging.Logger | None:
    """aiohttp's access logger when it logs (``--log-level INFO`` or lower), else None.

    aiohttp gives every connection an access logger object of its own when one is passed,
    whether it logs or not: for a WebSocket that is about 0.1 KiB for the socket's life
    (docs/benchmarks.md). The level is set once, at start-up.
    """
    logger = logging.getLogger("aiohttp.access")
    return logger if logger.isEnabledFor(logging.INFO) else None


def create_app(argv: Sequence[str] | None = None) -> web.Application:
    """The app for ``python -m aiohttp.web ... server:create_app [flags]``.

    Run that way, it logs in this server's format at ``--log-level`` (aiohttp.web set up
    DEBUG logging in its own format just before calling this) and tunes the garbage collector
    as :func:`main` does. Imported anywhere else it only builds the app.
    """
    by_aiohttp_web = _run_by_aiohttp_web()
    try:
        app = build_app(list(argv) if argv is not None else None)
    except ConfigError as exc:
        if not by_aiohttp_web:
            raise
        cannot_start(exc.reason)
    if by_aiohttp_web:
        logging.basicConfig(level=app[CONFIG].log_level, format=LOG_FORMAT, force=True)
        tune_collector()
    return app


def _run_by_aiohttp_web() -> bool:
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    return spec is not None and spec.name == "aiohttp.web"


def tune_collector() -> None:
    """Set :data:`COLLECTOR_THRESHOLDS`, and put everything alive before serving (modules,
    classes, functions, the app) out of the garbage collector's reach: it lives as long as
    the process, and each full collection walked its ~280,000 references again, half of the
    pause (docs/benchmarks.md). What is frozen is never collected as a cycle, which only
    matters for garbage, and there is none yet after the collection just before.
    """
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()
