"""What the scenarios share: the servers under test, the load plan, and the processes that
run them (started on a core of their own, waited for, read from /proc, stopped).

Every scenario module imports this one and the load generator; none imports another
scenario, so there is no import circle (``tests/test_bench_smoke.py`` checks it).
Waiting for a server to be healthy is ``deploy.health.wait_healthy``, shared with
``deploy.cluster`` and the tests (its docstring says why it lives there).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import re
import resource
import signal
import socket
import subprocess
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploy.health import NotHealthy, wait_healthy

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
SEED_DIR = REPO / "bench" / "seed"  # the Node relay; `npm ci` there (make bench does)
HOST = "127.0.0.1"
SERVER_CPU = 0
LOADGEN_CPU = 1
ALL_CPUS = frozenset(os.sched_getaffinity(0))  # before this process pins itself
_HAVE_SCHEDSTAT = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/schedstat")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def python() -> str:
    return sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def stamp() -> str:
    """The UTC time that names a run's results."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# --- /proc ----------------------------------------------------------------------------------


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


# --- cores ----------------------------------------------------------------------------------


def pinning_plan() -> tuple[bool, str]:
    """Whether server and load generator can get a core each, and how that is said."""
    if not {SERVER_CPU, LOADGEN_CPU} <= ALL_CPUS:
        return False, f"not pinned: CPUs {SERVER_CPU} and {LOADGEN_CPU} are not both available"
    return True, f"server on CPU {SERVER_CPU}, load generator on CPU {LOADGEN_CPU}"


def server_cpus() -> frozenset[int]:
    """The server's core when there are two to share out, else every core."""
    return frozenset({SERVER_CPU}) if pinning_plan()[0] else ALL_CPUS


def loadgen_cpus() -> frozenset[int]:
    return frozenset({LOADGEN_CPU}) if pinning_plan()[0] else ALL_CPUS


def prepare_loadgen(open_files: int, pin: bool = True) -> None:
    """This process as the load generator: its core, enough descriptors, uvloop if installed."""
    if pin:
        os.sched_setaffinity(0, loadgen_cpus())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < open_files:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(open_files, hard), hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass


