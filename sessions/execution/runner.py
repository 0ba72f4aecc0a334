"""Spawn a run, stream its output as it comes, stop it, clean up: the only async module here.

A run lives in a fresh temporary folder (sources in ``src/``, a working directory in
``work/``) that is removed afterwards whatever happened. Its stdin is ``/dev/null``; its
stdout and stderr are read in chunks and handed to ``on_output`` as they arrive, up to the
output cap: beyond it output is dropped (the status says ``output-limit``), and a program
that keeps printing past :data:`DRAIN_FACTOR` times the cap is stopped, so it cannot keep
the server busy reading. The harness's records and the launcher's report arrive on two
pipes of their own. The wall timeout is enforced twice: by the launcher inside (which
reports it), and from outside :data:`~sessions.execution.sandbox.KILL_GRACE_SECONDS` later
by killing the whole process group, as a cancel does.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sessions.execution.compiling import CompileCache, PhaseSink, run_compiled
from sessions.execution.harness import Job, harness_args
from sessions.execution.judge import Call
from sessions.execution.outcome import Facts, RunResult, build_result, parse_launcher, parse_records
from sessions.execution.sandbox import CGROUP_SLACK, KILL_GRACE_SECONDS, Sandbox, inside_paths
from sessions.execution.spec import Isolation, RunLimits, Runtime, expand
from sessions.execution.trim import StackTrim

log = logging.getLogger("interview.exec")
OutputSink = Callable[[str, str], None]
"""``on_output(stream, text)``: ``stream`` is ``"stdout"`` or ``"stderr"``."""

CHUNK_BYTES = 16 * 1024
STDERR_TAIL_BYTES = 4096
RESULTS_CAP_BYTES = 4 * 1024 * 1024
DRAIN_FACTOR = 16
REAP_SECONDS = 2.0
PACE_SECONDS = 0.025
STDIN_FILE = ".stdin"


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run: which runtime, which job, which limits, in which sandbox."""

    sandbox: Sandbox
    runtime: Runtime
    job: Job
    limits: RunLimits
    tmp_root: str | None = None
    compile_limits: RunLimits | None = None
    """The compile phase's limits (compiled languages); None: the run's."""
    stdin: str | None = None
    """The program's standard input (a free-form run); None: empty."""
    cache: CompileCache | None = None


@dataclass(frozen=True, slots=True)
class Phase:
    """One process in the sandbox: its command (given the results descriptor), its limits."""

    program: Callable[[int], list[str]]
    limits: RunLimits
    address_space_extra: int = 0
    binds: tuple[tuple[str, str, bool], ...] = ()
    harnessed: bool = False
    total: int | None = None
    stdin: str | None = None
    calls: tuple[Call, ...] = ()
    """A function-style job's tests, which the harness's ``call`` records are judged by."""


