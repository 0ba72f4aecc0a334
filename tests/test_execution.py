"""The sans-I/O part of running code: command lines, job files, and turning facts into results."""

from __future__ import annotations

import dataclasses
import json
import signal

import pytest

from sessions.config import Config, ConfigError
from sessions.execution import probe
from sessions.execution.harness import JOB_FILE, build_job, entry_point, harness_args
from sessions.execution.judge import Call
from sessions.execution.launcher import LAUNCHER
from sessions.execution.outcome import (
    Facts,
    LauncherReport,
    Records,
    TestResult,
    build_result,
    parse_launcher,
    parse_records,
    status_of,
)
from sessions.execution.sandbox import (
    CGROUP_WRAPPER,
    SANDBOX_SRC,
    SANDBOX_WORK,
    Sandbox,
    rlimits,
)
from sessions.execution.spec import JAVASCRIPT, MIB, PYTHON, Isolation, RunLimits
from sessions.execution.trim import StackTrim
from sessions.interview.problems import load_bank
from sessions.languages import LANGUAGES
from sessions.web.runs import limits_of

LIMITS = RunLimits(wall_seconds=3.0, cpu_seconds=2, memory_bytes=256 * MIB, tmpfs_bytes=8 * MIB)
PROGRAM = ["/opt/python/bin/python3", "-I", "/sandbox/src/solution.py"]


def command_of(isolation: Isolation) -> tuple[list[str], dict[str, str], str]:
    sandbox = Sandbox(
        isolation,
        "/opt/python/bin/python3",
        bwrap="/usr/bin/bwrap",
        unshare="/usr/bin/unshare",
        system_args=("--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib"),
        roots=("/opt/python",),
    )
    command = sandbox.command(
        PROGRAM, LIMITS, host_src="/tmp/run/src", host_work="/tmp/run/work", stats_fd=7
    )
    return command.argv, command.env, command.cwd


def launcher_spec(argv: list[str]) -> dict[str, object]:
    index = argv.index(LAUNCHER)
    spec: dict[str, object] = json.loads(argv[index + 1])
    assert argv[index - 4 : index] == ["/opt/python/bin/python3", "-I", "-S", "-c"]
    assert argv[index + 2 :] == ["7", "--", *PROGRAM]
    return spec


def test_bubblewrap_unshares_everything_and_shows_the_system_read_only():
    argv, env, cwd = command_of(Isolation.BUBBLEWRAP)
    outer = argv[: argv.index("--", argv.index("--clearenv"))]
    assert outer == [
        "/usr/bin/bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--ro-bind",
        "/opt/python",
        "/opt/python",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(8 * MIB),
        "--tmpfs",
        "/dev/shm",
        "--size",
        str(8 * MIB),
        "--tmpfs",
        "/tmp",
        "--ro-bind",
        "/tmp/run/src",
        SANDBOX_SRC,
        "--size",
        str(8 * MIB),
        "--tmpfs",
        SANDBOX_WORK,
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
        "--chdir",
        SANDBOX_WORK,
        "--clearenv",
    ]
    assert "--share-net" not in argv
    assert env == {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": SANDBOX_WORK,
        "TMPDIR": "/tmp",
    }
    assert launcher_spec(argv)["env"] == env
    assert launcher_spec(argv)["pidns"] is True
    assert cwd == "/tmp/run/work"


def test_namespaces_unshare_user_network_pid_and_mount():
    argv, env, cwd = command_of(Isolation.NAMESPACES)
    assert argv[: argv.index("--") + 1] == [
        "/usr/bin/unshare",
        "--user",
        "--map-current-user",
        "--net",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        "--",
    ]
    assert (env["HOME"], env["TMPDIR"], cwd) == ("/tmp/run/work", "/tmp/run/work", "/tmp/run/work")
    assert launcher_spec(argv)["pidns"] is True


def test_rlimits_only_is_the_launcher_alone():
    argv, _, _ = command_of(Isolation.RLIMITS)
    assert argv[0] == "/opt/python/bin/python3"
    assert "/usr/bin/bwrap" not in argv and "/usr/bin/unshare" not in argv
    assert launcher_spec(argv) == {
        "rlimits": [list(limit) for limit in rlimits(LIMITS)],
        "processes": LIMITS.processes,
        "memory": LIMITS.memory_bytes,
        "wall": 3.0,
        "nice": 10,
        "pidns": False,
        "env": command_of(Isolation.RLIMITS)[1],
        "stdin": None,
    }


