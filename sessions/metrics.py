"""Operational counters, rendered in the Prometheus text exposition format (version 0.0.4).

Kept as plain dict increments on the hot path: no dependency, no locks (one event loop), no
per-frame allocation beyond a dict slot the first time a label value is seen. Label values
come only from the server's own vocabulary (message types and error codes it knows), so an
attacker cannot grow the label sets: unknown client types are counted as ``other``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping

BROADCAST_BUCKETS = (0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01)
"""Seconds to encode one broadcast and hand it to every recipient's writer."""


class Histogram:
    """Cumulative buckets, a sum and a count, as Prometheus expects them."""

    __slots__ = ("_counts", "buckets", "total")

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self._counts = [0] * (len(buckets) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        # Once per broadcast: the count is summed from the buckets when read instead.
        self._counts[bisect_left(self.buckets, value)] += 1
        self.total += value

    @property
    def count(self) -> int:
        """Observations in all: the ``+Inf`` bucket's cumulative count."""
        return sum(self._counts)

    def cumulative(self) -> list[tuple[str, int]]:
        """(upper bound, observations at or below it) per bucket, ending with ``+Inf``."""
        bounds = [repr(bound) for bound in self.buckets] + ["+Inf"]
        running, rows = 0, []
        for bound, count in zip(bounds, self._counts, strict=True):
            running += count
            rows.append((bound, running))
        return rows


class Metrics:
    """Everything ``GET /metrics`` reports that is counted rather than looked up."""

    def __init__(self, known_types: Iterable[str]) -> None:
        self._known_types = frozenset(known_types)
        # Plain dicts, not Counters, for the two counted on every frame: ``counter[key] += n``
        # takes 79 ns, ``counts[key] = counts.get(key, 0) + n`` on a dict 32 ns (timeit; the
        # interpreter's fast paths are for exact dicts). Rendered the same way.
        self.frames_in: dict[str, int] = {}
        self.frames_out: dict[str, int] = {}
        self.errors: Counter[str] = Counter()
        self.slow_peer_drops = 0
        self.persistence_errors: Counter[str] = Counter()
        self.broadcast_seconds = Histogram(BROADCAST_BUCKETS)

    def frame_in(self, message_type: str) -> None:
        key = message_type if message_type in self._known_types else "other"
        counts = self.frames_in
        counts[key] = counts.get(key, 0) + 1

    def frames_sent(self, message_type: str, recipients: int) -> None:
        counts = self.frames_out
        counts[message_type] = counts.get(message_type, 0) + recipients

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def slow_peer_dropped(self) -> None:
        self.slow_peer_drops += 1

    def persistence_error(self, cause: str) -> None:
        """A journal or snapshot write failed; ``cause`` is an errno name (``ENOSPC``)."""
        self.persistence_errors[cause] += 1

    def render(self, gauges: dict[str, tuple[str, dict[str, float]]]) -> str:
        """The exposition text: ``gauges`` maps a name to (help, {label text: value})."""
        lines: list[str] = []
        for name, (help_text, values) in gauges.items():
            _family(lines, name, "gauge", help_text, values.items())
        _counter(
            lines,
            "interview_frames_received_total",
            "Client frames by type.",
            "type",
            self.frames_in,
        )
        _counter(
            lines,
            "interview_frames_sent_total",
            "Server frames queued or written, by type.",
            "type",
            self.frames_out,
        )
        _counter(
            lines, "interview_errors_total", "Error frames sent, by code.", "code", self.errors
        )
        _family(
            lines,
            "interview_slow_peer_drops_total",
            "counter",
            "Sockets closed with 1013 for not reading.",
            [("", self.slow_peer_drops)],
        )
        _histogram(
            lines,
            "interview_broadcast_seconds",
            "Time to encode a broadcast and hand it to every recipient.",
            self.broadcast_seconds,
        )
        if self.persistence_errors:  # only with --snapshot, and once something failed
            _counter(
                lines,
                "interview_persistence_errors_total",
                "Journal and snapshot writes that failed, by errno name.",
                "cause",
                self.persistence_errors,
            )
        return "\n".join(lines) + "\n"


def _family(
    lines: list[str], name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]
) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    lines.extend(f"{name}{labels} {_number(value)}" for labels, value in samples)


def _counter(
    lines: list[str], name: str, help_text: str, label: str, counts: Mapping[str, int]
) -> None:
    samples = [(f'{{{label}="{key}"}}', count) for key, count in sorted(counts.items())]
    _family(lines, name, "counter", help_text, samples)


def _histogram(lines: list[str], name: str, help_text: str, histogram: Histogram) -> None:
    buckets = [(f'_bucket{{le="{bound}"}}', count) for bound, count in histogram.cumulative()]
    samples = [*buckets, ("_sum", histogram.total), ("_count", histogram.count)]
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} histogram")
    lines.extend(f"{name}{suffix} {_number(value)}" for suffix, value in samples)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
