"""What one client may do, counted: token buckets, per-address counters, a JSON depth check.

Everything here is synchronous and pure apart from the injected clock (seconds, as
:data:`sessions.clock.Clock` returns them), so tests drive time with a ``FakeClock`` and
never sleep. The web layer asks and acts on the answer: refuse a frame, close a socket,
answer ``429`` with ``Retry-After``.

A token bucket holds at most ``capacity`` tokens and gains ``rate`` tokens per second; each
request takes one. Invariant: ``0 <= tokens <= capacity``, so a client idle for
``capacity / rate`` seconds may burst ``capacity`` requests, and over any longer stretch of
``t`` seconds it gets at most ``capacity + rate * t``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Hashable
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from sessions.clock import Clock
from sessions.config import Config

MAX_ADDRESS_LENGTH = 64


class TokenBucket:
    """``capacity`` tokens refilled at ``rate`` per second; :meth:`take` spends one."""

    __slots__ = ("_capacity", "_clock", "_rate", "_tokens", "_updated")

    def __init__(self, rate: float, capacity: float, clock: Clock) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError(f"need rate > 0 and capacity >= 1, got {rate}, {capacity}")
        self._rate = rate
        # As given, not float(): an int capacity is compared and refilled towards exactly as
        # its float would be, and a float made here would be one more object per socket.
        self._capacity = capacity
        self._clock = clock
        self._tokens = capacity  # one object for both until the first take
        self._updated = clock()

    def _refill(self) -> float:
        """Add what the time since the last look earned, up to capacity; the tokens now."""
        now = self._clock()
        elapsed = now - self._updated
        self._updated = now
        tokens = self._tokens
        if elapsed > 0:  # a clock that steps back refills nothing, takes nothing
            tokens += elapsed * self._rate
            if tokens >= self._capacity:  # not min(): this runs once per received frame
                tokens = self._capacity
            self._tokens = tokens
        return tokens

    def take(self) -> bool:
        """Spend one token if there is one; False means over the limit (nothing spent)."""
        tokens = self._refill()
        if tokens >= 1:
            self._tokens = tokens - 1
            return True
        return False

    def retry_after(self) -> float:
        """Seconds until a token is available: 0 when one is now."""
        self._refill()
        return max(0.0, (1 - self._tokens) / self._rate)

    @property
    def full(self) -> bool:
        """Refilled to capacity: the client has been quiet long enough to be forgotten."""
        self._refill()
        return self._tokens >= self._capacity


class Verdict(enum.Enum):
    """What to do with one incoming frame."""

    ADMIT = "admit"
    REJECT = "reject"  # answer with a rate-limited error, keep the socket
    CLOSE = "close"  # sustained abuse: close the socket with 1008


class FrameLimiter(TokenBucket):
    """One socket's frame budget: ``--rate-limit-per-second`` with a ``--rate-limit-burst``.

    A frame over the budget is rejected; each rejection also spends a *strike* from a second
    bucket holding ``--abuse-limit`` strikes refilled over ``--abuse-window-seconds``. With no
    strike left the socket has kept sending far over its rate, and the verdict is CLOSE.

    The frame bucket is this object itself rather than one it holds: one object less per
    joined socket (memory per idle socket, docs/benchmarks.md).
    """

    __slots__ = ("_config", "_strikes")

    def __init__(self, config: Config, clock: Clock) -> None:
        super().__init__(config.rate_limit_per_second, config.rate_limit_burst, clock)
        self._config = config
        # Made at the first rejection: until a bucket is taken from it stays full, so one
        # made then is the one made now, and most sockets never need it (memory per socket).
        self._strikes: TokenBucket | None = None

    def check(self) -> Verdict:
        """Count one frame and say what to do with it."""
        if self.take():
            return Verdict.ADMIT
        return self.refused()

    def refused(self) -> Verdict:
        """What to do with a frame :meth:`take` refused: REJECT, or CLOSE once out of strikes.

        ``check()`` is ``take()``, then this on refusal; the frame guard calls the two itself,
        so that an admitted frame costs no enum lookup (an enum member's attribute access is
        0.05 µs on Python 3.11).
        """
        strikes = self._strikes
        if strikes is None:
            config = self._config
            rate = config.abuse_limit / config.abuse_window_seconds
            strikes = self._strikes = TokenBucket(rate, config.abuse_limit, self._clock)
        if strikes.take():
            return Verdict.REJECT
        return Verdict.CLOSE


class AddressCounter:
    """How many of something (open sockets) each client address holds, up to a limit.

    Invariant: every stored count is positive; an address at zero is forgotten.
    """

    __slots__ = ("_counts", "_limit")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._counts: dict[str, int] = {}

    def acquire(self, address: str) -> bool:
        """Count one more for ``address``; False (and nothing counted) when at the limit."""
        held = self._counts.get(address, 0)
        if held >= self._limit:
            return False
        self._counts[address] = held + 1
        return True

    def release(self, address: str) -> None:
        """Give one back (a release without an acquire is ignored)."""
        held = self._counts.get(address, 0)
        if held <= 1:
            self._counts.pop(address, None)
        else:
            self._counts[address] = held - 1

    def count(self, address: str) -> int:
        return self._counts.get(address, 0)

    def __len__(self) -> int:
        return len(self._counts)


class KeyedRateLimiter:
    """A token bucket per key (a client address): ``per_minute`` requests, all at once at most.

    Buckets that have refilled are dropped now and then, so memory follows the number of
    recently active addresses, not every address ever seen.
    """

    __slots__ = ("_buckets", "_clock", "_per_minute", "_prune_at")

    MIN_PRUNE_AT = 1024

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._buckets: dict[Hashable, TokenBucket] = {}
        self._prune_at = self.MIN_PRUNE_AT

    def take(self, key: Hashable) -> float | None:
        """None when allowed (one request counted); otherwise seconds until it would be."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._prune_at:
                self._prune()
            bucket = TokenBucket(self._per_minute / 60.0, self._per_minute, self._clock)
            self._buckets[key] = bucket
        if bucket.take():
            return None
        return bucket.retry_after()

    def _prune(self) -> None:
        self._buckets = {key: b for key, b in self._buckets.items() if not b.full}
        self._prune_at = max(self.MIN_PRUNE_AT, 2 * len(self._buckets))

    def __len__(self) -> int:
        return len(self._buckets)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: tuple[str, ...]
) -> str:
    """The address a client is counted under: the TCP peer, unless that is a trusted proxy.

    Behind ``--trusted-proxies`` the client is the rightmost ``X-Forwarded-For`` entry that is
    not itself a trusted proxy (each proxy appends the address it saw; anything to the left
    of that could be written by the client). Without trusted proxies the header is ignored.
    """
    address = peer or ""
    if not forwarded_for or address not in trusted_proxies:
        return address
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()[:MAX_ADDRESS_LENGTH]
        if not hop:
            continue
        if hop not in trusted_proxies:
            return hop
        address = hop
    return address