def test_off_builds_no_command():
    with pytest.raises(ValueError, match="execution is off"):
        command_of(Isolation.OFF)


def test_the_launcher_sets_cpu_memory_file_open_files_and_core_limits():
    assert rlimits(LIMITS, address_space_extra=1024) == [
        ("RLIMIT_CPU", 2, 3),
        ("RLIMIT_AS", 256 * MIB + 1024, 256 * MIB + 1024),
        ("RLIMIT_FSIZE", LIMITS.file_bytes, LIMITS.file_bytes),
        ("RLIMIT_NOFILE", LIMITS.open_files, LIMITS.open_files),
        ("RLIMIT_CORE", 0, 0),
    ]


def test_node_gets_its_heap_capped_too():
    argv = JAVASCRIPT.argv("/usr/bin/node", "/sandbox/src/harness.js", LIMITS)
    assert argv == [
        "/usr/bin/node",
        "--max-old-space-size=256",
        "--unhandled-rejections=strict",
        "/sandbox/src/harness.js",
    ]
    assert PYTHON.argv("/py", "s.py", LIMITS) == ["/py", "-I", "-u", "-X", "utf8", "s.py"]


@pytest.mark.parametrize(
    ("isolation", "network", "processes", "files"),
    [
        (Isolation.BUBBLEWRAP, True, True, True),
        (Isolation.NAMESPACES, True, True, False),
        (Isolation.RLIMITS, False, False, False),
        (Isolation.OFF, False, False, False),
    ],
)
def test_each_level_claims_only_what_it_isolates(isolation, network, processes, files):
    assert isolation.isolates_network is network
    assert isolation.isolates_processes is processes
    assert isolation.isolates_files is files


# --- jobs ------------------------------------------------------------------------------------


def test_without_a_problem_the_code_runs_as_a_plain_program():
    job = build_job(PYTHON, "print(1)", None)
    assert job.files == {"solution.py": "print(1)"}
    assert (job.script, job.harnessed, job.total) == ("solution.py", False, None)
    assert harness_args(job, 5, "/src") == []


def test_input_expected_tests_call_the_entry_function_of_the_language():
    problem = load_bank().get("two-sum")
    job = build_job(PYTHON, "def two_sum(n, t): pass", problem)
    assert set(job.files) == {"solution.py", "harness.py", JOB_FILE}
    assert problem.signature is not None
    assert json.loads(job.files[JOB_FILE]) == {
        "mode": "calls",
        "entry": "two_sum",
        "function": "two_sum",
        "inputs": [case["input"] for case in problem.tests],
        "signature": problem.signature.to_json(),
    }
    assert (job.script, job.harnessed, job.total) == ("harness.py", True, len(problem.tests))
    assert job.calls[0] == Call("two_sum([2, 7, 11, 15], 9)", [0, 1])
    assert harness_args(job, 5, "/src") == ["5", "/src"]
    assert entry_point(problem, "javascript") == "twoSum"


def test_javascript_solutions_get_their_entry_function_exported():
    problem = load_bank().get("two-sum")
    job = build_job(JAVASCRIPT, "function twoSum() {}", problem)
    source = job.files["solution.js"]
    assert source.startswith("function twoSum() {}\n")
    assert "module.exports.twoSum = twoSum" in source


def test_test_file_problems_run_the_languages_test_file():
    problem = load_bank().get("lru-cache")
    job = build_job(PYTHON, "class LRUCache: pass", problem)
    assert job.files["test_solution.py"] == problem.tests["python"]
    assert json.loads(job.files[JOB_FILE]) == {
        "mode": "tests",
        "module": "test_solution",
        "names": None,
    }
    assert (job.harnessed, job.total) == (True, None)


def test_a_language_the_problem_has_no_tests_for_runs_plain():
    problem = dataclasses.replace(load_bank().get("lru-cache"), tests={"python": "def test(): 0"})
    assert build_job(JAVASCRIPT, "x", problem).files == {"solution.js": "x"}


# --- results ---------------------------------------------------------------------------------


