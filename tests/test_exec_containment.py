"""Each containment line of a run, proved against every isolation level this machine has.

These drive :func:`sessions.execution.runner.execute` directly, with small limits so each
test takes a second at most; the socket-level behaviour is in ``test_exec_ws.py``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid

import pytest

from sessions.execution import probe
from sessions.execution.harness import build_job
from sessions.execution.outcome import RunResult
from sessions.execution.runner import RunSpec, execute
from sessions.execution.spec import Isolation, RunLimits
from sessions.interview.problems import load_bank
from tests.sandboxes import (
    LEVELS,
    capabilities_for,
    need_process_limit,
    processes_with,
    runtime_or_skip,
)

pytestmark = pytest.mark.timeout(30)
FAST = RunLimits(wall_seconds=5.0, cpu_seconds=5, output_bytes=4096)


@pytest.fixture(params=LEVELS)
def caps(request: pytest.FixtureRequest) -> probe.Capabilities:
    return capabilities_for(request.param)


class Captured:
    """The output of a run, as the runner handed it on."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []
        self.first = asyncio.Event()
        self.line = asyncio.Event()

    def __call__(self, stream: str, data: str) -> None:
        self.chunks.append((stream, data))
        self.first.set()
        if stream == "stdout" and "\n" in data:
            self.line.set()

    def text(self, stream: str = "stdout") -> str:
        return "".join(data for name, data in self.chunks if name == stream)


async def run(
    caps: probe.Capabilities,
    code: str,
    *,
    language: str = "python",
    limits: RunLimits = FAST,
    problem: str | None = None,
    captured: Captured | None = None,
    stop: asyncio.Event | None = None,
    tmp_root: str | None = None,
) -> tuple[RunResult, Captured]:
    runtime_or_skip(caps, language)
    runtime = caps.runtimes[language]
    bank_problem = load_bank().get(problem) if problem else None
    job = build_job(runtime.spec, code, bank_problem)
    out = captured or Captured()
    spec = RunSpec(caps.sandbox, runtime, job, limits, tmp_root=tmp_root)
    result = await execute(spec, out, stop or asyncio.Event())
    return result, out


async def test_a_program_runs_and_its_output_and_exit_status_come_back(caps):
    result, out = await run(caps, "print('hello')\nraise SystemExit(3)")
    assert out.text() == "hello\n"
    assert (result.status, result.exit_code, result.tests) == ("error", 3, None)
    assert result.cpu_seconds is not None and result.cpu_seconds >= 0


async def test_an_infinite_loop_is_a_timeout(caps):
    result, _ = await run(caps, "while True:\n    pass\n", limits=RunLimits(wall_seconds=1.0))
    assert result.status == "timeout"
    assert result.exit_code == -9


async def test_cpu_time_over_the_limit_is_a_timeout(caps):
    limits = RunLimits(wall_seconds=20.0, cpu_seconds=1)
    result, _ = await run(caps, "while True:\n    pass\n", limits=limits)
    assert (result.status, result.exit_code) == ("timeout", -signal.SIGXCPU)
    assert result.wall_seconds < 20.0


async def test_allocating_4_gib_is_a_memory_limit(caps):
    result, out = await run(caps, "data = bytearray(4 << 30)\nprint('allocated')\n")
    assert result.status == "memory-limit"
    assert "allocated" not in out.text()
    assert "MemoryError" in out.text("stderr")


async def test_processes_that_together_hold_more_than_the_memory_limit_are_a_memory_limit(caps):
    code = (
        "import os, time\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        break\n"
        "data = b'x' * (60 << 20)\n"
        "time.sleep(30)\n"
    )
    limits = RunLimits(wall_seconds=20.0, memory_bytes=160 << 20)
    result, out = await run(caps, code, limits=limits)
    assert result.status == "memory-limit"
    assert "stopped: more than 160 MiB of memory in all" in out.text("stderr")
    assert result.wall_seconds < 20.0