# --- JSON nesting -----------------------------------------------------------------------------

_TOKEN = re.compile(r'["\[\]{}]')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")
WALK_BUDGET = 256
"""Brackets and strings :func:`json_too_deep` walks one by one before switching method."""
SMALL_TEXT = 4096
"""Below this length, counting every bracket is cheaper than walking tokens."""


def too_deep_message(what: str, limit: int) -> str:
    return f"{what} nests arrays and objects more than {limit} levels deep"


_CONTAINERS = frozenset({dict, list})


def nests_deeper(value: object, limit: int) -> bool:
    """Whether a decoded JSON value nests arrays and objects more than ``limit`` levels deep.

    For frames a C parser has already decoded (orjson stops at 1,024 levels on its own): it
    visits only the containers, a handful in a frame, where :func:`json_too_deep` reads every
    character of the text (``str.count`` on a 2 KB frame costs more than parsing it). The
    recursion is at most ``limit`` calls deep. Exact ``dict`` and ``list``, as parsers make.
    """
    return type(value) in _CONTAINERS and _exceeds(value, limit)  # type: ignore[arg-type]


def _exceeds(node: dict[Any, Any] | list[Any], levels_left: int) -> bool:
    if levels_left <= 0:
        return True
    children = node.values() if isinstance(node, dict) else node
    for child in children:
        if type(child) in _CONTAINERS and _exceeds(child, levels_left - 1):
            return True
    return False


def json_too_deep(text: str, limit: int) -> bool:
    """Whether JSON ``text`` nests arrays and objects more than ``limit`` levels deep.

    Meant to run *before* ``json.loads``, whose C scanner recurses once per level and would
    raise ``RecursionError`` only after about a thousand. Brackets inside strings don't
    count. Frames are mostly a few brackets around big strings (code), so the text is walked
    from token to token (a regex search for the next bracket or quote, ``json``'s own C
    ``scanstring`` to jump over a string) with an early exit. A text with many tokens
    switches after :data:`WALK_BUDGET` of them to whole-text string operations. Text that is
    not valid JSON may be judged either way; the parser then rejects it.
    """
    if len(text) <= SMALL_TEXT and text.count("[") + text.count("{") <= limit:
        return False  # the usual frame: a keystroke, a cursor, a ping
    depth = 0
    position = 0
    budget = WALK_BUDGET
    search = _TOKEN.search
    while (match := search(text, position)) is not None:
        budget -= 1
        if budget < 0:
            return _too_deep_by_splitting(text, limit)
        token = match.group()
        position = match.end()
        if token == '"':
            try:
                position = scanstring(text, position)[1]
            except ValueError:  # an unterminated or malformed string: the parser will say
                return False
        elif token == "[" or token == "{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _too_deep_by_splitting(text: str, limit: int) -> bool:
    # Escaped backslashes, then escaped quotes, go first (pairing backslashes left to right,
    # as the lexer does); the strings are then the odd pieces of a split on '"'. Among the
    # brackets outside them, one pass removes the matched pairs [] and {} (the innermost
    # level, so the depth drops by exactly one) and the rest is walked.
    if "\\\\" in text:
        text = text.replace("\\\\", "")
    if '\\"' in text:
        text = text.replace('\\"', "")
    outside = "".join(text.split('"')[::2])
    if outside.count("[") + outside.count("{") <= limit:
        return False
    brackets = _INNERMOST_PAIR.sub("", _NOT_BRACKET.sub("", outside))
    remaining = limit - 1
    if len(brackets) <= remaining:
        return False
    depth = 0
    for char in brackets:
        if char == "[" or char == "{":
            depth += 1
            if depth > remaining:
                return True
        else:
            depth -= 1
    return False
