"""The docs are part of the product: they must name what the code does."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from sessions import errors
from sessions.config import Config, env_name, flag_name
from sessions.persistence.journal import WRITE_DELAY
from sessions.protocol.messages import CLIENT_MESSAGE_TYPES
from sessions.room.frames import SERVER_MESSAGE_TYPES
from sessions.web.app import create_app
from tests.needs import need
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _error_codes() -> set[str]:
    return {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.DomainError)
        # the base classes, and the errors only REST can raise
        and cls
        not in (
            errors.DomainError,
            errors.BadRequest,
            errors.Unauthorized,
            errors.UnsupportedMediaType,
            errors.RevisionNotFound,
        )
    }


@pytest.mark.parametrize("message_type", CLIENT_MESSAGE_TYPES + SERVER_MESSAGE_TYPES)
def test_protocol_doc_describes_every_message_type(message_type: str):
    assert f'"type":"{message_type}"' in PROTOCOL or f"`{message_type}`" in PROTOCOL


def test_protocol_doc_names_no_message_type_the_code_lacks():
    documented = set(re.findall(r'"type":"([a-z-]+)"', PROTOCOL))
    assert documented <= set(CLIENT_MESSAGE_TYPES) | set(SERVER_MESSAGE_TYPES)


@pytest.mark.parametrize("code", sorted(_error_codes() | {"internal-error"}))
def test_protocol_doc_lists_every_socket_error_code(code: str):
    assert re.search(rf"^\| `{re.escape(code)}` \|", PROTOCOL, re.MULTILINE), code


@pytest.mark.parametrize("spec", dataclasses.fields(Config), ids=lambda spec: spec.name)
def test_readme_configuration_table_lists_every_setting_with_its_default(
    spec: dataclasses.Field[object],
):
    flag, env = re.escape(flag_name(spec.name)), re.escape(env_name(spec.name))
    row = rf"^\| `{flag}` \| `{env}` \| (.*?) \|"
    match = re.search(row, README, re.MULTILINE)
    assert match, spec.name
    default = spec.default
    shown = ",".join(default) if isinstance(default, tuple) else str(default)
    if match.group(1).startswith("`"):
        assert match.group(1) == f"`{shown}`", spec.name


def test_readme_quick_start_is_the_two_make_commands():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start
    assert "make test" in quick_start


def test_nothing_outside_the_web_package_imports_aiohttp():
    offenders = []
    for path in (ROOT / "sessions").rglob("*.py"):
        if "web" in path.relative_to(ROOT / "sessions").parts[:1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "aiohttp"]
    assert offenders == []


def test_readme_permission_table_matches_the_code():
    from sessions.interview.permissions import table_rows

    section = README.split("## Roles and permissions", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(
        r"^\| `([a-z-]+)` \| (yes|no) \| (yes|no) \| (yes|no) \|$", section, re.MULTILINE
    )
    assert rows == table_rows()


def walkthrough() -> str:
    start = README.index("## Walkthrough: curl and websocat")
    return README[start : README.index("\n## ", start + 1)]


def test_the_walkthrough_keeps_tokens_in_shell_variables_never_in_a_file():
    text = walkthrough()
    assert "CREATED=$(curl -s -X POST http://127.0.0.1:8080/api/sessions" in text
    assert "tee " not in text
    assert not re.search(r">\s*\S+\.json", text)
    assert "open(" not in text


def test_the_readme_names_the_venvs_interpreter_and_websocats_ctrl_d():
    assert ".venv/bin/python server.py" in README
    assert ".venv/bin/python -m aiohttp.web -H 127.0.0.1 -P 8080 server:create_app" in README
    assert "until you press Ctrl-D" in walkthrough()


def test_the_walkthrough_runs_websocat_from_the_venv_where_make_installed_it():
    commands = [line for block in blocks(walkthrough(), "sh") for line in block.splitlines()]
    websocats = [line for line in commands if "websocat" in line.split(" ", 1)[0]]
    assert websocats == [
        '.venv/bin/websocat "ws://127.0.0.1:8080/ws/$SESSION?name=Ada"',
        ".venv/bin/websocat ws://127.0.0.1:8080/ws",
    ]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"websocat>=' in pyproject.split("dev = [", 1)[1].split("]", 1)[0]


def test_the_readme_says_what_a_crash_loses_as_the_journal_does():
    within = f"within {round(WRITE_DELAY * 1000)} ms"
    durability = " ".join(README.split("**Durability.**", 1)[1].split("**Stopping.**")[0].split())
    cluster = " ".join(README.split("## Running many interviews", 1)[1].split("\n## ")[0].split())
    assert within in durability
    assert "If the *server process* dies (`kill -9`, a crash)" in durability
    assert "(`kill -9`) only what the worker acknowledged in its last few milliseconds" in cluster
    assert within in cluster


def test_every_project_path_the_readme_names_exists():
    named = set(re.findall(r"`((?:tests|sessions|docs|deploy|bench|frontend)/[\w./-]+)`", README))
    written_by_the_tests = {p for p in named if p.startswith("tests/browser/output/")}
    assert written_by_the_tests == {"tests/browser/output/landing.png"}
    assert sorted(p for p in named - written_by_the_tests if not (ROOT / p).exists()) == []


def test_the_readme_says_a_single_problem_file_is_named_after_its_slug():
    problems = README.split("## Problems", 1)[1].split("\n## ", 1)[0]
    assert "A file that\nholds one problem must be named after its slug" in problems


# --- the walkthrough, run as written ------------------------------------------------------

WEBSOCAT = ROOT / ".venv" / "bin" / "websocat"
STEP_TIMEOUT = 10.0


def blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


async def shell(script: str, env: dict[str, str]) -> str:
    """Run ``script`` with bash in the project folder, as a reader's terminal would."""
    process = await asyncio.create_subprocess_exec(
        "bash", "-euc", script, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), STEP_TIMEOUT)
    assert process.returncode == 0, script
    return out.decode()