class _Output:
    """Counts, caps, decodes and paces stdout and stderr; keeps stderr's tail to classify.

    Output goes on at once when nothing went in the last :data:`PACE_SECONDS`, else it is
    gathered and goes on when that time is up: a program that prints a character at a time
    costs the room a few dozen frames a second, not one frame per write.
    """

    def __init__(self, cap: int, on_output: OutputSink) -> None:
        self.cap = cap
        self.seen = 0
        self.capped = False
        self.on_output = on_output
        self.tail = b""
        self.decoders = {
            name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")
        }
        self.loop = asyncio.get_running_loop()
        self.pending: list[tuple[str, str]] = []
        self.last_sent = -PACE_SECONDS
        self.timer: asyncio.TimerHandle | None = None
        self.trim = StackTrim()

    def feed(self, stream: str, data: bytes) -> bool:
        """Hand on what fits under the cap; False when the program should be stopped."""
        if stream == "stderr":
            self.tail = (self.tail + data)[-STDERR_TAIL_BYTES:]
        room = self.cap - self.seen
        self.seen += len(data)
        if room > 0:
            self._decode(stream, data[:room])
        if self.seen > self.cap:
            self.capped = True
        return self.seen <= self.cap * DRAIN_FACTOR

    def _decode(self, stream: str, data: bytes, final: bool = False) -> None:
        text = self.decoders[stream].decode(data, final)
        if stream == "stderr":
            text = self.trim.feed(text, final)
        if not text:
            return
        if self.pending and self.pending[-1][0] == stream:
            self.pending[-1] = (stream, self.pending[-1][1] + text)
        else:
            self.pending.append((stream, text))
        if self.timer is not None:
            return
        wait = self.last_sent + PACE_SECONDS - self.loop.time()
        if wait <= 0:
            self._send()
        else:
            self.timer = self.loop.call_later(wait, self._send)

    def _send(self) -> None:
        self.timer = None
        self.last_sent = self.loop.time()
        pending, self.pending = self.pending, []
        for stream, text in pending:
            self.on_output(stream, text)

    def flush(self) -> None:
        """Send what is left (the run is over)."""
        if not self.capped:
            for stream in self.decoders:
                self._decode(stream, b"", final=True)
        self.close()
        self._send()

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class _Pipe:
    """The read end of a pipe, read by the event loop as data arrives, closed exactly once.

    All four pipes of a run (stdout, stderr, the harness's records, the launcher's report)
    are plain file descriptors the loop watches, not asyncio transports: whatever happens to
    the run, :meth:`close` leaves nothing open.
    """

    def __init__(self, fd: int, on_data: Callable[[bytes], None]) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.on_data = on_data
        self.loop = asyncio.get_running_loop()
        self.eof: asyncio.Future[None] = self.loop.create_future()
        self.loop.add_reader(fd, self._ready)

    def _ready(self) -> None:
        try:
            data = os.read(self.fd, CHUNK_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.on_data(data)
        else:
            self.close()

    def close(self) -> None:
        if self.fd < 0:
            return
        self.loop.remove_reader(self.fd)
        os.close(self.fd)
        self.fd = -1
        if not self.eof.done():
            self.eof.set_result(None)


class _Buffer:
    """What a pipe of our own brought, up to a cap (readable before the end)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()

    def append(self, chunk: bytes) -> None:
        if len(self.data) < self.cap:
            self.data += chunk[: self.cap - len(self.data)]

    def bytes(self) -> bytes:
        return bytes(self.data)


@dataclass(slots=True)
class _Place:
    """Where a run lives on the host: its folder and, when there is one, its pids cgroup."""

    host: str
    src: str
    work: str
    out: str = ""
    cgroup: str | None = None
    procs: int | None = None
    """``cgroup.procs`` of the run's cgroup, open for writing (the command's stdin)."""


def _prepare(spec: RunSpec) -> _Place:
    host = tempfile.mkdtemp(prefix="interview-run-", dir=spec.tmp_root)
    place = _Place(
        host, os.path.join(host, "src"), os.path.join(host, "work"), os.path.join(host, "out")
    )
    os.mkdir(place.src, 0o755)
    os.mkdir(place.work, 0o700)
    os.mkdir(place.out, 0o755)
    for name, text in spec.job.files.items():
        Path(place.src, name).write_text(text, encoding="utf-8")
    if spec.stdin is not None:
        Path(place.src, STDIN_FILE).write_text(spec.stdin, encoding="utf-8")
    if spec.sandbox.cgroup is not None:
        cgroup = os.path.join(spec.sandbox.cgroup, os.path.basename(host))
        try:
            os.mkdir(cgroup)
            place.cgroup = cgroup
            Path(cgroup, "pids.max").write_text(str(spec.limits.processes + CGROUP_SLACK))
            place.procs = os.open(os.path.join(cgroup, "cgroup.procs"), os.O_WRONLY)
        except OSError:
            log.warning("could not set up the pids cgroup %s: the run goes without", cgroup)
    return place


def _clean(place: _Place) -> None:
    shutil.rmtree(place.host, ignore_errors=True)
    if place.procs is not None:
        os.close(place.procs)
    if place.cgroup is None:
        return
    for attempt in range(250):  # the last processes of a killed run may take a moment
        try:
            os.rmdir(place.cgroup)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt % 25 == 0:  # whatever is still in the run's cgroup is the run's
                _kill_members(place.cgroup)
            time.sleep(0.02)
    log.warning("could not remove the pids cgroup %s: processes are left in it", place.cgroup)


def _kill_members(cgroup: str) -> None:
    try:
        members = Path(cgroup, "cgroup.procs").read_text().split()
    except OSError:
        return
    for pid in members:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def _kill(pgid: int | None) -> None:
    if pgid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


async def execute(
    spec: RunSpec,
    on_output: OutputSink,
    stop: asyncio.Event,
    on_phase: PhaseSink | None = None,
) -> RunResult:
    """Run ``spec`` to its end, to its timeout, or until ``stop`` is set (``killed``).

    A compiled language runs in two phases (:mod:`.compiling`): ``on_phase("compile")`` and
    ``on_phase("run")`` say when each starts.

    Cancelling the task kills the run too (and re-raises); the folder is removed either way.
    """
    preparing = asyncio.ensure_future(asyncio.to_thread(_prepare, spec))
    try:
        place = await asyncio.shield(preparing)
    except asyncio.CancelledError:  # the thread goes on making the folder: remove it after
        with contextlib.suppress(Exception):
            await asyncio.to_thread(_clean, await preparing)
        raise
    try:
        if spec.runtime.spec.compiled:
            return await run_compiled(spec, place, on_output, stop, on_phase, _run_phase)
        return await _run_phase(spec, place, interpreted(spec, place), on_output, stop)
    finally:
        await asyncio.to_thread(_clean, place)


def interpreted(spec: RunSpec, place: _Place) -> Phase:
    """The one phase of an interpreted language's run."""
    runtime, job, limits = spec.runtime, spec.job, spec.limits
    src_in, _ = inside_paths(spec.sandbox.isolation, place.src, place.work)

    def program(results_fd: int) -> list[str]:
        script = os.path.join(src_in, job.script)
        if runtime.spec.run:
            values = {"src": src_in, "script": script, "memory_mib": str(limits.memory_mib)}
            argv = expand(runtime.spec.run, values, [])
        else:
            argv = runtime.spec.argv(runtime.interpreter, script, limits)
        return argv + harness_args(job, results_fd, src_in)

    return Phase(
        program,
        limits,
        runtime.spec.address_space_extra,
        harnessed=job.harnessed,
        total=job.total,
        stdin=stdin_path(spec, place),
        calls=job.calls,
    )