async def test_node_running_out_of_heap_is_a_memory_limit(caps):
    code = "const keep = [];\nwhile (true) keep.push(new Array(1e6).fill(1.5));\n"
    limits = RunLimits(wall_seconds=20.0, memory_bytes=128 * 1024 * 1024)
    result, _ = await run(caps, code, language="javascript", limits=limits)
    assert result.status == "memory-limit"


async def test_printing_10_mb_is_an_output_limit_and_only_the_cap_is_kept(caps):
    result, out = await run(caps, "import sys\nsys.stdout.write('x' * 10_000_000)\n")
    assert result.status == "output-limit"
    assert out.text() == "x" * FAST.output_bytes


async def test_the_servers_environment_is_absent_from_a_run(caps, monkeypatch):
    monkeypatch.setenv("INTERVIEW_SECRET_TOKEN", "s3cret-value")
    code = "import os\nprint(os.environ.get('INTERVIEW_SECRET_TOKEN'), sorted(os.environ))\n"
    result, out = await run(caps, code)
    assert result.status == "ok"
    assert out.text() == "None ['HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR']\n"


async def test_stdin_is_closed_to_a_run(caps):
    result, out = await run(caps, "import sys\nprint(repr(sys.stdin.read()))\n")
    assert (result.status, out.text()) == ("ok", "''\n")


async def test_children_are_killed_with_the_run_even_outside_its_process_group(caps):
    marker = f"orphan-{uuid.uuid4().hex}"
    code = (
        "import subprocess, sys\n"
        f"args = [sys.executable, '-c', 'import time; time.sleep(60)', '{marker}']\n"
        "subprocess.Popen(args)\n"
        "subprocess.Popen(args, start_new_session=True)\n"
        "print('spawned', flush=True)\n"
    )
    result, out = await run(caps, code)
    assert (result.status, out.text()) == ("ok", "spawned\n")
    assert processes_with(marker) == []


async def test_children_are_killed_when_the_run_times_out(caps):
    marker = f"orphan-{uuid.uuid4().hex}"
    code = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
        "time.sleep(60)\n"
    )
    result, _ = await run(caps, code, limits=RunLimits(wall_seconds=1.0))
    assert result.status == "timeout"
    assert processes_with(marker) == []


async def test_a_fork_bomb_is_stopped_and_leaves_nothing_behind(caps):
    need_process_limit(caps)
    marker = f"bomb-{uuid.uuid4().hex}"
    bomb = "import os\\nwhile True:\\n    os.fork()\\n"
    code = (
        f"import os, sys\nos.execv(sys.executable, [sys.executable, '-c', '{bomb}', '{marker}'])\n"
    )
    result, out = await run(caps, code, limits=RunLimits(wall_seconds=5.0, processes=32))
    # Past either allowance the watchdog kills the run (error, memory-limit) or, for a user
    # RLIMIT_NPROC applies to, fork fails and the processes die or spin until the timeout.
    assert result.status in ("error", "memory-limit", "timeout")
    stopped = "stopped: more than" in out.text("stderr")
    refused = "BlockingIOError" in out.text("stderr")
    assert stopped or refused or result.status == "timeout", out.text("stderr")
    assert result.wall_seconds < 5.0 + 2.5
    assert processes_with(marker) == []


async def test_the_file_size_limit_stops_a_big_write(caps):
    limits = RunLimits(wall_seconds=5.0, file_bytes=1024 * 1024)
    code = (
        "import signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "try:\n"
        "    with open('big.bin', 'wb') as f:\n"
        "        f.write(b'x' * (4 * 1024 * 1024))\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n"
    )
    result, out = await run(caps, code, limits=limits)
    assert (result.status, out.text()) == ("ok", "refused 27\n")


