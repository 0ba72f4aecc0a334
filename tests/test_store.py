"""The session store as a pure domain object."""

from __future__ import annotations

import gc
import re
import secrets

import pytest

from sessions.clock import FakeClock, iso
from sessions.config import Config
from sessions.room.store import ID_BYTES, TOKEN_BYTES, RandomPool, SessionStore, new_secrets


def test_an_idle_session_costs_the_garbage_collector_at_most_five_objects():
    # Every full collection scans every tracked object; with thousands of sessions alive this
    # set the pause length (docs/benchmarks.md). Session, Document and Timeline (their logs
    # are the shared empty one until the first edit), and the two message logs.
    store = SessionStore(Config(), FakeClock())
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(1000):
        store.create("Pairing", "python", "print(1)")
    gc.collect()
    assert (len(gc.get_objects()) - before) / 1000 <= 5.1


def test_expired_lists_only_idle_sessions_past_the_ttl():
    clock = FakeClock()
    store = SessionStore(Config(session_ttl_seconds=10), clock)
    old = store.create("old", "python")
    clock.advance(5)
    store.create("new", "python")
    clock.advance(5)
    assert [s.id for s in store.expired(clock())] == [old.id]
    assert store.count_by_status() == {"active": 2, "ended": 0}


def test_new_secrets_are_url_safe_and_as_long_as_token_urlsafe_makes_them():
    pool = RandomPool()
    session_id, interviewer, observer = new_secrets(pool)
    assert [len(session_id), len(interviewer), len(observer)] == [
        len(secrets.token_urlsafe(ID_BYTES)),
        len(secrets.token_urlsafe(TOKEN_BYTES)),
        len(secrets.token_urlsafe(TOKEN_BYTES)),
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in (session_id, interviewer, observer))


def test_the_random_pool_never_hands_out_the_same_characters_twice():
    pool = RandomPool()
    taken = [pool.take(32) for _ in range(1000)]  # across several 4,096-character refills
    assert all(len(chunk) == 32 for chunk in taken)
    assert len(set(taken)) == 1000
    big = pool.take(5000)  # more than one refill's worth at once
    assert len(big) == 5000
    assert re.fullmatch(r"[A-Za-z0-9_-]+", big)


def test_the_random_pool_uses_every_character_of_a_refill_before_the_next(
    monkeypatch: pytest.MonkeyPatch,
):
    refills: list[int] = []
    real = secrets.token_bytes

    def counting(count: int) -> bytes:
        refills.append(count)
        return real(count)

    monkeypatch.setattr(secrets, "token_bytes", counting)
    pool = RandomPool()
    pieces = [pool.take(32) for _ in range(128)]  # exactly 4,096 characters
    assert refills == [3072]
    assert len("".join(pieces)) == 4096
    pool.take(1)
    assert refills == [3072, 3072]


def test_public_timestamps_follow_every_change_of_updated_at():
    clock = FakeClock()
    session = SessionStore(Config(), clock).create("Pairing", "python")
    first = session.public()
    assert first["createdAt"] == first["updatedAt"] == iso(clock())
    session.updated_at = clock() + 1.5
    assert (session.public()["createdAt"], session.public()["updatedAt"]) == (
        iso(clock()),
        iso(clock() + 1.5),
    )
    session.updated_at = clock()
    assert session.public()["updatedAt"] == iso(clock())
