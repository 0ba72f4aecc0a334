"""Persistence: a base snapshot plus an append-only journal, as Redis keeps an RDB and an AOF.

What it owns, module by module:

* :mod:`.framing` — the journal's bytes: frames of length, CRC-32 and payload; a reader that
  tells a torn last frame (a crash mid-write: dropped with a warning) from corruption
  anywhere else (start-up refused, naming the file and the offset). Sans-I/O.
* :mod:`.snapshot` — a session as JSON and back (its stored fields derived from their
  declarations on the session, plus its parts), and the start-up checks of ``--snapshot``.
* :mod:`.records` — a committed change as a journal record: a session created (whole), a
  session changed (what the domain's change names: operations with revision, author and
  ``opId``, timeline events, chat and notes entries, participants, stored fields), a
  session deleted; and how a record is applied to a session on replay. Sans-I/O.
* :mod:`.image` — a session frozen for the base snapshot in one bounded step on the event
  loop (no walk over its history), and encoded in slices of at most
  :data:`~sessions.persistence.image.EVENTS_PER_SLICE` events, one per turn of the loop.
* :mod:`.journal` — the file I/O: the writer thread that the event loop only appends to, its
  batching, fsync on an interval or on demand, and its error state.
* :mod:`.base` — writing a base snapshot atomically, reusing the bytes of every session that
  did not change since the previous one.
* :mod:`.restore` — start-up: the base plus every journal after it, replayed in order.
* :mod:`.service` — persistence while the server runs (asyncio, no aiohttp): the journal fed
  from the loop, durability waits in commit order, base snapshots in slices, health.

It imports the domain (``sessions.*``) and nothing of the web layer; ``sessions.web.lifecycle``
starts and stops it with the app and ``sessions.web.commit`` feeds it. The on-disk format is
described in docs/persistence.md.
"""
