"""Class-data archives for the compilers that run on the JVM (javac, kotlinc, scalac).

Most of a JVM compiler's cold start is loading and verifying its own classes: tens of
thousands of them for kotlinc and scalac. A dynamic class-data-sharing archive
(``-XX:ArchiveClassesAtExit``, JDK 13+) written once by compiling the trial program, and
mapped by every later compile (``-XX:SharedArchiveFile``), skips that work. Measured on this
machine with the other core busy: a Kotlin hello-world compile took 8.6-16.1 s without the
archive and 3.0-4.0 s with it (docs/benchmarks.md, "Languages").

The archives live in a folder of the server's user under the system's temporary folder, one
file per compiler named by what it depends on (the compiler's files and the JVM), so they are
written once per machine, not per start, and a changed toolchain gets a new one. The trial
compile at start-up writes the archive when the machine has none (so the first start on a
machine takes some seconds longer, once); a server that finds another writing it (a lock file
beside it) goes on without it. Inside the sandbox the folder is read-only (written
only by the trial program's compile, which is ours, not a candidate's). A JVM that cannot
use an archive (another JDK) ignores it: ``-Xshare:auto`` is among the JVM flags.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from dataclasses import replace

from sessions.execution.probe import Capabilities
from sessions.execution.spec import Isolation, RunLimits, Runtime

log = logging.getLogger("interview.exec")
ARCHIVE_INSIDE = "/jvm-archive"
"""Where a bubblewrap sandbox shows the archives' folder."""
STALE_LOCK_SECONDS = 600.0
ARCHIVE_BYTES_MAX = 256 * 1024 * 1024
"""The dump's file-size limit: kotlinc's archive is about 50 MB, scalac's 32 MB (a run's
limit, --exec-file-bytes, is 16 MiB by default)."""
Bind = tuple[str, str, bool]


def folder() -> str:
    """The archives' folder (made, private to this user, on first use)."""
    path = os.path.join(tempfile.gettempdir(), f"interview-jvm-archives-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.stat(path).st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    return path


def archive_path(runtime: Runtime) -> str:
    """The archive file of ``runtime``'s compiler: named by its command and the files it runs."""
    spec = runtime.spec
    digest = hashlib.sha256("\0".join(spec.compile).encode())
    for path in (spec.program, os.path.realpath("/usr/bin/java")):
        try:
            stat = os.stat(path)
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(path.encode())
    return os.path.join(folder(), f"{spec.id}-{digest.hexdigest()[:16]}.jsa")


def options(runtime: Runtime, isolation: Isolation) -> tuple[list[str], tuple[Bind, ...]]:
    """The compiler's extra JVM option and the folder to show the sandbox, for a compile."""
    prefix = runtime.spec.jvm_option
    if prefix is None or runtime.archive is None:
        return [], ()
    host_dir, name = os.path.split(runtime.archive)
    inside = ARCHIVE_INSIDE if isolation is Isolation.BUBBLEWRAP else host_dir
    if runtime.dumping:
        # -Xlog:disable: the dump warns once per class it skips, thousands of lines that
        # would fill the trial's output allowance.
        flags = [f"{prefix}-Xlog:disable", f"{prefix}-XX:ArchiveClassesAtExit={inside}/{name}.part"]
    else:
        flags = [f"{prefix}-XX:SharedArchiveFile={inside}/{name}"]
    return flags, ((host_dir, inside, runtime.dumping),)


def attach(caps: Capabilities) -> Capabilities:
    """``caps`` with the archives already on this machine attached to their compilers."""
    return replace(caps, runtimes={k: existing(r) for k, r in caps.runtimes.items()})


def existing(runtime: Runtime) -> Runtime:
    """``runtime`` with its compiler's archive when this machine has it already."""
    if runtime.spec.jvm_option is None:
        return runtime
    try:
        path = archive_path(runtime)
    except OSError:
        return runtime
    return replace(runtime, archive=path, dumping=False) if os.path.isfile(path) else runtime


def dump_limits(compile_limits: RunLimits) -> RunLimits:
    """The dump is a compile of the trial program that also writes the archive: slower than a
    compile, and its file is bigger than a run may write."""
    return replace(
        compile_limits,
        wall_seconds=max(compile_limits.wall_seconds, 180.0),
        cpu_seconds=max(compile_limits.cpu_seconds, 180),
        file_bytes=max(compile_limits.file_bytes, ARCHIVE_BYTES_MAX),
    )


def lock(path: str) -> bool:
    lock = path + ".lock"
    try:
        if time.time() - os.stat(lock).st_mtime > STALE_LOCK_SECONDS:
            os.unlink(lock)
    except OSError:
        pass
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:
        return False
    return True


def install(path: str) -> bool:
    """Put the finished dump in place (atomically: a reader sees the whole file or none)."""
    if not os.path.isfile(path + ".part"):
        return False
    os.replace(path + ".part", path)
    return True


def unlock(path: str) -> None:
    for leftover in (path + ".lock", path + ".part"):
        with contextlib.suppress(OSError):
            os.unlink(leftover)