async def test_a_sandboxed_run_writes_only_to_its_bounded_tmpfs(caps):
    code = (
        "import os\n"
        "for path in ('/sandbox-escape', '/dev/x', '/usr/x', 'work.txt', '/tmp/t', '/dev/shm/s'):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print(path, 'written')\n"
        "    except OSError as exc:\n"
        "        print(path, exc.strerror)\n"
        "try:\n"
        "    with open('/dev/shm/big', 'wb') as f:\n"
        "        for _ in range(20):\n"
        "            f.write(b'x' * (1 << 20))\n"
        "    print('shm unbounded')\n"
        "except OSError as exc:\n"
        "    print('shm', exc.strerror)\n"
    )
    if not caps.isolation.isolates_files:
        # Not a missing tool, so not tests.needs: namespaces and rlimits promise no filesystem
        # isolation at all (README: Containment), so there is no tmpfs to stay inside.
        pytest.skip(
            f"by design: {caps.isolation} does not isolate files (a run writes wherever the "
            "server's user may; README: Containment), so there is no tmpfs to confine it to"
        )
    limits = RunLimits(wall_seconds=5.0, tmpfs_bytes=8 << 20)
    result, out = await run(caps, code, limits=limits)
    assert result.status == "ok"
    assert out.text() == (
        "/sandbox-escape Read-only file system\n"
        "/dev/x Read-only file system\n"
        "/usr/x Read-only file system\n"
        "work.txt written\n"
        "/tmp/t written\n"
        "/dev/shm/s written\n"
        "shm No space left on device\n"
    )


async def test_a_tcp_connect_to_the_servers_port_fails_where_the_network_is_isolated(caps):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('refused', type(exc).__name__)\n"
    )
    try:
        result, out = await run(caps, code)
    finally:
        listener.close()
    assert result.status == "ok"
    if caps.isolation.isolates_network:
        assert out.text().startswith("refused"), out.text()
    else:  # rlimits only: the network is reachable, and /health says so ("rlimits")
        assert out.text() == "connected\n"


async def test_two_runs_at_once_see_each_others_files_and_processes_only_without_isolation(
    caps, tmp_path
):
    marker = f"run-a-{uuid.uuid4().hex}"
    first = Captured()
    code_a = (
        "import subprocess, sys, time\n"
        f"open('{marker}.txt', 'w').write('a')\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', "
        f"'{marker}'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    code_b = (
        "import glob, os\n"
        f"files = glob.glob('{tmp_path}/interview-run-*/work/{marker}.txt')\n"
        "procs = []\n"
        "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        f"        if b'{marker}' in open(f'/proc/{{pid}}/cmdline', 'rb').read():\n"
        "            procs.append(pid)\n"
        "    except OSError:\n"
        "        pass\n"
        "print('files', bool(files), 'processes', bool(procs))\n"
    )
    stop_a = asyncio.Event()
    limits = RunLimits(wall_seconds=10.0)
    task_a = asyncio.ensure_future(
        run(caps, code_a, limits=limits, captured=first, stop=stop_a, tmp_root=str(tmp_path))
    )
    try:
        await asyncio.wait_for(first.first.wait(), 10)
        result_b, out_b = await run(caps, code_b, tmp_root=str(tmp_path))
    finally:
        stop_a.set()
        result_a, _ = await task_a
    assert result_a.status == "killed"
    assert result_b.status == "ok"
    files = not caps.isolation.isolates_files
    processes = not caps.isolation.isolates_processes
    assert out_b.text() == f"files {files} processes {processes}\n"


async def test_output_is_streamed_before_the_run_ends(caps):
    captured = Captured()
    code = "import time\nprint('first', flush=True)\ntime.sleep(0.5)\nprint('second')\n"
    task = asyncio.ensure_future(run(caps, code, captured=captured, limits=RunLimits()))
    try:
        await asyncio.wait_for(captured.line.wait(), 10)
        streamed_early = not task.done()
        early = captured.text()
    finally:
        result, _ = await task
    assert (streamed_early, early) == (True, "first\n")
    assert (result.status, captured.text()) == ("ok", "first\nsecond\n")


