"""Does ``malloc_trim`` give memory back after churn? (docs/benchmarks.md, "Persistence").

``python -m bench.trim``: 200 sessions with 2,000 edits each are made in this process through
the domain, then every session is deleted and the collector run; the resident set size is
read at each step, and once more after glibc's ``malloc_trim(0)``.
"""

from __future__ import annotations

import ctypes
import gc
import os

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.room.editing import replace_code
from sessions.room.store import SessionStore

SESSIONS = 200
EDITS = 2000


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    clock = FakeClock()
    store = SessionStore(Config(), clock)
    baseline = rss_mb()
    for i in range(SESSIONS):
        session = store.create(f"s{i}", "python", "")
        text = ""
        for n in range(EDITS):
            text += f"x{n} "
            replace_code(session, None, text[-200:], clock())
    peak = rss_mb()
    for session in list(store):
        store.remove(session.id)
    gc.collect()
    deleted = rss_mb()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    trimmed = rss_mb()
    print(
        f"RSS baseline {baseline:.1f} MB, with {SESSIONS} x {EDITS} edits {peak:.1f} MB, "
        f"every session deleted {deleted:.1f} MB, after malloc_trim(0) {trimmed:.1f} MB"
    )


if __name__ == "__main__":
    main()
