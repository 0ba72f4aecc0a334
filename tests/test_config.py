"""Configuration: flags, INTERVIEW_* environment variables, defaults, and bad values."""

from __future__ import annotations

import pytest
from pytest_aiohttp import AiohttpClient

from sessions.config import Config
from sessions.web.app import create_app
from sessions.web.keys import CONFIG


def test_defaults_apply_without_flags_or_environment():
    config = Config.from_args([], {})
    assert (config.host, config.port, config.max_code_bytes, config.cors_origins) == (
        "127.0.0.1",
        8080,
        262_144,
        ("*",),
    )


def test_environment_fills_in_and_flags_win_over_it():
    env = {"INTERVIEW_PORT": "9001", "INTERVIEW_HOST": "0.0.0.0", "INTERVIEW_LOG_LEVEL": "debug"}
    config = Config.from_args(["--port", "9002"], env)
    assert (config.port, config.host, config.log_level) == (9002, "0.0.0.0", "DEBUG")


def test_lists_and_booleans_parse_from_text():
    config = Config.from_args(
        ["--cors-origins", "https://a.example, https://b.example", "--compress", "yes"], {}
    )
    assert config.cors_origins == ("https://a.example", "https://b.example")
    assert config.compress is True


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--port", "70000"], {}),
        (["--max-code-bytes", "0"], {}),
        (["--log-level", "loud"], {}),
        ([], {"INTERVIEW_COMPRESS": "maybe"}),
        ([], {"INTERVIEW_PORT": "eighty"}),
    ],
)
def test_bad_values_stop_with_a_usage_error(argv: list[str], env: dict[str, str]):
    with pytest.raises(SystemExit) as exited:
        Config.from_args(argv, env)
    assert exited.value.code == 2


async def test_create_app_takes_command_line_flags_as_aiohttp_web_passes_them(
    aiohttp_client: AiohttpClient,
):
    # python -m aiohttp.web -H 127.0.0.1 -P 8080 server:create_app --max-code-bytes 10
    client = await aiohttp_client(create_app(["--max-code-bytes", "10"]))
    assert client.app[CONFIG].max_code_bytes == 10
    response = await client.post("/api/sessions", json={"code": "x" * 11})
    assert response.status == 413
