"""A real local cluster for the end-to-end tests: ``python -m deploy.cluster up`` (nginx and
``server.py`` workers under supervisord) on free ports of 127.0.0.x, everything in a tmp dir;
and a client that joins through the proxy at ``/ws/{id}`` and can reconnect.

Waiting is by polling with deadlines (a process, a port, a file); nothing sleeps to
synchronise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from deploy.cluster import find_nginx
from deploy.health import NotHealthy, wait_healthy
from sessions.collab.ot import Operation
from tests.needs import need
from tests.polling import wait_until
from tests.wsclient import InterviewClient, ProtocolError

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 40.0
STOP_TIMEOUT = 40.0


def nginx_or_skip() -> str:
    """nginx's path (``/usr/sbin`` is checked too: it is often not on the PATH)."""
    path = find_nginx()
    need("nginx", path is not None, "no nginx on the PATH nor in /usr/sbin")
    assert path is not None
    return path


def _free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count: int, hosts: tuple[str, ...]) -> int:
    """A base port such that ``base .. base+count-1`` are free on every host, and one more."""
    for _ in range(200):
        base = random.randrange(20000, 32000)  # below Linux's ephemeral ports
        if all(_free(host, base + i) for i in range(count + 1) for host in hosts):
            return base
    raise RuntimeError("no free ports")


def processes_naming(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(int(entry.name))
    return found


def children_of(parents: list[int]) -> list[int]:
    children = []
    for pid in parents:
        try:
            listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            continue
        children += [int(child) for child in listed.split()]
    return children


class LocalCluster:
    """One ``deploy.cluster up`` run: nginx on ``base``, workers w1..wN after it."""

    def __init__(
        self,
        directory: Path,
        workers: int,
        *,
        hosts: tuple[str, ...] = ("127.0.0.1",),
        worker_args: tuple[str, ...] = (),
    ) -> None:
        self.directory = directory
        base = free_ports(workers, (*hosts, "127.0.0.1"))
        self.port = base
        self.url = f"http://127.0.0.1:{base}"
        self.ws_url = f"ws://127.0.0.1:{base}"
        self.shards = [f"w{i + 1}" for i in range(workers)]
        self.worker_urls = {
            shard: f"http://{hosts[i % len(hosts)]}:{base + 1 + i}"
            for i, shard in enumerate(self.shards)
        }
        self.command = [
            sys.executable,
            "-m",
            "deploy.cluster",
            "up",
            *("--workers", str(workers), "--port", str(base), "--base-port", str(base + 1)),
            *("--worker-hosts", ",".join(hosts), "--dir", str(directory)),
            *("--snapshot-interval", "0.3", "--shutdown-grace-seconds", "3", "--log-files"),
            "--",
            *worker_args,
        ]
        self.process: subprocess.Popen[bytes] | None = None
        self.error_log_at_start = ""
        """nginx's error log as it was once the cluster was first healthy."""

    @property
    def output_path(self) -> Path:
        return self.directory / "cluster.out"

    def output(self) -> str:
        logs = [self.output_path, *sorted((self.directory / "logs").glob("*.log"))]
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in logs
            if path.exists()
        )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.output_path.open("wb") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.wait_healthy()
        self.error_log_at_start = self.nginx_error_log()

    def wait_healthy(self, within: float = START_TIMEOUT) -> dict[str, Any]:
        """Block until ``/cluster/health`` through nginx says every worker is up."""
        process = self.process
        assert process is not None
        try:
            body: dict[str, Any] = wait_healthy(
                f"{self.url}/cluster/health", within=within, alive=lambda: process.poll() is None
            )
        except NotHealthy as exc:
            raise AssertionError(f"{exc} (exit {process.poll()}):\n{self.output()}") from None
        return body

    def nginx_error_log(self) -> str:
        path = self.directory / "logs" / "nginx-error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def supervisorctl(self, *args: str) -> str:
        conf = self.directory / "supervisord.conf"
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(conf), *args],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return result.stdout.strip()

    def pid(self, shard: str) -> int:
        return int(self.supervisorctl("pid", f"workers:{shard}"))

    def signal_worker(self, shard: str, signum: int) -> int:
        pid = self.pid(shard)
        os.kill(pid, signum)
        return pid

    def stop(self) -> int:
        """SIGINT, as Ctrl-C: the ordered stop. Returns the runner's exit status."""
        process = self.process
        if process is None or process.poll() is not None:
            return process.returncode if process else 0
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"cluster did not stop:\n{self.output()}") from None

    def kill(self) -> None:
        """Whatever is left: the runner, then every process whose command line names this
        cluster's directory (supervisord, nginx's master, the workers) and their children
        (nginx's worker processes). Nothing else is touched, whatever its pid."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        ours = processes_naming(f"{self.directory}/")
        for pid in ours + children_of(ours):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def http_from(address: str) -> aiohttp.ClientSession:
    """A client session whose connections come from ``address`` (a 127.0.0.x of its own, so
    per-address limits can tell test clients apart)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    return aiohttp.ClientSession(connector=connector)


