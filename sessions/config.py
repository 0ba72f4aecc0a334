"""Every limit and default in one frozen dataclass, built once from flags and environment.

Each field has a CLI flag (``--max-code-bytes``) and an environment variable
(``INTERVIEW_MAX_CODE_BYTES``); a flag wins over the environment, which wins over the default.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sessions.version import VERSION

ENV_PREFIX = "INTERVIEW_"
KIB = 1024
MIB = 1024 * KIB
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EXEC_ISOLATION_LEVELS = ("auto", "bubblewrap", "namespaces", "rlimits")


class ConfigError(SystemExit):
    """A flag or ``INTERVIEW_*`` value that cannot be used; ``reason`` names it.

    A :class:`SystemExit` with status 2 (the usage-error status argparse used), so one that
    nobody catches still stops the program the same way; ``server.py`` catches it to print
    its one ``cannot start: …`` line.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(2)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class _Parser(argparse.ArgumentParser):
    """Raises :class:`ConfigError` instead of printing the usage text and exiting."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(message)


def _number(value: str, kind: Callable[[str], Any], what: str) -> Any:
    try:
        return kind(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}") from None


def _origins(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _paths(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _positive_int(value: str) -> int:
    number: int = _number(value, int, "a positive integer")
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def _positive_float(value: str) -> float:
    number: float = _number(value, float, "a positive number")
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return number


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(LOG_LEVELS)}, got {value}")
    return level


DURABILITIES = ("interval", "always")


def _durability(value: str) -> str:
    mode = value.strip().lower()
    if mode not in DURABILITIES:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(DURABILITIES)}, got {value}")
    return mode


def _port(value: str) -> int:
    number: int = _number(value, int, "a port number 0-65535")
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {value}")
    return number


def _isolation(value: str) -> str:
    level = value.strip().lower()
    if level not in EXEC_ISOLATION_LEVELS:
        raise argparse.ArgumentTypeError(
            f"must be one of {', '.join(EXEC_ISOLATION_LEVELS)}, got {value}"
        )
    return level


SHARD_MAX_LENGTH = 16
SHARD_PATTERN = re.compile(rf"[a-z0-9]{{1,{SHARD_MAX_LENGTH}}}")


def _shard(value: str) -> str:
    """A worker's shard name: 1-16 of ``[a-z0-9]`` ('' = not part of a cluster)."""
    name = value.strip()
    if name and SHARD_PATTERN.fullmatch(name) is None:
        raise argparse.ArgumentTypeError(
            f"must be 1-{SHARD_MAX_LENGTH} lowercase letters and digits, got {value!r}"
        )
    return name


def _peers(value: str) -> tuple[str, ...]:
    """``NAME=URL`` pairs: every worker of the cluster and the base URL it serves on."""
    peers = _origins(value)
    for peer in peers:
        name, _, url = peer.partition("=")
        _shard(name)
        if not name or not url.startswith(("http://", "https://")):
            raise argparse.ArgumentTypeError(
                f"each peer must be NAME=http://host:port, got {peer!r}"
            )
    return peers


def _option(help_text: str, parse: Callable[[str], Any]) -> dict[str, Any]:
    return {"help": help_text, "parse": parse}


