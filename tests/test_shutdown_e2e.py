"""End to end: the real ``server.py`` process, stopped by SIGTERM or killed, started again.

Each test starts ``python server.py`` on a free port of 127.0.0.1 and waits for ``/health`` by
polling (bounded); nothing here sleeps to synchronise.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web

import server
from deploy import health
from tests.needs import need_program
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """One ``server.py`` process; its combined output is kept for assertions."""

    def __init__(self, *flags: str, scheme: str = "http", port: int | None = None) -> None:
        self.port = port if port is not None else free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.log_path: Path | None = None
        self.flags = ["--port", str(self.port), *flags]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "server.py", *self.flags],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        assert self.log_path is not None
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_healthy(self, context: ssl.SSLContext | None = None) -> None:
        """Until ``/health`` answers 200 (``deploy.health``); ``context`` trusts an https one."""
        process = self.process
        assert process is not None
        try:
            await asyncio.to_thread(
                health.wait_healthy,
                f"{self.url}/health",
                within=START_TIMEOUT,
                alive=lambda: process.poll() is None,
                context=context,
            )
        except health.NotHealthy as exc:
            pytest.fail(f"{exc} (exit {process.poll()}):\n{self.output}")

    async def wait_exit(self) -> int:
        process = self.process
        assert process is not None
        try:
            await wait_until(lambda: process.poll() is not None, "exit", within=STOP_TIMEOUT)
        except AssertionError:
            process.kill()
            pytest.fail(f"server did not stop within {STOP_TIMEOUT}s:\n{self.output}")
        return process.returncode

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@asynccontextmanager
async def served(
    tmp_path: Path, *flags: str, scheme: str = "http", context: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    server = Server(*flags, scheme=scheme)
    server.start(tmp_path / "server.log")
    try:
        await server.wait_healthy(context)
        yield server
    finally:
        server.ensure_stopped()


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=5)
    assert msg.type is WSMsgType.TEXT, msg
    frame: dict[str, Any] = msg.json()
    return frame


async def join(
    http: aiohttp.ClientSession, server: Server, session: dict[str, Any], name: str, **extra: Any
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    ws = await http.ws_connect(f"{server.url}/ws")
    await ws.send_json({"type": "join-session", "sessionId": session["id"], "name": name, **extra})
    state = await receive(ws)
    assert state["type"] == "session-state", state
    return ws, state


async def edit_a_few_sessions(
    http: aiohttp.ClientSession, server: Server, count: int = 3
) -> list[dict[str, Any]]:
    """Sessions edited over REST and WebSocket, with chat; returns what each should be."""
    expected = []
    for i in range(count):
        async with http.post(
            f"{server.url}/api/sessions", json={"name": f"s{i}", "code": "start"}
        ) as response:
            created = await response.json()
        auth = {"Authorization": f"Bearer {created['interviewerToken']}"}
        async with http.patch(
            f"{server.url}/api/sessions/{created['id']}", json={"code": f"rest {i}"}, headers=auth
        ) as response:
            assert response.status == 200
        ws, _ = await join(http, server, created, "Cara")
        for n in range(i + 2):
            await ws.send_json({"type": "code-change", "code": f"ws {i}.{n}"})
            assert (await receive(ws))["type"] == "ack"
        await ws.send_json({"type": "chat-message", "text": f"hello from {i}"})
        assert (await receive(ws))["type"] == "chat-message"
        await ws.close()
        expected.append(
            {
                "created": created,
                "code": f"ws {i}.{i + 1}",
                "revision": 1 + (i + 2),
                "chat": [f"hello from {i}"],
            }
        )
    return expected


async def assert_restored(
    http: aiohttp.ClientSession, server: Server, expected: list[dict[str, Any]]
) -> None:
    for item in expected:
        ws, state = await join(http, server, item["created"], "Back")
        assert (state["session"]["code"], state["session"]["revision"]) == (
            item["code"],
            item["revision"],
        )
        assert [entry["text"] for entry in state["chat"]] == item["chat"]
        await ws.close()


@pytest.mark.timeout(120)
async def test_sigterm_tells_sockets_saves_everything_and_a_restart_restores_it(tmp_path: Path):
    snapshot = tmp_path / "sessions.json"
    flags = ("--snapshot", str(snapshot), "--snapshot-interval", "3600")
    async with aiohttp.ClientSession() as http:
        async with served(tmp_path, *flags) as server:
            expected = await edit_a_few_sessions(http, server)
            listener, _ = await join(http, server, expected[0]["created"], "Listener")
            server.signal(signal.SIGTERM)
            assert await receive(listener) == {"type": "server-shutdown"}
            closing = await listener.receive(timeout=5)
            assert (closing.type, closing.data) == (WSMsgType.CLOSE, 1001)
            assert await server.wait_exit() == 0
            output = server.output
        assert json.loads(snapshot.read_text(encoding="utf-8"))["version"] == 2
        for item in expected:  # secrets stay out of the log
            assert item["created"]["interviewerToken"] not in output
            assert item["code"] not in output
        async with served(tmp_path, *flags) as again:
            await assert_restored(http, again, expected)
            async with http.get(f"{again.url}/health") as response:
                assert (await response.json())["sessions"] == len(expected)
            again.signal(signal.SIGINT)
            assert await again.wait_exit() == 0


async def test_the_server_process_tunes_the_collector_and_freezes_its_start_up_heap(
    tmp_path: Path,
):
    async with (
        aiohttp.ClientSession() as http,
        served(tmp_path) as process,
        http.get(f"{process.url}/metrics") as response,
    ):
        text = await response.text()
    values = {
        name: float(value)
        for name, value in (
            line.split() for line in text.splitlines() if line.startswith("interview_gc_")
        )
    }
    # Modules, classes and functions of aiohttp and the server: tens of thousands.
    assert values["interview_gc_frozen_objects"] > 10_000
    thresholds = tuple(int(values[f'interview_gc_threshold{{generation="{n}"}}']) for n in range(3))
    assert thresholds == server.COLLECTOR_THRESHOLDS == (700, 40, 10)


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def start_an_upload(port: int) -> socket.socket:
    """A POST whose handler is running and waiting for the rest of its body."""
    upload = socket.create_connection(("127.0.0.1", port))
    upload.sendall(
        b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"
    )
    assert upload.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"  # the server is reading it
    return upload


@pytest.mark.timeout(120)
async def test_after_sigterm_the_server_stops_accepting_while_it_finishes(tmp_path: Path):
    flags = ("--shutdown-grace-seconds", "2")
    async with served(tmp_path, *flags) as server:
        upload = start_an_upload(server.port)  # holds the shutdown for its grace period
        server.signal(signal.SIGTERM)
        await wait_until(lambda: refuses_connections(server.port), "refusing connections")
        assert server.process is not None and server.process.poll() is None  # still finishing
        assert await server.wait_exit() == 0  # the grace ran out: the upload was cut
        assert upload.recv(100) == b""
        upload.close()


@pytest.mark.timeout(120)
async def test_sigkill_loses_at_most_the_last_snapshot_interval(tmp_path: Path):
    snapshot = tmp_path / "sessions.json"
    interval = 0.3
    flags = ("--snapshot", str(snapshot), "--snapshot-interval", str(interval))
    async with aiohttp.ClientSession() as http:
        async with served(tmp_path, *flags) as server:
            expected = await edit_a_few_sessions(http, server, count=2)
            last = expected[-1]
            edited_at = time.monotonic()

            def saved() -> bool:
                text = snapshot.read_text(encoding="utf-8") if snapshot.exists() else ""
                return last["code"] in text and "hello from 1" in text

            await wait_until(saved, "the last edit in the snapshot", within=interval + 5)
            # One interval, plus the time to write: not a whole run's worth of work.
            assert time.monotonic() - edited_at < interval + 2
            server.signal(signal.SIGKILL)
            assert await server.wait_exit() == -signal.SIGKILL
        async with served(tmp_path, *flags) as again:
            await assert_restored(http, again, expected)


@pytest.mark.timeout(60)
async def test_an_unreadable_snapshot_stops_the_process_with_a_message(tmp_path: Path):
    snapshot = tmp_path / "sessions.json"
    snapshot.write_text('{"version": 1, "sessions": [', encoding="utf-8")
    server = Server("--snapshot", str(snapshot))
    server.start(tmp_path / "server.log")
    assert await server.wait_exit() == 2
    assert f"cannot restore sessions from snapshot {snapshot}" in server.output
    assert "--snapshot-move-aside" in server.output
    assert snapshot.read_text(encoding="utf-8") == '{"version": 1, "sessions": ['


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    openssl = need_program("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.timeout(60)
async def test_ssl_cert_and_key_serve_https_and_wss(tmp_path: Path, self_signed: tuple[Path, Path]):
    cert, key = self_signed
    trust = ssl.create_default_context(cafile=str(cert))
    connector = aiohttp.TCPConnector(ssl=trust)
    async with aiohttp.ClientSession(connector=connector) as https:
        flags = ("--ssl-cert", str(cert), "--ssl-key", str(key))
        async with served(tmp_path, *flags, scheme="https", context=trust) as server:
            async with https.post(f"{server.url}/api/sessions") as response:
                created = await response.json()
            ws = await https.ws_connect(f"wss://127.0.0.1:{server.port}/ws")
            await ws.send_json({"type": "join-session", "sessionId": created["id"], "name": "T"})
            assert (await receive(ws))["type"] == "session-state"
            await ws.close()
            server.signal(signal.SIGTERM)
            assert await server.wait_exit() == 0


@pytest.mark.timeout(60)
async def test_an_ssl_cert_without_a_key_stops_start_up(tmp_path: Path):
    server = Server("--ssl-cert", str(tmp_path / "cert.pem"))
    server.start(tmp_path / "server.log")
    assert await server.wait_exit() == 2
    assert "--ssl-cert and --ssl-key must be given together" in server.output


def test_main_hands_the_grace_period_and_tls_to_run_app(
    monkeypatch: pytest.MonkeyPatch, self_signed: tuple[Path, Path]
):
    seen: dict[str, Any] = {}

    def fake_run_app(app: object, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(web, "run_app", fake_run_app)
    cert, key = self_signed
    server.main(["--shutdown-grace-seconds", "2.5", "--ssl-cert", str(cert), "--ssl-key", str(key)])
    assert seen["shutdown_timeout"] == 2.5
    assert isinstance(seen["ssl_context"], ssl.SSLContext)
