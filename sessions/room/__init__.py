"""A session and what happens in it: the session itself (:mod:`.session`), the in-memory
store of sessions (:mod:`.store`), presence, edits and cursors (:mod:`.presence`), and the
interview's actions (:mod:`.interview`: chat, notes, the problem, the end, removals). Each
action is one synchronous call returning an outcome for the transport to send.

May import the core modules, :mod:`sessions.protocol`, :mod:`sessions.collab` and
:mod:`sessions.interview`; never :mod:`sessions.persistence`, :mod:`sessions.execution` or
:mod:`sessions.web`.
"""
