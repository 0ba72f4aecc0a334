"""Processes under test: start a server pinned to a CPU, read its CPU time and RSS from /proc."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CPU = 0
LOADGEN_CPU = 1
_HAVE_SCHEDSTAT = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/schedstat")
_INITIAL_CPUS = frozenset(os.sched_getaffinity(0))  # before this process pins itself


def cpu_seconds(pid: int) -> float:
    """CPU time of a process (all its threads), user plus system.

    From ``/proc/PID/task/*/schedstat`` (nanoseconds on the CPU) where the kernel has it,
    else ``/proc/PID/stat`` utime+stime (fields 14 and 15, in 10 ms clock ticks: too coarse
    for a few seconds at a low rate).
    """
    if _HAVE_SCHEDSTAT:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except FileNotFoundError:
                continue  # a thread that just ended
        return total / 1e9
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size from ``/proc/PID/status`` (``VmRSS``)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pinning_plan() -> tuple[bool, str]:
    """Whether server and load generator can get a core each, and how that is done."""
    cpus = _INITIAL_CPUS
    if not {SERVER_CPU, LOADGEN_CPU} <= cpus:
        return False, f"not pinned: CPUs {SERVER_CPU} and {LOADGEN_CPU} are not both available"
    if shutil.which("taskset") is None:
        return True, "server on CPU 0 via sched_setaffinity (no taskset), load generator on CPU 1"
    return True, "server on CPU 0 (taskset -c 0), load generator on CPU 1 (taskset -c 1)"


def pin_self_to_loadgen_cpu() -> bool:
    pinned, _ = pinning_plan()
    if pinned:
        os.sched_setaffinity(0, {LOADGEN_CPU})
    return pinned


def loadgen_prefix() -> list[str]:
    """Command prefix that runs a helper (wrk) on the load generator's CPU."""
    pinned, _ = pinning_plan()
    if pinned and shutil.which("taskset"):
        return ["taskset", "-c", str(LOADGEN_CPU)]
    return []


class ServerProcess:
    """A server under test, started on CPU 0 with its output in a log file."""

    def __init__(self, argv: Sequence[str], log_path: Path, cwd: Path) -> None:
        self.argv = list(argv)
        self.log_path = log_path
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        pinned, _ = pinning_plan()
        argv = self.argv
        preexec = None
        if pinned and shutil.which("taskset"):
            argv = ["taskset", "-c", str(SERVER_CPU), *argv]  # taskset execs: same pid
        elif pinned:

            def preexec() -> None:
                os.sched_setaffinity(0, {SERVER_CPU})

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            argv, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec, env=env
        )
        log.close()

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def warnings(self) -> list[str]:
        """Lines the server logged at WARNING or above (slow peers dropped, errors)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [
            line
            for line in text.splitlines()
            if " WARNING " in line or " ERROR " in line or "Traceback" in line
        ]


def python() -> str:
    return sys.executable
