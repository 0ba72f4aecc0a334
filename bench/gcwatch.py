"""Run a server script with its garbage-collector pauses logged: a diagnostic, not a scenario.

``python -m bench.gcwatch server.py --port 8080 ...`` runs ``server.py`` as ``__main__`` with
a ``gc.callbacks`` hook that writes one line per collection of generation 1 or 2 (the ones
that can pause for long) to stderr: generation, pause in ms, objects collected, and the number
of objects the collector tracks (with ``GCWATCH_TYPES=1``, also the commonest types among
them, and the references a full pass follows by type: on a large heap each one is a likely
cache miss, so that total, more than the object count, sets the pause). Latency spikes of
tens of milliseconds at moderate CPU are the signature of full collections over a large heap
of long-lived objects.
"""

from __future__ import annotations

import gc
import os
import runpy
import sys
import time
from collections import Counter
from typing import Any

_started: dict[int, float] = {}
MIN_GENERATION = 1


def _hook(phase: str, info: dict[str, Any]) -> None:
    generation = info["generation"]
    if generation < MIN_GENERATION:
        return
    if phase == "start":
        _started[generation] = time.perf_counter()
        return
    pause = (time.perf_counter() - _started.pop(generation, time.perf_counter())) * 1e3
    census = generation == 2 and bool(os.environ.get("GCWATCH_TYPES"))
    tracked = gc.get_objects() if census else []  # costly: only when asked
    print(
        f"gcwatch gen={generation} pause_ms={pause:.1f} collected={info['collected']} "
        f"tracked={len(tracked) if census else -1}",
        file=sys.stderr,
        flush=True,
    )
    if census:
        counts = Counter(type(o).__qualname__ for o in tracked).most_common(12)
        print("gcwatch types " + " ".join(f"{n}={c}" for n, c in counts), file=sys.stderr)
        refs: Counter[str] = Counter()
        for obj in tracked:
            refs[type(obj).__qualname__] += len(gc.get_referents(obj))
        top = " ".join(f"{n}={c}" for n, c in refs.most_common(12))
        print(f"gcwatch refs total={sum(refs.values())} {top}", file=sys.stderr)


def main() -> None:
    script, *args = sys.argv[1:]
    sys.argv = [script, *args]
    sys.path.insert(0, ".")
    gc.callbacks.append(_hook)
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