class ServerProcess:
    """A process under test, on ``cpus``, with its output in a log file."""

    def __init__(
        self, argv: list[str], log_path: Path, cpus: Collection[int] | None = None
    ) -> None:
        self.argv = argv
        self.log_path = log_path
        self.cpus = frozenset(server_cpus() if cpus is None else cpus)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        cpus = self.cpus
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.sched_setaffinity(0, cpus),
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    async def healthy(self, url: str, within: float = 20.0) -> Any:
        """Wait until ``url`` answers 200 (``deploy.health.wait_healthy``); its JSON body."""
        try:
            return await asyncio.to_thread(wait_healthy, url, within=within, alive=self.alive)
        except NotHealthy as exc:
            raise RuntimeError(f"{exc}; see {self.log_path}") from None

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self, signum: int = signal.SIGINT, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signum)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def warnings(self) -> list[str]:
        """Lines the server logged at WARNING or above (slow peers dropped, errors)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        marks = (" WARNING ", " ERROR ", "Traceback")
        return [line for line in text.splitlines() if any(mark in line for mark in marks)]


# --- the servers under test -----------------------------------------------------------------

# All load comes from 127.0.0.1, so the per-address abuse limits would throttle the benchmark
# itself; they are lifted (each only if this version of the server has the flag). Everything
# else runs at its default.
OVERRIDES = {
    "--max-sessions": "10000000",
    "--session-creates-per-minute": "100000000",
    "--max-sockets-per-address": "100000",
    "--max-sockets-per-session": "1000",
    "--rate-limit-per-second": "1000000",
    "--rate-limit-burst": "1000000",
    "--abuse-limit": "1000000",
}
_overrides: list[str] = []


def ours(*flags: str, entry: Sequence[str] = ("server.py",)) -> list[str]:
    """``server.py`` (or another ``entry`` taking its flags) at WARNING with the abuse limits
    lifted, then ``flags``."""
    if not _overrides:
        help_text = subprocess.run(
            [python(), "server.py", "--help"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        for flag, value in OVERRIDES.items():
            if re.search(rf"{flag}\b", help_text):
                _overrides.extend((flag, value))
    return [python(), *entry, "--log-level", "WARNING", *_overrides, *flags]


@dataclass(frozen=True)
class Variant:
    """A server ``python -m bench floor`` compares: ours, the floor relay or the seed relay."""

    key: str
    label: str
    compress: bool = False

    @property
    def socketio(self) -> bool:
        """Whether clients speak Socket.IO to it (the seed relay) rather than our raw frames."""
        return self.key == "seed"

    def argv(self, port: int) -> list[str]:
        if self.key == "seed":
            return ["node", str(SEED_DIR / "server.mjs"), "--port", str(port)]
        if self.key.startswith("ours"):
            return ours("--port", str(port), *(["--compress", "true"] if self.compress else []))
        codec = "orjson" if "orjson" in self.key else "stdlib"
        floor = [python(), "-m", "bench", "floor-server", "--port", str(port), "--json", codec]
        return floor + (["--compress"] if self.compress else [])


OURS = Variant("ours", "interview-server")
FLOOR_JSON = Variant("floor-json", "floor relay, stdlib json")
FLOOR_ORJSON = Variant("floor-orjson", "floor relay, orjson")
SEED = Variant("seed", "seed design: Node Express + Socket.IO")
OURS_Z = Variant("ours-deflate", "interview-server, permessage-deflate", compress=True)
FLOOR_ORJSON_Z = Variant("floor-orjson-deflate", "floor relay, orjson, deflate", compress=True)
VARIANTS = (OURS, FLOOR_JSON, FLOOR_ORJSON, SEED, OURS_Z, FLOOR_ORJSON_Z)


# --- the load plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Sizes and durations; ``quick`` trims them so a whole run stays under a minute."""

    quick: bool
    rooms: int = 200
    readers: int = 2
    doc_size: int = 2 * 1024
    moderate_rate: float = 5.0
    moderate_seconds: float = 10.0
    fixed_rate: float = 20.0  # 200 rooms x 2 readers x 20/s = 8,000 delivered msg/s
    fixed_seconds: float = 6.0
    sat_start_rate: float = 10.0
    sat_factor: float = 1.4
    sat_steps: int = 10
    sat_seconds: float = 4.0
    big_rooms: int = 20
    big_doc_size: int = 100 * 1024
    big_seconds: float = 6.0
    idle_sockets: int = 2000
    idle_per_session: int = 4
    rest_seconds: int = 5
    rest_connections: int = 32
    warmup: float = 1.0


FULL = Plan(quick=False)
QUICK = Plan(
    quick=True,
    moderate_seconds=2.5,
    fixed_seconds=2.0,
    sat_start_rate=20.0,
    sat_factor=2.0,
    sat_steps=3,
    sat_seconds=1.5,
    big_rooms=10,
    big_seconds=2.0,
    idle_sockets=400,
    rest_seconds=1,
    warmup=0.5,
)


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="short windows: the < 1 minute run")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE[,...]",
        help="change the plan, e.g. --set rooms=100,fixed_rate=10 (fields: "
        + ", ".join(field.name for field in dataclasses.fields(Plan) if field.name != "quick")
        + ")",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where reports go")


def plan_of(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Plan:
    """``QUICK`` or ``FULL`` with ``--set``'s changes, each converted to its field's type."""
    plan = QUICK if args.quick else FULL
    types = {field.name: type(getattr(FULL, field.name)) for field in dataclasses.fields(Plan)}
    for item in (part for option in args.set for part in option.split(",") if part):
        name, _, value = item.partition("=")
        if name not in types or name == "quick":
            parser.error(f"--set {item}: no plan field {name!r}")
        try:
            plan = dataclasses.replace(plan, **{name: types[name](value)})
        except ValueError:
            kind = "an integer" if types[name] is int else "a number"
            parser.error(f"--set {item}: {value!r} is not {kind}")
    return plan