def stdin_path(spec: RunSpec, place: _Place) -> str | None:
    """Where the program finds its standard input, or None (``/dev/null``)."""
    if spec.stdin is None:
        return None
    src_in, _ = inside_paths(spec.sandbox.isolation, place.src, place.work)
    return os.path.join(src_in, STDIN_FILE)


async def _run_phase(
    spec: RunSpec, place: _Place, phase: Phase, on_output: OutputSink, stop: asyncio.Event
) -> RunResult:
    sandbox, limits = spec.sandbox, phase.limits
    src, work = place.src, place.work
    pipes = [os.pipe() for _ in range(4)]  # stdout, stderr, harness records, launcher report
    (_, stdout_w), (_, stderr_w), (_, results_w), (_, stats_w) = pipes
    command = sandbox.command(
        phase.program(results_w),
        limits,
        host_src=src,
        host_work=work,
        stats_fd=stats_w,
        address_space_extra=phase.address_space_extra,
        in_cgroup=place.procs is not None,
        binds=phase.binds,
        stdin=phase.stdin,
    )
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *command.argv,
            stdin=place.procs if place.procs is not None else asyncio.subprocess.DEVNULL,
            stdout=stdout_w,
            stderr=stderr_w,
            env=command.env,
            cwd=command.cwd,
            pass_fds=(results_w, stats_w),
            start_new_session=True,
        )
    except BaseException:
        for read_end, _ in pipes:
            os.close(read_end)
        raise
    finally:
        for _, write_end in pipes:
            os.close(write_end)
    fds = [r for r, _ in pipes]
    return await _supervise(spec, phase, process, fds, on_output, stop, started)


