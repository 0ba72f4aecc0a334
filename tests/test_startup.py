"""Start-up fails the same way for every cause: one ``cannot start: …`` line, exit status 2,
no traceback. Each cause is run as the real ``server.py`` process."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from deploy.health import wait_healthy
from sessions.version import VERSION
from tests.needs import need_program
from tests.test_shutdown_e2e import free_port

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 30.0


def run_server(
    *flags: str, env: dict[str, str] | None = None, open_files: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``server.py FLAGS``; ``open_files``: its hard RLIMIT_NOFILE (lowered by ``prlimit``)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_")}
    environment.update(env or {})
    limit = [] if open_files is None else [need_program("prlimit"), f"--nofile={open_files}"]
    return subprocess.run(
        [*limit, sys.executable, "server.py", *flags],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def assert_cannot_start(result: subprocess.CompletedProcess[str], reason: str) -> None:
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip()]
    assert result.returncode == 2, output
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert f"cannot start: {reason}" in lines[0], lines[0]


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (
            ("--port", "eighty"),
            "argument --port: expected a port number from 0 to 65535, got 'eighty'",
        ),
        (("--port", "70000"), "argument --port: must be a port number from 0 to 65535, got 70000"),
        (("--max-code-bytes", "0"), "argument --max-code-bytes: must be an integer from 1 to "),
        (
            ("--heartbeat-seconds", "inf"),
            "argument --heartbeat-seconds: must be a number above 0 and at most 31536000, got inf",
        ),
        (
            ("--exec-timeout-seconds", "inf"),
            "argument --exec-timeout-seconds: must be a number above 0 and at most 31536000, "
            "got inf",
        ),
        (
            ("--abuse-window-seconds", "inf"),
            "argument --abuse-window-seconds: must be a number above 0 and at most 31536000, "
            "got inf",
        ),
        (("--compress", "maybe"), "argument --compress: expected true or false, got 'maybe'"),
        (("--no-such-flag", "1"), "unrecognized arguments: --no-such-flag 1"),
        (
            ("--ice-servers", "turn:turn.example.org"),
            "--ice-servers names a TURN server: give its shared secret with --turn-secret-file",
        ),
        (
            ("--ice-servers", "turn:user:password@turn.example.org"),
            "argument --ice-servers: each ICE server must be stun:, stuns:, turn: or turns:",
        ),
    ],
)
def test_a_bad_flag_value_cannot_start(flags: tuple[str, ...], reason: str):
    assert_cannot_start(run_server(*flags), reason)


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (
            {"INTERVIEW_PORT": "eighty"},
            "environment variable INTERVIEW_PORT: expected a port number from 0 to 65535, "
            "got 'eighty'",
        ),
        (
            {"INTERVIEW_HEARTBEAT_SECONDS": "-1"},
            "environment variable INTERVIEW_HEARTBEAT_SECONDS: must be a number above 0 and at "
            "most 31536000, got -1",
        ),
        (
            {"INTERVIEW_FSYNC_INTERVAL": "nan"},
            "environment variable INTERVIEW_FSYNC_INTERVAL: must be a number above 0 and at most "
            "31536000, got nan",
        ),
        (
            {"INTERVIEW_LOG_LEVEL": "loud"},
            "environment variable INTERVIEW_LOG_LEVEL: must be one of DEBUG, INFO",
        ),
    ],
)
def test_a_bad_environment_value_cannot_start(env: dict[str, str], reason: str):
    assert_cannot_start(run_server(env=env), reason)


def test_a_run_limit_over_the_servers_own_hard_rlimit_cannot_start():
    result = run_server("--enable-exec", "--exec-open-files", "1025", open_files=1024)
    assert_cannot_start(
        result,
        "argument --exec-open-files: must be at most 1024, the server's own hard "
        "RLIMIT_NOFILE, which a run cannot exceed (raise it first: ulimit -H), got 1025",
    )


def test_a_port_in_use_cannot_start():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_server("--port", str(port))
    assert_cannot_start(result, f"cannot listen on 127.0.0.1:{port}: ")
    assert "address already in use" in result.stderr


def test_a_host_that_does_not_resolve_cannot_start():
    result = run_server("--host", "no-such-host.invalid", "--port", "0")
    assert_cannot_start(result, "cannot listen on no-such-host.invalid:0: ")


def test_a_bad_problem_bank_cannot_start(tmp_path: Path):
    bank = tmp_path / "broken.json"
    bank.write_text("{}", encoding="utf-8")
    assert_cannot_start(run_server("--problems", str(bank)), "invalid problem bank: ")


def test_a_snapshot_in_a_missing_folder_cannot_start_and_says_what_to_do(tmp_path: Path):
    path = tmp_path / "no" / "such" / "x"
    assert_cannot_start(
        run_server("--snapshot", str(path)),
        f"cannot keep snapshots at {path}: its folder {path.parent} does not exist; create the "
        "folder first, or give --snapshot a file in a folder that exists",
    )


def test_a_snapshot_that_is_a_folder_cannot_start_and_says_what_to_do(tmp_path: Path):
    assert_cannot_start(
        run_server("--snapshot", str(tmp_path)),
        f"cannot keep snapshots at {tmp_path}: it is a folder, not a file; give --snapshot a "
        f"file in it instead, e.g. {tmp_path / 'sessions.json'}",
    )


def test_version_prints_the_version_and_exits():
    result = run_server("--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"interview-server {VERSION}\n",
        "",
    )


@pytest.mark.timeout(60)
async def test_the_aiohttp_web_form_logs_in_the_same_format_and_freezes_the_heap(tmp_path: Path):
    port = free_port()
    log_path = tmp_path / "aiohttp-web.log"
    process = start_aiohttp_web(port, log_path)
    try:
        async with aiohttp.ClientSession() as http:
            url, alive = f"http://127.0.0.1:{port}/health", lambda: process.poll() is None
            await asyncio.to_thread(wait_healthy, url, within=20, alive=alive)
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
    finally:
        process.terminate()
        process.wait(10)
    frozen = [line for line in metrics.splitlines() if line.startswith("interview_gc_frozen_")]
    assert float(frozen[0].split()[1]) > 10_000
    output = log_path.read_text(encoding="utf-8")
    access = [line for line in output.splitlines() if "GET /metrics" in line]
    assert len(access) == 1
    # server.py's format: "<date> <time>,<ms> LEVEL logger: message", at INFO, not DEBUG
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO aiohttp\.access: ", access[0])
    assert " DEBUG " not in output


def start_aiohttp_web(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``python -m aiohttp.web -H 127.0.0.1 -P PORT server:create_app --log-level INFO``."""
    command = [sys.executable, "-m", "aiohttp.web", "-H", "127.0.0.1", "-P", str(port)]
    command += ["server:create_app", "--log-level", "INFO"]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
