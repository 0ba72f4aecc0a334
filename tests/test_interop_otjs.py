"""The published ot.js client (npm ``ot``, its own ``ot.Client``) against the server.

``tests/interop/otjs_clients.mjs`` runs in Node: several ot.js clients joined to one session
over real sockets (npm ``ws``, pinned with ``ot`` in ``tests/interop/package-lock.json``) type
hundreds of random edits each, with emoji, CJK and newlines, converting between ot.js's UTF-16
counts and the server's code points (``tests/interop/codepoints.mjs``). Each drops its socket
with an operation in flight and comes back with its revision: once after the server applied the
op (the ack is lost; the op comes back in ``missed``), once before the op left (it is resent
with its ``opId``). Now and then one resends its in-flight op on the same socket, as after an
ack timeout: the server must apply it once and ack it again with the original revision.

This test starts the app on a real port, runs the script per seed and checks its report against
the server's document: every client ends equal to the server, and every inserted token is there
exactly once. The conversion module has Node tests of its own (``codepoints.test.mjs``), run
here too.

Needs ``node`` and ``npm`` (``tests/needs.py``: skipped visibly without them, a failure under
``.ci/run``); ``npm ci`` fills ``tests/interop/node_modules`` from the lock file when missing.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from sessions.config import Config
from sessions.web.app import create_app
from tests.needs import need, need_program

INTEROP = Path(__file__).resolve().parent / "interop"
SCRIPT = INTEROP / "otjs_clients.mjs"
INSTALLED = INTEROP / "node_modules" / ".package-lock.json"  # written by npm ci

SEEDS = (1, 2, 3)
CLIENTS = 5
EDITS = 300  # per client
DROPS = 2  # per client, each with an operation in flight (even: half lose the ack, half the op)
NPM_TIMEOUT = 120.0
RUN_TIMEOUT = 45.0  # the script's own limit; the subprocess gets a little more
TOKEN = re.compile(r"«[^«»]*»")


@pytest.fixture(scope="module")
def node() -> str:
    """The ``node`` program, with ``ot`` and ``ws`` installed from the lock file."""
    node = need_program("node")
    lock = INTEROP / "package-lock.json"
    if not INSTALLED.exists() or INSTALLED.stat().st_mtime < lock.stat().st_mtime:
        npm = need_program("node", "npm")
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=INTEROP,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
            output = done.stdout + done.stderr
            installed = done.returncode == 0
        except subprocess.TimeoutExpired:
            output, installed = f"npm ci did not finish within {NPM_TIMEOUT} s", False
        need("node", installed, f"npm ci in {INTEROP} failed:\n{output[-2000:]}")
    return node


def test_codepoint_conversion_passes_its_node_tests(node: str) -> None:
    done = subprocess.run(
        [node, "--test", str(INTEROP / "codepoints.test.mjs")],
        cwd=INTEROP,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout


async def run_clients(node: str, server: TestServer, session_id: str, seed: int) -> Any:
    """Run the script to its end (bounded) and return its JSON report."""
    process = await asyncio.create_subprocess_exec(
        *(node, str(SCRIPT), "--url", str(server.make_url("")).rstrip("/")),
        *("--session", session_id, "--seed", str(seed), "--clients", str(CLIENTS)),
        *("--edits", str(EDITS), "--drops", str(DROPS), "--timeout", str(RUN_TIMEOUT)),
        cwd=INTEROP,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT + 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    lines = stdout.decode().splitlines()
    assert lines, f"no report (exit {process.returncode}):\n{stderr.decode()}"
    report = json.loads(lines[-1])
    assert "error" not in report, f"{report['error']}\n{stderr.decode()}"
    assert process.returncode == 0, stderr.decode()
    return report


@pytest.mark.timeout(NPM_TIMEOUT + RUN_TIMEOUT + 30)
@pytest.mark.parametrize("seed", SEEDS)
async def test_otjs_clients_converge_with_every_token_once_through_drops(
    node: str,
    seed: int,
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = await aiohttp_server(create_app(Config()))
    http: TestClient[Any, Any] = await aiohttp_client(server)
    created = await http.post("/api/sessions", json={"maxCandidates": 2 * CLIENTS})
    assert created.status == 201
    session_id = (await created.json())["id"]

    report = await run_clients(node, server, session_id, seed)

    document = await (await http.get(f"/api/sessions/{session_id}")).json()
    code = document["code"]
    assert report["resets"] == 0  # a reset would lose unconfirmed edits: none is due here
    assert report["revision"] == document["revision"]
    for index, text in enumerate(report["texts"]):
        assert text == code, f"client {index} differs from the server"
    tokens = report["tokens"]
    assert len(set(tokens)) == len(tokens) > CLIENTS * 50
    assert sorted(TOKEN.findall(code)) == sorted(tokens)  # each once, none cut or foreign
    assert all(part in code for part in ("😀", "👍🏽", "漢字", "\n"))
    assert report["edits"] == CLIENTS * EDITS
    # Every drop had an op in flight: half of them after the server applied it (the reconnect
    # found it in `missed`), half before it left (the reconnect resent it).
    assert report["drops"] == CLIENTS * DROPS
    assert report["ackedInMissed"] == report["resentAfterDrop"] == CLIENTS * DROPS // 2
    assert report["resentOnline"] > 0
    # A server with history ids sends one in session-state, and every rejoin gives it back.
    assert report["rejoinsWithHistory"] in (0, report["drops"])
    with capsys.disabled():
        figures = ("clients", "edits", "drops", "ackedInMissed", "resentAfterDrop")
        more = ("resentOnline", "staleAcks", "ackedByUpdate", "rejoinsWithHistory", "revision")
        summary = " ".join(f"{key}={report[key]}" for key in (*figures, *more))
        print(f"\not.js interop seed={seed}: {summary} tokens={len(tokens)} chars={len(code)}")
