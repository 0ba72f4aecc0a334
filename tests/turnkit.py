"""A real coturn for the tests: configured by deploy.coturn, on ephemeral ports of 127.0.0.1,
trusting :data:`SECRET` (what the interview server reads from ``--turn-secret-file``)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.coturn import TurnSettings, write_config
from tests.needs import need_program
from tests.turnclient import binding

SECRET = "a-shared-secret-between-the-server-and-coturn"
START_SECONDS = 10.0


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def turnserver(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """coturn on an ephemeral port of 127.0.0.1, configured by deploy.coturn; relaying to
    loopback peers (``allow_loopback``), since both browsers of a test are on 127.0.0.1."""
    program = need_program("turnserver")
    port = free_udp_port()
    relay = free_udp_port()
    settings = TurnSettings(
        secret=SECRET,
        listening_ip="127.0.0.1",
        port=port,
        relay_ip="127.0.0.1",
        min_port=min(relay, 65000),  # a range of relay ports from a free one
        max_port=min(relay, 65000) + 50,
        log_file=str(tmp_path / "turn.log"),
        pid_file=str(tmp_path / "turn.pid"),
        db_file=str(tmp_path / "turndb"),
        allow_loopback=True,
    )
    conf = write_config(tmp_path / "turnserver.conf", settings)
    assert conf.stat().st_mode & 0o777 == 0o600
    process = subprocess.Popen(
        [program, "-c", str(conf), "--no-stdout-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = ("127.0.0.1", port)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                binding(server)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (tmp_path / "turn.log").read_text(errors="replace")[-2000:]
                    raise AssertionError(f"turnserver did not answer: {log}") from None
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
