"""Every limit and default in one frozen dataclass, built once from flags and environment.

Each field has a CLI flag (``--max-code-bytes``) and an environment variable
(``INTERVIEW_MAX_CODE_BYTES``); a flag wins over the environment, which wins over the default.
Each numeric field declares its range (:class:`Numeric`): a value outside it, ``inf`` or
``nan`` included, is a start-up error, whichever of the two it came from.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import re
import resource
import sys
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


@dataclass(frozen=True, slots=True)
class Numeric:
    """A numeric setting's reader and its valid range: a finite ``kind`` from ``low`` to
    ``high``, ``low`` itself excluded when ``above`` (a duration or a rate: more than 0).
    ``rlimit``: the resource limit a run is given the value as; a run cannot get more than
    the server's own hard limit, so with ``--enable-exec`` more is refused at start-up.

    Every numeric field declares one, and every value is checked by it, a flag's and an
    ``INTERVIEW_*`` variable's alike: ``inf``, ``nan`` and a number out of range are refused
    at start-up, so nothing at run time (a timer, a sleep, an rlimit, a deque) sees them.
    """

    kind: type[int] | type[float]
    low: float
    high: float
    above: bool = False
    noun: str = ""
    rlimit: str = ""

    def __call__(self, value: str) -> Any:
        try:
            number = self.kind(value.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {self.describe()}, got {value!r}") from None
        if not self.admits(number):
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got {value.strip()}")
        return number

    def admits(self, number: float) -> bool:
        """Whether ``number`` is in range (never ``inf`` or ``nan``: the bounds are finite)."""
        if isinstance(number, float) and not math.isfinite(number):
            return False
        low_ok = number > self.low if self.above else number >= self.low
        return low_ok and number <= self.high

    def describe(self) -> str:
        """The range in words: ``an integer from 1 to 65535``, ``a number above 0 and …``."""
        unbounded = self.high == sys.float_info.max
        noun = self.noun or (
            "an integer" if self.kind is int else "a finite number" if unbounded else "a number"
        )
        if unbounded:
            return f"{noun} above {_shown(self.low)}"
        if self.above:
            return f"{noun} above {_shown(self.low)} and at most {_shown(self.high)}"
        return f"{noun} from {_shown(self.low)} to {_shown(self.high)}"


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else repr(bound)


INT64_MAX = 2**63 - 1
"""The most a count or a size may be: what a C ``int64`` holds (a deque's length, an rlimit,
aiohttp's own limits); past it they overflow."""
YEAR_SECONDS = 365 * 24 * 3600
"""The longest duration: beyond any interview or uptime, and far below where timers overflow
(a run's wall-clock alarm, ``setitimer``, overflows past 292 years; ``inf`` at once)."""
RUN_BYTES_MAX = 1 << 50
"""The most memory, file or tmpfs (1 PiB) a run may be given: more than any machine has, with
room left below the ``int64`` of an rlimit for what a runtime adds to it."""
RUN_PROCESSES_MAX = 1_000_000
"""Processes of one run: the kernel's pid space holds 4,194,304 (``pids.max`` can say no more)."""
RUN_OPEN_FILES_MAX = 1 << 20
"""Open files of one run: RLIMIT_NOFILE can be no higher than ``fs.nr_open`` (1,048,576)."""

COUNT = Numeric(int, 1, INT64_MAX)
FRAME_BYTES = Numeric(int, 1, 2**32 - 1)
"""aiohttp's frame reader holds its size limit in a C ``unsigned int`` (and 0 means none)."""
SECONDS = Numeric(float, 0, YEAR_SECONDS, above=True)
RATE = Numeric(float, 0, sys.float_info.max, above=True)
PORT = Numeric(int, 0, 65535, noun="a port number")


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


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(LOG_LEVELS)}, got {value}")
    return level


DURABILITIES = ("interval", "always")
EVENT_LOOPS = ("auto", "uvloop", "asyncio")


def _event_loop(value: str) -> str:
    choice = value.strip().lower()
    if choice not in EVENT_LOOPS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(EVENT_LOOPS)}, got {value}")
    return choice


def _durability(value: str) -> str:
    mode = value.strip().lower()
    if mode not in DURABILITIES:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(DURABILITIES)}, got {value}")
    return mode


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


ICE_URL_MAX_LENGTH = 256
ICE_URL_PATTERN = re.compile(
    r"(stuns?|turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:\?transport=(?:udp|tcp))?"
)


