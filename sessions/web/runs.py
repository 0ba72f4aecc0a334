"""Runs of the candidate's code, owned by the app: the queue, one run per session, the events.

``run-code`` and ``cancel-run`` arrive here from the socket handler as one synchronous call
each, like every other action: the checks, the queue and the first event happen before the
call returns. The run itself is a task the app owns (``cleanup_ctx``: shutdown kills every
run and empties the queue); its output and result go to everyone in the session through the
same commit path as every other outcome (:mod:`sessions.web.commit`), so nothing here
awaits a peer and a run's frames keep their order with everything else.

Server-wide at most ``--exec-max-concurrent`` runs execute at once; the others wait in one
FIFO queue (at most ``--exec-queue-size``) and are told their position with ``run-queued``,
again whenever it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from sessions.clock import Clock
from sessions.config import Config
from sessions.errors import Capacity, ExecDisabled, LanguageNotRunnable, RunInProgress
from sessions.execution import probe, toolchain_probe
from sessions.execution.compiling import CompileCache
from sessions.execution.harness import build_job
from sessions.execution.outcome import RunResult
from sessions.execution.runner import RunSpec, execute
from sessions.execution.spec import MIB, Isolation, RunLimits, Runtime
from sessions.interview.permissions import Action, require
from sessions.interview.problems import Problem
from sessions.protocol.messages import CancelRun, RunCode
from sessions.room import frames
from sessions.room.editing import require_active
from sessions.room.outcome import Outcome
from sessions.room.report import RUN_RESULT
from sessions.room.session import Member, Session
from sessions.web.commit import COMMIT, Commit
from sessions.web.keys import CLOCK, CONFIG
from sessions.web.runs_announce import announce

log = logging.getLogger("interview.exec")
COMPILE_FILE_BYTES = 64 * MIB
COMPILE_TMPFS_BYTES = 256 * MIB


def limits_of(config: Config) -> RunLimits:
    """The containment of every run, from the configuration."""
    return RunLimits(
        wall_seconds=config.exec_timeout_seconds,
        cpu_seconds=config.exec_cpu_seconds,
        memory_bytes=config.exec_memory_bytes,
        file_bytes=config.exec_file_bytes,
        processes=config.exec_processes,
        open_files=config.exec_open_files,
        output_bytes=config.exec_output_bytes,
        tmpfs_bytes=config.exec_tmpfs_bytes,
    )


def compile_limits_of(config: Config) -> RunLimits:
    """The containment of a compile phase: its own time and memory, room for its files."""
    return replace(
        limits_of(config),
        wall_seconds=config.exec_compile_timeout_seconds,
        cpu_seconds=config.exec_compile_cpu_seconds,
        memory_bytes=config.exec_compile_memory_bytes,
        file_bytes=max(config.exec_file_bytes, COMPILE_FILE_BYTES),
        tmpfs_bytes=max(config.exec_tmpfs_bytes, COMPILE_TMPFS_BYTES),
    )


KEPT_OUTPUT = 4000
"""How much of a run's output its timeline event keeps (the replay shows it at its moment)."""


@dataclass(eq=False)
class Run:
    """One requested run: a snapshot of the code at a revision, and who asked."""

    id: str
    session: Session
    user_id: str
    name: str
    language: str
    revision: int
    runtime: Runtime
    spec: RunSpec
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    position: int = 0
    """The place in the queue the room was last told (0: not queued)."""
    output: str = ""
    """The start of its output, stdout and stderr as they came, kept for the replay."""
    answer: asyncio.Future[tuple[RunResult, str]] | None = None
    """Set for a run of a past moment's code: its result and whole output go to the
    interviewer who asked, nothing to the room or its timeline."""

    def started(self) -> dict[str, Any]:
        return frames.run_started(self.id, self.revision, self.language, self.user_id, self.name)


