"""The docs are part of the product: they must name what the code does."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from sessions import errors
from sessions.config import Config, env_name, flag_name
from sessions.protocol.messages import CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES

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