class Terminal:
    """A websocat started by a README command: what is typed in, the frames it prints."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def open(cls, command: str, env: dict[str, str]) -> Terminal:
        pipe = asyncio.subprocess.PIPE
        process = await asyncio.create_subprocess_exec(
            "bash", "-c", f"exec {command}", cwd=ROOT, env=env, stdin=pipe, stdout=pipe
        )
        return cls(process)

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), STEP_TIMEOUT)
        assert line, f"websocat printed nothing more and ended ({await self.process.wait()})"
        frame: dict[str, Any] = json.loads(line)
        return frame

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def ctrl_d(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return await asyncio.wait_for(self.process.wait(), STEP_TIMEOUT)


async def no_connections(server: TestServer) -> bool:
    """Whether the server holds no socket any more (``/health``'s count)."""
    async with aiohttp.ClientSession() as http, http.get(server.make_url("/health")) as response:
        health: dict[str, Any] = await response.json()
    return bool(health["connections"] == 0)


@pytest.mark.timeout(60)
async def test_the_walkthrough_runs_as_written(aiohttp_server: AiohttpServer):
    need("websocat", WEBSOCAT.exists(), f"{WEBSOCAT} is missing: make installs it (dev extras)")
    server = await aiohttp_server(create_app(Config()), host="127.0.0.1")
    text = walkthrough().replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
    create, candidate, interviewer, rest = blocks(text, "sh")
    reply, code_change, code_update = blocks(text, "json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_")}

    out = await shell(create + 'printf "%s\\n%s\\n" "$SESSION" "$TOKEN"\n', env)
    created, session_id, token = out.splitlines()
    assert json.loads(created).keys() == json.loads(reply).keys()
    env |= {"SESSION": session_id, "TOKEN": token}

    ada = await Terminal.open(candidate.strip(), env)
    assert (await ada.read())["type"] == "session-state"
    command, typed = interviewer.strip().splitlines()
    ivan = await Terminal.open(command, env)
    echo = re.search(r"\(`(echo .*?)`\nprints that line", text, re.DOTALL)
    assert echo is not None
    join_line = (await shell(echo.group(1), env)).strip()
    pasted = typed.replace("<paste $SESSION>", session_id).replace("<paste $TOKEN>", token)
    assert json.loads(join_line) == json.loads(pasted)
    await ivan.type(join_line)
    assert (await ivan.read())["type"] == "session-state"
    assert (await ada.read())["type"] == "users-update"

    await ada.type(code_change.strip())
    assert await ada.read() == {"type": "ack", "revision": 1}
    assert '`{"type":"ack","revision":1}`' in text
    update = await ivan.read()
    assert update == {**json.loads(code_update), "userId": update["userId"]}

    await shell(rest, env)
    language = {"type": "language-change", "language": "javascript", "userId": None}
    for terminal in (ada, ivan):
        assert [await terminal.read(), await terminal.read()] == [
            language,
            {"type": "session-ended"},
        ]
    await wait_until(lambda: no_connections(server), "the server closed both sockets")
    assert (ada.process.returncode, ivan.process.returncode) == (None, None)
    assert [await ada.ctrl_d(), await ivan.ctrl_d()] == [0, 0]