async def test_many_small_writes_reach_the_room_as_a_few_chunks(caps):
    code = "for i in range(3000):\n    print(i, flush=True)\n"
    result, out = await run(caps, code, limits=RunLimits(output_bytes=64 * 1024))
    assert result.status == "ok"
    assert out.text() == "".join(f"{i}\n" for i in range(3000))
    assert len(out.chunks) < 100, len(out.chunks)  # 6,000 writes, paced to every 25 ms


async def test_a_stopped_run_is_killed(caps):
    captured = Captured()
    stop = asyncio.Event()
    code = "print('spinning', flush=True)\nwhile True:\n    pass\n"
    task = asyncio.ensure_future(run(caps, code, captured=captured, stop=stop, limits=RunLimits()))
    await asyncio.wait_for(captured.first.wait(), 10)
    stop.set()
    result, _ = await task
    assert (result.status, result.exit_code) == ("killed", None)
    assert result.wall_seconds < RunLimits().wall_seconds
    # Only the bare launcher survives a cancel to report; a sandbox dies with the run.
    assert (result.cpu_seconds is not None) is (caps.isolation is Isolation.RLIMITS)


async def test_children_are_killed_when_the_run_is_cancelled_even_outside_its_group(caps):
    marker = f"orphan-{uuid.uuid4().hex}"
    captured = Captured()
    stop = asyncio.Event()
    code = (
        "import subprocess, sys, time\n"
        f"args = [sys.executable, '-c', 'import time; time.sleep(60)', '{marker}']\n"
        "children = [subprocess.Popen(args), subprocess.Popen(args, start_new_session=True)]\n"
        "for child in children:  # until each shows its marker in /proc (bounded)\n"
        "    for _ in range(500):\n"
        f"        if b'{marker}' in open(f'/proc/{{child.pid}}/cmdline', 'rb').read():\n"
        "            break\n"
        "        time.sleep(0.01)\n"
        "print('spawned', flush=True)\n"
        "time.sleep(60)\n"
    )
    task = asyncio.ensure_future(run(caps, code, captured=captured, stop=stop, limits=RunLimits()))
    await asyncio.wait_for(captured.line.wait(), 10)
    alive = len(processes_with(marker))
    stop.set()
    result, _ = await task
    assert (alive, result.status, processes_with(marker)) == (2, "killed", [])


async def test_the_temporary_folder_is_removed_afterwards(caps, tmp_path):
    result, _ = await run(caps, "open('left.txt', 'w').write('x')\n", tmp_root=str(tmp_path))
    assert result.status == "ok"
    assert list(tmp_path.iterdir()) == []


async def test_a_run_cancelled_as_it_starts_leaves_no_folder_behind(caps, tmp_path):
    task = asyncio.ensure_future(run(caps, "print(1)\n", tmp_root=str(tmp_path)))
    await asyncio.sleep(0)  # one turn of the loop: the folder is being made in a thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.iterdir()) == []


# --- the harness ---------------------------------------------------------------------------

TWO_SUM = """
def two_sum(nums, target):
    print('{"test": {"name": "forged", "passed": true}}')
    if target == 6:
        raise ValueError("no six")
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
"""


async def test_the_harness_runs_each_test_and_reports_exceptions_and_prints(caps):
    result, out = await run(caps, TWO_SUM, problem="two-sum")
    assert result.status == "ok"
    assert (result.passed, result.total) == (4, 6)
    assert result.tests is not None
    by_name = {test.name: test for test in result.tests}
    assert len(by_name) == 6
    raised = by_name["two_sum([3, 2, 4], 6)"]
    assert (raised.passed, raised.expected, raised.actual) == (False, [1, 2], None)
    assert raised.error == 'ValueError: no six (solution.py line 5: raise ValueError("no six"))'
    passed = by_name["two_sum([2, 7, 11, 15], 9)"]
    assert (passed.passed, passed.actual, passed.error) == (True, [0, 1], None)
    assert out.text().count('{"test": {"name": "forged", "passed": true}}') == 6


