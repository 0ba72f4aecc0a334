"""coturn's configuration for the room's calls: a TURN server that trusts the interview
server's credentials, and nothing else.

The interview server and coturn share one secret (coturn's "REST API" scheme,
``use-auth-secret`` + ``static-auth-secret``): the server gives each call member a username
``<expiry>:<userId>`` and the HMAC of it (:mod:`sessions.ice`), coturn recomputes the HMAC and
refuses an expired username. So there is no TURN user database and no password in a page.

``python -m deploy.coturn --secret-file /etc/interview/turn-secret --external-ip 203.0.113.7
> /etc/turnserver.conf`` writes the configuration; start the interview server with
``--ice-servers turn:turn.example.org:3478 --turn-secret-file /etc/interview/turn-secret``.
The file holds the secret, so it is written readable by its owner only when given a path
(``--output``). What the configuration makes sure of:

* authentication only with the shared secret (``use-auth-secret``), ``fingerprint`` on every
  message, a ``realm`` of its own;
* relays only to public addresses: peers on loopback, private (RFC 1918), link-local, CGNAT
  and multicast ranges are refused (``denied-peer-ip``, ``no-multicast-peers``), so the relay
  cannot be used to reach the host's own network; ``--allow-loopback`` lifts the loopback
  rule for a test on one machine only;
* a bounded relay port range, per-user and total quotas, no CLI, no TLS unless a certificate
  is given (``--cert``/``--pkey``, then ``turns:`` on ``--tls-port``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DENIED_PEER_RANGES = (
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255",
    "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255",
    "240.0.0.0-255.255.255.255",
    "::1",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
)
LOOPBACK_RANGES = frozenset({"127.0.0.0-127.255.255.255", "::1"})


@dataclass(frozen=True, slots=True)
class TurnSettings:
    """What goes into ``turnserver.conf``; ``secret`` is the interview server's
    ``--turn-secret-file`` content."""

    secret: str
    realm: str = "interview"
    listening_ip: str = "0.0.0.0"
    port: int = 3478
    external_ip: str = ""
    relay_ip: str = ""
    min_port: int = 49152
    max_port: int = 65535
    user_quota: int = 12
    total_quota: int = 1200
    allow_loopback: bool = False
    cert: str = ""
    pkey: str = ""
    tls_port: int = 5349
    log_file: str = "syslog"
    pid_file: str = ""
    db_file: str = ""


def config_text(settings: TurnSettings) -> str:
    """The whole ``turnserver.conf``."""
    if not settings.secret or any(c in settings.secret for c in "\r\n"):
        raise ValueError("the secret must be one non-empty line")
    lines = [
        "# Written by python -m deploy.coturn: TURN for the interview server's calls.",
        "# Holds the shared secret: keep this file readable by coturn only.",
        f"listening-ip={settings.listening_ip}",
        f"listening-port={settings.port}",
        f"realm={settings.realm}",
        "use-auth-secret",
        f"static-auth-secret={settings.secret}",
        "fingerprint",
        f"min-port={settings.min_port}",
        f"max-port={settings.max_port}",
        f"user-quota={settings.user_quota}",
        f"total-quota={settings.total_quota}",
        "no-multicast-peers",
        "no-cli",
        "no-software-attribute",
    ]
    if settings.external_ip:
        lines.append(f"external-ip={settings.external_ip}")
    if settings.relay_ip:
        lines.append(f"relay-ip={settings.relay_ip}")
    if settings.allow_loopback:
        lines.append("allow-loopback-peers")
    lines += [
        f"denied-peer-ip={peer}"
        for peer in DENIED_PEER_RANGES
        if not (settings.allow_loopback and peer in LOOPBACK_RANGES)
    ]
    if settings.cert and settings.pkey:
        lines += [f"tls-listening-port={settings.tls_port}", f"cert={settings.cert}"]
        lines += [f"pkey={settings.pkey}", "no-dtls"]
    else:
        lines += ["no-tls", "no-dtls"]
    lines.append(f"log-file={settings.log_file}")
    lines.append("simple-log")
    if settings.pid_file:
        lines.append(f"pidfile={settings.pid_file}")
    if settings.db_file:
        lines.append(f"userdb={settings.db_file}")
    return "\n".join(lines) + "\n"


def write_config(path: Path, settings: TurnSettings) -> Path:
    """Write the configuration readable and writable by its owner only (it holds the secret)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(config_text(settings))
    path.chmod(0o600)
    return path


def read_secret(path: str) -> str:
    """The secret as the interview server reads it (:func:`sessions.ice._read_secret`)."""
    return Path(path).read_bytes().strip().decode("utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.coturn", description=__doc__)
    parser.add_argument("--secret-file", required=True, help="the server's --turn-secret-file")
    parser.add_argument("--realm", default="interview")
    parser.add_argument("--listening-ip", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=3478)
    parser.add_argument("--external-ip", default="", help="public address, behind a 1:1 NAT")
    parser.add_argument("--relay-ip", default="")
    parser.add_argument("--min-port", type=int, default=49152)
    parser.add_argument("--max-port", type=int, default=65535)
    parser.add_argument("--allow-loopback", action="store_true", help="tests on one machine")
    parser.add_argument("--cert", default="")
    parser.add_argument("--pkey", default="")
    parser.add_argument("--log-file", default="syslog")
    parser.add_argument("--pid-file", default="")
    parser.add_argument("--db-file", default="")
    parser.add_argument("--output", default="", help="write here (mode 0600), not stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = TurnSettings(
        secret=read_secret(args.secret_file),
        realm=args.realm,
        listening_ip=args.listening_ip,
        port=args.port,
        external_ip=args.external_ip,
        relay_ip=args.relay_ip,
        min_port=args.min_port,
        max_port=args.max_port,
        allow_loopback=args.allow_loopback,
        cert=args.cert,
        pkey=args.pkey,
        log_file=args.log_file,
        pid_file=args.pid_file,
        db_file=args.db_file,
    )
    if args.output:
        write_config(Path(args.output), settings)
    else:
        sys.stdout.write(config_text(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