class RoutedClient(InterviewClient):
    """An :class:`InterviewClient` that joins at ``/ws/{id}`` (the URL the proxy routes by the
    session's shard), sends its token in an ``auth`` frame (or, to check the access log, in
    the URL), and knows when its socket has closed."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        session_id: str,
        name: str,
        *,
        role: str = "candidate",
        token: str | None = None,
        token_in_url: bool = False,
    ) -> None:
        super().__init__(self._no_connect, session_id, name, role=role, token=token)
        self.http = http
        self.base = base
        self.token_in_url = token_in_url
        self.connected = False
        self.closes: list[int | None] = []
        self.joins = 0

    async def _no_connect(self) -> aiohttp.ClientWebSocketResponse:
        raise NotImplementedError

    async def join(self) -> dict[str, Any]:
        params = {"name": self.name, "role": self.role, "clientId": self.client_id}
        rejoining = self.user_id is not None
        if rejoining:
            params["revision"] = str(self.ot.revision)
            if self.history_id is not None:
                params["historyId"] = self.history_id
        if self.token is not None and self.token_in_url:
            params["token"] = self.token
        ws = await self.http.ws_connect(f"{self.base}/ws/{self.session_id}", params=params)
        self._ws = ws
        self.deaf = False
        self.offline = True  # an edit typed meanwhile waits: it goes out after the resume
        if self.token is not None and not self.token_in_url:
            await ws.send_str(json.dumps({"type": "auth", "token": self.token}))
        state = await self._receive_direct(ws)
        if state.get("type") != "session-state":
            await ws.close()
            raise ProtocolError(f"expected session-state, got {state}")
        self.state = state
        self.user_id = state["you"]["userId"]
        self.history_id = state["historyId"]
        self.offline = False
        if rejoining:
            await self._resume(state)
        else:
            await self._reset(state)
        self.connected = True
        self.joins += 1
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(ws))
        return state

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        # A socket that is closing loses the frame in transit, as offline; the rejoin resends.
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            await super()._send_frame(frame)

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            await super()._read_loop(ws)
        finally:
            self.connected = False
            self.offline = True  # edits wait locally; a rejoin resends what is unconfirmed
            self.closes.append(ws.close_code)
            async with self._changed:
                self._changed.notify_all()

    async def rejoin(self, within: float = 30.0) -> None:
        """Reconnect through the proxy, retrying while the owner restarts (bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            try:
                await self.join()
                return
            except (aiohttp.ClientError, ProtocolError, TimeoutError, ConnectionError):
                if loop.time() >= deadline:
                    raise
            await asyncio.sleep(0.1)  # a reconnecting client's back-off, not a synchronisation


# --- sessions and clients through the proxy ---------------------------------------------------

ID = re.compile(r"(w[1-9])\.[A-Za-z0-9_-]{22}")


async def create(http: aiohttp.ClientSession, base: str, **body: Any) -> dict[str, Any]:
    async with http.post(f"{base}/api/sessions", json=body) as response:
        assert response.status == 201, await response.text()
        created: dict[str, Any] = await response.json()
        return created


async def one_per_worker(http: aiohttp.ClientSession, cluster: LocalCluster) -> dict[str, Any]:
    """Sessions created through nginx until every worker holds one: shard → session."""
    by_shard: dict[str, dict[str, Any]] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10  # nginx skips a worker for 2 s after it failed to connect
    for attempt in range(100):
        created = await create(http, cluster.url, name="Pairing")
        match = ID.fullmatch(created["id"])
        assert match, created["id"]
        by_shard.setdefault(match.group(1), created)
        if len(by_shard) == len(cluster.shards):
            return by_shard
        if loop.time() > deadline:
            break
        if attempt >= 6:
            await asyncio.sleep(0.1)  # bounded: at most 100 sessions
    raise AssertionError(f"creation reached only {sorted(by_shard)}")


def synchronized(client: RoutedClient) -> Callable[[], bool]:
    return lambda: client.synchronized


def disconnected(client: RoutedClient) -> Callable[[], bool]:
    return lambda: not client.connected


def insert_at_end(client: RoutedClient, text: str) -> Operation:
    length = len(client.text)
    return [length, text] if length else [text]


async def append(client: RoutedClient, text: str) -> None:
    """Insert at the end of the text as it is when this runs (not when it was scheduled)."""
    await client.edit(insert_at_end(client, text))


async def converged(clients: list[RoutedClient], http: aiohttp.ClientSession, url: str) -> str:
    """Wait until every client is synchronized on the owner's text; return that text."""

    async def same() -> bool:
        async with http.get(url) as response:
            if response.status != 200:
                return False
            code: str = (await response.json())["code"]
        return all(c.connected and c.synchronized and c.text == code for c in clients)

    await wait_until(same, "clients converged with the owner", within=20)
    async with http.get(url) as response:
        text: str = (await response.json())["code"]
        return text
