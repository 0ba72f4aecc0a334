"""The journal writer on its own: in ``interval`` mode an idle writer takes the loop's batch
with one write on the caller's thread, never behind an fsync; its thread fsyncs what the
caller wrote within the interval; ``always`` mode hands every batch to the thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessions.persistence.framing import read_frames
from sessions.persistence.journal import FileSystem, JournalWriter, journal_path


class RecordingDisk(FileSystem):
    """Records which thread each write came from; ``fsync`` waits at ``gate`` while it is
    closed, and counts."""

    def __init__(self) -> None:
        self.writers: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.in_fsync = threading.Event()
        self.fsyncs = 0

    def write(self, fd: int, data: bytes) -> None:
        self.writers.append(threading.get_ident())
        super().write(fd, data)

    def fsync(self, fd: int) -> None:
        self.in_fsync.set()
        self.gate.wait(30)
        self.in_fsync.clear()
        self.fsyncs += 1
        super().fsync(fd)


class Durable:
    """What the writer reported on disk, as a waitable value."""

    def __init__(self) -> None:
        self.seq = 0
        self._changed = threading.Condition()

    def __call__(self, seq: int) -> None:
        with self._changed:
            self.seq = max(self.seq, seq)
            self._changed.notify_all()

    def reaches(self, seq: int, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.seq >= seq, timeout)


def payloads(path: Path) -> list[bytes]:
    """The records in the journal file, after its header."""
    return [payload for _, payload in read_frames(path.read_bytes()).payloads][1:]


@pytest.fixture
def disk() -> RecordingDisk:
    return RecordingDisk()


@pytest.fixture
def durable() -> Durable:
    return Durable()


def opened(
    tmp_path: Path, disk: RecordingDisk, durable: Durable, durability: str, fsync_interval: float
) -> JournalWriter:
    writer = JournalWriter(
        tmp_path / "s.json",
        durability=durability,
        fsync_interval=fsync_interval,
        on_durable=durable,
        on_error=lambda cause: None,
        clock=lambda: "2026-12-07T00:00:00Z",
        fs=disk,
    )
    writer.rotate(1)
    assert writer.wait_idle()
    disk.writers.clear()
    return writer


@pytest.fixture
def interval(tmp_path: Path, disk: RecordingDisk, durable: Durable) -> Iterator[JournalWriter]:
    writer = opened(tmp_path, disk, durable, "interval", fsync_interval=0.05)
    yield writer
    disk.gate.set()
    writer.close()


def test_in_interval_mode_an_idle_writer_writes_the_batch_before_append_returns(
    tmp_path: Path, disk: RecordingDisk, interval: JournalWriter
):
    assert interval.append(b'{"n":1}', b'{"n":2}') == 2
    assert payloads(journal_path(tmp_path / "s.json", 1)) == [b'{"n":1}', b'{"n":2}']
    assert disk.writers == [threading.get_ident()]  # one write, on the caller's thread


def test_the_thread_fsyncs_what_the_caller_wrote_within_the_fsync_interval(
    disk: RecordingDisk, durable: Durable, interval: JournalWriter
):
    fsyncs = disk.fsyncs
    interval.append(b'{"n":1}')
    assert durable.reaches(1)
    assert disk.fsyncs == fsyncs + 1


def test_while_the_thread_fsyncs_a_batch_is_queued_and_written_after_it_in_order(
    tmp_path: Path, disk: RecordingDisk, durable: Durable, interval: JournalWriter
):
    disk.gate.clear()  # first: the fsync of record 1 may start as soon as it is written
    interval.append(b'{"n":1}')
    assert disk.in_fsync.wait(10)  # the thread is in the fsync of record 1
    interval.append(b'{"n":2}')
    interval.append(b'{"n":3}')
    path = journal_path(tmp_path / "s.json", 1)
    assert payloads(path) == [b'{"n":1}']  # held: a write may wait behind an fsync
    disk.gate.set()
    assert interval.wait_idle()
    assert payloads(path) == [b'{"n":1}', b'{"n":2}', b'{"n":3}']
    assert disk.writers[0] == threading.get_ident()
    assert disk.writers[1:] == [interval._thread.ident]  # one write for both, by the thread
    assert durable.reaches(3)


def test_a_rotation_queued_before_a_batch_sends_the_batch_to_the_new_file(
    tmp_path: Path, interval: JournalWriter
):
    interval.append(b'{"n":1}')
    interval.rotate(2)
    interval.append(b'{"n":2}')
    assert interval.wait_idle()
    assert payloads(journal_path(tmp_path / "s.json", 1)) == [b'{"n":1}']
    assert payloads(journal_path(tmp_path / "s.json", 2)) == [b'{"n":2}']


def test_in_always_mode_every_batch_goes_to_the_thread_and_its_fsync(
    tmp_path: Path, disk: RecordingDisk, durable: Durable
):
    writer = opened(tmp_path, disk, durable, "always", fsync_interval=60.0)
    try:
        fsyncs = disk.fsyncs
        writer.append(b'{"n":1}')
        assert durable.reaches(1)
        assert disk.writers == [writer._thread.ident]
        assert disk.fsyncs == fsyncs + 1
    finally:
        writer.close()
