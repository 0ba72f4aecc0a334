"""Generate a recorded interview for the replay's tests and benchmark: an interviewer and a
candidate typing code over hours, with idle gaps, chat, notes, runs and signals, written
straight into a session through the domain's own actions (no sockets; the timeline is what a
real interview leaves).

``generate(session, changes=20_000, seconds=7200)`` is the benchmark's 2-hour session
(docs/benchmarks.md, "Replay"); the tests use small ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sessions.protocol.messages import ChatMessage, CodeChange, JoinSession, Note, Signal
from sessions.room import editing, interview, presence, signals
from sessions.room.outcome import Outcome
from sessions.room.report import RUN_RESULT
from sessions.room.session import Member, Session

LINES = (
    "def solve(values, target):",
    "    seen = {}",
    "    for index, value in enumerate(values):",
    "        if target - value in seen:",
    "            return [seen[target - value], index]",
    "        seen[value] = index",
    "    total = sum(values) + len(values) * 2",
    "    return None",
    "",
)
"""Python the candidate types, a word at a time, over and over (valid at every line's end)."""


class _Peer:
    def send(self, data: bytes) -> None:
        pass

    def close(self, code: int, reason: str) -> None:
        pass


@dataclass
class Recorded:
    """What was generated: the members, and when the interview starts and ends."""

    interviewer: Member
    candidate: Member
    start: float
    end: float


def people(session: Session, now: float) -> tuple[Member, Member]:
    """An interviewer (Ivy) and a candidate (Cam) join at ``now``."""
    ivy, _ = presence.join(
        session,
        JoinSession(session.id, "Ivy", "interviewer", session.interviewer_token, None, True),
        _Peer(),
        now,
    )
    cam, _ = presence.join(
        session, JoinSession(session.id, "Cam", "candidate", None, None, True), _Peer(), now
    )
    return ivy, cam


def insert(session: Session, member: Member, at: int, text: str, now: float) -> None:
    """``member`` types ``text`` at code point ``at`` (one change)."""
    length = len(session.document.text)
    ops = [x for x in (at, text, length - at) if x]
    change = CodeChange(None, ops, session.document.revision, None)
    editing.change_code(session, member, change, now)


def delete(session: Session, member: Member, at: int, count: int, now: float) -> None:
    length = len(session.document.text)
    ops = [x for x in (at, -count, length - at - count) if x]
    change = CodeChange(None, ops, session.document.revision, None)
    editing.change_code(session, member, change, now)


def run_result(session: Session, member: Member, now: float, passed: int) -> None:
    """A run's timeline event, as sessions.web.runs records one."""
    change = Outcome().changing(session)
    change.event(
        now,
        RUN_RESULT,
        member.user_id,
        member.name,
        runId=f"r-{now:.0f}",
        revision=session.document.revision,
        language=session.language,
        output="checking 6 cases\n",
        status="ok",
        exitCode=0,
        wallSeconds=0.2,
        cpuSeconds=0.1,
        tests=[{"name": f"t{i}", "passed": i < passed} for i in range(6)],
        passed=passed,
        total=6,
    )


def generate(
    session: Session, *, changes: int = 20_000, seconds: float = 7200.0, seed: int = 19
) -> Recorded:
    """Fill ``session`` with ``changes`` code changes spread over ``seconds``, starting
    ``seconds`` before its creation time: bursts of typing (mostly the candidate, at the end
    of the code; sometimes the interviewer, at the top), idle gaps, a chat message, a note, a
    run and signals every few hundred changes."""
    rng = random.Random(seed)
    start = session.created_at - seconds - 60
    session.created_at = session.timeline.base_at = start
    ivy, cam = people(session, start)
    step = seconds / changes
    now = start + 1
    words = [
        w + (" " if i < len(line.split(" ")) - 1 else "\n")
        for line in LINES
        for i, w in enumerate(line.split(" "))
    ]
    typed = 0
    n = 0  # code changes made
    while n < changes:
        now += step * (0.2 if rng.random() < 0.9 else 8.0)
        text = session.document.text
        if n % 10 == 9:  # the interviewer annotates the top line
            insert(session, ivy, 0, "# " if n % 20 == 9 else "#", now)
            n += 1
        elif text and text[-1] != "\n" and n + 2 <= changes and rng.random() < 0.05:
            insert(session, cam, len(text), "x", now)  # a typo, put right at once
            now += step * 0.2
            delete(session, cam, len(text), 1, now)
            n += 2
        else:
            insert(session, cam, len(text), words[typed % len(words)], now)
            typed += 1
            n += 1
        if n % 500 in (250, 251):  # once every 500 changes (a typo may step over 250)
            chat = ChatMessage(f"question {n}?", "question", None)
            interview.chat(session, cam, chat, now)
            interview.note(session, ivy, Note(f"note at change {n}"), now)
            signals.signal(session, cam, Signal("paste", chars=40 + n % 60, lines=3), now)
            signals.signal(session, cam, Signal("focus-lost", hidden=True), now)
            signals.signal(session, cam, Signal("focus-back", hidden=True, seconds=4.0), now)
            run_result(session, cam, now, passed=n % 7)
    return Recorded(ivy, cam, start, now)


GAP = 600.0


def small(session: Session) -> dict[str, float]:
    """Ivy (colour 0) and Cam (colour 1): Cam types "aaa", a line break and "b"; Ivy puts
    "X" first; Cam asks in the chat; ten idle minutes; Cam types "c", runs, pastes."""
    t0 = session.created_at - 3600
    session.created_at = session.timeline.base_at = t0
    ivy, cam = people(session, t0)
    for i in range(3):
        insert(session, cam, i, "a", t0 + 1 + i)
    insert(session, cam, 3, "\n", t0 + 4)
    insert(session, cam, 4, "b", t0 + 5)
    insert(session, ivy, 0, "X", t0 + 6)
    interview.chat(session, cam, ChatMessage("ready?", "message", None), t0 + 7)
    insert(session, cam, 6, "c", t0 + 7 + GAP)
    run_result(session, cam, t0 + 8 + GAP, passed=2)
    signals.signal(session, cam, Signal("paste", chars=12, lines=2), t0 + 9 + GAP)
    insert(session, cam, 7, "dd", t0 + 10 + GAP)
    delete(session, cam, 7, 1, t0 + 11 + GAP)
    return {"start": t0}


SCRUB = """async ([frames, mode]) => {
  const scrub = document.getElementById("scrub");
  const max = Number(scrub.max);
  const times = [];
  const work = [];
  let last = performance.now();
  let seed = 7;
  for (let i = 0; i < frames; i++) {
    seed = (seed * 16807) % 2147483647;
    const value = mode === "random" ? seed % (max + 1) : Math.round((max * i) / (frames - 1));
    scrub.value = String(value);
    const before = performance.now();
    scrub.dispatchEvent(new Event("input"));
    work.push(performance.now() - before);
    await new Promise((r) => requestAnimationFrame(r));
    const now = performance.now();
    times.push(now - last);
    last = now;
  }
  const stats = (list) => {
    list.sort((a, b) => a - b);
    const at = (q) => Math.round(list[Math.min(list.length - 1, Math.floor(q * list.length))]);
    return { p50: at(0.5), p95: at(0.95), max: Math.round(list[list.length - 1]) };
  };
  return { frame: stats(times), update: stats(work) };
}"""
