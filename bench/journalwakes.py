"""How often the journal writer thread wakes per appended record (interval mode).

``python -m bench journalwakes [--tree DIR] [--records 4000]`` appends one small record every
0.5 ms from the calling thread, as the loop hands over one per turn at about 2k records/s,
and counts the writer thread's waits on its condition: each is a wake-up that takes the
interpreter lock from the loop. ``--tree`` imports ``sessions`` from another checkout
(``git worktree add DIR main``) for a before/after pair.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--tree", type=Path, default=None, help="another checkout to measure")
    parser.add_argument("--records", type=int, default=4000)
    args = parser.parse_args(argv)
    if args.tree is not None:
        sys.path.insert(0, str(args.tree))
        for name in [m for m in sys.modules if m == "sessions" or m.startswith("sessions.")]:
            del sys.modules[name]
    from sessions.persistence import journal

    waits = 0

    class Counting(threading.Condition):
        def wait(self, timeout: float | None = None) -> bool:
            nonlocal waits
            waits += 1
            return super().wait(timeout)

    journal.__dict__["threading"] = SimpleNamespace(Thread=threading.Thread, Condition=Counting)
    with tempfile.TemporaryDirectory() as tmp:
        writer: Any = journal.JournalWriter(
            Path(tmp) / "s.json",
            durability="interval",
            fsync_interval=1.0,
            on_durable=lambda seq: None,
            on_error=print,
            clock=lambda: "t",
        )
        writer.rotate(1)
        writer.wait_idle()
        start, began = waits, time.perf_counter()
        for i in range(args.records):
            writer.append(b'{"t":"change","s":"x","j":%d}' % i)
            time.sleep(0.0005)
        elapsed = time.perf_counter() - began
        writer.wait_idle()
        counted = waits - start
        writer.close()
    where = args.tree or "this tree"
    print(
        f"{where}: {counted} waits of the writer for {args.records} appends "
        f"({counted / args.records:.2f} per record) in {elapsed:.1f} s"
    )
    return 0
