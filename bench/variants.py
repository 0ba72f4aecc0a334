"""The servers the bisection compares (``python -m bench bisect`` in wall-clock time and
``python -m bench instructions`` in instructions): the product, the product less one more
piece at a time, its event loop and persistence variants, and the floor relay."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from bench.bisect_server import PIECES
from bench.common import ours, python

_T = TypeVar("_T")


def variants(snapshot_dir: Path, before: Path | None = None) -> list[tuple[str, list[str]]]:
    """(name, argv without the port) of every variant, in the table's order; with ``before``
    (another checkout: ``git worktree add DIR COMMIT``), its ``server.py`` as ``before`` and
    ``before --snapshot`` right after ``ours``."""
    entry = ("-m", "bench", "bisect-server")
    out: list[tuple[str, list[str]]] = [("ours", ours())]
    if before is not None:
        old = (str(before / "server.py"),)
        out.append(("before", ours(entry=old)))
        old_snapshot = str(snapshot_dir / "before.json")
        out.append(("before --snapshot", ours("--snapshot", old_snapshot, entry=old)))
        old_journal = ("--snapshot", old_snapshot + ".journal", "--snapshot-interval", "3600")
        out.append(("before --snapshot --snapshot-interval 3600", ours(*old_journal, entry=old)))
    removed: list[str] = []
    for piece in PIECES:
        removed.append(piece)
        out.append((f"- {piece}", ours("--without", ",".join(removed), entry=entry)))
    out.append(("ours --without domain", ours("--without", "domain", entry=entry)))
    out.append(("ours --event-loop asyncio", ours("--event-loop", "asyncio")))
    snapshot = str(snapshot_dir / "bisect.json")
    out.append(("ours --snapshot", ours("--snapshot", snapshot)))
    asyncio_snapshot = ours("--snapshot", snapshot + ".asyncio", "--event-loop", "asyncio")
    out.append(("ours --snapshot --event-loop asyncio", asyncio_snapshot))
    journal_only = ours("--snapshot", snapshot + ".journal", "--snapshot-interval", "3600")
    out.append(("ours --snapshot --snapshot-interval 3600", journal_only))
    # The other durability mode: every ack waits for the fsync of its turn's records.
    always = ("--durability", "always")
    out.append(
        ("ours --snapshot --durability always", ours("--snapshot", snapshot + ".always", *always))
    )
    always_journal = ("--snapshot", snapshot + ".always.journal", "--snapshot-interval", "3600")
    out.append(
        (
            "ours --snapshot --snapshot-interval 3600 --durability always",
            ours(*always_journal, *always),
        )
    )
    unwritten = ("--unwritten-journal", "--snapshot", snapshot + ".unwritten")
    unwritten_argv = ours(*unwritten, "--snapshot-interval", "3600", entry=entry)
    out.append(("ours --snapshot --unwritten-journal", unwritten_argv))
    for delay in ("0.01", "0.02", "0.05"):
        delayed = ("--write-delay", delay, "--snapshot", f"{snapshot}.{delay}")
        delayed_argv = ours(*delayed, "--snapshot-interval", "3600", entry=entry)
        out.append(
            (f"ours --snapshot --snapshot-interval 3600 --write-delay {delay}", delayed_argv)
        )
    floor = [python(), "-m", "bench", "floor-server", "--json", "orjson"]
    out.append(("floor", floor))
    return out


def rotated_order(sides: list[_T], round_: int) -> list[_T]:
    """The order of round ``round_``: every rotation, then every rotation reversed, so each
    variant goes at each position and after each other one equally often over
    ``2 * len(sides)`` rounds (rotating and reversing in alternate rounds put two variants in
    the same order every round)."""
    shift = round_ % len(sides)
    order = sides[shift:] + sides[:shift]
    if (round_ // len(sides)) % 2:
        order.reverse()
    return order
