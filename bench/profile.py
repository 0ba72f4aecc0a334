"""Sample a server with py-spy while it is under load, and summarise where its CPU goes.

``py-spy record --format raw`` writes collapsed stacks (``frame;frame;frame count``). The
summary gives, over the samples where the server was busy (py-spy leaves idle waits out),
each function's *self* share (it was the innermost frame) and *inclusive* share (it was on the
stack), which is "% of server CPU" since the server is one thread on its own core.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str | None:
    """The py-spy binary next to this interpreter, or on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.exists():
        return str(beside)
    return shutil.which("py-spy")


def start_recording(
    pid: int, seconds: float, out: Path, rate: int = 250
) -> subprocess.Popen[bytes]:
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--function",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@dataclass
class Profile:
    samples: int
    self_share: list[tuple[str, float]]
    inclusive_share: list[tuple[str, float]]

    def top(self, n: int = 25) -> str:
        lines = [f"{self.samples} busy samples", "", "| self % | function |", "|---:|---|"]
        lines += [f"| {pct:.1f} | `{name}` |" for name, pct in self.self_share[:n]]
        lines += ["", "| inclusive % | function |", "|---:|---|"]
        # The frames every sample passes through (run_forever, main, ...) say nothing.
        telling = [(name, pct) for name, pct in self.inclusive_share if pct < 95.0]
        lines += [f"| {pct:.1f} | `{name}` |" for name, pct in telling[:n]]
        return "\n".join(lines)


def _short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "/lib/python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m['func']} ({path})"


def summarize(collapsed: Path) -> Profile:
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        self_counts[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return Profile(0, [], [])

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, 100 * c / total) for name, c in counter.most_common()]

    return Profile(total, shares(self_counts), shares(inclusive))


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1])).top(int(sys.argv[2]) if len(sys.argv) > 2 else 30))