def _ice_urls(value: str) -> tuple[str, ...]:
    """``--ice-servers``: ``stun:``, ``stuns:``, ``turn:`` or ``turns:HOST[:PORT]``
    ``[?transport=udp|tcp]`` (RFC 7064/7065), with no user or password: TURN's credentials
    come from ``--turn-secret-file`` (:mod:`sessions.ice`)."""
    urls = _origins(value)
    for url in urls:
        match = ICE_URL_PATTERN.fullmatch(url) if len(url) <= ICE_URL_MAX_LENGTH else None
        if match is None or (match.group(3) is not None and not 0 < int(match.group(3)) < 65536):
            raise argparse.ArgumentTypeError(
                "each ICE server must be stun:, stuns:, turn: or turns:HOST[:PORT]"
                f"[?transport=udp|tcp], with no user or password; got {url[:ICE_URL_MAX_LENGTH]!r}"
            )
    return urls


def _option(help_text: str, parse: Callable[[str], Any]) -> dict[str, Any]:
    return {"help": help_text, "parse": parse}


@dataclass(frozen=True, slots=True)
class Config:
    """Server settings. Build with ``Config.from_args(argv, environ)`` or construct directly."""

    host: str = field(default="127.0.0.1", metadata=_option("address to listen on", str))
    port: int = field(default=8080, metadata=_option("TCP port to listen on", PORT))
    cors_origins: tuple[str, ...] = field(
        default=("*",),
        metadata=_option(
            "comma-separated origins allowed to call the REST API ('*' = any)", _origins
        ),
    )
    max_code_bytes: int = field(
        default=256 * KIB,
        metadata=_option("largest document, in UTF-8 bytes", COUNT),
    )
    max_body_bytes: int = field(
        default=2 * MIB,
        metadata=_option("largest REST request body, in bytes", COUNT),
    )
    max_message_bytes: int = field(
        default=1 * MIB,
        metadata=_option("largest WebSocket frame, in bytes", FRAME_BYTES),
    )
    max_name_length: int = field(
        default=100,
        metadata=_option("longest session or user name, in characters", COUNT),
    )
    op_log_size: int = field(
        default=1000,
        metadata=_option("operations kept per session for transform and resync", COUNT),
    )
    heartbeat_seconds: float = field(
        default=10.0,
        metadata=_option(
            "WebSocket ping interval; a peer silent for 1.5x this (and up to a quarter of "
            "it more, at most 1 s: one timer sweeps every socket) is dropped",
            SECONDS,
        ),
    )
    send_queue_messages: int = field(
        default=1000,
        metadata=_option("frames queued for one slow socket before it is dropped", COUNT),
    )
    send_queue_bytes: int = field(
        default=16 * MIB,
        metadata=_option("bytes queued for one slow socket before it is dropped", COUNT),
    )
    close_timeout_seconds: float = field(
        default=5.0,
        metadata=_option(
            "how long a closing handshake may take before the socket is aborted", SECONDS
        ),
    )
    compress: bool = field(
        default=False,
        metadata=_option("negotiate permessage-deflate with clients that offer it", _bool),
    )
    chat_history: int = field(
        default=500,
        metadata=_option("chat messages (and private notes) kept per session", COUNT),
    )
    max_chat_length: int = field(
        default=4000,
        metadata=_option("longest chat message or note, in characters", COUNT),
    )
    timeline_size: int = field(
        default=10_000,
        metadata=_option("timeline events kept per session for the record", COUNT),
    )
    board_max_elements: int = field(
        default=5000,
        metadata=_option("live elements one whiteboard may hold", COUNT),
    )
    board_max_bytes: int = field(
        default=8 * MIB,
        metadata=_option("bytes of one whiteboard's elements, deleted ones included", COUNT),
    )
    board_max_element_bytes: int = field(
        default=512 * KIB,
        metadata=_option("bytes of one whiteboard element's JSON", COUNT),
    )
    max_candidates_limit: int = field(
        default=20,
        metadata=_option("highest maxCandidates a session may be given", COUNT),
    )
    session_ttl_seconds: float = field(
        default=24 * 3600.0,
        metadata=_option("remove a session idle (nobody connected, no change) this long", SECONDS),
    )
    cleanup_interval_seconds: float = field(
        default=60.0,
        metadata=_option("how often idle sessions are looked for", SECONDS),
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
    event_loop: str = field(
        default="auto",
        metadata=_option(
            "the event loop: 'auto' (uvloop when installed, else asyncio's), 'uvloop' (a "
            "start-up error without it) or 'asyncio'",
            _event_loop,
        ),
    )
    max_sessions: int = field(
        default=10_000,
        metadata=_option("sessions held at once; creating more is refused with 503", COUNT),
    )
    max_sockets_per_session: int = field(
        default=50,
        metadata=_option("sockets joined to one session at once", COUNT),
    )
    max_sockets_per_address: int = field(
        default=100,
        metadata=_option("sockets open from one client address at once", COUNT),
    )
    max_json_depth: int = field(
        default=32,
        metadata=_option("deepest nesting of arrays and objects in a frame or body", COUNT),
    )
    rate_limit_per_second: float = field(
        default=100.0,
        metadata=_option("frames per second one socket may send, on average", RATE),
    )
    rate_limit_burst: int = field(
        default=400,
        metadata=_option("frames one socket may send at once before the rate applies", COUNT),
    )
    abuse_limit: int = field(
        default=100,
        metadata=_option("rate-limited frames tolerated per abuse window before close 1008", COUNT),
    )
    abuse_window_seconds: float = field(
        default=10.0,
        metadata=_option("the window abuse-limit counts over, in seconds", SECONDS),
    )
    session_creates_per_minute: int = field(
        default=600,
        metadata=_option("sessions one client address may create per minute", COUNT),
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
        metadata=_option("seconds between snapshots while running", SECONDS),
    )
    snapshot_move_aside: bool = field(
        default=False,
        metadata=_option(
            "rename an unreadable snapshot to PATH.corrupt-<time> and start empty", _bool
        ),
    )
    shutdown_grace_seconds: float = field(
        default=10.0,
        metadata=_option("how long in-flight work may take to finish on shutdown", SECONDS),
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
            SECONDS,
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
        metadata=_option("wall-clock time a run may take before it is killed", SECONDS),
    )
    exec_cpu_seconds: int = field(
        default=10,
        metadata=_option(
            "CPU time a run may use (RLIMIT_CPU)",
            Numeric(int, 1, YEAR_SECONDS, rlimit="RLIMIT_CPU"),
        ),
    )
    exec_memory_bytes: int = field(
        default=512 * MIB,
        metadata=_option(
            "memory of a run: each process's address space (RLIMIT_AS), and all of its "
            "processes' resident memory together; node's heap gets the same cap",
            Numeric(int, 1, RUN_BYTES_MAX, rlimit="RLIMIT_AS"),
        ),
    )
    exec_output_bytes: int = field(
        default=64 * KIB,
        metadata=_option("stdout and stderr shown per run; the rest is dropped", COUNT),
    )
    exec_file_bytes: int = field(
        default=16 * MIB,
        metadata=_option(
            "largest file a run may write (RLIMIT_FSIZE)",
            Numeric(int, 1, RUN_BYTES_MAX, rlimit="RLIMIT_FSIZE"),
        ),
    )
    exec_tmpfs_bytes: int = field(
        default=64 * MIB,
        metadata=_option(
            "size of each of a sandboxed run's writable tmpfs: its working directory, /tmp "
            "and /dev/shm",
            Numeric(int, 1, RUN_BYTES_MAX),
        ),
    )
    exec_processes: int = field(
        default=64,
        metadata=_option(
            "processes a run may have at once (RLIMIT_NPROC also counts threads)",
            Numeric(int, 1, RUN_PROCESSES_MAX, rlimit="RLIMIT_NPROC"),
        ),
    )
    exec_open_files: int = field(
        default=256,
        metadata=_option(
            "files a run may have open at once (RLIMIT_NOFILE)",
            Numeric(int, 1, RUN_OPEN_FILES_MAX, rlimit="RLIMIT_NOFILE"),
        ),
    )
    exec_compile_timeout_seconds: float = field(
        default=60.0,
        metadata=_option("wall-clock time a compile phase may take before it is killed", SECONDS),
    )
    exec_compile_cpu_seconds: int = field(
        default=60,
        metadata=_option(
            "CPU time a compile phase may use (RLIMIT_CPU)",
            Numeric(int, 1, YEAR_SECONDS, rlimit="RLIMIT_CPU"),
        ),
    )
    exec_compile_memory_bytes: int = field(
        default=1536 * MIB,
        metadata=_option(
            "memory of a compile phase (as --exec-memory-bytes is for a run); a JVM "
            "compiler's heap gets the same cap",
            Numeric(int, 1, RUN_BYTES_MAX, rlimit="RLIMIT_AS"),
        ),
    )
    exec_max_concurrent: int = field(
        default=os.cpu_count() or 1,
        metadata=_option("runs at once, server-wide; more wait in a queue", COUNT),
    )
    exec_queue_size: int = field(
        default=100,
        metadata=_option(
            "runs waiting for a slot; more are refused (capacity); 0: none wait, a run is "
            "refused when every slot is busy",
            Numeric(int, 0, INT64_MAX),
        ),
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
        metadata=_option("how long /cluster/health waits for each peer's /health", SECONDS),
    )

    ice_servers: tuple[str, ...] = field(
        default=(),
        metadata=_option(
            "comma-separated STUN/TURN URLs the pages use for calls (stun:, stuns:, turn:, "
            "turns:HOST[:PORT]); a turn: URL needs --turn-secret-file",
            _ice_urls,
        ),
    )
    turn_secret_file: str = field(
        default="",
        metadata=_option(
            "file holding the TURN server's shared secret (coturn's static-auth-secret): "
            "each call member gets credentials derived from it ('' = no TURN)",
            str,
        ),
    )
    turn_credential_seconds: int = field(
        default=3600,
        metadata=_option(
            "how long the TURN credentials given to a call member stay valid",
            Numeric(int, 1, YEAR_SECONDS),
        ),
    )
    call_relay_only: bool = field(
        default=False,
        metadata=_option("calls use TURN relays only (hides addresses; needs a turn: URL)", _bool),
    )
    call_max_participants: int = field(
        default=4,
        metadata=_option(
            "people in one call at once (a full mesh: every member sends to every other)",
            Numeric(int, 2, 4),
        ),
    )

    @classmethod
    def from_args(
        cls,
        argv: Sequence[str] | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        hard_limit: Callable[[str], int] | None = None,
    ) -> Config:
        """Parse flags, falling back to ``INTERVIEW_*`` environment variables, then defaults.

        Raises :class:`ConfigError` naming the flag or variable for a value it cannot use.
        ``hard_limit``: this process's hard rlimit by name (default :func:`hard_rlimit`).
        """
        env = os.environ if environ is None else environ
        parser = build_parser()
        values = vars(parser.parse_args(list(argv) if argv is not None else []))
        settings: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for spec in dataclasses.fields(cls):
            raw = values.get(spec.name)
            if raw is not None:
                settings[spec.name] = raw
                sources[spec.name] = f"argument {flag_name(spec.name)}"
                continue
            env_value = env.get(env_name(spec.name))
            if env_value is not None:
                sources[spec.name] = f"environment variable {env_name(spec.name)}"
                try:
                    settings[spec.name] = spec.metadata["parse"](env_value)
                except (ValueError, argparse.ArgumentTypeError) as exc:
                    raise ConfigError(f"{sources[spec.name]}: {exc}") from None
        config = cls(**settings)
        if config.enable_exec:
            _check_run_rlimits(config, sources, hard_limit or hard_rlimit)
        return config


def hard_rlimit(name: str) -> int:
    """This process's hard limit ``name`` (``"RLIMIT_NOFILE"``), which every run it starts
    inherits and cannot raise; :data:`resource.RLIM_INFINITY` when there is none."""
    return resource.getrlimit(getattr(resource, name))[1]


def _check_run_rlimits(
    config: Config, sources: Mapping[str, str], hard_limit: Callable[[str], int]
) -> None:
    """Refuse what every run would fail on: a run limit over the server's own hard limit."""
    for name, numeric in numeric_fields().items():
        if not numeric.rlimit:
            continue
        value, hard = getattr(config, name), hard_limit(numeric.rlimit)
        if hard != resource.RLIM_INFINITY and value > hard:
            source = sources.get(name, f"the default of {flag_name(name)}")
            raise ConfigError(
                f"{source}: must be at most {hard}, the server's own hard {numeric.rlimit}, "
                f"which a run cannot exceed (raise it first: ulimit -H), got {value}"
            )


def env_name(field_name: str) -> str:
    """The environment variable of a field: ``max_code_bytes`` → ``INTERVIEW_MAX_CODE_BYTES``."""
    return ENV_PREFIX + field_name.upper()


def flag_name(field_name: str) -> str:
    """The CLI flag for a config field: ``max_code_bytes`` → ``--max-code-bytes``."""
    return "--" + field_name.replace("_", "-")


def numeric_fields() -> dict[str, Numeric]:
    """Every numeric setting and its declared range, by field name."""
    return {
        spec.name: spec.metadata["parse"]
        for spec in dataclasses.fields(Config)
        if isinstance(spec.metadata["parse"], Numeric)
    }


def _range_of(spec: dataclasses.Field[Any]) -> str:
    parse = spec.metadata["parse"]
    return f"; {parse.describe()}" if isinstance(parse, Numeric) else ""


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
            dest=spec.name,
            type=spec.metadata["parse"],
            default=None,
            # A bool flag alone turns it on: ``--enable-exec`` is ``--enable-exec true``.
            nargs="?" if isinstance(default, bool) else None,
            const=True if isinstance(default, bool) else None,
            help=f"{spec.metadata['help']} (default: {shown}{_range_of(spec)}; "
            f"env {env_name(spec.name)})",
        )
    return parser
