"""Per-edit CPU in one process, no sockets: ours against the floor's work for the same frames.

``python -m bench perframe [edits]`` (default 20,000; ``--quick`` 2,000) builds one session
with a typist and two readers whose peers only count what they are handed, then runs the
same full-text ``code-change`` frames (a one-character change of a 2 KB document each)
through

* ours: the frame guard (rate limit), ``handle_text`` (parse, route to the domain: OT
  document, op log, timeline, permissions; encode the ack and the broadcast, hand them to
  the peers, metrics), stage by stage;
* the floor: ``orjson.loads``, the same diff, encode the broadcast and the ack.

It prints µs per edit. What it leaves out (the event loop, aiohttp's frame reading and
writing, the kernel) is the same for both servers, so the difference is what the domain costs
per edit; in the running server it weighs about twice as much (colder caches), see
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import orjson

from sessions.collab.ot import diff_and_inverse, end_of_change
from sessions.config import Config
from sessions.persistence.records import Numbering, record_of
from sessions.protocol.messages import JoinSession, parse_frame
from sessions.room import presence
from sessions.web import guards
from sessions.web.actions import run
from sessions.web.app import create_app
from sessions.web.commit import COMMIT
from sessions.web.keys import CLOCK, LIMITS, STORE
from sessions.web.ws import handle_text

DOC_SIZE = 2048


class CountingPeer:
    """A connection that only counts frames (what the web layer needs of one here)."""

    def __init__(self) -> None:
        self.frames = 0
        self.closing = False
        self.limiter = None
        self.session = None
        self.member = None
        self.pending_join = None
        self.label = "perframe"
        self.address = ""

    def send(self, data: bytes) -> None:
        self.frames += 1

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.closing = True


def frames(count: int) -> list[str]:
    text, out = "x" * DOC_SIZE, []
    for i in range(count):
        position = i % DOC_SIZE
        text = text[:position] + chr(97 + i % 26) + text[position + 1 :]
        frame = {"type": "code-change", "revision": i, "code": text, "opId": f"o{i}"}
        out.append(orjson.dumps(frame).decode())
    return out


def per_edit(run: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) / count * 1e6


def main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("edits", type=int, nargs="?", help="how many (20,000; --quick 2,000)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only",
        choices=("ours", "journal"),
        help="run one loop over every edit and print nothing (for valgrind --tool=callgrind "
        "at two sizes: the difference is the instructions per edit): handle_text, or the "
        "stages with the journal's record",
    )
    args = parser.parse_args(argv)
    count = args.edits or (2_000 if args.quick else 20_000)
    app = create_app(Config(rate_limit_per_second=1e9, rate_limit_burst=10**9))
    session = app[STORE].create("perframe", "python", "x" * DOC_SIZE, max_candidates=10)
    peers = []
    for role in ("candidate", "interviewer", "observer"):
        peer = CountingPeer()
        token = None if role == "candidate" else session.interviewer_token
        join = JoinSession(session.id, role, role, token, None, True)
        member, _ = presence.join(session, join, peer, app[CLOCK]())
        peer.session, peer.member = session, member  # type: ignore[assignment]
        peers.append(peer)
    typist = peers[0]
    texts = frames(count)

    def floor() -> None:
        code, revision, caret = "x" * DOC_SIZE, 0, 0
        for text in texts:
            new = orjson.loads(text)["code"]
            ops = diff_and_inverse(code, new, caret)[0]
            code, revision, caret = new, revision + 1, end_of_change(ops, len(new))
            update = {"type": "code-update", "revision": revision, "ops": ops, "userId": "u"}
            orjson.dumps({**update, "code": code})
            orjson.dumps({"type": "ack", "revision": revision})

    half = count // 2
    first, second = texts[:half], texts[half:]

    def ours_whole() -> None:
        for text in first:
            if guards.admit_frame(app, typist):  # type: ignore[arg-type]
                handle_text(app, typist, text)  # type: ignore[arg-type]

    def ours_in_stages() -> dict[str, float]:
        limits, commit = app[LIMITS], app[COMMIT]
        times = dict.fromkeys(("guard", "parse", "domain", "journal", "send"), 0.0)
        numbering = Numbering()
        for text in second:
            t0 = time.perf_counter()
            guards.admit_frame(app, typist)  # type: ignore[arg-type]
            t1 = time.perf_counter()
            message = parse_frame(text, limits)
            t2 = time.perf_counter()
            outcome = run(app, typist, message)  # type: ignore[arg-type]
            t3 = time.perf_counter()
            # What --snapshot adds per edit on the loop: the record, encoded (not written).
            orjson.dumps(record_of(outcome.change, numbering))  # type: ignore[arg-type]
            t4 = time.perf_counter()
            commit.outcome(outcome, typist)
            t5 = time.perf_counter()
            steps = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
            for stage, seconds in zip(times, steps, strict=True):
                times[stage] += seconds
        return {stage: seconds / len(second) * 1e6 for stage, seconds in times.items()}

    if args.only == "ours":
        first = texts
        ours_whole()
        return 0
    if args.only == "journal":
        second = texts
        ours_in_stages()
        return 0
    floor_us = per_edit(floor, count)
    ours_us = per_edit(ours_whole, half)
    stages = ours_in_stages()
    assert session.document.revision == count, session.document.revision
    assert peers[1].frames == peers[2].frames == count  # every edit reached both readers
    print(f"floor: {floor_us:.1f} µs per edit (orjson.loads, diff, two encodes)")
    print(
        f"ours:  {ours_us:.1f} µs per edit; by stage: "
        + ", ".join(f"{stage} {us:.1f}" for stage, us in stages.items())
    )
    return 0
