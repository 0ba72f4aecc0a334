"""The JVM compilers' class-data archives: the option and folder a compile gets, the file's
name following the toolchain, one writer per machine, and a real javac archive written by
the trial program and then used by a compile in the sandbox."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import pytest

from sessions.execution import jvm_archive, probe, toolchain_probe
from sessions.execution.compiling import CompileCache
from sessions.execution.harness import build_job
from sessions.execution.runner import RunSpec, execute
from sessions.execution.sandbox import Sandbox
from sessions.execution.spec import PYTHON, Isolation, RunLimits, Runtime
from sessions.execution.toolchains import JAVA, KOTLIN, TRIALS
from tests.needs import need

LIMITS = RunLimits(wall_seconds=30.0, cpu_seconds=30)
COMPILE = RunLimits(wall_seconds=120.0, cpu_seconds=120, memory_bytes=1536 * 1024 * 1024)


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    return tmp_path


def test_a_compiler_not_on_the_jvm_gets_no_archive_option():
    assert jvm_archive.options(
        Runtime(PYTHON, "python3", archive="/x.jsa"), Isolation.BUBBLEWRAP
    ) == ([], ())


def test_a_kotlin_compile_maps_the_archive_read_only_inside_the_sandbox():
    runtime = Runtime(KOTLIN, "/usr/bin/java", archive="/var/a/kotlin-1.jsa")
    assert jvm_archive.options(runtime, Isolation.BUBBLEWRAP) == (
        ["-XX:SharedArchiveFile=/jvm-archive/kotlin-1.jsa"],
        (("/var/a", "/jvm-archive", False),),
    )


def test_javac_dumps_through_its_j_prefix_into_a_writable_folder_at_its_own_path():
    runtime = Runtime(JAVA, "/usr/bin/javac", archive="/var/a/java-1.jsa", dumping=True)
    assert jvm_archive.options(runtime, Isolation.NAMESPACES) == (
        ["-J-Xlog:disable", "-J-XX:ArchiveClassesAtExit=/var/a/java-1.jsa.part"],
        (("/var/a", "/var/a", True),),
    )


def test_the_archive_file_is_named_after_the_compilers_files(tmp_path: Path):
    program = tmp_path / "compiler.jar"
    program.write_bytes(b"one")
    runtime = Runtime(replace(KOTLIN, program=str(program)), "/usr/bin/java")
    first = jvm_archive.archive_path(runtime)
    program.write_bytes(b"a newer compiler")
    assert jvm_archive.archive_path(runtime) != first
    assert os.path.dirname(first) == str(tmp_path / f"interview-jvm-archives-{os.getuid()}")


def test_attach_gives_a_compiler_the_archive_already_on_the_machine():
    caps = probe.Capabilities(
        sandbox=Sandbox(Isolation.RLIMITS, python="python3"),
        runtimes={"kotlin": Runtime(KOTLIN, "/usr/bin/java"), "python": Runtime(PYTHON, "py")},
    )
    assert jvm_archive.attach(caps).runtimes["kotlin"].archive is None
    path = jvm_archive.archive_path(caps.runtimes["kotlin"])
    Path(path).write_bytes(b"archive")
    attached = jvm_archive.attach(caps).runtimes
    assert (attached["kotlin"].archive, attached["python"].archive) == (path, None)


def test_only_one_writer_at_a_time_and_a_stale_lock_is_taken_over(tmp_path: Path):
    path = str(tmp_path / "kotlin-1.jsa")
    assert jvm_archive.lock(path) is True
    assert jvm_archive.lock(path) is False
    stale = jvm_archive.STALE_LOCK_SECONDS + 1
    os.utime(path + ".lock", (os.path.getmtime(path + ".lock") - stale,) * 2)
    assert jvm_archive.lock(path) is True
    jvm_archive.unlock(path)
    assert not os.path.exists(path + ".lock")


@pytest.mark.timeout(300)
async def test_the_trial_writes_javacs_archive_once_and_a_compile_in_the_sandbox_uses_it():
    caps = await asyncio.to_thread(probe.detect)
    caps = await toolchain_probe.extend(caps, LIMITS, COMPILE)
    need("lang-java", "java" in caps.runtimes, caps.reasons.get("java", ""))
    plain = replace(caps.runtimes["java"], archive=None)  # as on a machine with no archive
    gate = asyncio.Semaphore(1)

    why, runtime = await toolchain_probe.try_toolchain(caps, plain, LIMITS, COMPILE, gate)

    assert why is None and runtime.archive is not None and not runtime.dumping
    archive = Path(runtime.archive)
    size, names = await asyncio.to_thread(
        lambda: (archive.stat().st_size, [p.name for p in archive.parent.iterdir()])
    )
    assert size > 1024 * 1024
    assert archive.name in names
    assert [n for n in names if not n.endswith(".jsa")] == []  # no lock, no part left behind
    again = await toolchain_probe.try_toolchain(caps, plain, LIMITS, COMPILE, gate)
    assert again == (None, runtime)  # found on the machine, not written again
    job = build_job(runtime.spec, TRIALS["java"], None)
    out: list[str] = []
    spec = RunSpec(caps.sandbox, runtime, job, LIMITS, compile_limits=COMPILE, cache=CompileCache())
    result = await execute(spec, lambda _stream, text: out.append(text), asyncio.Event())
    assert (result.status, "".join(out)) == ("ok", "ok\n")
