"""Configuration: flags, INTERVIEW_* environment variables, defaults, and bad values."""

from __future__ import annotations

import dataclasses
import resource
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from sessions.config import (
    Config,
    ConfigError,
    Numeric,
    build_parser,
    env_name,
    flag_name,
    hard_rlimit,
    numeric_fields,
)
from sessions.web.app import create_app
from sessions.web.keys import CONFIG
from tests.helpers import create_session, join, receive, request
from tests.needs import need, need_program


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


# --- numeric settings: every one has a finite range, declared once --------------------------

EDGE_VALUES = ("inf", "-inf", "Infinity", "nan", "1e999", "0", "-1", "1e300", str(10**30))
"""What a newcomer may type: not finite (1e999 is read as inf), zero, negative, and far past
any sensible limit."""
ACCEPTED_EDGES: dict[str, dict[str, float]] = {
    "port": {"0": 0},  # any free port
    "exec_queue_size": {"0": 0},  # no queue: a run is refused while every slot is busy
    "rate_limit_per_second": {"1e300": 1e300, str(10**30): 1e30},  # a rate: no limit
}
"""The edge values each setting accepts, and what it reads them as; every other is refused."""


def numeric_settings() -> list[str]:
    """Every setting whose type is a number, found by its type (a new one is included)."""
    return [
        spec.name
        for spec in dataclasses.fields(Config)
        if spec.type in ("int", "float")  # ``from __future__ import annotations``: text
    ]


def test_every_numeric_setting_declares_its_range():
    assert sorted(numeric_fields()) == sorted(numeric_settings())
    named_in_the_issue = {"heartbeat_seconds", "exec_timeout_seconds", "abuse_window_seconds"}
    assert named_in_the_issue < set(numeric_settings())


def refusal(name: str, value: str) -> str:
    """The reason a value is refused, worded from the setting's declared range."""
    numeric = numeric_fields()[name]
    try:
        numeric.kind(value)
    except ValueError:
        return f"expected {numeric.describe()}, got {value!r}"
    return f"must be {numeric.describe()}, got {value}"


@pytest.mark.parametrize("value", EDGE_VALUES)
@pytest.mark.parametrize("name", numeric_settings())
def test_every_numeric_flag_refuses_an_edge_value_or_reads_it_as_declared(name: str, value: str):
    flag = flag_name(name)
    accepted = ACCEPTED_EDGES.get(name, {})
    if value in accepted:
        assert getattr(Config.from_args([f"{flag}={value}"], {}), name) == accepted[value]
        assert getattr(Config.from_args([], {env_name(name): value}), name) == accepted[value]
        return
    with pytest.raises(ConfigError) as by_flag:
        Config.from_args([f"{flag}={value}"], {})
    assert str(by_flag.value) == f"argument {flag}: {refusal(name, value)}"
    with pytest.raises(ConfigError) as by_env:
        Config.from_args([], {env_name(name): value})
    assert str(by_env.value) == f"environment variable {env_name(name)}: {refusal(name, value)}"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("port", "a port number from 0 to 65535"),
        ("max_code_bytes", "an integer from 1 to 9223372036854775807"),
        ("max_message_bytes", "an integer from 1 to 4294967295"),
        ("heartbeat_seconds", "a number above 0 and at most 31536000"),
        ("exec_timeout_seconds", "a number above 0 and at most 31536000"),
        ("abuse_window_seconds", "a number above 0 and at most 31536000"),
        ("rate_limit_per_second", "a finite number above 0"),
        ("exec_queue_size", "an integer from 0 to 9223372036854775807"),
        ("exec_cpu_seconds", "an integer from 1 to 31536000"),
        ("exec_memory_bytes", "an integer from 1 to 1125899906842624"),
        ("exec_tmpfs_bytes", "an integer from 1 to 1125899906842624"),
        ("exec_processes", "an integer from 1 to 1000000"),
        ("exec_open_files", "an integer from 1 to 1048576"),
    ],
)
def test_a_range_is_worded_in_the_refusal_and_in_the_help(name: str, description: str):
    assert numeric_fields()[name].describe() == description
    with pytest.raises(ConfigError) as refused:
        Config.from_args([flag_name(name), "-1"], {})
    assert str(refused.value) == f"argument {flag_name(name)}: must be {description}, got -1"
    assert f"; {description}; env {env_name(name)})" in " ".join(
        build_parser().format_help().split()
    )


def test_a_negative_value_after_a_space_is_refused_as_a_missing_value():
    # argparse reads "-inf" as an option, not as the flag's value ("--flag=-inf" is the value)
    with pytest.raises(ConfigError) as refused:
        Config.from_args(["--heartbeat-seconds", "-inf"], {})
    assert str(refused.value) == "argument --heartbeat-seconds: expected one argument"


# --- run limits: no more than the server's own hard rlimits ------------------------------

