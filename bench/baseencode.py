"""A base snapshot's sessions encoded and restored in one process: µs per timeline event.

``python -m bench baseencode [--sessions 200] [--events 5000] [--before DIR]`` builds
``--sessions`` sessions with ``--events`` one-character edits each in their timelines (what a
long interview or a benchmark's typists leave), then times what a base snapshot does on the
event loop (:func:`capture` and :func:`encode` of every session, joined: the file's bytes)
and what a start-up does with those bytes (``orjson.loads`` and ``session_from_json``). With
``--before DIR`` (another checkout: ``git worktree add DIR COMMIT``) the same runs against
that tree's ``sessions`` package in a second process, for a before and after side by side.
Best of ``--repeat`` runs each (the machine is shared: the least disturbed run is the cost).
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def measure(sessions: int, events: int, repeat: int) -> dict[str, Any]:
    """Runs against whichever ``sessions`` package is first on ``sys.path``: only names that
    every version since the journal has (the before and the after of docs/benchmarks.md)."""
    import orjson

    from sessions.config import Config
    from sessions.persistence import image
    from sessions.persistence.snapshot import session_from_json
    from sessions.room.store import SessionStore

    config = Config(timeline_size=events + 10)
    store = SessionStore(config, time.time)
    built = []
    for n in range(sessions):
        session = store.create(f"s{n}", "python", "x" * 2048)
        for k in range(events):
            position = (n * 131 + k * 7919) % 2048
            ops: list[int | str] = [position, "a", -1, 2047 - position]
            if position == 2047:
                ops.pop()
            session.timeline.append_edit(float(k), "u-bench01", "Ada", k + 1, ops)
        built.append(session)
    encode_s = restore_s = float("inf")
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        pieces = [b"".join(image.encode(image.capture(session))) for session in built]
        encode_s = min(encode_s, time.perf_counter() - started)
        size = sum(map(len, pieces))
        started = time.perf_counter()
        for piece in pieces[: max(1, sessions // 5)]:  # a fifth: restore is the slower half
            session_from_json(orjson.loads(piece), config)
        restore_s = min(
            restore_s,
            (time.perf_counter() - started) * sessions / len(pieces[: max(1, sessions // 5)]),
        )
    total = sessions * events
    return {
        "events": total,
        "encode_ms": encode_s * 1e3,
        "encode_us_per_event": encode_s / total * 1e6,
        "restore_us_per_event": restore_s / total * 1e6,
        "bytes": size,
    }


def _in(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """:func:`measure` in a fresh interpreter that imports ``sessions`` from ``tree``."""
    call = f"measure({args.sessions}, {args.events}, {args.repeat})"
    code = "\n".join(
        [
            "import json, time",
            "from typing import Any",
            inspect.getsource(measure),
            f"print(json.dumps({call}))",
        ]
    )
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, cwd=tree, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--events", type=int, default=5000, help="timeline events per session")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare")
    args = parser.parse_args(argv)
    trees = [("ours", Path(__file__).resolve().parent.parent)]
    if args.before is not None:
        trees.append(("before", args.before.resolve()))
    print(
        f"{args.sessions} sessions x {args.events} timeline events (best of {args.repeat})\n\n"
        "| tree | a base: encode ms | µs per event | MB | restore µs per event |\n"
        "|---|---:|---:|---:|---:|"
    )
    for name, tree in trees:
        r = _in(tree, args)
        print(
            f"| {name} | {r['encode_ms']:,.0f} | {r['encode_us_per_event']:.2f} | "
            f"{r['bytes'] / 1e6:.1f} | {r['restore_us_per_event']:.2f} |"
        )
    return 0
