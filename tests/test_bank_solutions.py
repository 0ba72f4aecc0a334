"""Every reference solution (tests/solutions/<slug>/<language>.<ext>) passes all its tests.

Each runs through the real runner, in the sandbox, with its problem's tests, exactly as a
candidate's code in the room would (docs/languages.md). A language whose toolchain is
missing skips, or fails under ``INTERVIEW_TEST_REQUIRE`` naming ``lang-<id>`` (CI).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sessions.execution import probe, toolchain_probe
from sessions.execution.compiling import CompileCache
from sessions.execution.harness import build_job
from sessions.execution.harnesses import BUILDERS
from sessions.execution.runner import RunSpec, execute
from sessions.execution.spec import MIB, RunLimits
from sessions.interview.problems import load_bank
from tests.needs import need

pytestmark = pytest.mark.timeout(180)
SOLUTIONS = Path(__file__).parent / "solutions"
EXTENSIONS = {
    "py": "python", "js": "javascript", "ts": "typescript", "java": "java", "cs": "csharp",
    "kt": "kotlin", "scala": "scala", "go": "go", "rs": "rust", "c": "c", "cpp": "cpp",
    "rb": "ruby", "php": "php", "sh": "shell", "sql": "sql",
}  # fmt: skip
LIMITS = RunLimits()
COMPILE = RunLimits(wall_seconds=90, cpu_seconds=90, memory_bytes=1536 * MIB, tmpfs_bytes=256 * MIB)
CASES = sorted(
    (path.parent.name, EXTENSIONS[path.suffix[1:]], path)
    for path in SOLUTIONS.glob("*/*.*")
    if path.suffix[1:] in EXTENSIONS
)


@pytest.fixture(scope="module")
def capabilities() -> probe.Capabilities:
    caps = probe.detect()
    return asyncio.run(toolchain_probe.extend(caps, LIMITS, COMPILE))


@pytest.mark.parametrize(
    ("slug", "language", "path"), CASES, ids=[f"{s}-{lang}" for s, lang, _ in CASES]
)
def test_the_reference_solution_passes_every_test(
    capabilities: probe.Capabilities, slug: str, language: str, path: Path
):
    runtime = capabilities.runtimes.get(language)
    need(f"lang-{language}", runtime is not None, capabilities.reason(language) or "")
    assert runtime is not None
    assert language in BUILDERS, f"no per-test harness for {language}"
    problem = load_bank().get(slug)
    job = build_job(runtime.spec, path.read_text(encoding="utf-8"), problem)
    cache = CompileCache()
    spec = RunSpec(capabilities.sandbox, runtime, job, LIMITS, compile_limits=COMPILE, cache=cache)
    output: list[str] = []
    try:
        result = asyncio.run(execute(spec, lambda _s, text: output.append(text), asyncio.Event()))
    finally:
        cache.clear()
    assert result.tests, "".join(output)
    failed = [test.to_json() for test in result.tests if not test.passed]
    assert failed == [], "".join(output)
    assert result.passed == result.total