class Runs:
    """The runs of the whole server: capabilities, queue, and the run of each session."""

    def __init__(self, config: Config, commit: Commit, clock: Clock) -> None:
        self.config = config
        self.commit = commit
        self.clock = clock
        self.limits = limits_of(config)
        self.compile_limits = compile_limits_of(config)
        self.cache: CompileCache | None = None
        self.capabilities = probe.disabled()
        self.by_session: dict[str, Run] = {}
        self.waiting: deque[Run] = deque()
        self.running: set[Run] = set()

    @property
    def enabled(self) -> bool:
        return self.capabilities.isolation is not Isolation.OFF

    def health(self) -> dict[str, Any]:
        """``/health``'s ``execution``: on or off, the isolation in force, what runs."""
        return {
            "enabled": self.enabled,
            "isolation": str(self.capabilities.isolation),
            "runnable": sorted(self.capabilities.runtimes),
            "reasons": self.reasons(),
            "toolchains": dict(self.capabilities.versions),
        }

    def runnable(self) -> dict[str, bool]:
        return self.capabilities.runnable()

    def reasons(self) -> dict[str, str]:
        """Why each language that does not run here does not."""
        found = {lang: self.capabilities.reason(lang) for lang in self.capabilities.runnable()}
        return {lang: why for lang, why in found.items() if why is not None}

    # --- the two actions --------------------------------------------------------------

    def run_code(self, session: Session, member: Member, message: RunCode) -> Outcome:
        """Queue or start a run of the session's code as it is now."""
        require(member.role, Action.RUN_CODE)
        self._require_enabled()
        require_active(session)
        current = self.by_session.get(session.id)
        if current is not None:
            raise RunInProgress("a run is already in progress in this session", runId=current.id)
        runtime, spec = self._spec(
            session.document.text, session.language, session.problem, message.stdin
        )
        run = Run(
            _run_id(),
            session,
            member.user_id,
            member.name,
            session.language,
            session.document.revision,
            runtime,
            spec,
        )
        self.by_session[session.id] = run
        frame = self._enqueue(run)
        outcome = Outcome(reply=frames.with_ref(dict(frame), message.ref))
        outcome.deliver(frame, session.others(member))
        return outcome

    async def run_moment(
        self, session: Session, moment: dict[str, Any], problem: Problem | None, stdin: str | None
    ) -> tuple[RunResult, str]:
        """Run the code of a past moment (``Timeline.state_at``) for the interviewer who asked,
        against the problem of that moment: in the same queue and limits as the room's runs,
        in an ended session too; the result and output come back here, not to the room."""
        language = moment["language"]
        runtime, spec = self._spec(moment["code"], language, problem, stdin)
        answer = asyncio.get_running_loop().create_future()
        run = Run(_run_id(), session, "", "", language, moment["revision"], runtime, spec)
        run.answer = answer
        self._enqueue(run)
        try:
            return await asyncio.shield(run.answer)
        except asyncio.CancelledError:  # the interviewer went away: stop it, or unqueue it
            if run in self.waiting:
                self.waiting.remove(run)
                self._requeue()
            run.stop.set()
            raise

    def _spec(
        self, code: str, language: str, problem: Problem | None, stdin: str | None
    ) -> tuple[Runtime, RunSpec]:
        """How to run ``code``, once execution, the language and the queue allow it."""
        self._require_enabled()
        runtime = self.capabilities.runtimes.get(language)
        if runtime is None:
            raise LanguageNotRunnable(
                f"{language} code cannot run on this server", language=language
            )
        full = len(self.running) >= self.config.exec_max_concurrent
        if full and len(self.waiting) >= self.config.exec_queue_size:
            raise Capacity("too many runs are waiting: try again in a moment")
        spec = RunSpec(
            self.capabilities.sandbox,
            runtime,
            build_job(runtime.spec, code, problem),
            self.limits,
            compile_limits=self.compile_limits,
            stdin=stdin,
            cache=self.cache,
        )
        return runtime, spec

    def _require_enabled(self) -> None:
        if not self.enabled:
            raise ExecDisabled("this server was started without --enable-exec: code cannot run")

    def _enqueue(self, run: Run) -> dict[str, Any]:
        """Start ``run`` if a slot is free, else queue it: its first frame."""
        if len(self.running) < self.config.exec_max_concurrent:
            return self._start(run)
        self.waiting.append(run)
        return self._queued(run, len(self.waiting))

    def cancel_run(self, session: Session, member: Member, message: CancelRun) -> Outcome:
        """Stop the session's run: a running one is killed, a queued one leaves the queue.

        Either way everyone gets ``run-result`` with status ``killed``. Without a run this
        does nothing; the reply is an ``ack`` in both cases.
        """
        require(member.role, Action.RUN_CODE)
        reply = frames.ack(None, message.ref)
        run = self.by_session.get(session.id)
        if run is None:
            return Outcome(reply=reply)
        if run not in self.waiting:
            run.stop.set()
            return Outcome(reply=reply)
        self.waiting.remove(run)
        del self.by_session[session.id]
        outcome = self._recorded(run, RunResult("killed", None, 0.0, None, None, None, None))
        outcome.reply = reply
        self._requeue()
        return outcome

    # --- the queue --------------------------------------------------------------------

    def _queued(self, run: Run, position: int) -> dict[str, Any]:
        run.position = position
        return frames.run_queued(run.id, position)

    def _start(self, run: Run) -> dict[str, Any]:
        self.running.add(run)
        run.task = asyncio.get_running_loop().create_task(self._execute(run))
        log.info("run %s started in session %s (%s)", run.id, run.session.id, run.language)
        return run.started()

    def _advance(self) -> None:
        """Start waiting runs while there are free slots; tell the rest their new place."""
        moved = False
        while self.waiting and len(self.running) < self.config.exec_max_concurrent:
            run = self.waiting.popleft()
            self._tell(run, self._start(run))
            moved = True
        if moved:
            self._requeue()

    def _requeue(self) -> None:
        """Tell each waiting run whose place changed its new place."""
        for position, run in enumerate(self.waiting, start=1):
            if run.position != position:
                self._tell(run, self._queued(run, position))

    async def _execute(self, run: Run) -> None:
        kept = KEPT_OUTPUT if run.answer is None else self.limits.output_bytes

        def on_output(stream: str, data: str) -> None:
            if len(run.output) < kept:
                run.output = (run.output + data)[:kept]
            self._tell(run, frames.run_output(run.id, stream, data))

        def on_phase(phase: str) -> None:
            self._tell(run, frames.run_phase(run.id, phase))

        try:
            result = await execute(run.spec, on_output, run.stop, on_phase)
        except asyncio.CancelledError:
            self._release(run)
            raise
        except Exception:  # a bug or the machine (no temp space): the run fails, not the server
            log.exception("run %s failed to execute", run.id)
            result = RunResult("error", None, 0.0, None, None, None, None)
        self._release(run)
        self._publish(run, result)
        self._advance()

    def _release(self, run: Run) -> None:
        self.running.discard(run)
        if self.by_session.get(run.session.id) is run:
            del self.by_session[run.session.id]

    def _publish(self, run: Run, result: RunResult) -> None:
        """``run-result`` to everyone in the session, and into its timeline; a past moment's
        run only to the one waiting for it."""
        if run.answer is None:
            self.commit.outcome(self._recorded(run, result))
        elif not run.answer.done():
            run.answer.set_result((result, run.output))

    def _recorded(self, run: Run, result: RunResult) -> Outcome:
        """Put the result into the session's timeline; ``run-result`` to everyone."""
        body = result.to_json()
        now = self.clock()
        outcome = Outcome()
        change = outcome.changing(run.session)
        change.event(
            now,
            RUN_RESULT,
            run.user_id,
            run.name,
            runId=run.id,
            revision=run.revision,
            language=run.language,
            output=run.output,
            **body,
        )
        change.touch(now)
        log.info("run %s ended: %s", run.id, result.status)
        outcome.deliver(frames.run_result(run.id, body), run.session.everyone())
        return outcome

    def _tell(self, run: Run, frame: dict[str, Any]) -> None:
        """``frame`` to everyone in the run's session (nobody, for a past moment's run)."""
        if run.answer is not None:
            return
        outcome = Outcome()
        outcome.deliver(frame, run.session.everyone())
        self.commit.outcome(outcome)

    async def shutdown(self) -> None:
        """Empty the queue and kill every run; returns once their processes are gone."""
        for run in (*self.waiting, *self.running):
            if run.answer is not None and not run.answer.done():
                run.answer.set_exception(Capacity("the server is stopping: the run was not made"))
        self.waiting.clear()
        tasks = [run.task for run in self.running if run.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.by_session.clear()
        if self.cache is not None:
            self.cache.clear()


def _run_id() -> str:
    return "r-" + secrets.token_urlsafe(6)


RUNS = web.AppKey("runs", Runs)


def setup(app: web.Application) -> None:
    """Put the runs on the app; detect the sandbox at start-up when execution is on."""
    app[RUNS] = Runs(app[CONFIG], app[COMMIT], app[CLOCK])
    app.cleanup_ctx.append(_runs_context)


async def _runs_context(app: web.Application) -> AsyncIterator[None]:
    runs = app[RUNS]
    config = app[CONFIG]
    if config.enable_exec:
        capabilities = await asyncio.to_thread(probe.detect, config.exec_isolation)
        runs.capabilities = await toolchain_probe.extend(
            capabilities, runs.limits, runs.compile_limits
        )
        runs.cache = CompileCache()
        announce(runs.capabilities, runs.reasons())
    try:
        yield
    finally:
        await runs.shutdown()
