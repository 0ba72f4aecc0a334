"""Per language: time from a run's start to its first output and to its result (hello-world).

Runs through the real runner and sandbox (not the socket: its overhead is milliseconds),
for every language whose toolchain the start-up probe finds. ``cold``: a source never seen
(a comment with a counter), so a compiled language compiles; ``cached``: the same source
again, served by the compile cache; ``cold-cds``, for a compiler on the JVM: a cold compile
that starts from its class-data archive (sessions/execution/jvm_archive.py; written first if
this machine has none). Prints median and p95 per language and kind.
``--problem SLUG``: the problem's reference solution (tests/solutions/SLUG/) with its tests,
through each language's harness, instead of hello-world.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from sessions.execution import probe, toolchain_probe
from sessions.execution.compiling import CompileCache
from sessions.execution.harness import build_job
from sessions.execution.runner import RunSpec, execute
from sessions.execution.spec import MIB, RunLimits
from sessions.execution.toolchains import TRIALS
from sessions.interview.problems import Problem, load_bank

SOLUTIONS = Path(__file__).resolve().parent.parent / "tests" / "solutions"

COMMENT = {"python": "#", "ruby": "#", "shell": "#", "php": "//"}
LIMITS = RunLimits()
COMPILE = RunLimits(wall_seconds=60, cpu_seconds=60, memory_bytes=1536 * MIB, tmpfs_bytes=256 * MIB)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def once(
    caps: probe.Capabilities,
    language: str,
    code: str,
    cache: CompileCache,
    problem: Problem | None = None,
    archived: bool = True,
):
    runtime = caps.runtimes[language]
    if not archived:
        runtime = dataclasses.replace(runtime, archive=None)
    job = build_job(runtime.spec, code, problem)
    spec = RunSpec(caps.sandbox, runtime, job, LIMITS, compile_limits=COMPILE, cache=cache)
    started = time.monotonic()
    first: list[float] = []

    def on_output(_stream: str, _text: str) -> None:
        if not first:
            first.append(time.monotonic() - started)

    result = await execute(spec, on_output, asyncio.Event())
    assert result.status == "ok", (language, result)
    assert problem is None or result.passed == result.total, (language, result)
    return first[0] if first else float("nan"), time.monotonic() - started


def solution(slug: str, language: str) -> str | None:
    """The reference solution of ``slug`` in ``language``, or None."""
    found = [p for p in (SOLUTIONS / slug).glob(f"{language}.*")]
    return found[0].read_text(encoding="utf-8") if found else None


async def measure(runs: int, only: list[str], slug: str | None = None) -> None:
    caps = await asyncio.to_thread(probe.detect)
    caps = await toolchain_probe.extend(caps, LIMITS, COMPILE)
    cache = CompileCache()
    print(f"{'language':12} {'kind':7} first-output median/p95   result median/p95  (s)")
    for language in sorted(caps.runtimes):
        if language not in TRIALS or (only and language not in only):
            continue
        mark = COMMENT.get(language, "//" if language != "sql" else "--")
        problem = load_bank().get(slug) if slug else None
        code = solution(slug, language) if slug else TRIALS[language]
        if code is None:
            continue
        jvm = caps.runtimes[language].archive is not None
        for kind in ("cold", "cold-cds", "cached") if jvm else ("cold", "cached"):
            firsts, totals = [], []
            for i in range(runs):
                text = code if kind == "cached" else f"{code}\n{mark} {time.time_ns()} {i}\n"
                if language == "php" and kind == "cold":
                    text = code + f"// {time.time_ns()}\n"
                first, total = await once(caps, language, text, cache, problem, kind != "cold")
                firsts.append(first)
                totals.append(total)
            print(
                f"{language:12} {kind:8} {statistics.median(firsts):6.2f} / {p95(firsts):5.2f}"
                f"          {statistics.median(totals):6.2f} / {p95(totals):5.2f}",
                flush=True,
            )
    cache.clear()


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="runs per language and kind")
    parser.add_argument("--only", nargs="*", default=[], help="these languages only")
    parser.add_argument("--problem", help="a problem's reference solutions and tests")
    args = parser.parse_args(argv)
    asyncio.run(measure(args.runs, args.only, args.problem))
    return 0
