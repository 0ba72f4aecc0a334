"""A server with every garbage collection it makes logged (what ``bench tail`` starts).

``python -m bench gclog-server LOG server.py [flags]`` (or ``LOG -m bench floor-server ...``)
runs the server as ``__main__`` with a ``gc.callbacks`` hook that appends one line per
collection to LOG: ``generation start_ns end_ns collected``, on ``time.perf_counter_ns``,
which is the system-wide monotonic clock, so the load generator can place each collection
against the messages it timed. A line costs about a microsecond, and collections come a few
per second at most, so the log does not move what it measures.
"""

from __future__ import annotations

import gc
import runpy
import sys
import time
from pathlib import Path
from typing import IO, Any


class CollectionLog:
    """The ``gc.callbacks`` hook: times each collection and writes it as one line."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.started: dict[int, int] = {}

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        generation = info["generation"]
        now = time.perf_counter_ns()
        if phase == "start":
            self.started[generation] = now
            return
        start = self.started.pop(generation, now)
        self.out.write(f"{generation} {start} {now} {info['collected']}\n")


def main(argv: list[str], prog: str) -> int:
    if len(argv) < 2:
        raise SystemExit(f"usage: {prog} LOG server.py [flags] | LOG -m MODULE [args]")
    log, *command = argv
    out = open(log, "a", buffering=1)  # noqa: SIM115 - open for the process's life
    gc.callbacks.append(CollectionLog(out))
    if command[:1] == ["-m"]:
        sys.argv = [command[1], *command[2:]]
        runpy.run_module(command[1], run_name="__main__", alter_sys=True)
        return 0
    script, *args = command
    sys.argv = [script, *args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    runpy.run_path(script, run_name="__main__")
    return 0
