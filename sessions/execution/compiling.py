"""Two phases for a compiled language: compile (its own limits), then run; and the cache.

The compile phase runs the compiler inside the same sandbox as a run, with the sources
read-only and an output folder of the run's own as the only writable place besides the
tmpfs; the run phase sees that folder read-only. A compile that fails with the compiler's
own exit status is ``compile-error`` (its messages, with the lines and columns of the
candidate's file, in ``compile.diagnostics``); a compiler killed by a signal is ``error``;
one that runs out of time or memory has that status. Nothing outlives the run: the output
folder is the run's, or the cache's.

The cache keeps the output of a successful compile under a key of the sources, the
toolchain's command and the limits' memory (:func:`cache_key`): the same code run twice
compiles once. It holds at most :data:`CACHE_ENTRIES` outputs, the least recently used go.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sessions.execution import jvm_archive
from sessions.execution.diagnostics import parse_diagnostics
from sessions.execution.outcome import RunResult
from sessions.execution.sandbox import inside_out, inside_paths
from sessions.execution.spec import expand

if TYPE_CHECKING:
    from sessions.execution.runner import OutputSink, Phase, RunSpec, _Place

PhaseSink = Callable[[str], None]
"""``on_phase(name)``: ``"compile"`` or ``"run"`` starts now."""
CACHE_ENTRIES = 64
COMPILER_TEXT_BYTES = 64 * 1024


class CompileCache:
    """Compiled outputs by key, in a folder of the server's own, least recently used out."""

    def __init__(self, root: str | None = None, entries: int = CACHE_ENTRIES) -> None:
        self.root = root or tempfile.mkdtemp(prefix="interview-compiled-")
        self.entries = entries
        self.lock = threading.Lock()

    def path(self, key: str) -> str:
        return os.path.join(self.root, key)

    def get(self, key: str) -> str | None:
        """The output folder of ``key``, or None; a hit counts as a use."""
        folder = self.path(key)
        with self.lock:
            if not os.path.isdir(folder):
                return None
            with contextlib.suppress(OSError):
                os.utime(folder)
            return folder

    def put(self, key: str, out: str) -> str:
        """Move the compile output ``out`` into the cache; returns where it now is."""
        folder = self.path(key)
        with self.lock:
            try:
                os.rename(out, folder)
            except OSError:  # another run put the same key first, or another file system
                if not os.path.isdir(folder):
                    shutil.copytree(out, folder)
            self._evict(keep=key)
        return folder

    def _evict(self, keep: str) -> None:
        try:
            names = os.listdir(self.root)
        except OSError:
            return
        if len(names) <= self.entries:
            return
        aged = sorted(
            (n for n in names if n != keep), key=lambda n: _mtime(os.path.join(self.root, n))
        )
        for name in aged[: len(names) - max(self.entries, 1)]:
            shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def cache_key(spec: RunSpec) -> str:
    """The sources, the compile command and its memory: what the output depends on."""
    limits = spec.compile_limits or spec.limits
    digest = hashlib.sha256()
    head: dict[str, Any] = {
        "language": spec.runtime.spec.id,
        "compile": list(spec.runtime.spec.compile),
        "memory": limits.memory_bytes,
        "sources": list(spec.job.sources),
        "main": spec.job.main,
    }
    digest.update(json.dumps(head, sort_keys=True).encode())
    for name in sorted(spec.job.files):
        digest.update(b"\0" + name.encode() + b"\0" + spec.job.files[name].encode())
    return digest.hexdigest()[:40]


RunPhase = Callable[
    ["RunSpec", "_Place", "Phase", "OutputSink", asyncio.Event], Awaitable[RunResult]
]


async def run_compiled(
    spec: RunSpec,
    place: _Place,
    on_output: OutputSink,
    stop: asyncio.Event,
    on_phase: PhaseSink | None,
    run_phase: RunPhase,
) -> RunResult:
    """Compile (or take the cached output), then run; the result says both."""
    from sessions.execution.runner import Phase, stdin_path

    language = spec.runtime.spec
    job = spec.job
    isolation = spec.sandbox.isolation
    src_in, _ = inside_paths(isolation, place.src, place.work)
    key = cache_key(spec)
    cached = spec.cache.get(key) if spec.cache is not None else None
    compile_json: dict[str, Any] = {"cached": cached is not None}
    if cached is None:
        if on_phase is not None:
            on_phase("compile")
        limits = spec.compile_limits or spec.limits
        sources = [os.path.join(src_in, name) for name in (job.sources or tuple(job.files))]
        out_in = inside_out(isolation, place.out)
        values = {
            "src": src_in,
            "out": out_in,
            "script": os.path.join(src_in, job.script),
            "main": job.main,
            "memory_mib": str(limits.memory_mib),
        }
        argv = expand(language.compile, values, sources)
        archive_flags, archive_binds = jvm_archive.options(spec.runtime, isolation)
        argv[1:1] = archive_flags
        text: list[str] = []
        size = [0]

        def collect(stream: str, data: str) -> None:
            if size[0] < COMPILER_TEXT_BYTES:
                text.append(data)
                size[0] += len(data)
            on_output(stream, data)

        phase = Phase(
            lambda _fd: argv,
            limits,
            language.compile_address_space_extra,
            binds=((place.out, out_in, True), *archive_binds),
        )
        started = time.monotonic()
        compiled = await run_phase(spec, place, phase, collect, stop)
        compile_json["wallSeconds"] = round(time.monotonic() - started, 3)
        compile_json["status"] = compiled.status
        if compiled.status != "ok":
            return _failed(compiled, "".join(text), job.candidate, compile_json)
        cached = spec.cache.put(key, place.out) if spec.cache is not None else place.out
    else:
        compile_json["status"] = "ok"
        compile_json["wallSeconds"] = 0.0
    compile_json["diagnostics"] = []
    if on_phase is not None:
        on_phase("run")
    out_in = inside_out(isolation, cached)
    values = {
        "src": src_in,
        "out": out_in,
        "script": os.path.join(src_in, job.script),
        "main": job.main,
        "memory_mib": str(spec.limits.memory_mib),
    }
    from sessions.execution.harness import harness_args

    def program(results_fd: int) -> list[str]:
        return expand(language.run, values, []) + harness_args(job, results_fd, src_in)

    run = Phase(
        program,
        spec.limits,
        language.address_space_extra,
        binds=((cached, out_in, False),),
        harnessed=job.harnessed,
        total=job.total,
        stdin=stdin_path(spec, place),
        calls=job.calls,
    )
    result = await run_phase(spec, place, run, on_output, stop)
    return replace(result, compile=compile_json)


def _failed(
    compiled: RunResult, text: str, candidate: str, compile_json: dict[str, Any]
) -> RunResult:
    """The result of a compile that did not succeed (nothing ran)."""
    status = compiled.status
    signalled = compiled.exit_code is not None and compiled.exit_code < 0
    if status == "error" and not signalled and compiled.exit_code is not None:
        status = "compile-error"
    compile_json["diagnostics"] = parse_diagnostics(text, candidate)
    compile_json["exitCode"] = compiled.exit_code
    return replace(compiled, status=status, tests=None, compile=compile_json)