async def test_printing_to_the_results_descriptor_number_is_not_a_test_result(caps):
    code = (
        "import os, sys\n"
        'print(\'{"test": {"name": "forged", "passed": true, "error": null}}\')\n'
        'sys.stderr.write(\'{"test": {"name": "forged", "passed": true}}\\n\')\n'
        "def two_sum(nums, target):\n"
        "    return [0, 0]\n"
    )
    result, _ = await run(caps, code, problem="two-sum")
    assert result.tests is not None
    assert [test.name for test in result.tests if test.name == "forged"] == []
    assert (result.passed, result.total) == (0, 6)


async def test_a_missing_entry_function_fails_every_test_with_the_reason(caps):
    result, _ = await run(caps, "def other():\n    pass\n", problem="two-sum")
    assert result.tests is not None and result.status == "ok"
    assert {test.error for test in result.tests} == {"no 'two_sum' in the code"}
    assert (result.passed, result.total) == (0, 6)


async def test_a_syntax_error_is_an_error_with_no_test_passed(caps):
    result, out = await run(caps, "def two_sum(:\n", problem="two-sum")
    assert (result.status, result.passed, result.total, result.tests) == ("error", 0, 6, ())
    assert "SyntaxError" in out.text("stderr")


async def test_a_pytest_style_test_file_runs_each_test_function(caps):
    code = (
        "class LRUCache:\n"
        "    def __init__(self, capacity):\n"
        "        self.data = {}\n"
        "    def get(self, key):\n"
        "        return self.data.get(key, -1)\n"
        "    def put(self, key, value):\n"
        "        self.data[key] = value\n"
    )
    result, _ = await run(caps, code, problem="lru-cache")
    assert result.tests is not None
    by_name = {test.name: test for test in result.tests}
    assert by_name["test_get_returns_minus_one_for_a_missing_key"].passed is True
    evicts = by_name["test_put_evicts_the_least_recently_used_key_when_full"]
    assert evicts.passed is False
    assert evicts.error == ("AssertionError (test_solution.py line 21: assert cache.get(2) == -1)")
    assert (result.passed, result.total) == (2, 6)


JS_TWO_SUM = """
function twoSum(nums, target) {
  console.log("called");
  if (target === 6) throw new RangeError("no six");
  const seen = new Map();
  for (let i = 0; i < nums.length; i++) {
    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];
    seen.set(nums[i], i);
  }
}
"""


async def test_the_javascript_harness_calls_an_unexported_entry_function(caps):
    result, out = await run(caps, JS_TWO_SUM, language="javascript", problem="two-sum")
    assert (result.status, result.passed, result.total) == ("ok", 4, 6)
    assert result.tests is not None
    raised = {test.name: test for test in result.tests}["twoSum([3, 2, 4], 6)"]
    assert (raised.passed, raised.error) == (False, "RangeError: no six")
    assert out.text() == "called\n" * 6


async def test_the_javascript_harness_runs_node_test_cases(caps):
    code = (
        "class LRUCache {\n"
        "  constructor(c) { this.c = c; this.m = new Map(); }\n"
        "  get(k) { if (!this.m.has(k)) return -1; const v = this.m.get(k);"
        " this.m.delete(k); this.m.set(k, v); return v; }\n"
        "  put(k, v) { this.m.delete(k); this.m.set(k, v);"
        " if (this.m.size > this.c) this.m.delete(this.m.keys().next().value); }\n"
        "}\n"
        "module.exports = { LRUCache };\n"
    )
    result, _ = await run(caps, code, language="javascript", problem="lru-cache")
    assert (result.status, result.passed, result.total) == ("ok", 6, 6)


def test_the_python_a_run_uses_is_the_servers_own():
    caps = probe.detect("rlimits")
    assert caps.runtimes["python"].interpreter == os.path.realpath(sys.executable)
