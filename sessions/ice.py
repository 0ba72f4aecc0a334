"""ICE servers for calls: the STUN/TURN URLs a page is given, and TURN credentials that expire.

A call's media goes straight between the browsers; on one machine or a LAN they find each
other with no help. Across NATs they may need a STUN server (to learn their public address)
and, behind symmetric NATs or strict firewalls, a TURN server that relays the media.

TURN is only ever configured with a shared secret, coturn's "REST API" scheme
(``use-auth-secret`` + ``static-auth-secret``): for each call member the server derives

* ``username`` = ``"<expiry>:<userId>"``, ``expiry`` a Unix time ``--turn-credential-seconds``
  from now, and
* ``credential`` = ``base64(HMAC-SHA1(secret, username))``,

which coturn checks with the same secret and refuses once ``expiry`` has passed. No TURN
password ever sits in a page or a flag; a leaked credential is good for one lifetime only.
Nothing here does I/O but reading the secret's file once, at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessions.config import Config, ConfigError

TURN_SCHEMES = ("turn", "turns")
MIN_SECRET_BYTES = 16


def is_turn(url: str) -> bool:
    return url.split(":", 1)[0] in TURN_SCHEMES


def turn_credentials(secret: bytes, user: str, now: float, lifetime: float) -> tuple[str, str]:
    """coturn's REST-API credentials for ``user``, valid until ``now + lifetime``:
    ``("<expiry>:<user>", base64(HMAC-SHA1(secret, username)))``."""
    username = f"{int(now + lifetime)}:{user}"
    digest = hmac.new(secret, username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class IceConfig:
    """What the pages are told about ICE: the STUN and TURN URLs, how TURN credentials are
    made, and whether media may only go through TURN (``relay_only``)."""

    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    secret: bytes | None = None
    lifetime: float = 3600.0
    relay_only: bool = False

    @classmethod
    def from_config(cls, config: Config) -> IceConfig:
        """Read ``--turn-secret-file`` once; raise :class:`ConfigError` for a TURN URL without
        a secret, a secret without a TURN URL, or relay-only without TURN."""
        urls = config.ice_servers
        turn = tuple(url for url in urls if is_turn(url))
        stun = tuple(url for url in urls if not is_turn(url))
        secret = _read_secret(config.turn_secret_file) if config.turn_secret_file else None
        if turn and secret is None:
            raise ConfigError(
                "--ice-servers names a TURN server: give its shared secret with "
                "--turn-secret-file (coturn's static-auth-secret)"
            )
        if secret is not None and not turn:
            raise ConfigError("--turn-secret-file is set but --ice-servers names no turn: URL")
        if config.call_relay_only and not turn:
            raise ConfigError("--call-relay-only needs a turn: URL in --ice-servers")
        return cls(stun, turn, secret, config.turn_credential_seconds, config.call_relay_only)

    def servers(self, user: str, now: float) -> list[dict[str, Any]]:
        """``RTCIceServer`` dicts for ``user`` at ``now``, TURN with fresh credentials."""
        servers: list[dict[str, Any]] = []
        if self.stun_urls:
            servers.append({"urls": list(self.stun_urls)})
        if self.turn_urls and self.secret is not None:
            username, credential = turn_credentials(self.secret, user, now, self.lifetime)
            servers.append(
                {"urls": list(self.turn_urls), "username": username, "credential": credential}
            )
        return servers

    @property
    def transport_policy(self) -> str:
        """``RTCConfiguration.iceTransportPolicy``: ``"relay"`` or ``"all"``."""
        return "relay" if self.relay_only else "all"


def _read_secret(path: str) -> bytes:
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"--turn-secret-file: cannot read {path}: {exc.strerror}") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"--turn-secret-file: the secret in {path} is shorter than {MIN_SECRET_BYTES} bytes"
        )
    return secret
