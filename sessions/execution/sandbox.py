"""The command line of a run at each isolation level, and the launcher inside it.

Every level runs the same tiny launcher (``python -I -S -c LAUNCHER``) as the last step
before the program, so rlimits are applied without ``preexec_fn`` (unsafe with threads):

- **bubblewrap**: ``bwrap`` with every namespace unshared (user, PID, network, IPC, UTS,
  cgroup), ``--die-with-parent``, no capabilities, a read-only view of the system folders
  and the interpreters, the job's sources read-only at ``/sandbox/src``, size-limited
  tmpfs as the working directory (``/sandbox/work``), ``/tmp`` and ``/dev/shm``, and nothing
  else writable.
- **namespaces**: ``unshare`` of user, network, PID and mount namespaces with a fresh
  ``/proc``; the files are the host's, as seen by the server's user.
- **rlimits**: the launcher alone.

The launcher sets RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NOFILE and RLIMIT_CORE in a
forked child (niced by :data:`NICE`), and RLIMIT_NPROC to the processes its user already has
(as far as it can see: inside a PID and user namespace, only the run's) plus the run's
allowance. RLIMIT_AS caps each process, RLIMIT_NPROC does not bind root: so the launcher
also watches the run's processes (in a PID namespace, every process after it; without one,
its descendants and its session) and kills the run when there are more than its allowance
(counted every 2 ms: a fast fork bomb may overshoot by a generation or two before it is
seen) or when together they hold more memory than one process may address (their
proportional set size, every 100 ms). In a PID namespace the launcher then simply exits when
the program has: the kernel kills everything left in the namespace, and nothing can fork in
a dying one. Without one, as a child subreaper, it kills what is left itself. The child leads a
process group of its own; the launcher kills that group when the wall timeout expires or it is sent
SIGTERM (a cancel), waits
for the program with ``wait4`` and writes its exit status and CPU time as one JSON line to a
pipe the program does not inherit. As a child subreaper it then kills whatever the program
left behind, even processes that left the group.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sessions.execution.launcher import LAUNCHER
from sessions.execution.spec import Isolation, RunLimits

SANDBOX_SRC = "/sandbox/src"
SANDBOX_WORK = "/sandbox/work"
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
NICE = 10
"""Runs are niced: a CPU-bound run, or a fork bomb before the watchdog sees it, yields the CPU
to the server (and to the launcher that must stop it)."""
CGROUP_WRAPPER = ("/bin/sh", "-c", 'echo 0 >&0 && exec "$@" </dev/null', "sh")
"""Joins the cgroup whose ``cgroup.procs`` is open as stdin, then runs the command with
stdin from ``/dev/null``: everything the run starts is in the cgroup from its first fork."""
CGROUP_SLACK = 8
"""Tasks the cgroup allows beyond the run's own: bwrap, its init, the launcher."""
KILL_GRACE_SECONDS = 2.0
"""How long past its wall timeout a run may take before the server kills it from outside."""


@dataclass(frozen=True, slots=True)
class Command:
    """A run's command line, environment and working directory (for the spawner)."""

    argv: list[str]
    env: dict[str, str]
    cwd: str


SANDBOX_OUT = "/sandbox/out"


def inside_out(isolation: Isolation, host_out: str) -> str:
    """Where a run sees the compile phase's output folder."""
    return SANDBOX_OUT if isolation is Isolation.BUBBLEWRAP else host_out


def inside_paths(isolation: Isolation, host_src: str, host_work: str) -> tuple[str, str]:
    """Where the program sees its sources and its working directory."""
    if isolation is Isolation.BUBBLEWRAP:
        return SANDBOX_SRC, SANDBOX_WORK
    return host_src, host_work


def program_env(home: str, tmp: str) -> dict[str, str]:
    """The whole environment of a run: nothing of the server's (no tokens, not its HOME)."""
    return {
        "PATH": SANDBOX_PATH,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": home,
        "TMPDIR": tmp,
    }


def rlimits(limits: RunLimits, address_space_extra: int = 0) -> list[tuple[str, int, int]]:
    """The rlimits the launcher sets (RLIMIT_NPROC is computed by the launcher itself)."""
    address_space = limits.memory_bytes + address_space_extra
    return [
        ("RLIMIT_CPU", limits.cpu_seconds, limits.cpu_seconds + 1),
        ("RLIMIT_AS", address_space, address_space),
        ("RLIMIT_FSIZE", limits.file_bytes, limits.file_bytes),
        ("RLIMIT_NOFILE", limits.open_files, limits.open_files),
        ("RLIMIT_CORE", 0, 0),
    ]


