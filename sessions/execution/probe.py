"""Start-up detection: which isolation works on this machine, and which languages run in it.

Each level is tried for real (a trial run of the server's Python through the same command
a run would use), strongest first; the first that works is used. Nothing is claimed that a
trial did not show. Synchronous and slow-ish (tens of milliseconds per trial): call it from a
thread. The answer depends only on the machine and the request, so it is remembered.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sessions.execution.sandbox import CGROUP_WRAPPER, Sandbox
from sessions.execution.spec import JAVASCRIPT, PYTHON, Isolation, RunLimits, Runtime
from sessions.languages import LANGUAGES

AUTO = "auto"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/java-17-openjdk",
    "/etc/mono",
)
"""Shown read-only when they exist: the C library's files, and the configuration the JVM
(its security properties) and mono (its library map) cannot start without."""
CGROUP_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")
CGROUP_FOLDER = "interview-exec"
TRIAL_SECONDS = 20.0
TRIALS: dict[str, tuple[str, ...]] = {
    PYTHON.id: ("-I", "-S", "-c", "print('ok')"),
    JAVASCRIPT.id: ("-e", "console.log('ok')"),
}


class ExecutionUnavailable(Exception):
    """The isolation asked for (``--exec-isolation``) does not work on this machine."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What this server can run, and inside what."""

    sandbox: Sandbox
    runtimes: dict[str, Runtime] = field(default_factory=dict)
    attempts: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each language that does not run here does not (:mod:`.toolchain_probe`)."""
    versions: dict[str, str] = field(default_factory=dict)
    """The Debian packages of the toolchains found, and their versions."""

    @property
    def isolation(self) -> Isolation:
        return self.sandbox.isolation

    def runnable(self) -> dict[str, bool]:
        """Every editor language, true for those that run here."""
        return {language: language in self.runtimes for language in LANGUAGES}

    def reason(self, language: str) -> str | None:
        """Why ``language`` does not run here (None when it does)."""
        if language in self.runtimes:
            return None
        if self.isolation is Isolation.OFF:
            return "code execution is off on this server (--enable-exec)"
        return self.reasons.get(language, "no toolchain for this language")


def _root(path: str) -> str | None:
    """The install prefix of an interpreter outside the system folders, or None."""
    if any(path == d or path.startswith(d + "/") for d in SYSTEM_DIRS):
        return None
    return os.path.dirname(os.path.dirname(path))


def runtimes_on_path() -> list[Runtime]:
    """The server's own Python, and ``node`` when it is on the PATH."""
    python = os.path.realpath(sys.executable)
    found = [Runtime(PYTHON, python, _root(python))]
    node = shutil.which("node")
    if node is not None:
        real = os.path.realpath(node)
        found.append(Runtime(JAVASCRIPT, real, _root(real)))
    return found


def system_view() -> tuple[str, ...]:
    """The bwrap arguments that show the system folders read-only (symlinks as symlinks)."""
    args: list[str] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in SYSTEM_FILES:
        args += ["--ro-bind-try", path, path]
    return tuple(args)


def trial(sandbox: Sandbox, runtime: Runtime) -> str | None:
    """Run ``runtime``'s trial program in ``sandbox``; None when it printed ``ok``, else why."""
    limits = RunLimits(wall_seconds=TRIAL_SECONDS)
    stats_r, stats_w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="interview-probe-") as host:
        program = [runtime.interpreter, *TRIALS[runtime.spec.id]]
        command = sandbox.command(
            program,
            limits,
            host_src=host,
            host_work=host,
            stats_fd=stats_w,
            address_space_extra=runtime.spec.address_space_extra,
        )
        try:
            done = subprocess.run(
                command.argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=command.env,
                cwd=command.cwd,
                pass_fds=(stats_w,),
                timeout=TRIAL_SECONDS + 5,
                check=False,
                start_new_session=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return str(exc)
        finally:
            os.close(stats_w)
            os.close(stats_r)
    if done.stdout == b"ok\n":
        return None
    why = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return why[-1] if why else f"exit status {done.returncode}"


def pids_cgroup() -> str | None:
    """A folder under which each run can get a pids cgroup of its own, or None.

    The kernel enforces a cgroup's ``pids.max`` whoever the user, where RLIMIT_NPROC does not
    bind root. It takes a writable pids hierarchy (cgroup v1's ``pids``, or v2 with the pids
    controller enabled for the root's children) and ``/bin/sh`` to join it.
    """
    if not os.path.exists(CGROUP_WRAPPER[0]):
        return None
    for base in CGROUP_ROOTS:
        folder = os.path.join(base, CGROUP_FOLDER)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            continue
        if _cgroup_works(folder):
            return folder
    return None


def _cgroup_works(folder: str) -> bool:
    trial = os.path.join(folder, f"probe-{os.getpid()}")
    try:
        os.mkdir(trial)
    except OSError:
        return False
    try:
        Path(trial, "pids.max").write_text("8")
        procs = os.open(os.path.join(trial, "cgroup.procs"), os.O_WRONLY)
        try:
            done = subprocess.run(
                [*CGROUP_WRAPPER, "true"], stdin=procs, timeout=TRIAL_SECONDS, check=False
            )
        finally:
            os.close(procs)
        return done.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(trial)


def _sandbox(
    level: Isolation, python: Runtime, roots: tuple[str, ...], cgroup: str | None
) -> Sandbox | None:
    interpreter = python.interpreter
    if level is Isolation.BUBBLEWRAP:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            return None
        view = system_view()
        return Sandbox(
            level, interpreter, bwrap=bwrap, system_args=view, roots=roots, cgroup=cgroup
        )
    if level is Isolation.NAMESPACES:
        unshare = shutil.which("unshare")
        return Sandbox(level, interpreter, unshare=unshare, cgroup=cgroup) if unshare else None
    return Sandbox(level, interpreter, cgroup=cgroup)


@functools.lru_cache(maxsize=8)
def detect(requested: str = AUTO) -> Capabilities:
    """The strongest level that works (or exactly ``requested``) and the runtimes it runs.

    Raises :class:`ExecutionUnavailable` when a level was asked for and does not work.
    """
    found = runtimes_on_path()
    python = found[0]
    roots = tuple(sorted({r.root for r in found if r.root is not None}))
    levels = [Isolation.BUBBLEWRAP, Isolation.NAMESPACES, Isolation.RLIMITS]
    if requested != AUTO:
        levels = [Isolation(requested)]
    attempts: list[str] = []
    cgroup = pids_cgroup()
    for level in levels:
        sandbox = _sandbox(level, python, roots, cgroup)
        if sandbox is None:
            attempts.append(f"{level}: not installed")
            continue
        failure = trial(sandbox, python)
        if failure is not None:
            attempts.append(f"{level}: {failure}")
            continue
        runtimes = {r.spec.id: r for r in found if r is python or trial(sandbox, r) is None}
        return Capabilities(sandbox, runtimes, tuple(attempts))
    raise ExecutionUnavailable("; ".join(attempts) or "no isolation level works here")


def disabled() -> Capabilities:
    """Execution off: nothing runs."""
    return Capabilities(Sandbox(Isolation.OFF, sys.executable))