RUN_RLIMITS = {
    "exec_cpu_seconds": "RLIMIT_CPU",
    "exec_memory_bytes": "RLIMIT_AS",
    "exec_file_bytes": "RLIMIT_FSIZE",
    "exec_processes": "RLIMIT_NPROC",
    "exec_open_files": "RLIMIT_NOFILE",
    "exec_compile_cpu_seconds": "RLIMIT_CPU",
    "exec_compile_memory_bytes": "RLIMIT_AS",
}


def test_the_run_limits_that_become_rlimits_say_which():
    declared = {name: n.rlimit for name, n in numeric_fields().items() if n.rlimit}
    assert declared == RUN_RLIMITS


@pytest.mark.parametrize(("name", "rlimit"), RUN_RLIMITS.items())
def test_with_exec_on_a_run_limit_over_the_servers_hard_rlimit_cannot_start(name: str, rlimit: str):
    def hard(asked: str) -> int:
        return 100 if asked == rlimit else resource.RLIM_INFINITY

    # the other flags bound by the same rlimit (a run's and a compile's) are set within it
    within = [
        part
        for other, limit in RUN_RLIMITS.items()
        if limit == rlimit and other != name
        for part in (flag_name(other), "100")
    ]
    argv = ["--enable-exec", *within, flag_name(name), "101"]
    with pytest.raises(ConfigError) as refused:
        Config.from_args(argv, {}, hard_limit=hard)
    assert str(refused.value) == (
        f"argument {flag_name(name)}: must be at most 100, the server's own hard {rlimit}, "
        "which a run cannot exceed (raise it first: ulimit -H), got 101"
    )
    at_the_limit = Config.from_args(
        ["--enable-exec", *within, flag_name(name), "100"], {}, hard_limit=hard
    )
    assert getattr(at_the_limit, name) == 100
    assert getattr(Config.from_args(argv[1:], {}, hard_limit=hard), name) == 101  # exec off


def test_a_default_run_limit_over_the_servers_hard_rlimit_is_named_as_the_default():
    def hard(asked: str) -> int:
        return 16 if asked == "RLIMIT_NOFILE" else resource.RLIM_INFINITY

    env = {"INTERVIEW_ENABLE_EXEC": "1"}
    with pytest.raises(ConfigError) as refused:
        Config.from_args([], env, hard_limit=hard)
    assert str(refused.value).startswith(
        "the default of --exec-open-files: must be at most 16, the server's own hard"
    )
    with pytest.raises(ConfigError) as by_env:
        Config.from_args([], {**env, "INTERVIEW_EXEC_OPEN_FILES": "17"}, hard_limit=hard)
    assert str(by_env.value).startswith(
        "environment variable INTERVIEW_EXEC_OPEN_FILES: must be at most 16"
    )


def test_the_hard_rlimit_is_this_processes_own():
    assert hard_rlimit("RLIMIT_NOFILE") == resource.getrlimit(resource.RLIMIT_NOFILE)[1]


# --- the largest values accepted work at run time -----------------------------------------


def highest(numeric: Numeric) -> str:
    """The most a setting takes here: its declared maximum, or a run limit's hard rlimit."""
    value = int(numeric.high) if numeric.kind is int else numeric.high
    hard = hard_rlimit(numeric.rlimit) if numeric.rlimit else resource.RLIM_INFINITY
    if numeric.rlimit == "RLIMIT_NPROC" and hard != resource.RLIM_INFINITY:
        hard //= 2  # the launcher adds the user's running tasks to RLIMIT_NPROC
    return str(value if hard == resource.RLIM_INFINITY else min(value, hard))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("language", "code"), [("python", "print(1)"), ("javascript", "console.log(1)")]
)
async def test_every_numeric_setting_at_its_maximum_serves_a_room_and_runs_code(
    aiohttp_client: AiohttpClient, tmp_path: Path, language: str, code: str
):
    argv = ["--enable-exec", "--snapshot", str(tmp_path / "sessions.db")]
    for name, numeric in numeric_fields().items():
        if name != "port":
            argv.append(f"{flag_name(name)}={highest(numeric)}")
    client = await aiohttp_client(create_app(Config.from_args(argv, {})))
    languages = await (await client.get("/api/languages")).json()
    if language == "javascript":
        need_program("node")
    need(language, languages["runnable"][language], f"{language} does not run here")

    session = await create_session(client, language=language, code=f"{code}\n")
    ws, _ = await join(client, session, "Ada")  # the upgrade arms the heartbeat
    chat = await request(ws, {"type": "chat-message", "text": "hi"})  # the rate limiters
    assert (chat["type"], chat["text"]) == ("chat-message", "hi")
    assert (await request(ws, {"type": "run-code"}))["type"] == "run-started"
    frames = [await receive(ws)]
    while frames[-1]["type"] != "run-result":
        frames.append(await receive(ws))
    output = "".join(f["data"] for f in frames if f["type"] == "run-output")
    assert (output, frames[-1]["status"], frames[-1]["exitCode"]) == ("1\n", "ok", 0)
