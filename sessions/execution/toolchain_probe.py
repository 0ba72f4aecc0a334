"""Start-up: which toolchains run here, found by a trial compile-and-run inside the sandbox.

After the isolation level is known (:func:`sessions.execution.probe.detect`), every declared
language (:mod:`.toolchains`) whose files are on the machine compiles and runs its trial
program through the real runner, a few at once so that start-up stays short. A language is
runnable when its trial printed ``ok``; otherwise its reason says why (the packages to
install, or the trial's last words). Versions come from Debian's package database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
from dataclasses import replace

from sessions.execution import jvm_archive
from sessions.execution.compiling import CompileCache
from sessions.execution.harness import build_job
from sessions.execution.probe import Capabilities
from sessions.execution.runner import RunSpec, execute
from sessions.execution.spec import MIB, RunLimits, Runtime
from sessions.execution.toolchains import DECLARED, NEVER, TRIAL_OUTPUT, TRIALS, missing_reason

log = logging.getLogger("interview.exec")
AT_ONCE = 4
TRIAL_LIMITS = RunLimits(wall_seconds=30.0, cpu_seconds=30)
TRIAL_COMPILE = RunLimits(
    wall_seconds=90.0, cpu_seconds=90, memory_bytes=1536 * MIB, tmpfs_bytes=256 * MIB
)


def package_versions(packages: list[str]) -> dict[str, str]:
    """Installed versions of Debian ``packages`` (missing ones are left out)."""
    if not packages:
        return {}
    try:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", *packages],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    found = {}
    for line in done.stdout.splitlines():
        name, _, version = line.partition(" ")
        if version:
            found[name] = version
    return found


async def trial(
    caps: Capabilities,
    runtime: Runtime,
    limits: RunLimits,
    compile_limits: RunLimits,
    gate: asyncio.Semaphore,
) -> str | None:
    """None when ``runtime``'s trial printed ``ok``, else why not."""
    job = build_job(runtime.spec, TRIALS[runtime.spec.id], None)
    out: list[str] = []
    spec = RunSpec(
        caps.sandbox,
        runtime,
        job,
        limits,
        compile_limits=compile_limits,
        cache=CompileCache(entries=0),
    )
    async with gate:
        try:
            result = await execute(spec, lambda _stream, text: out.append(text), asyncio.Event())
        except Exception as exc:  # noqa: BLE001 - the machine: say so, it does not run
            return f"toolchain trial failed: {exc}"
        finally:
            if spec.cache is not None:
                spec.cache.clear()
    text = "".join(out)
    if result.status == "ok" and text == TRIAL_OUTPUT.get(runtime.spec.id, "ok\n"):
        return None
    last = [line for line in text.strip().splitlines() if line.strip()]
    why = last[-1][:200] if last else f"status {result.status}"
    return f"toolchain trial failed ({result.status}): {why}"


async def try_toolchain(
    caps: Capabilities,
    runtime: Runtime,
    limits: RunLimits,
    compile_limits: RunLimits,
    gate: asyncio.Semaphore,
) -> tuple[str | None, Runtime]:
    """The trial of ``runtime`` (None when it works, else why not) and the runtime to use:
    a JVM compiler's trial also writes its class-data archive when the machine has none
    (:mod:`.jvm_archive`)."""
    runtime = jvm_archive.existing(runtime)
    if runtime.spec.jvm_option is None or runtime.archive is not None:
        return await trial(caps, runtime, limits, compile_limits, gate), runtime
    path = await asyncio.to_thread(jvm_archive.archive_path, runtime)
    if await asyncio.to_thread(jvm_archive.lock, path):
        try:
            dumping = replace(runtime, archive=path, dumping=True)
            dump_limits = jvm_archive.dump_limits(compile_limits)
            why = await trial(caps, dumping, limits, dump_limits, gate)
            if why is None and await asyncio.to_thread(jvm_archive.install, path):
                log.info(
                    "class-data archive for the %s compiler written: %s", runtime.spec.id, path
                )
                return None, replace(runtime, archive=path)
            log.warning("no class-data archive for the %s compiler: %s", runtime.spec.id, why)
        finally:
            await asyncio.to_thread(jvm_archive.unlock, path)
    return await trial(caps, runtime, limits, compile_limits, gate), runtime


_FOUND: dict[tuple[object, ...], Capabilities] = {}


async def extend(caps: Capabilities, limits: RunLimits, compile_limits: RunLimits) -> Capabilities:
    """``caps`` with every toolchain whose trial works here, and reasons for the rest.

    The answer depends only on the machine and the limits: it is remembered per process."""
    key = (caps.sandbox, limits, compile_limits)
    if key not in _FOUND:
        _FOUND[key] = await _extend(caps, limits, compile_limits)
    return _FOUND[key]


async def _extend(caps: Capabilities, limits: RunLimits, compile_limits: RunLimits) -> Capabilities:
    reasons: dict[str, str] = dict(NEVER)
    tried: dict[str, Runtime] = {}
    present = await asyncio.to_thread(
        lambda: {lang for lang, spec in DECLARED.items() if os.path.exists(spec.program)}
    )
    for language, spec in DECLARED.items():
        if language in caps.runtimes or language not in TRIALS:
            continue
        if spec.program != "python" and language not in present:
            reasons[language] = missing_reason(spec)
            continue
        interpreter = caps.sandbox.python if spec.program == "python" else spec.program
        tried[language] = Runtime(spec, interpreter)
    gate = asyncio.Semaphore(AT_ONCE)
    trial_limits = replace(limits, wall_seconds=max(limits.wall_seconds, 30.0))
    trial_compile = replace(compile_limits, wall_seconds=max(compile_limits.wall_seconds, 90.0))
    outcomes = await asyncio.gather(
        *(try_toolchain(caps, rt, trial_limits, trial_compile, gate) for rt in tried.values())
    )
    runtimes = dict(caps.runtimes)
    for language, (why, runtime) in zip(tried, outcomes, strict=True):
        if why is None:
            runtimes[language] = runtime
        else:
            reasons[language] = why
    for language, spec in DECLARED.items():
        if language not in runtimes and language not in reasons:
            reasons[language] = missing_reason(spec) if spec.packages else "not runnable here"
    packages = sorted({p for language in runtimes for p in DECLARED[language].packages})
    return replace(caps, runtimes=runtimes, reasons=reasons, versions=package_versions(packages))