def launcher_argv(
    python: str,
    program: Sequence[str],
    limits: RunLimits,
    env: Mapping[str, str],
    stats_fd: int,
    address_space_extra: int = 0,
    pid_namespace: bool = False,
    stdin: str | None = None,
) -> list[str]:
    """``python -I -S -c LAUNCHER <spec> <stats fd> -- <program...>``.

    ``pid_namespace``: the launcher runs in a PID namespace of the run's own, so every
    process in it after the launcher belongs to the run.
    """
    spec = {
        "rlimits": rlimits(limits, address_space_extra),
        "processes": limits.processes,
        "memory": limits.memory_bytes,
        "wall": limits.wall_seconds,
        "nice": NICE,
        "pidns": pid_namespace,
        "env": dict(env),
        "stdin": stdin,
    }
    return [python, "-I", "-S", "-c", LAUNCHER, json.dumps(spec), str(stats_fd), "--", *program]


@dataclass(frozen=True, slots=True)
class Sandbox:
    """An isolation level as detected at start-up, with what it needs to build commands.

    ``system_args``: the bwrap arguments that show the system read-only (from the probe);
    ``roots``: interpreter folders outside the system ones, shown read-only too;
    ``python``: the interpreter that runs the launcher (the server's own);
    ``cgroup``: a writable pids cgroup under which each run gets one of its own, whose
    ``pids.max`` the kernel enforces for root too (None: there is none).
    """

    isolation: Isolation
    python: str
    bwrap: str = "bwrap"
    unshare: str = "unshare"
    system_args: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    cgroup: str | None = None

    def command(
        self,
        program: Sequence[str],
        limits: RunLimits,
        *,
        host_src: str,
        host_work: str,
        stats_fd: int,
        address_space_extra: int = 0,
        in_cgroup: bool = False,
        binds: Sequence[tuple[str, str, bool]] = (),
        stdin: str | None = None,
    ) -> Command:
        """The full command of a run whose program (as it sees its paths) is ``program``.

        ``in_cgroup``: the spawner gives it its cgroup's ``cgroup.procs`` as stdin, and the
        command starts by joining it (:data:`CGROUP_WRAPPER`).
        """
        command = self._command(
            program,
            limits,
            host_src=host_src,
            host_work=host_work,
            stats_fd=stats_fd,
            address_space_extra=address_space_extra,
            binds=binds,
            stdin=stdin,
        )
        if in_cgroup:
            return Command([*CGROUP_WRAPPER, *command.argv], command.env, command.cwd)
        return command

    def _command(
        self,
        program: Sequence[str],
        limits: RunLimits,
        *,
        host_src: str,
        host_work: str,
        stats_fd: int,
        address_space_extra: int,
        binds: Sequence[tuple[str, str, bool]],
        stdin: str | None,
    ) -> Command:
        if self.isolation is Isolation.BUBBLEWRAP:
            env = program_env(SANDBOX_WORK, "/tmp")
        else:
            env = program_env(host_work, host_work)
        inner = launcher_argv(
            self.python,
            program,
            limits,
            env,
            stats_fd,
            address_space_extra,
            pid_namespace=self.isolation.isolates_processes,
            stdin=stdin,
        )
        if self.isolation is Isolation.BUBBLEWRAP:
            return Command(self._bwrap(limits, host_src, binds) + inner, env, host_work)
        if self.isolation is Isolation.NAMESPACES:
            return Command(self._unshare() + inner, env, host_work)
        if self.isolation is Isolation.RLIMITS:
            return Command(inner, env, host_work)
        raise ValueError("execution is off: there is no command to build")

    def _bwrap(
        self, limits: RunLimits, host_src: str, binds: Sequence[tuple[str, str, bool]] = ()
    ) -> list[str]:
        argv = [
            self.bwrap,
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--hostname",
            "sandbox",
            *self.system_args,
        ]
        for root in self.roots:
            argv += ["--ro-bind", root, root]
        tmpfs = str(limits.tmpfs_bytes)
        argv += ["--proc", "/proc", "--dev", "/dev"]
        # Every writable place is a tmpfs of bounded size (tmpfs is memory): /tmp, the work
        # folder and /dev/shm; the root and /dev themselves are made read-only.
        argv += ["--size", tmpfs, "--tmpfs", "/dev/shm"]
        argv += ["--size", tmpfs, "--tmpfs", "/tmp"]
        argv += ["--ro-bind", host_src, SANDBOX_SRC]
        argv += ["--size", tmpfs, "--tmpfs", SANDBOX_WORK]
        for host, inside, writable in binds:  # a compile's output: written, then read
            argv += ["--bind" if writable else "--ro-bind", host, inside]
        argv += ["--remount-ro", "/dev", "--remount-ro", "/"]
        argv += ["--chdir", SANDBOX_WORK, "--clearenv", "--"]
        return argv

    def _unshare(self) -> list[str]:
        return [
            self.unshare,
            "--user",
            "--map-current-user",
            "--net",
            "--pid",
            "--fork",
            "--kill-child",
            "--mount-proc",
            "--",
        ]