async def _supervise(
    spec: RunSpec,
    phase: Phase,
    process: asyncio.subprocess.Process,
    fds: list[int],
    on_output: OutputSink,
    stop: asyncio.Event,
    started: float,
) -> RunResult:
    limits = phase.limits
    output = _Output(limits.output_bytes, on_output)
    overflow = asyncio.Event()
    results, stats = _Buffer(RESULTS_CAP_BYTES), _Buffer(RESULTS_CAP_BYTES)

    def stream(name: str) -> Callable[[bytes], None]:
        def feed(data: bytes) -> None:
            if not output.feed(name, data):
                overflow.set()

        return feed

    stdout_r, stderr_r, results_r, stats_r = fds
    pipes = [
        _Pipe(stdout_r, stream("stdout")),
        _Pipe(stderr_r, stream("stderr")),
        _Pipe(results_r, results.append),
        _Pipe(stats_r, stats.append),
    ]
    finished = asyncio.ensure_future(_finish(process, pipes))
    stopped = asyncio.ensure_future(stop.wait())
    overflowed = asyncio.ensure_future(overflow.wait())
    cancelled = expired = False
    try:
        done, _ = await asyncio.wait(
            (finished, stopped, overflowed),
            timeout=limits.wall_seconds + KILL_GRACE_SECONDS,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if finished not in done:
            cancelled, expired = stopped in done, not done
            await _stop(spec, process, stats, finished)
    except asyncio.CancelledError:  # the server is shutting down: kill, reap, then go
        await _stop(spec, process, stats, finished)
        raise
    finally:
        stopped.cancel()
        overflowed.cancel()
        finished.cancel()
        for pipe in pipes:
            pipe.close()
        output.close()
    wall = time.monotonic() - started
    output.flush()
    _, report = parse_launcher(stats.bytes())
    records = parse_records(results.bytes(), phase.calls)
    facts = Facts(
        report=report,
        records=records,
        wall_seconds=wall,
        cpu_limit=limits.cpu_seconds,
        wall_limit=limits.wall_seconds,
        harnessed=phase.harnessed,
        total=phase.total,
        cancelled=cancelled,
        wall_expired=expired,
        output_capped=output.capped,
        stderr_tail=output.tail.decode("utf-8", "replace"),
    )
    return build_result(facts)


async def _finish(process: asyncio.subprocess.Process, pipes: list[_Pipe]) -> None:
    for pipe in pipes:
        await pipe.eof
    await process.wait()


async def _stop(
    spec: RunSpec,
    process: asyncio.subprocess.Process,
    stats: _Buffer,
    finished: asyncio.Future[None],
) -> None:
    """Stop a run from outside, then wait a bounded time for its pipes to close.

    Inside a PID namespace, killing the outer process group (bwrap or unshare) takes the
    whole namespace with it. Without one, the outer process is the launcher: SIGTERM has it
    kill the program's group and sweep up what left the group, as at its own timeout; if it
    does not finish in time, both groups are killed from here.
    """
    if spec.sandbox.isolation is Isolation.RLIMITS:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(finished), REAP_SECONDS)
        if finished.done():
            return
        pgid, _ = parse_launcher(stats.bytes())  # the program's group, in our numbering
        _kill(pgid)
    _kill(process.pid)
    with contextlib.suppress(TimeoutError):  # else something holds the pipes: we close them
        await asyncio.wait_for(asyncio.shield(finished), REAP_SECONDS)