def test_harness_records_are_read_strictly_and_malformed_lines_ignored():
    data = b"\n".join(
        [
            b'{"total": 3}',
            b'{"test": {"name": "a", "passed": true, "expected": 1, "actual": 1, "error": null}}',
            b'{"test": {"name": "b", "passed": "yes"}}',
            b"not json",
            b"[1, 2]",
            b'{"test": {"name": "c", "passed": false, "error": "ValueError: x"}}',
            b'{"memory": true}',
        ]
    )
    records = parse_records(data)
    assert records.total == 3
    assert records.memory is True
    assert records.tests == [
        TestResult("a", True, 1, 1, None),
        TestResult("c", False, None, None, "ValueError: x"),
    ]


def test_the_launcher_report_gives_the_group_and_the_end():
    pgid, report = parse_launcher(
        b'{"pgid": 41}\n'
        b'{"exit": null, "signal": 9, "cpu": 1.23456, "timedOut": true, "stopped": "memory"}\n'
    )
    assert pgid == 41
    assert report == LauncherReport(
        exit_code=None, signal=9, cpu_seconds=1.235, timed_out=True, stopped="memory"
    )
    assert parse_launcher(b"") == (None, None)


def facts(**overrides: object) -> Facts:
    settings: dict[str, object] = {
        "report": LauncherReport(exit_code=0, cpu_seconds=0.1),
        "records": Records(),
        "wall_seconds": 0.5,
        "cpu_limit": 10,
        "harnessed": False,
        "total": None,
    }
    settings.update(overrides)
    return Facts(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, "ok"),
        ({"report": LauncherReport(exit_code=1)}, "error"),
        ({"report": None}, "error"),
        ({"report": LauncherReport(signal=signal.SIGSEGV)}, "error"),
        ({"report": LauncherReport(signal=signal.SIGKILL, timed_out=True)}, "timeout"),
        ({"report": LauncherReport(signal=signal.SIGXCPU, cpu_seconds=10.0)}, "timeout"),
        ({"report": LauncherReport(signal=signal.SIGKILL, cpu_seconds=11.0)}, "timeout"),
        ({"report": LauncherReport(signal=signal.SIGKILL, cpu_seconds=0.2)}, "error"),
        ({"wall_expired": True, "report": None}, "timeout"),
        ({"records": Records(memory=True), "report": LauncherReport(exit_code=1)}, "memory-limit"),
        ({"stderr_tail": "MemoryError\n", "report": LauncherReport(exit_code=1)}, "memory-limit"),
        ({"stderr_tail": "FATAL ERROR: JavaScript heap out of memory"}, "memory-limit"),
        ({"report": LauncherReport(signal=9, cpu_seconds=0.1, stopped="memory")}, "memory-limit"),
        ({"report": LauncherReport(signal=9, cpu_seconds=0.1, stopped="processes")}, "error"),
        ({"output_capped": True}, "output-limit"),
        ({"output_capped": True, "wall_expired": True}, "timeout"),
        ({"cancelled": True, "wall_expired": True, "output_capped": True}, "killed"),
    ],
)
def test_the_status_follows_its_precedence(overrides, status):
    assert status_of(facts(**overrides)) == status


def test_a_harnessed_result_counts_passed_tests_out_of_all_of_them():
    tests = [TestResult("a", True), TestResult("b", False, error="boom")]
    result = build_result(facts(harnessed=True, total=5, records=Records(tests=tests)))
    assert result.to_json() == {
        "status": "ok",
        "exitCode": 0,
        "wallSeconds": 0.5,
        "cpuSeconds": 0.1,
        "tests": [
            {"name": "a", "passed": True, "expected": None, "actual": None, "error": None},
            {"name": "b", "passed": False, "expected": None, "actual": None, "error": "boom"},
        ],
        "passed": 1,
        "total": 5,
    }


def test_a_signal_is_a_negative_exit_code_and_no_harness_means_no_tests():
    result = build_result(facts(report=LauncherReport(signal=9, cpu_seconds=0.1)))
    assert (result.exit_code, result.tests, result.passed, result.total) == (-9, None, None, None)


# --- configuration and detection ---------------------------------------------------------


def test_execution_is_off_by_default_and_a_bare_flag_or_the_environment_turns_it_on():
    assert Config().enable_exec is False
    assert Config.from_args([], {}).enable_exec is False
    assert Config.from_args(["--enable-exec"], {}).enable_exec is True
    assert Config.from_args([], {"INTERVIEW_ENABLE_EXEC": "1"}).enable_exec is True
    assert (
        Config.from_args(["--enable-exec", "false"], {"INTERVIEW_ENABLE_EXEC": "1"}).enable_exec
        is False
    )


