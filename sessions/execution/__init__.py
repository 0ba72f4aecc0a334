"""Running the candidate's code: contained, opt-in, behind one small interface.

What this package owns, and what it may import:

- :mod:`~sessions.execution.spec` — the data: isolation levels, run limits, the runnable
  languages and how each is invoked. Pure.
- :mod:`~sessions.execution.sandbox` — the command line for each isolation level
  (bubblewrap, user+net+pid namespaces, rlimits only) and the tiny launcher that applies the
  rlimits inside it, waits for the program and reports its exit and CPU time on a pipe the
  program cannot reach. Pure: it builds argv lists, it runs nothing.
- :mod:`~sessions.execution.launcher` — the launcher's source text. Pure data.
- :mod:`~sessions.execution.harness` — the job files: the candidate's source, the harness
  (Python and JavaScript) that calls the problem's entry function with each test's input and
  reports each test on its own channel, and the job description the harness reads. Pure.
- :mod:`~sessions.execution.outcome` — what came back (exit status, CPU, harness records,
  output counts) turned into a :class:`~sessions.execution.outcome.RunResult`. Pure.
- :mod:`~sessions.execution.probe` — start-up detection: which isolation works here and
  which languages run inside it (runs short trial processes, synchronously; call it from a
  thread).
- :mod:`~sessions.execution.runner` — the only asyncio module: spawn, stream output chunks
  as they come, enforce the wall timeout, kill the whole process group, cap output, remove
  the temporary directory.

Nothing here imports aiohttp or the web layer; the web layer (:mod:`sessions.web.runs`)
owns the queue, the per-session "one run at a time" rule and the broadcasts.
"""