@dataclass(frozen=True, slots=True)
class Config:
    """Server settings. Build with ``Config.from_args(argv, environ)`` or construct directly."""

    host: str = field(default="127.0.0.1", metadata=_option("address to listen on", str))
    port: int = field(default=8080, metadata=_option("TCP port to listen on", _port))
    cors_origins: tuple[str, ...] = field(
        default=("*",),
        metadata=_option(
            "comma-separated origins allowed to call the REST API ('*' = any)", _origins
        ),
    )
    max_code_bytes: int = field(
        default=256 * KIB,
        metadata=_option("largest document, in UTF-8 bytes", _positive_int),
    )
    max_body_bytes: int = field(
        default=2 * MIB,
        metadata=_option("largest REST request body, in bytes", _positive_int),
    )
    max_message_bytes: int = field(
        default=1 * MIB,
        metadata=_option("largest WebSocket frame, in bytes", _positive_int),
    )
    max_name_length: int = field(
        default=100,
        metadata=_option("longest session or user name, in characters", _positive_int),
    )
    op_log_size: int = field(
        default=1000,
        metadata=_option("operations kept per session for transform and resync", _positive_int),
    )
    heartbeat_seconds: float = field(
        default=10.0,
        metadata=_option(
            "WebSocket ping interval; a peer silent for 1.5x this is dropped", _positive_float
        ),
    )
    send_queue_messages: int = field(
        default=1000,
        metadata=_option("frames queued for one slow socket before it is dropped", _positive_int),
    )
    send_queue_bytes: int = field(
        default=16 * MIB,
        metadata=_option("bytes queued for one slow socket before it is dropped", _positive_int),
    )
    close_timeout_seconds: float = field(
        default=5.0,
        metadata=_option(
            "how long a closing handshake may take before the socket is aborted", _positive_float
        ),
    )
    compress: bool = field(
        default=False,
        metadata=_option("negotiate permessage-deflate with clients that offer it", _bool),
    )
    chat_history: int = field(
        default=500,
        metadata=_option("chat messages (and private notes) kept per session", _positive_int),
    )
    max_chat_length: int = field(
        default=4000,
        metadata=_option("longest chat message or note, in characters", _positive_int),
    )
    timeline_size: int = field(
        default=10_000,
        metadata=_option("timeline events kept per session for the record", _positive_int),
    )
    max_candidates_limit: int = field(
        default=20,
        metadata=_option("highest maxCandidates a session may be given", _positive_int),
    )
    session_ttl_seconds: float = field(
        default=24 * 3600.0,
        metadata=_option(
            "remove a session idle (nobody connected, no change) this long", _positive_float
        ),
    )
    cleanup_interval_seconds: float = field(
        default=60.0,
        metadata=_option("how often idle sessions are looked for", _positive_float),
    )
    problems: tuple[str, ...] = field(
        default=(),
        metadata=_option("comma-separated problem bank files or folders to load", _paths),
    )
    default_problems: bool = field(
        default=True,
        metadata=_option("load the problem bank shipped with the server", _bool),
    )
    log_level: str = field(default="INFO", metadata=_option("logging level", _log_level))
    max_sessions: int = field(
        default=10_000,
        metadata=_option("sessions held at once; creating more is refused with 503", _positive_int),
    )
    max_sockets_per_session: int = field(
        default=50,
        metadata=_option("sockets joined to one session at once", _positive_int),
    )
    max_sockets_per_address: int = field(
        default=100,
        metadata=_option("sockets open from one client address at once", _positive_int),
    )
    max_json_depth: int = field(
        default=32,
        metadata=_option("deepest nesting of arrays and objects in a frame or body", _positive_int),
    )
    rate_limit_per_second: float = field(
        default=100.0,
        metadata=_option("frames per second one socket may send, on average", _positive_float),
    )
    rate_limit_burst: int = field(
        default=400,
        metadata=_option(
            "frames one socket may send at once before the rate applies", _positive_int
        ),
    )
    abuse_limit: int = field(
        default=100,
        metadata=_option(
            "rate-limited frames tolerated per abuse window before close 1008", _positive_int
        ),
    )
    abuse_window_seconds: float = field(
        default=10.0,
        metadata=_option("the window abuse-limit counts over, in seconds", _positive_float),
    )
    session_creates_per_minute: int = field(
        default=600,
        metadata=_option("sessions one client address may create per minute", _positive_int),
    )
    allowed_origins: tuple[str, ...] = field(
        default=("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"),
        metadata=_option(
            "comma-separated browser origins allowed to open a WebSocket, besides the "
            "server's own ('*' = any; ':*' = any port)",
            _origins,
        ),
    )
    trusted_proxies: tuple[str, ...] = field(
        default=(),
        metadata=_option(
            "comma-separated proxy addresses whose X-Forwarded-For names the client", _origins
        ),
    )
    snapshot: str = field(
        default="",
        metadata=_option("file to save sessions to and restore them from ('' = off)", str),
    )
    snapshot_interval: float = field(
        default=30.0,
        metadata=_option("seconds between snapshots while running", _positive_float),
    )
    snapshot_move_aside: bool = field(
        default=False,
        metadata=_option(
            "rename an unreadable snapshot to PATH.corrupt-<time> and start empty", _bool
        ),
    )
    shutdown_grace_seconds: float = field(
        default=10.0,
        metadata=_option("how long in-flight work may take to finish on shutdown", _positive_float),
    )
    ssl_cert: str = field(
        default="",
        metadata=_option("TLS certificate chain (PEM) to serve https and wss", str),
    )
    ssl_key: str = field(
        default="",
        metadata=_option("TLS private key (PEM) for --ssl-cert", str),
    )
    durability: str = field(
        default="interval",
        metadata=_option(
            "with --snapshot: 'interval' fsyncs the journal every --fsync-interval; 'always' "
            "acknowledges a change only once it is on disk",
            _durability,
        ),
    )
    fsync_interval: float = field(
        default=1.0,
        metadata=_option(
            "seconds between fsyncs of the journal (the most a crash of the machine loses)",
            _positive_float,
        ),
    )
    enable_exec: bool = field(
        default=False,
        metadata=_option(
            "run the candidate's code on the Run button (README: Running code)", _bool
        ),
    )
    exec_isolation: str = field(
        default="auto",
        metadata=_option(
            "containment of runs: auto (the strongest that works), bubblewrap, namespaces or "
            "rlimits; a level that does not work here is a start-up error",
            _isolation,
        ),
    )
    exec_timeout_seconds: float = field(
        default=10.0,
        metadata=_option("wall-clock time a run may take before it is killed", _positive_float),
    )
    exec_cpu_seconds: int = field(
        default=10,
        metadata=_option("CPU time a run may use (RLIMIT_CPU)", _positive_int),
    )
    exec_memory_bytes: int = field(
        default=512 * MIB,
        metadata=_option(
            "memory of a run: each process's address space (RLIMIT_AS), and all of its "
            "processes' resident memory together; node's heap gets the same cap",
            _positive_int,
        ),
    )
    exec_output_bytes: int = field(
        default=64 * KIB,
        metadata=_option("stdout and stderr shown per run; the rest is dropped", _positive_int),
    )
    exec_file_bytes: int = field(
        default=16 * MIB,
        metadata=_option("largest file a run may write (RLIMIT_FSIZE)", _positive_int),
    )
    exec_tmpfs_bytes: int = field(
        default=64 * MIB,
        metadata=_option(
            "size of each of a sandboxed run's writable tmpfs: its working directory, /tmp "
            "and /dev/shm",
            _positive_int,
        ),
    )
    exec_processes: int = field(
        default=64,
        metadata=_option(
            "processes a run may have at once (RLIMIT_NPROC also counts threads)", _positive_int
        ),
    )
    exec_open_files: int = field(
        default=256,
        metadata=_option("files a run may have open at once (RLIMIT_NOFILE)", _positive_int),
    )
    exec_max_concurrent: int = field(
        default=os.cpu_count() or 1,
        metadata=_option("runs at once, server-wide; more wait in a queue", _positive_int),
    )
    exec_queue_size: int = field(
        default=100,
        metadata=_option("runs waiting for a slot; more are refused (capacity)", _positive_int),
    )
    shard: str = field(
        default="",
        metadata=_option(
            "this worker's name in a cluster (1-16 of a-z, 0-9): the session ids it creates "
            "are NAME.<22 random characters> ('' = standalone)",
            _shard,
        ),
    )
    peers: tuple[str, ...] = field(
        default=(),
        metadata=_option(
            "comma-separated NAME=URL of every worker in the cluster, for /cluster/health",
            _peers,
        ),
    )
    peer_timeout_seconds: float = field(
        default=1.0,
        metadata=_option("how long /cluster/health waits for each peer's /health", _positive_float),
    )

    @classmethod
    def from_args(
        cls, argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
    ) -> Config:
        """Parse flags, falling back to ``INTERVIEW_*`` environment variables, then defaults.

        Raises :class:`ConfigError` naming the flag or variable for a value it cannot use.
        """
        env = os.environ if environ is None else environ
        parser = build_parser()
        values = vars(parser.parse_args(list(argv) if argv is not None else []))
        settings: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            raw = values.get(spec.name)
            if raw is not None:
                settings[spec.name] = raw
                continue
            env_value = env.get(env_name(spec.name))
            if env_value is not None:
                try:
                    settings[spec.name] = spec.metadata["parse"](env_value)
                except (ValueError, argparse.ArgumentTypeError) as exc:
                    raise ConfigError(
                        f"environment variable {env_name(spec.name)}: {exc}"
                    ) from None
        return cls(**settings)


def env_name(field_name: str) -> str:
    """The environment variable of a field: ``max_code_bytes`` → ``INTERVIEW_MAX_CODE_BYTES``."""
    return ENV_PREFIX + field_name.upper()


def flag_name(field_name: str) -> str:
    """The CLI flag for a config field: ``max_code_bytes`` → ``--max-code-bytes``."""
    return "--" + field_name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``server.py``; every default is None so the env can fill in."""
    parser = _Parser(
        prog="server.py", description="Real-time collaborative coding-interview server."
    )
    parser.add_argument("--version", action="version", version=f"interview-server {VERSION}")
    for spec in dataclasses.fields(Config):
        default = spec.default
        shown = ",".join(default) if isinstance(default, tuple) else default
        parser.add_argument(
            flag_name(spec.name),
            *spec.metadata.get("aliases", ()),
            dest=spec.name,
            type=spec.metadata["parse"],
            default=None,
            # A bool flag alone turns it on: ``--enable-exec`` is ``--enable-exec true``.
            nargs="?" if isinstance(default, bool) else None,
            const=True if isinstance(default, bool) else None,
            help=f"{spec.metadata['help']} (default: {shown}; env {env_name(spec.name)})",
        )
    return parser