def test_an_unknown_isolation_level_is_refused_at_start_up():
    with pytest.raises(ConfigError) as refused:
        Config.from_args(["--exec-isolation", "chroot"], {})
    assert refused.value.code == 2
    assert "must be one of auto, bubblewrap, namespaces, rlimits, got chroot" in str(refused.value)


def test_the_run_limits_come_from_the_configuration():
    config = Config(
        exec_timeout_seconds=3.5,
        exec_cpu_seconds=2,
        exec_memory_bytes=100 * MIB,
        exec_file_bytes=MIB,
        exec_processes=8,
        exec_open_files=32,
        exec_output_bytes=1000,
        exec_tmpfs_bytes=4 * MIB,
    )
    assert limits_of(config) == RunLimits(3.5, 2, 100 * MIB, MIB, 8, 32, 1000, 4 * MIB)


def test_an_isolation_level_asked_for_and_missing_is_an_error_naming_why(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    probe.detect.cache_clear()
    try:
        with pytest.raises(probe.ExecutionUnavailable, match=r"^bubblewrap: not installed$"):
            probe.detect("bubblewrap")
    finally:
        probe.detect.cache_clear()


def test_every_editor_language_is_listed_as_runnable_or_not():
    capabilities = probe.disabled()
    assert capabilities.isolation is Isolation.OFF
    assert capabilities.runnable() == dict.fromkeys(LANGUAGES, False)


def test_a_run_in_a_pids_cgroup_joins_it_before_anything_else_starts():
    sandbox = Sandbox(Isolation.RLIMITS, "/opt/python/bin/python3", cgroup="/sys/fs/cgroup/x")
    plain = sandbox.command(PROGRAM, LIMITS, host_src="/s", host_work="/w", stats_fd=7)
    joined = sandbox.command(
        PROGRAM, LIMITS, host_src="/s", host_work="/w", stats_fd=7, in_cgroup=True
    )
    assert joined.argv == [*CGROUP_WRAPPER, *plain.argv]
    assert CGROUP_WRAPPER == ("/bin/sh", "-c", 'echo 0 >&0 && exec "$@" </dev/null', "sh")


# --- honest results (issue 19, defect 4) ---------------------------------------------------


def test_a_wall_clock_timeout_names_the_wall_limit():
    result = build_result(facts(wall_expired=True, report=None, wall_limit=10.0))
    assert result.to_json()["limitSeconds"] == 10.0


def test_a_cpu_timeout_names_the_cpu_limit():
    cpu = LauncherReport(signal=signal.SIGXCPU, cpu_seconds=10.0)
    result = build_result(facts(report=cpu, cpu_limit=3, wall_limit=10.0))
    assert (result.status, result.to_json()["limitSeconds"]) == ("timeout", 3.0)


def test_only_a_timeout_carries_a_limit():
    assert "limitSeconds" not in build_result(facts(wall_limit=10.0)).to_json()


def test_nodes_own_frames_and_version_are_trimmed_from_stderr_whatever_the_chunks():
    stderr = (
        "/box/src/solution.js:1\n"
        "def f(x):\n"
        "    ^\n"
        "\n"
        "SyntaxError: Unexpected identifier 'f'\n"
        "    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n"
        "    at Module._compile (node:internal/modules/cjs/loader:1495:20)\n"
        "    at runCalls (/box/src/harness.js:97:14)\n"
        "    at new Promise (<anonymous>)\n"
        "    at twoSum (/box/src/solution.js:4:9)\n"
        "    at node:internal/main/run_main_module:28:49\n"
        "\n"
        "Node.js v20.20.2\n"
    )
    for size in (1, 3, 7, 1000):
        trim = StackTrim()
        shown = "".join(trim.feed(stderr[i : i + size]) for i in range(0, len(stderr), size))
        shown += trim.feed("", final=True)
        assert shown == (
            "/box/src/solution.js:1\n"
            "def f(x):\n"
            "    ^\n"
            "\n"
            "SyntaxError: Unexpected identifier 'f'\n"
            "    at twoSum (/box/src/solution.js:4:9)\n"
            "\n"
        )


def test_a_partial_line_of_the_programs_own_goes_on_at_once():
    trim = StackTrim()
    assert trim.feed("Enter a number: ") == "Enter a number: "
    assert trim.feed("    at") == ""
    assert trim.feed(" home\n") == "    at home\n"
