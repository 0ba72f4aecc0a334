"""Timestamps on the wire: the fast formatter against datetime's own."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sessions.clock import iso

YEAR_1900 = -2_208_988_800.0
YEAR_9000 = 221_845_392_000.0


def datetime_iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@given(st.floats(min_value=YEAR_1900, max_value=YEAR_9000))
def test_iso_is_the_text_datetime_makes_of_any_timestamp(timestamp: float) -> None:
    assert iso(timestamp) == datetime_iso(timestamp)


@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(0, 999_999))
def test_iso_rounds_microseconds_like_datetime_at_every_boundary(whole: int, micros: int) -> None:
    for nudge in (-5e-7, -1e-7, 0.0, 1e-7, 5e-7):
        timestamp = whole + micros / 1e6 + nudge
        assert iso(timestamp) == datetime_iso(timestamp)


def test_iso_formats_a_known_moment() -> None:
    assert iso(1_780_000_000.0) == "2026-05-28T20:26:40.000Z"
    assert iso(1_780_000_000.9995) == "2026-05-28T20:26:40.999Z"
    assert iso(1_780_000_000.9999996) == "2026-05-28T20:26:41.000Z"
    assert iso(-0.25) == "1969-12-31T23:59:59.750Z"
