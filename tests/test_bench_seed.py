"""The seed relay (bench/seed/: Node Express + Socket.IO, the design this server replaces) as
the benchmark drives it: the load generator's Socket.IO client joins it, every edit reaches
every reader in order with its ack, and the text converges, as with the Python servers."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import loadgen
from bench.common import HOST, SEED, SEED_DIR, free_port
from bench.loadgen import Probe
from bench.step import run_step
from deploy.health import wait_healthy
from tests.needs import need, need_program

INSTALLED = SEED_DIR / "node_modules" / ".package-lock.json"  # written by npm ci
NPM_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def seed_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A running seed relay, installed from its lock file first when needed."""
    need_program("node")
    lock = SEED_DIR / "package-lock.json"
    if not INSTALLED.exists() or INSTALLED.stat().st_mtime < lock.stat().st_mtime:
        npm = need_program("node", "npm")
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=SEED_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
            output, installed = done.stdout + done.stderr, done.returncode == 0
        except subprocess.TimeoutExpired:
            output, installed = f"npm ci did not finish within {NPM_TIMEOUT} s", False
        need("node", installed, f"npm ci in {SEED_DIR} failed:\n{output[-2000:]}")
    port = free_port()
    log: Path = tmp_path_factory.mktemp("seed") / "seed.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(SEED.argv(port), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://{HOST}:{port}/health", within=20.0, alive=lambda: proc.poll() is None)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


async def test_seed_relay_delivers_every_edit_over_socketio_and_converges(seed_port: int) -> None:
    rooms = await loadgen.build_rooms(seed_port, 2, 2, 512, "text", Probe(), socketio=True)
    try:
        step = await run_step(
            rooms, 20.0, 0.3, lambda: 0.0, lambda: 0, warmup=0.1, drain_timeout=2.0
        )
        assert await loadgen.check_convergence(seed_port, rooms) == []
    finally:
        loadgen.close_rooms(rooms)
    summary = step.to_json()
    assert step.edits > 0, summary
    assert step.expected == 2 * step.edits, summary
    assert (step.loss, step.errors, step.bad_acks) == (0, 0, 0), summary


async def test_seed_relay_op_clients_get_the_same_text(seed_port: int) -> None:
    rooms = await loadgen.build_rooms(seed_port, 1, 2, 2048, "ops", Probe(), socketio=True)
    try:
        step = await run_step(rooms, 20.0, 0.3, lambda: 0.0, lambda: 0, warmup=0.1)
        assert await loadgen.check_convergence(seed_port, rooms) == []
    finally:
        loadgen.close_rooms(rooms)
    assert (step.loss, step.errors, step.bad_acks) == (0, 0, 0), step.to_json()


async def test_seed_relay_refuses_a_join_to_an_unknown_session(seed_port: int) -> None:
    with pytest.raises(RuntimeError, match="session-not-found"):
        await loadgen.join(seed_port, "nope", "x", "candidate", None, True, False, socketio=True)
